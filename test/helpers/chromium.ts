/**
 * Debian's chromium (/usr/bin/chromium, `apt-get install chromium`) driven by playwright-core — never Playwright's
 * own browser download, which cannot work here. Headless, with a fresh profile, and without the background
 * networking that this machine's closed network would refuse.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether chromium is installed (the tests that need it say so when it is not). */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

/** A headless chromium context with a fresh profile (`options` as Playwright's); `closeAll()` also removes the profile. */
export async function launchChromium(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext & { closeAll(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'neurite-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...options,
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return Object.assign(context, {
    async closeAll() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  });
}
