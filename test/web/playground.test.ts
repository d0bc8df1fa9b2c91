/**
 * The playground in real headless Chromium: it loads clean, trains in its worker, shows the lecture's point
 * (logistic regression fails on xor until x₁·x₂ is added; a hidden layer learns xor), keeps its state in the URL,
 * and reports bad CSV files in the page.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { gotoFresh, openStudio, type Studio } from './helpers.js';

let studio: Studio;
let page: Page;

beforeAll(async () => {
  studio = await openStudio();
  page = await studio.newPage();
}, 120_000);

afterAll(async () => {
  await studio?.close();
});

async function open(hash: string): Promise<void> {
  await gotoFresh(page, `${studio.server.url}#/playground?${hash}`);
  await page.waitForSelector('#backend[data-backend]');
  await page.waitForSelector('#epoch[data-epoch="0"]');
}

const epoch = () =>
  page.evaluate(() => Number(document.querySelector('#epoch')?.getAttribute('data-epoch') ?? -1));
const testAccuracy = () =>
  page.evaluate(() =>
    Number(document.querySelector('#test-accuracy')?.getAttribute('data-value') ?? Number.NaN),
  );

/** Plays until the test accuracy reaches `target` or `maxEpochs` pass, pauses, returns the accuracy. */
async function trainUntil(target: number, maxEpochs: number): Promise<{ accuracy: number; epochs: number }> {
  await page.click('#play');
  await page.waitForFunction(
    ([t, m]) => {
      const e = Number(document.querySelector('#epoch')?.getAttribute('data-epoch') ?? 0);
      const a = Number(document.querySelector('#test-accuracy')?.getAttribute('data-value') ?? 0);
      return a >= t || e >= m;
    },
    [target, maxEpochs],
    { timeout: 90_000, polling: 100 },
  );
  await page.click('#play'); // pause
  await page.waitForSelector('#epoch[data-running="false"]');
  return { accuracy: await testAccuracy(), epochs: await epoch() };
}

describe('playground', () => {
  it('loads with no console errors, cross-origin isolated, on the wasm backend', async () => {
    await open('');
    expect(await page.textContent('#backend')).toBe('backend: wasm');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.locator('canvas.unit').count()).toBe(6); // default 4 + 2 hidden units, a map each
    expect(studio.errors).toEqual([]);
  });

  it('trains xor to ≥ 95 % test accuracy with a hidden layer', async () => {
    await open('dataset=xor&hidden=4&activation=tanh&optimizer=sgd&lr=0.03&seed=1');
    const { accuracy } = await trainUntil(0.97, 300);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(studio.errors).toEqual([]);
  });

  it('logistic regression stays ≤ 60 % on xor, then reaches ≥ 95 % once x₁·x₂ is added', async () => {
    await open('');
    await page.click('#preset-logistic');
    await page.waitForSelector('#epoch[data-epoch="0"]');
    expect(await page.locator('canvas.unit').count()).toBe(0);
    expect(new URL(page.url()).hash).toContain('hidden=&');
    // exactly 60 epochs, one step each: a run paused "after 60" stopped anywhere from 60 to 100 epochs, and the
    // accuracy of a line on xor wanders with the epoch (0.612 once), which made the check depend on timing
    for (let i = 0; i < 60; i++) await page.click('#step');
    await page.waitForSelector('#epoch[data-epoch="60"]', { timeout: 60_000 });
    const failing = { accuracy: await testAccuracy(), epochs: await epoch() };
    expect(failing.epochs).toBe(60);
    expect(failing.accuracy).toBeLessThanOrEqual(0.6);

    await page.click('#feature-x1x2');
    await page.waitForSelector('#epoch[data-epoch="0"]');
    expect(await page.getAttribute('#feature-x1x2', 'aria-pressed')).toBe('true');
    const { accuracy } = await trainUntil(0.97, 100);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('learns a 4-class problem with softmax outputs', async () => {
    await open('dataset=blobs&classes=4&hidden=8&activation=relu&optimizer=adam&lr=0.01');
    const { accuracy } = await trainUntil(0.95, 150);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('round-trips its state through the URL: the same URL gives the same run', async () => {
    await open('');
    await page.selectOption('#lr', '0.1');
    await page.selectOption('#activation', 'relu');
    await page.selectOption('#optimizer', 'adam');
    await page.click('#dataset-spiral');
    await page.click('#feature-sinx1');
    await page.getByRole('button', { name: 'add a hidden layer' }).click();
    await page.fill('#seed', '42');
    await page.press('#seed', 'Enter');
    const url = page.url();
    const params = new URLSearchParams(new URL(url).hash.split('?')[1]);
    expect(params.get('lr')).toBe('0.1');
    expect(params.get('activation')).toBe('relu');
    expect(params.get('optimizer')).toBe('adam');
    expect(params.get('dataset')).toBe('spiral');
    expect(params.get('features')).toBe('x1,x2,sinx1');
    expect(params.get('hidden')).toBe('4,2,2');
    expect(params.get('seed')).toBe('42');
    const first = await trainUntil(2, 15);

    const other = await studio.newPage();
    await other.goto(url);
    await other.waitForSelector('#epoch[data-epoch="0"]');
    expect(await other.inputValue('#lr')).toBe('0.1');
    expect(await other.inputValue('#activation')).toBe('relu');
    expect(await other.inputValue('#optimizer')).toBe('adam');
    expect(await other.getAttribute('#dataset-spiral', 'aria-pressed')).toBe('true');
    expect(await other.locator('canvas.unit').count()).toBe(8);
    expect(other.url()).toBe(url);
    // the same run: step to the same epoch and compare the losses
    for (let i = 0; i < first.epochs; i++) {
      await other.click('#step');
      await other.waitForSelector(`#epoch[data-epoch="${i + 1}"]`);
    }
    const loss = (p: Page) => p.getAttribute('#train-loss', 'data-value');
    expect(await loss(other)).toBe(await loss(page));
    await other.close();
  });

  it('adds points where the map is clicked, and keeps them in the URL', async () => {
    await open('dataset=circle');
    await page.click('#add-class-2');
    await page.click('#output-map', { position: { x: 20, y: 20 } });
    await page.waitForSelector('#dataset-custom[aria-pressed="true"]');
    const params = new URLSearchParams(new URL(page.url()).hash.split('?')[1]);
    const points = (params.get('points') ?? '').split(';');
    expect(points.length).toBe(501); // the circle's 500 points and the new one
    expect(points.at(-1)).toBe('-5.2,5.2,2');
    expect(await page.locator('#train-accuracy').count()).toBe(1);
  });

  it('reads a CSV of x, y, label and reports a bad one in the page', async () => {
    await open('');
    const rows = ['x,y,label'];
    for (let i = 0; i < 40; i++) rows.push(`${i % 2 ? 10 + i : -10 - i},${i * 0.5},${i % 2 ? 'cat' : 'dog'}`);
    await page.setInputFiles('#csv-input', {
      name: 'pets.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(rows.join('\n')),
    });
    await page.waitForSelector('#dataset-custom[aria-pressed="true"]');
    expect(await page.textContent('#data-message')).toContain('pets.csv: 40 points, 2 classes');

    await page.setInputFiles('#csv-input', {
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('a,b,label\n1,2,x\n3,oops,y\n5,6,x\n7,8,y\n'),
    });
    await page.waitForFunction(() => document.querySelector('#data-message')?.classList.contains('error'));
    expect(await page.textContent('#data-message')).toMatch(/bad\.csv.*numbers/);

    await page.setInputFiles('#csv-input', {
      name: 'wide.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('1,2,3,4\n5,6,7,8\n'),
    });
    await page.waitForFunction(() =>
      /wide\.csv/.test(document.querySelector('#data-message')?.textContent ?? ''),
    );
    expect(await page.textContent('#data-message')).toContain('exactly three');
    expect(studio.errors).toEqual([]);
  });

  it('saves a checkpoint in the CLI format and loads it back into the same state', async () => {
    await open('dataset=gaussian&hidden=3&activation=relu&optimizer=adam&lr=0.01&seed=5&features=x1,x2,x1x2');
    for (let i = 1; i <= 5; i++) {
      await page.click('#step');
      await page.waitForSelector(`#epoch[data-epoch="${i}"]`);
    }
    const trainLoss = await page.getAttribute('#train-loss', 'data-value');
    const url = page.url();
    const dir = mkdtempSync(join(tmpdir(), 'neurite-playground-'));
    try {
      const files: string[] = [];
      const both = new Promise<void>((resolve) => {
        page.on('download', async (d) => {
          await d.saveAs(join(dir, d.suggestedFilename()));
          files.push(d.suggestedFilename());
          if (files.length === 2) resolve();
        });
      });
      await page.click('#save');
      await both;
      // neurite's own loader reads it: an MLP with the playground's shape and PyTorch's keys
      const loaded = await nt.train.loadModel(dir);
      expect(loaded.checkpoint.architecture).toEqual({
        type: 'MLP',
        options: { sizes: [3, 3, 2], activation: 'relu' },
      });
      expect(Object.keys(loaded.checkpoint.model)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
      expect(loaded.checkpoint.epoch).toBe(5);

      await open('');
      const payload = readdirSync(dir).map((name) => ({
        name,
        mimeType: 'application/octet-stream',
        buffer: readFileSync(join(dir, name)),
      }));
      await page.setInputFiles('#load-input', payload);
      await page.waitForSelector('#ckpt-message[data-loaded="true"]');
      await page.waitForSelector('#epoch[data-epoch="5"]');
      expect(page.url()).toBe(url);
      expect(await page.getAttribute('#train-loss', 'data-value')).toBe(trainLoss);

      // a damaged weights file, and a checkpoint of another model
      const weights = payload.find((f) => f.name.endsWith('.safetensors'))!;
      const damaged = Buffer.from(weights.buffer);
      damaged[damaged.length - 1] ^= 0x01;
      await page.setInputFiles('#load-input', [
        payload.find((f) => f.name.endsWith('.json'))!,
        { ...weights, buffer: damaged },
      ]);
      await page.waitForFunction(() =>
        /damaged/.test(document.querySelector('#ckpt-message')?.textContent ?? ''),
      );
      const other = join(dir, 'lenet');
      await nt.train.saveCheckpoint(other, { model: nt.train.buildModel('LeNet5', {}) });
      await page.setInputFiles(
        '#load-input',
        readdirSync(other).map((name) => ({
          name,
          mimeType: 'application/octet-stream',
          buffer: readFileSync(join(other, name)),
        })),
      );
      await page.waitForFunction(() =>
        /not saved by the playground \(it holds a LeNet5\)/.test(
          document.querySelector('#ckpt-message')?.textContent ?? '',
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(studio.errors).toEqual([]);
  });

  it('trains a regression set, shows the crossed-feature count, and works from the keyboard', async () => {
    await open('dataset=plane&hidden=3&activation=tanh&lr=0.01');
    const start = Number(await page.getAttribute('#train-loss', 'data-value'));
    expect(await page.locator('#test-accuracy').count()).toBe(0); // regression: a loss, no accuracy
    // the main path with the keyboard alone: Tab to the play button, Space to start, Space to pause
    await page.focus('#reset');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('play');
    await page.keyboard.press('Space');
    await page.waitForFunction(
      () => Number(document.querySelector('#epoch')?.getAttribute('data-epoch')) >= 20,
    );
    await page.keyboard.press('Space');
    await page.waitForSelector('#epoch[data-running="false"]');
    expect(Number(await page.getAttribute('#train-loss', 'data-value'))).toBeLessThan(start / 4);
    expect(await page.textContent('#cross-result')).toContain(
      '549,757,386,752 features for 1,048,576 pixels',
    );
    await page.fill('#cross-d', '3');
    expect(await page.textContent('#cross-result')).toContain('192,154,683,614,691,328 features');
  });

  it('reads a CSV dropped on the data column', async () => {
    await open('');
    await page.evaluate(() => {
      const rows = ['x,y,label', ...Array.from({ length: 30 }, (_, i) => `${i},${(i * 7) % 11},${i % 3}`)];
      const data = new DataTransfer();
      data.items.add(new File([rows.join('\n')], 'dropped.csv', { type: 'text/csv' }));
      document
        .querySelector('.col.data')!
        .dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector('#dataset-custom[aria-pressed="true"]');
    expect(await page.textContent('#data-message')).toContain('dropped.csv: 30 points, 3 classes');
    expect(studio.errors).toEqual([]);
  });

  it('rebuilds itself from a URL pasted into the same tab', async () => {
    await open('dataset=xor&hidden=5');
    // a same-document hash change to the same page, other settings: the page is rebuilt from the new URL
    await page.evaluate(() => {
      location.hash = '#/playground?dataset=spiral&hidden=3&lr=0.1';
    });
    await page.waitForSelector('#dataset-spiral[aria-pressed="true"]');
    await page.waitForFunction(() => document.querySelectorAll('canvas.unit').length === 3);
    expect(await page.inputValue('#lr')).toBe('0.1');
    expect(await page.getAttribute('#dataset-xor', 'aria-pressed')).toBe('false');
    expect(studio.errors).toEqual([]);
  });

  it('moves between the pages through the header without errors, and back with its settings', async () => {
    await open('dataset=xor&hidden=5');
    await page.click('nav a[href="#/runs"]');
    await page.waitForSelector('#runs-status');
    await page.click('nav a[href="#/mnist"]');
    await page.waitForSelector('#digit-0', { timeout: 60_000 });
    // back as a person goes back: to the runs page, seen, then to the playground
    await page.goBack();
    await page.waitForSelector('#runs-status');
    await page.goBack();
    // polled by interval: after two same-document history steps Playwright's waitForSelector sometimes never saw
    // the rebuilt page's element (30 s timeouts, 3 runs in 4), although it was there within 0.2 s and the page
    // painted and trained normally
    await page
      .waitForFunction(() => document.querySelector('#epoch[data-epoch="0"]') !== null, null, {
        polling: 100,
        timeout: 30_000,
      })
      .catch(async (e: Error) => {
        // this step timed out in the full suite until the runs page stopped rewriting the URL after it was left
        // (390f103); if it ever times out again, say what the page showed
        const seen = await page.evaluate(() => ({
          hash: location.hash,
          epoch: document.querySelector('#epoch')?.outerHTML ?? 'no #epoch',
          backend: document.querySelector('#backend')?.textContent,
          message: document.querySelector('#train-message')?.textContent,
          page: document.querySelector('#page > section')?.className,
        }));
        throw new Error(
          `${e.message}\npage: ${JSON.stringify(seen)}\nerrors: ${JSON.stringify(studio.errors)}`,
        );
      });
    expect(await page.locator('canvas.unit').count()).toBe(5);
    expect(studio.errors).toEqual([]);
  });
});
