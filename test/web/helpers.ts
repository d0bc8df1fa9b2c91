/**
 * What the studio's browser tests share: a build of the app from the current sources, the real server on a free
 * port, and Debian's chromium driven by playwright-core (never Playwright's download).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { type StudioServer, startStudioServer } from '../../src/cli/studio.js';
import { launchChromium } from '../helpers/chromium.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * The app the tests serve: built once per test run (the test files' processes share their parent, vitest) into
 * a folder of that run, so neither dist/studio/ nor a test run going on beside this one is disturbed.
 */
export const APP_DIR = join(tmpdir(), `neurite-studio-test-${process.ppid}`);

const PREFIX = 'neurite-studio-test-';

/** Builds the app into {@link APP_DIR} unless this run has built it; one build at a time. */
export function ensureBuilt(): void {
  const index = join(APP_DIR, 'index.html');
  if (existsSync(index)) return;
  const lock = `${APP_DIR}.lock`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`ensureBuilt: ${lock} held for 2 minutes`);
      execFileSync('sleep', ['0.5']);
    }
  }
  try {
    if (existsSync(index)) return;
    // builds of earlier runs, a day old or more
    for (const name of readdirSync(tmpdir())) {
      const p = join(tmpdir(), name);
      if (
        name.startsWith(PREFIX) &&
        !name.endsWith('.lock') &&
        Date.now() - statSync(p).mtimeMs > 86_400_000
      ) {
        rmSync(p, { recursive: true, force: true });
      }
    }
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'web/vite.config.ts',
        '--outDir',
        `${APP_DIR}.partial`,
        '--emptyOutDir',
        '--logLevel',
        'error',
      ],
      { cwd: ROOT, stdio: 'inherit' },
    );
    // whole or not at all: a build that failed half-way leaves no index.html at APP_DIR
    renameSync(`${APP_DIR}.partial`, APP_DIR);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Studio {
  server: StudioServer;
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far, on every page of the context. */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Opens a studio URL in a fresh document. A goto that changes only the hash is a same-document navigation: the
 * app rebuilds its page on the hashchange event, which can land after the test's next step, so the test would
 * act on the page shown before. Going through about:blank loads the app anew from the URL.
 */
export async function gotoFresh(page: Page, url: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(url);
}

/** Builds if needed, starts the server on a free port and launches chromium with a fresh profile. */
export async function openStudio(runsDir?: string): Promise<Studio> {
  ensureBuilt();
  const server = await startStudioServer({ appDir: APP_DIR, port: 0, runsDir });
  const context = await launchChromium({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    server,
    context,
    errors,
    newPage: () => context.newPage(),
    close: async () => {
      await context.closeAll();
      await server.close();
    },
  };
}
