/**
 * The RandWire page in real headless Chromium: its ER, BA and WS graphs are neurite's (the same nodes and edges as
 * the Node API gives for the same seed and parameters, exported in neurite's JSON and DOT), its state lives in the
 * URL, a bad generator setting is reported next to its control, and the default small WS network trains on MNIST to
 * ≥ 95 % test accuracy within its default budget while the edges' aggregation weights σ(w) move away from ½. Its
 * checkpoints are the CLI's: the trained network, saved, is evaluated by `neurite eval` to the page's accuracy and
 * loads back; a run of `neurite train randwire-mnist` opens in the page with the accuracy neurite's Node API gives.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { gotoFresh, openStudio, ROOT, type Studio } from './helpers.js';

let studio: Studio;
let page: Page;
let runsDir: string;

const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const MAIN = join(ROOT, 'src/cli/main.ts');
const neurite = (...args: string[]) =>
  execFileSync(process.execPath, [TSX, MAIN, ...args], { cwd: ROOT, encoding: 'utf8' });

beforeAll(async () => {
  runsDir = mkdtempSync(join(tmpdir(), 'neurite-randwire-'));
  // a small run of the CLI's preset as it builds it (stem strides 1, 1, head 256, three stages), and another model
  neurite(
    'train',
    'randwire-mnist',
    ...[
      '--nodes',
      '6',
      '--channels',
      '8',
      '--epochs',
      '1',
      '--limit',
      '4000',
      '--batch-size',
      '32',
      '--seed',
      '3',
    ],
    ...['--out', join(runsDir, 'cli-randwire')],
  );
  neurite('train', 'mlp-digits', '--epochs', '1', '--out', join(runsDir, 'digits-mlp'));
  studio = await openStudio(runsDir);
  page = await studio.newPage();
}, 180_000);

afterAll(async () => {
  await studio?.close();
  if (runsDir) rmSync(runsDir, { recursive: true, force: true });
});

const { randwire } = nt.models;

/** Stage i's graph as neurite's Node API makes it: the i-th number of a generator seeded with the net seed. */
function expectedGraph(spec: nt.models.randwire.GraphSpec, n: number, seed: number, stage: number) {
  const g = new nt.Generator(seed);
  let stageSeed = 0;
  for (let i = 0; i <= stage; i++) stageSeed = g.nextUint32();
  const options = { seed: stageSeed };
  if (spec.type === 'ws') return randwire.wattsStrogatz(n, spec.k, spec.p, options);
  if (spec.type === 'er') return randwire.erdosRenyi(n, spec.p, options);
  return randwire.barabasiAlbert(n, spec.m, options);
}

/** Opens a page state from its URL and waits until its graphs are drawn. */
async function open(query: string): Promise<void> {
  await gotoFresh(page, `${studio.server.url}#/randwire?${query}`);
  await page.waitForSelector('#dag[data-weights]', { timeout: 60_000 });
}

async function download(selector: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return readFileSync((await file.path())!, 'utf8');
}

async function weights(): Promise<number[]> {
  const json = (await page.getAttribute('#dag', 'data-weights'))!;
  return (JSON.parse(json) as { edges: number[]; inputs: number[] }[]).flatMap((s) => [
    ...s.edges,
    ...s.inputs,
  ]);
}

describe('RandWire page', () => {
  it('loads with the backend shown and every setting in the URL, without console errors', async () => {
    await gotoFresh(page, `${studio.server.url}#/randwire`);
    await page.waitForSelector('#status:has-text("Ready")', { timeout: 60_000 });
    expect(await page.textContent('#backend')).toBe('backend: wasm');
    const params = new URLSearchParams(new URL(page.url()).hash.split('?')[1]);
    expect(Object.fromEntries(params)).toEqual({
      graph: 'ws',
      k: '4',
      wsp: '0.75',
      erp: '0.2',
      m: '5',
      nodes: '8',
      stages: '2',
      channels: '16',
      stem: '2,1',
      head: '4c',
      lr: '0.003',
      batch: '32',
      epochs: '2',
      seed: '0',
      view: '0',
    });
    expect(studio.errors).toEqual([]);
  });

  const cases: { query: string; spec: nt.models.randwire.GraphSpec; n: number; seed: number }[] = [
    { query: 'graph=ws&k=4&wsp=0.75&nodes=16&seed=3', spec: { type: 'ws', k: 4, p: 0.75 }, n: 16, seed: 3 },
    { query: 'graph=er&erp=0.3&nodes=12&seed=5', spec: { type: 'er', p: 0.3 }, n: 12, seed: 5 },
    { query: 'graph=ba&m=2&nodes=24&seed=11', spec: { type: 'ba', m: 2 }, n: 24, seed: 11 },
  ];
  it.each(cases)(
    'draws and exports the $spec.type graph that neurite’s Node API makes for the same seed',
    async ({ query, spec, n, seed }) => {
      await open(`${query}&stages=2`);
      for (const stage of [0, 1]) {
        await page.click(`#stage-${stage + 1}`);
        const expected = expectedGraph(spec, n, seed, stage);
        const json = JSON.parse(await download('#export-json'));
        expect(json).toEqual(expected.toJSON());
        expect(json.edges.length).toBeGreaterThan(0);
        expect(await download('#export-dot')).toBe(
          expected.toDot({ name: `stage ${stage + 1}: ${expected.toString()}` }),
        );
        expect(await page.textContent('#node-count')).toBe(`${n} nodes`);
        expect(await page.textContent('#edge-count')).toBe(`${expected.edges.length} edges`);
      }
      // and they are the graphs of the network neurite builds from the same options
      const net = new randwire.RandWireNet({ graph: spec, nodes: n, stages: 2, seed, inChannels: 1 });
      expect(net.graphs().map((g) => g.edges)).toEqual(
        [0, 1].map((s) => expectedGraph(spec, n, seed, s).edges),
      );
      const params = Number(await page.getAttribute('#net-params', 'data-value'));
      const macs = Number(await page.getAttribute('#net-macs', 'data-value'));
      expect(params).toBeGreaterThan(1000);
      expect(macs).toBeGreaterThan(params);
    },
  );

  it('keeps its state in the URL: a link reopens the same settings, a change is written back', async () => {
    const query =
      'graph=ba&k=4&wsp=0.75&erp=0.2&m=3&nodes=12&stages=3&channels=8&stem=1%2C1&head=256&lr=0.01&batch=64&epochs=5&seed=7&view=2';
    await open(query);
    expect(new URL(page.url()).hash).toBe(`#/randwire?${query}`);
    expect(await page.inputValue('#graph')).toBe('ba');
    expect(await page.inputValue('#m')).toBe('3');
    expect(await page.inputValue('#nodes')).toBe('12');
    expect(await page.inputValue('#stages')).toBe('3');
    expect(await page.inputValue('#channels')).toBe('8');
    expect(await page.inputValue('#stem')).toBe('1,1');
    expect(await page.inputValue('#head')).toBe('256');
    expect(await page.inputValue('#lr')).toBe('0.01');
    expect(await page.inputValue('#batch-size')).toBe('64');
    expect(await page.inputValue('#epochs')).toBe('5');
    expect(await page.inputValue('#seed')).toBe('7');
    expect(await page.getAttribute('#stage-3', 'aria-pressed')).toBe('true');
    // the third stage's graph is the one shown
    const third = expectedGraph({ type: 'ba', m: 3 }, 12, 7, 2);
    expect(await page.textContent('#edge-count')).toBe(`${third.edges.length} edges`);
    // another generator brings its own parameters
    await page.selectOption('#graph', 'er');
    await page.waitForFunction(() => location.hash.includes('graph=er'));
    expect(await page.locator('#m').count()).toBe(0);
    expect(await page.inputValue('#erp')).toBe('0.2');
    await page.waitForSelector('#graph-counts:has-text("ER(0.2)")');
    await page.selectOption('#nodes', '16');
    await page.waitForFunction(() => location.hash.includes('nodes=16'));
    await page.reload();
    await page.waitForSelector('#dag[data-weights]', { timeout: 60_000 });
    expect(await page.inputValue('#nodes')).toBe('16');
    expect(await page.textContent('#node-count')).toBe('16 nodes');
  });

  it('reports a setting the generator rejects next to its control, in neurite’s words', async () => {
    await gotoFresh(page, `${studio.server.url}#/randwire?graph=ws&k=5&nodes=8`);
    await page.waitForSelector('#graph-message:not(:empty)', { timeout: 60_000 });
    expect(await page.textContent('#graph-message')).toContain('K must be an even integer');
    expect(await page.getAttribute('#k', 'aria-invalid')).toBe('true');
    await page.fill('#k', '6');
    await page.press('#k', 'Enter');
    await page.waitForSelector('#graph-message:empty', { state: 'attached' });
    expect(await page.getAttribute('#k', 'aria-invalid')).toBeNull();
  });

  // One training run in this file: the defaults, a small WS network, 2 epochs.
  it('trains the default WS network to ≥ 95 % test accuracy, and the edge weights move as it learns', async () => {
    await gotoFresh(page, `${studio.server.url}#/randwire`);
    await page.waitForSelector('#status:has-text("Ready")', { timeout: 60_000 });
    const initial = await weights();
    expect(initial.length).toBeGreaterThan(10);
    expect(initial.every((w) => w === 0.5)).toBe(true);
    const t0 = Date.now();
    // with the keyboard alone: Tab from reset reaches play, Enter starts training
    await page.focus('#reset');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('play');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => Number(document.querySelector('#epoch')?.getAttribute('data-epoch')) >= 1,
      null,
      {
        timeout: 300_000,
      },
    );
    const early = await weights();
    await page.waitForSelector('#epoch[data-done="true"]', { timeout: 600_000 });
    const seconds = (Date.now() - t0) / 1000;
    const accuracy = Number(await page.getAttribute('#test-accuracy', 'data-value'));
    const perEpoch = Number(await page.getAttribute('#speed', 'data-seconds-per-epoch'));
    console.log(
      `RandWire page: 2 epochs of WS(4, 0.75), 2 stages of 8 nodes, C = 16 in ${seconds.toFixed(0)} s (${perEpoch.toFixed(1)} s/epoch in the worker), test accuracy ${(accuracy * 100).toFixed(2)} %`,
    );
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    const final = await weights();
    const moved = (ws: number[]) => Math.max(...ws.map((w) => Math.abs(w - 0.5)));
    // batch norm after every node leaves only the ratios of a node's weights to learn, so they move by hundredths
    // (the page's colour scale stretches to the largest change)
    expect(moved(early)).toBeGreaterThan(0.005);
    expect(moved(final)).toBeGreaterThan(0.02);
    // still moving between the first epoch and the end: the colours change as training goes
    expect(final.some((w, i) => Math.abs(w - early[i]) > 0.005)).toBe(true);
    expect(studio.errors).toEqual([]);
    trained = { accuracy, weights: final };
  }, 900_000);

  it('saves the trained network in the CLI format: neurite eval gives the page’s accuracy, and it loads back', async () => {
    expect(trained, 'needs the training test above').not.toBeNull();
    const { accuracy, weights: final } = trained!;
    const dir = join(runsDir, 'from-page');
    mkdirSync(dir);
    const downloads: { name: string; path: string }[] = [];
    const both = new Promise<void>((resolve) => {
      const onDownload = async (d: import('playwright-core').Download) => {
        const path = join(dir, d.suggestedFilename());
        await d.saveAs(path);
        downloads.push({ name: d.suggestedFilename(), path });
        if (downloads.length === 2) {
          page.off('download', onDownload);
          resolve();
        }
      };
      page.on('download', onDownload);
    });
    await page.click('#save');
    await both;
    const names = downloads.map((d) => d.name).sort();
    expect(names[0]).toBe('checkpoint.json');
    expect(names[1]).toMatch(/^weights-[0-9a-f]{16}\.safetensors$/);
    expect(await page.textContent('#randwire-message')).toContain('neurite eval <folder>');

    // the CLI rebuilds it from the recipe (the preset with the page's flags) ...
    const evaluated = JSON.parse(neurite('eval', dir, '--json').trim().split('\n').at(-1)!);
    console.log(
      `RandWire page ${(accuracy * 100).toFixed(2)} % vs neurite eval ${(evaluated.metrics.accuracy * 100).toFixed(2)} % on the ${evaluated.samples} test digits`,
    );
    expect(evaluated.preset).toBe('randwire-mnist');
    expect(evaluated.epoch).toBe(2);
    expect(evaluated.samples).toBe(2000);
    expect(Math.abs(evaluated.metrics.accuracy - accuracy)).toBeLessThanOrEqual(0.001);
    // ... and the Node API from the architecture record: the page's network, stem strides 2, 1 and a 4C head
    const { model } = await nt.train.loadModel(dir);
    const net = model as nt.models.RandWireNet;
    expect(net.graphs().map((g) => g.toJSON())).toEqual(
      [0, 1].map((s) => expectedGraph({ type: 'ws', k: 4, p: 0.75 }, 8, 0, s).toJSON()),
    );
    expect((net.conv1.at(0) as nt.nn.Conv2d).stride).toEqual([2, 2]);
    expect(net.fc.inFeatures).toBe(64);

    // a fresh page (another seed) loads the two files: the same network, weights and accuracy
    await open('seed=9&nodes=12');
    const message = await loadFiles(downloads.map((d) => ({ name: d.name, buffer: readFileSync(d.path) })));
    expect(message).toContain(
      'Loaded checkpoint.json: RandWire WS(4, 0.75), 2 stages of 8 nodes, C = 16, stem strides 2, 1, head 64, trained 2 epochs',
    );
    await page.waitForSelector('#test-accuracy[data-value]');
    expect(Math.abs((await pageAccuracy()) - evaluated.metrics.accuracy)).toBeLessThanOrEqual(0.001);
    expect(await weights()).toEqual(final);
    expect(new URL(page.url()).hash).toContain('nodes=8&stages=2&channels=16&stem=2%2C1&head=4c');
    expect(await page.textContent('#edge-count')).toBe(
      `${expectedGraph({ type: 'ws', k: 4, p: 0.75 }, 8, 0, 0).edges.length} edges`,
    );
    expect(studio.errors).toEqual([]);
  }, 120_000);

  it('opens a run of neurite train randwire-mnist with the accuracy neurite’s Node API gives on the test digits', async () => {
    const run = join(runsDir, 'cli-randwire');
    await gotoFresh(page, `${studio.server.url}#/randwire?checkpoint=cli-randwire`);
    await page.waitForSelector('#randwire-message[data-loaded="true"]', { timeout: 60_000 });
    expect(await page.textContent('#randwire-message')).toContain(
      'Loaded run cli-randwire: RandWire WS(4, 0.75), 3 stages of 6 nodes, C = 8, stem strides 1, 1, head 256, trained 1 epoch',
    );
    await page.waitForSelector('#test-accuracy[data-value]');
    // the page's accuracy on the 2,000 test digits is what the CLI measured and what neurite's Node API gives
    const { model, preprocess } = await nt.train.loadModel(run);
    const test = nt.loadMnist({ split: 'test', normalize: 'none', flatten: true });
    let right = 0;
    nt.noGrad(() => {
      for (let start = 0; start < 2000; start += 250) {
        const x = preprocess(test.images.narrow(0, start, 250));
        const predicted = (model as nt.models.RandWireNet).forward(x).argmax(1).data;
        for (let i = 0; i < 250; i++) if (predicted[i] === test.labels.data[start + i]) right++;
      }
    });
    const node = right / test.labels.shape[0];
    console.log(
      `neurite train randwire-mnist (1 epoch of 4,000 digits): Node API ${(node * 100).toFixed(2)} %, page ${((await pageAccuracy()) * 100).toFixed(2)} %`,
    );
    expect(node).toBeGreaterThan(0.5);
    const cli = JSON.parse(readFileSync(join(run, 'result.json'), 'utf8')).metrics.accuracy;
    expect(Math.abs(cli - node)).toBeLessThanOrEqual(0.001);
    expect(Math.abs((await pageAccuracy()) - node)).toBeLessThanOrEqual(0.001);
    const hash = new URL(page.url()).hash;
    expect(hash).toContain('graph=ws&k=4&wsp=0.75');
    expect(hash).toContain('nodes=6&stages=3&channels=8&stem=1%2C1&head=256');
    expect(hash).toContain('seed=3');
    expect(hash).toContain('checkpoint=cli-randwire');
    expect(await page.inputValue('#stem')).toBe('1,1');
    expect(await page.inputValue('#head')).toBe('256');
    // its three graphs are the ones the CLI wrote next to the checkpoint, and its edge weights are the trained ones
    for (const stage of [0, 1, 2]) {
      await page.click(`#stage-${stage + 1}`);
      const json = JSON.parse(await download('#export-json'));
      expect(json).toEqual(JSON.parse(readFileSync(join(run, 'graphs', `stage${stage}.json`), 'utf8')));
    }
    const w = await weights();
    expect(w.some((x) => Math.abs(x - 0.5) > 1e-3)).toBe(true);
    // and it trains on from there
    await page.click('#step');
    await page.waitForFunction(
      () => Number(document.querySelector('#epoch')?.getAttribute('data-epoch')) > 1,
    );
    expect(studio.errors).toEqual([]);
  }, 120_000);

  it('says what is wrong with another model’s checkpoint or a missing half', async () => {
    await open('');
    const other = join(runsDir, 'digits-mlp');
    const manifest = readFileSync(join(other, 'checkpoint.json'));
    const weightsName = JSON.parse(manifest.toString()).weights.file as string;
    expect(
      await loadFiles([
        { name: 'checkpoint.json', buffer: manifest },
        { name: weightsName, buffer: readFileSync(join(other, weightsName)) },
      ]),
    ).toMatch(/holds a MLP \(neurite train mlp-digits\); the RandWire page runs randomly wired networks/);
    expect(await loadFiles([{ name: 'checkpoint.json', buffer: manifest }])).toContain('Choose both files');
    expect(studio.errors).toEqual([]);
  });
});

let trained: { accuracy: number; weights: number[] } | null = null;

const pageAccuracy = async () => Number(await page.getAttribute('#test-accuracy', 'data-value'));

/** Chooses files in the page's load control and returns the message the page shows. */
async function loadFiles(files: { name: string; buffer: Buffer }[]): Promise<string> {
  await page.evaluate(() => {
    const m = document.querySelector('#randwire-message')!;
    m.textContent = '';
    m.removeAttribute('data-loaded');
  });
  await page.setInputFiles(
    '#load-input',
    files.map((f) => ({ ...f, mimeType: 'application/octet-stream' })),
  );
  await page.waitForFunction(() => (document.querySelector('#randwire-message')?.textContent ?? '') !== '');
  return (await page.textContent('#randwire-message')) ?? '';
}
