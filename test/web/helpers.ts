/**
 * What the studio's browser tests share: building the app when its sources are newer than the build, starting
 * the real server on a free port, and Debian's chromium driven by playwright-core (never Playwright's download).
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type StudioServer, startStudioServer } from '../../src/cli/studio.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const APP_DIR = join(ROOT, 'dist/studio');
export const CHROMIUM = '/usr/bin/chromium';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/studio/ with Vite when it is missing or older than web/ or src/ — at most once per test run (the
 * test files' processes share their parent, vitest), and one build at a time, so no file's server loses its
 * assets to another file's rebuild.
 */
export function ensureBuilt(): void {
  const index = join(APP_DIR, 'index.html');
  const marker = join(ROOT, 'dist', '.studio-built-by');
  const fresh = () =>
    (existsSync(marker) && readFileSync(marker, 'utf8') === String(process.ppid)) ||
    (existsSync(index) &&
      statSync(index).mtimeMs >= Math.max(newestMtime(join(ROOT, 'web')), newestMtime(join(ROOT, 'src'))));
  if (fresh()) return;
  const lock = join(ROOT, 'dist', '.studio-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
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
    if (!fresh()) {
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/vite/bin/vite.js'),
          'build',
          '--config',
          'web/vite.config.ts',
          '--logLevel',
          'error',
        ],
        {
          cwd: ROOT,
          stdio: 'inherit',
        },
      );
      writeFileSync(marker, String(process.ppid));
    }
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

/** Builds if needed, starts the server on a free port and launches chromium with a fresh profile. */
export async function openStudio(runsDir?: string): Promise<Studio> {
  ensureBuilt();
  const server = await startStudioServer({ appDir: APP_DIR, port: 0, runsDir });
  const profile = mkdtempSync(join(tmpdir(), 'neurite-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
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
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
