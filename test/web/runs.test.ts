/**
 * The runs dashboard in real headless Chromium: a run that `neurite train` starts while the page is open
 * appears, its curve grows epoch by epoch without a reload, and its final test metrics show when it ends. The
 * run files the server hands out stay inside the runs folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gotoFresh, openStudio, ROOT, type Studio } from './helpers.js';

let studio: Studio;
let page: Page;
let runsDir: string;
let trainer: ChildProcess | null = null;

beforeAll(async () => {
  runsDir = mkdtempSync(join(tmpdir(), 'neurite-runs-'));
  studio = await openStudio(runsDir);
  page = await studio.newPage();
}, 120_000);

afterAll(async () => {
  trainer?.kill('SIGTERM');
  await studio?.close();
  rmSync(runsDir, { recursive: true, force: true });
});

function status(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: studio.server.port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Epochs of the live run: the page must see it before its last one. */
const EPOCHS = 12;

const points = () =>
  page.evaluate(() => Number(document.querySelector('#run-chart')?.getAttribute('data-points') ?? 0));

describe('runs dashboard', () => {
  it('follows a run of neurite train live, without a reload', async () => {
    await gotoFresh(page, `${studio.server.url}#/runs`);
    await page.waitForFunction(() =>
      /No runs yet/.test(document.querySelector('#runs-status')?.textContent ?? ''),
    );

    trainer = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
        join(ROOT, 'src/cli/main.ts'),
        'train',
        'cnn-mnist',
        // long enough (about 0.5 s an epoch here) that the page sees the run before it ends: with 4 epochs the
        // run once ended before the page had drawn its first point
        '--epochs',
        String(EPOCHS),
        '--limit',
        '3000',
        '--out',
        join(runsDir, 'lenet'),
      ],
      { cwd: ROOT, stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => trainer!.on('exit', resolve));

    await page.waitForSelector('.run[data-run="lenet"]', { timeout: 90_000 });
    await page.waitForFunction(
      () => Number(document.querySelector('#run-chart')?.getAttribute('data-points')) >= 1,
      null,
      {
        timeout: 90_000,
      },
    );
    const first = await points();
    expect(first).toBeLessThan(EPOCHS);
    // the curve grows while it trains
    await page.waitForFunction(
      (n) => Number(document.querySelector('#run-chart')?.getAttribute('data-points')) > n,
      first,
      {
        timeout: 90_000,
      },
    );
    expect(await exited).toBe(0);
    await page.waitForFunction(
      () => /finished/.test(document.querySelector('#run-details')?.textContent ?? ''),
      null,
      {
        timeout: 30_000,
      },
    );
    expect(await points()).toBe(EPOCHS);
    expect(await page.textContent('#run-details')).toMatch(/accuracy\s*\d+\.\d\d %/);
    expect(await page.textContent('#run-details')).toContain('cnn-mnist');
    expect(new URL(page.url()).hash).toContain('runs=lenet');
    expect(studio.errors).toEqual([]);
  }, 200_000);

  it('a page that was left while it loaded never rewrites the URL of the page shown after it', async () => {
    // the run's log is held back until the page has moved on to the playground
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let asked = false;
    await page.route('**/api/runs/*/log', async (route) => {
      asked = true;
      await held;
      await route.continue().catch(() => {});
    });
    try {
      // a fresh document: a goto that changes only the hash is a same-document navigation, whose hashchange can
      // land after the click below and bring the runs page back over the playground
      await gotoFresh(page, `${studio.server.url}#/runs?runs=lenet`);
      await page.waitForSelector('#page > section.runs');
      await expect.poll(() => asked, { timeout: 30_000 }).toBe(true);
      await page.click('nav a[href="#/playground"]');
      await page.waitForSelector('#epoch');
      release();
      await page.waitForTimeout(500);
      expect(new URL(page.url()).hash).toMatch(/^#\/playground/);
      expect(await page.getAttribute('#page > section', 'class')).toContain('playground');
    } finally {
      release();
      await page.unroute('**/api/runs/*/log');
    }
    expect(studio.errors).toEqual([]);
  });

  it('hands out only the run files, from inside the runs folder', async () => {
    expect(await status('/api/runs/lenet/checkpoint.json')).toBe(200);
    expect(await status('/api/runs/lenet/result.json')).toBe(200);
    for (const path of [
      '/api/runs/..%2f..%2fetc/passwd',
      '/api/runs/../package.json',
      '/api/runs/lenet/..%2f..%2fpackage.json',
      '/api/runs/%2e%2e/log.jsonl',
      '/api/runs/%2e%2e/checkpoint.json',
      '/api/runs/lenet/secret.txt',
    ]) {
      expect([403, 404], path).toContain(await status(path));
    }
  });
});
