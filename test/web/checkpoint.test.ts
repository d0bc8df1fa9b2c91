/**
 * Checkpoints between the MNIST page and the CLI, in real headless Chromium: a run of `neurite train` opens in the
 * page with the same test accuracy; a model trained in the page is saved in the CLI's format and `neurite eval`
 * agrees with the page about it; a damaged file or another model's checkpoint gets a clear message in the page.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gotoFresh, openStudio, ROOT, type Studio } from './helpers.js';

let studio: Studio;
let page: Page;
let runsDir: string;

const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const MAIN = join(ROOT, 'src/cli/main.ts');
const neurite = (...args: string[]) =>
  execFileSync(process.execPath, [TSX, MAIN, ...args], { cwd: ROOT, encoding: 'utf8' });

beforeAll(async () => {
  runsDir = mkdtempSync(join(tmpdir(), 'neurite-ckpt-'));
  neurite('train', 'cnn-mnist', '--epochs', '1', '--limit', '2000', '--out', join(runsDir, 'cli-lenet'));
  neurite('train', 'mlp-digits', '--epochs', '1', '--out', join(runsDir, 'digits-mlp'));
  studio = await openStudio(runsDir);
  page = await studio.newPage();
}, 180_000);

afterAll(async () => {
  await studio?.close();
  rmSync(runsDir, { recursive: true, force: true });
});

const accuracy = async (p: Page) => Number(await p.getAttribute('#test-accuracy', 'data-value'));

async function loadFiles(files: { name: string; buffer: Buffer }[]): Promise<string> {
  await page.evaluate(() => {
    const m = document.querySelector('#mnist-message')!;
    m.textContent = '';
    m.removeAttribute('data-loaded');
  });
  await page.setInputFiles(
    '#load-input',
    files.map((f) => ({ ...f, mimeType: 'application/octet-stream' })),
  );
  await page.waitForFunction(() => (document.querySelector('#mnist-message')?.textContent ?? '') !== '');
  return (await page.textContent('#mnist-message')) ?? '';
}

describe('checkpoints in the MNIST page', () => {
  it('opens a run of neurite train with the test accuracy the CLI measured', async () => {
    await gotoFresh(page, `${studio.server.url}#/mnist?checkpoint=cli-lenet`);
    await page.waitForSelector('#mnist-message[data-loaded="true"]', { timeout: 60_000 });
    expect(await page.textContent('#mnist-message')).toContain(
      'LeNet-5 (tanh, avg pooling), trained 1 epoch',
    );
    await page.waitForSelector('#test-accuracy[data-value]');
    const cli = JSON.parse(readFileSync(join(runsDir, 'cli-lenet', 'result.json'), 'utf8')).metrics.accuracy;
    expect(Math.abs((await accuracy(page)) - cli)).toBeLessThanOrEqual(0.001);
    expect(new URL(page.url()).hash).toContain('model=lenet5&');
    expect(new URL(page.url()).hash).toContain('checkpoint=cli-lenet');
    expect(studio.errors).toEqual([]);
  });

  it('saves a model trained in the page in the CLI format: neurite eval and the page agree', async () => {
    await gotoFresh(page, `${studio.server.url}#/mnist?model=lenet5-relu`);
    await page.waitForSelector('#digit-0', { timeout: 60_000 });
    for (let i = 0; i < 12; i++) {
      await page.click('#step');
      await page.waitForFunction(
        (n) => Number(document.querySelector('#epoch')?.getAttribute('data-epoch')) * 8000 >= n,
        (i + 1) * 32,
      );
    }
    const downloads: { name: string; path: string }[] = [];
    const dir = join(runsDir, 'from-page');
    mkdirSync(dir);
    const both = new Promise<void>((resolve) => {
      page.on('download', async (d) => {
        const path = join(dir, d.suggestedFilename());
        await d.saveAs(path);
        downloads.push({ name: d.suggestedFilename(), path });
        if (downloads.length === 2) resolve();
      });
    });
    await page.click('#save');
    await both;
    const names = downloads.map((d) => d.name).sort();
    expect(names[0]).toBe('checkpoint.json');
    expect(names[1]).toMatch(/^weights-[0-9a-f]{16}\.safetensors$/);

    const evaluated = JSON.parse(neurite('eval', dir, '--json').trim().split('\n').at(-1)!);
    expect(evaluated.preset).toBe('cnn-mnist');
    expect(evaluated.samples).toBe(2000);

    const message = await loadFiles(downloads.map((d) => ({ name: d.name, buffer: readFileSync(d.path) })));
    expect(message).toContain('Loaded checkpoint.json: LeNet-5 (relu, max pooling)');
    await page.waitForSelector('#test-accuracy[data-value]');
    expect(Math.abs((await accuracy(page)) - evaluated.metrics.accuracy)).toBeLessThanOrEqual(0.001);
    expect(evaluated.metrics.accuracy).toBeGreaterThan(0.3); // ≥ 384 digits of training: well above chance
  });

  it('says what is wrong with a damaged file, another model, or a missing half', async () => {
    const dir = join(runsDir, 'cli-lenet');
    const manifest = readFileSync(join(dir, 'checkpoint.json'));
    const weightsName = JSON.parse(manifest.toString()).weights.file as string;
    const weights = readFileSync(join(dir, weightsName));
    const damaged = Buffer.from(weights);
    damaged[damaged.length - 3] ^= 0xff;
    expect(
      await loadFiles([
        { name: 'checkpoint.json', buffer: manifest },
        { name: weightsName, buffer: damaged },
      ]),
    ).toMatch(/does not match the manifest's SHA-256.*damaged/);

    const other = join(runsDir, 'digits-mlp');
    const otherManifest = readFileSync(join(other, 'checkpoint.json'));
    const otherWeights = JSON.parse(otherManifest.toString()).weights.file as string;
    expect(
      await loadFiles([
        { name: 'checkpoint.json', buffer: otherManifest },
        { name: otherWeights, buffer: readFileSync(join(other, otherWeights)) },
      ]),
    ).toMatch(/holds a MLP \(neurite train mlp-digits\); the MNIST page runs LeNet-5/);

    expect(
      await loadFiles([
        { name: 'checkpoint.json', buffer: Buffer.from('{ not json') },
        { name: weightsName, buffer: weights },
      ]),
    ).toContain('not valid JSON');
    expect(await loadFiles([{ name: 'checkpoint.json', buffer: manifest }])).toContain('Choose both files');
    expect(studio.errors).toEqual([]);
  });
});
