#!/usr/bin/env node
/**
 * Screenshots of every studio page for the README: builds the app, starts the real server, drives Debian's
 * chromium (playwright-core, never Playwright's own browser) and saves docs/studio/<page>-<theme>[-1024].png at
 * 1280×800 (and 1024×768 for the narrowest supported layout), in the light and dark themes.
 *
 *   node scripts/studio-screenshots.mjs [--chromium /usr/bin/chromium] [--only randwire,mnist]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { tsImport } from 'tsx/esm/api';

const root = fileURLToPath(new URL('../', import.meta.url));
const out = join(root, 'docs/studio');
const flag = process.argv.indexOf('--chromium');
const executablePath = flag > 0 ? process.argv[flag + 1] : '/usr/bin/chromium';
// --only: photograph just these pages (by name), e.g. after changing one of them
const onlyFlag = process.argv.indexOf('--only');
const only = onlyFlag > 0 ? process.argv[onlyFlag + 1].split(',') : null;
const wanted = (name) => only === null || only.includes(name);

execFileSync(
  process.execPath,
  [
    join(root, 'node_modules/vite/bin/vite.js'),
    'build',
    '--config',
    'web/vite.config.ts',
    '--logLevel',
    'warn',
  ],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
// two short runs of neurite train for the dashboard to compare
const runsDir = mkdtempSync(join(tmpdir(), 'neurite-shots-runs-'));
for (const [name, activation, pooling] of wanted('runs')
  ? [
      ['lenet-tanh-avg', 'tanh', 'avg'],
      ['lenet-relu-max', 'relu', 'max'],
    ]
  : []) {
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/tsx/dist/cli.mjs'),
      join(root, 'src/cli/main.ts'),
      'train',
      'cnn-mnist',
      '--epochs',
      '6',
      '--limit',
      '2000',
      '--activation',
      activation,
      '--pooling',
      pooling,
      '--out',
      join(runsDir, name),
    ],
    { cwd: root, stdio: 'ignore' },
  );
}
const { startStudioServer } = await tsImport('../src/cli/studio.ts', import.meta.url);
const server = await startStudioServer({ appDir: join(root, 'dist/studio'), port: 0, runsDir });

/** Each page: where to go, and what to do before the picture (train for a while, pick a digit…). */
const PAGES = [
  {
    name: 'playground',
    hash: '#/playground?dataset=spiral&hidden=8,8,6&activation=tanh&optimizer=adam&lr=0.01&features=x1,x2,x1sq,x2sq,sinx1,sinx2&noise=5',
    async prepare(page) {
      await page.waitForSelector('#epoch[data-epoch="0"]');
      await page.click('#play');
      await page.waitForFunction(
        () => Number(document.querySelector('#epoch')?.getAttribute('data-epoch')) >= 300,
        null,
        {
          timeout: 120_000,
        },
      );
      await page.click('#play');
      await page.waitForSelector('#epoch[data-running="false"]');
    },
  },
  {
    name: 'mnist',
    hash: '#/mnist?digit=8',
    async prepare(page) {
      await page.waitForSelector('#digit-23', { timeout: 60_000 });
      await page.click('#play');
      // the first test evaluation comes after half an epoch
      await page.waitForSelector('#test-accuracy[data-value]', { timeout: 300_000 });
      await page.click('#play');
      await page.waitForSelector('#epoch[data-running="false"]');
      await page.click('#digit-8');
      await page.click('#to-pad');
    },
  },
  {
    name: 'randwire',
    hash: '#/randwire?graph=ws&k=4&wsp=0.75&erp=0.2&m=5&nodes=8&stages=2&channels=16&lr=0.003&batch=32&epochs=2&seed=0&view=0',
    async prepare(page) {
      await page.waitForSelector('#dag[data-weights]', { timeout: 60_000 });
      await page.waitForSelector('#status:has-text("Ready")', { timeout: 60_000 });
      // the whole default budget, so the edge colours show what the network kept
      await page.click('#play');
      await page.waitForSelector('#epoch[data-done="true"]', { timeout: 400_000 });
    },
  },
  {
    name: 'charrnn',
    hash: '#/charrnn?text=pride-and-prejudice&cell=lstm&hidden=128&layers=1&seqLength=64&batchSize=32&lr=0.01&steps=300&seed=0&temperature=0.6&prime=It+is+a+truth&sampleEvery=50',
    async prepare(page) {
      await page.waitForSelector('#sample[data-step="0"]', { timeout: 60_000 });
      // the whole default budget: the samples have turned into words and the curves passed the bigram line
      await page.click('#play');
      await page.waitForSelector('#step-count[data-done="true"]', { timeout: 600_000 });
      const figures = await page.evaluate(() => ({
        bits: document.querySelector('#test-bpc')?.getAttribute('data-value'),
        bigram: document.querySelector('#bigram')?.getAttribute('data-value'),
        seconds: document.querySelector('#time')?.getAttribute('data-seconds'),
      }));
      console.log(
        `charrnn: held-out ${Number(figures.bits).toFixed(3)} bits/char (bigram ${Number(figures.bigram).toFixed(3)}) after 300 steps, ${Number(figures.seconds).toFixed(1)} s of training`,
      );
    },
  },
  {
    name: 'rnn',
    hash: '#/rnn?task=sort&cell=lstm&hidden=64&lr=0.005&batch=64&epochs=2&seed=0&example=3',
    async prepare(page) {
      await page.waitForSelector('#unrolled[data-kind]', { timeout: 60_000 });
      // RNN, GRU, then the LSTM, each for the default budget: the comparison chart holds all three
      await page.click('#compare-cells');
      await page.waitForFunction(
        () =>
          document.querySelectorAll('#compare-table tr[data-cell]').length === 3 &&
          document.querySelector('#unrolled')?.getAttribute('data-kind') === 'LSTM' &&
          document.querySelector('#epoch')?.getAttribute('data-done') === 'true',
        null,
        { timeout: 600_000 },
      );
      // the structures at the top, the unrolled network and the comparison below them
      await page.evaluate(() => document.querySelector('.structures')?.scrollIntoView());
      await page.waitForTimeout(1500);
    },
  },
  {
    name: 'runs',
    hash: '#/runs?runs=lenet-tanh-avg,lenet-relu-max&metric=loss&log=0&run=lenet-relu-max',
    async prepare(page) {
      await page.waitForSelector('#run-chart[data-points="6"]', { timeout: 30_000 });
    },
  },
];

// launch() gives chromium a fresh temporary profile of its own
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath,
  headless: true,
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
try {
  for (const p of PAGES.filter((q) => wanted(q.name))) {
    // one run per page, photographed in both themes and both sizes
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + p.hash);
    await p.prepare(page);
    for (const theme of ['light', 'dark']) {
      for (const [width, height, suffix] of [
        [1280, 800, ''],
        [1024, 768, '-1024'],
      ]) {
        await page.emulateMedia({ colorScheme: theme });
        await page.setViewportSize({ width, height });
        await page.waitForTimeout(500);
        const file = join(out, `${p.name}-${theme}${suffix}.png`);
        await page.screenshot({ path: file });
        console.log(file);
      }
    }
    if (errors.length) console.error(`${p.name}: errors in the page: ${errors.join('; ')}`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(runsDir, { recursive: true, force: true });
}
