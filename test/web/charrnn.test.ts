/**
 * The char-RNN page in real headless Chromium: an LSTM learns Pride and Prejudice in the page's worker and its
 * held-out bits per character fall below the bigram baseline within the default budget; the sample panel writes
 * text in the vocabulary that changes with the temperature; a text file of one's own is trained on, an empty or
 * binary one is refused in the page with its byte count; the settings and seed round-trip through the URL; the
 * saved checkpoint writes the page's sample again with `neurite sample`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUSTEN_NOVELS, loadTextCorpus } from '../../src/data/text.js';
import { CharVocab } from '../../src/data/vocab.js';
import { bigramBitsPerCharacter } from '../../src/models/seq/charrnn.js';
import { gotoFresh, openStudio, ROOT, type Studio } from './helpers.js';

let studio: Studio;
let page: Page;
let dir: string;

const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const MAIN = join(ROOT, 'src/cli/main.ts');
const neurite = (...args: string[]) =>
  execFileSync(process.execPath, [TSX, MAIN, ...args], { cwd: ROOT, encoding: 'utf8' });

/** The page's split: the last tenth held out, its first 16,384 characters scored. */
function baseline(text: string): { vocab: CharVocab; bigram: number } {
  const vocab = CharVocab.fromText(text);
  const ids = vocab.encode(text);
  const cut = Math.floor(ids.length * 0.9);
  const scored = ids.subarray(cut, cut + 16_384);
  return { vocab, bigram: bigramBitsPerCharacter(ids.subarray(0, cut), scored, vocab.size) };
}

const params = (p: Page) => new URLSearchParams(new URL(p.url()).hash.split('?')[1]);
const sampleText = (p: Page) =>
  p.evaluate(() => {
    const el = document.querySelector('#sample')!;
    return { prime: el.querySelector('.prime')?.textContent ?? '', text: el.lastChild?.textContent ?? '' };
  });

/** Waits for the first sample of a new run; says what the page showed if it never came. */
async function ready(p: Page): Promise<void> {
  try {
    await p.waitForSelector('#sample[data-step="0"]', { timeout: 120_000 });
  } catch (e) {
    const shown = await p.evaluate(() =>
      ['#charrnn-message', '#text-message', '#backend', '#text-title'].map(
        (q) => `${q}: ${document.querySelector(q)?.textContent ?? '(none)'}`,
      ),
    );
    throw new Error(`${(e as Error).message}\n${shown.join('\n')}\nerrors: ${studio.errors.join('; ')}`);
  }
}

/** Loads a checkpoint folder's two files through the page's file input; returns the page's message. */
async function loadCheckpoint(folder: string): Promise<string> {
  await page.evaluate(() => {
    const m = document.querySelector('#charrnn-message')!;
    m.textContent = '';
    m.removeAttribute('data-loaded');
    // so that waiting for the loaded model's first sample does not find the one before
    document.querySelector('#sample')?.removeAttribute('data-step');
  });
  const files = readdirSync(folder).filter((f) => f === 'checkpoint.json' || f.endsWith('.safetensors'));
  await page.setInputFiles(
    '#load-input',
    files.map((f) => ({
      name: f,
      mimeType: 'application/octet-stream',
      buffer: readFileSync(join(folder, f)),
    })),
  );
  await page.waitForFunction(
    () => (document.querySelector('#charrnn-message')?.textContent ?? '') !== '',
    null,
    {
      timeout: 60_000,
    },
  );
  return (await page.textContent('#charrnn-message')) ?? '';
}

async function setTemperature(p: Page, t: number): Promise<void> {
  await p.evaluate((v) => {
    const el = document.querySelector<HTMLInputElement>('#temperature')!;
    el.value = String(v);
    el.dispatchEvent(new Event('input'));
    el.dispatchEvent(new Event('change'));
  }, t);
  await p.waitForSelector(`#sample[data-temperature="${t}"]`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'neurite-charrnn-'));
  studio = await openStudio();
  page = await studio.newPage();
}, 180_000);

afterAll(async () => {
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('char-RNN page', () => {
  const austen = baseline(loadTextCorpus({ name: 'pride-and-prejudice' }));

  it('serves every shipped novel, and opens on Pride and Prejudice with its vocabulary and bigram baseline', async () => {
    for (const novel of AUSTEN_NOVELS) {
      const res = await fetch(`${studio.server.url}data/text/austen/${novel}.txt.gz`, { method: 'HEAD' });
      expect(res.status, novel).toBe(200);
    }
    await gotoFresh(page, `${studio.server.url}#/charrnn`);
    await page.waitForSelector('#sample[data-step="0"]', { timeout: 60_000 });
    expect(await page.textContent('#backend')).toBe('backend: wasm');
    expect(await page.getAttribute('#vocab', 'data-size')).toBe(String(austen.vocab.size));
    const bigram = Number(await page.getAttribute('#bigram', 'data-value'));
    expect(bigram).toBeCloseTo(austen.bigram, 9);
    // untrained, the model guesses about uniformly: near log2(75) = 6.23 bits
    const untrained = Number(await page.getAttribute('#test-bpc', 'data-value'));
    expect(Math.abs(untrained - Math.log2(austen.vocab.size))).toBeLessThan(0.3);
    const p = params(page);
    expect(p.get('text')).toBe('pride-and-prejudice');
    expect(p.get('cell')).toBe('lstm');
    expect(p.get('steps')).toBe('300');
    expect(studio.errors).toEqual([]);
  });

  it('falls below the bigram baseline in held-out bits per character within the default budget', async () => {
    const t0 = Date.now();
    await page.click('#play');
    const bigram = Number(await page.getAttribute('#bigram', 'data-value'));
    await page.waitForFunction(
      (b) => {
        const el = document.querySelector('#test-bpc');
        return Number(el?.getAttribute('data-step')) > 0 && Number(el?.getAttribute('data-value')) < b;
      },
      bigram,
      { timeout: 300_000 },
    );
    const step = Number(await page.getAttribute('#test-bpc', 'data-step'));
    const bits = Number(await page.getAttribute('#test-bpc', 'data-value'));
    await page.click('#play'); // pause
    await page.waitForSelector('#step-count[data-running="false"]');
    const seconds = Number(await page.getAttribute('#time', 'data-seconds'));
    const steps = Number(await page.getAttribute('#step-count', 'data-step'));
    console.log(
      `char-RNN page: held-out ${bits.toFixed(3)} bits/char < bigram ${bigram.toFixed(3)} at step ${step}; ${steps} steps in ${seconds.toFixed(1)} s of training (${((seconds / steps) * 1000).toFixed(0)} ms/step, ${((steps * 2048) / seconds).toFixed(0)} chars/s), ${((Date.now() - t0) / 1000).toFixed(0)} s wall`,
    );
    expect(step).toBeLessThanOrEqual(300);
    expect(studio.errors).toEqual([]);
  }, 320_000);

  it('writes samples in the vocabulary that change with the temperature, and says when the prime cannot be read', async () => {
    const chars = new Set(austen.vocab.chars);
    const top = async () => Number(await page.getAttribute('#next-chars', 'data-top'));
    await setTemperature(page, 0.2);
    const cold = await sampleText(page);
    const coldTop = await top();
    await setTemperature(page, 1.5);
    const hot = await sampleText(page);
    // a low temperature sharpens the next-character distribution, a high one flattens it
    expect(coldTop).toBeGreaterThan(await top());
    expect(await page.locator('#next-chars .next').count()).toBe(8);
    for (const s of [cold, hot]) {
      expect(s.prime).toBe('It is a truth');
      expect(s.text).toHaveLength(300);
      expect([...s.text].filter((c) => !chars.has(c))).toEqual([]);
    }
    expect(hot.text).not.toBe(cold.text);
    expect(params(page).get('temperature')).toBe('1.5');
    await page.fill('#prime', 'Zoë');
    await page.press('#prime', 'Enter');
    await page.waitForFunction(() => (document.querySelector('#prime-message')?.textContent ?? '') !== '');
    expect(await page.textContent('#prime-message')).toContain('"ë", which the text never uses');
    await page.fill('#prime', 'It is a truth');
    await page.press('#prime', 'Enter');
    await page.waitForFunction(() => (document.querySelector('#prime-message')?.textContent ?? '') === '');
  });

  it('saves a checkpoint that neurite sample writes the same text with', async () => {
    await setTemperature(page, 0.5);
    const shown = await sampleText(page);
    const info = (await page.textContent('#sample-info'))!;
    const seed = info.match(/--seed (\d+)/)![1];
    const out = join(dir, 'from-page');
    mkdirSync(out);
    let count = 0;
    const both = new Promise<void>((resolve) => {
      page.on('download', async (d) => {
        await d.saveAs(join(out, d.suggestedFilename()));
        if (++count === 2) resolve();
      });
    });
    await page.click('#save');
    await both;
    const cli = JSON.parse(
      neurite(
        'sample',
        out,
        '--json',
        '--seed',
        seed,
        '--temperature',
        '0.5',
        '--length',
        '300',
        '--prime',
        'It is a truth',
      )
        .trim()
        .split('\n')
        .at(-1)!,
    );
    expect(cli.text).toBe(shown.prime + shown.text);
  }, 60_000);

  it('loads its own checkpoint and a run of neurite train charrnn: each writes what neurite sample writes', async () => {
    const cliSample = (run: string) =>
      JSON.parse(
        neurite(
          'sample',
          run,
          '--json',
          '--seed',
          '0',
          '--temperature',
          '0.5',
          '--length',
          '300',
          '--prime',
          'It is a truth',
        )
          .trim()
          .split('\n')
          .at(-1)!,
      ).text as string;
    const fromPage = join(dir, 'from-page');
    const cliRun = join(dir, 'cli-emma');
    neurite(
      'train',
      'charrnn',
      '--epochs',
      '1',
      '--limit',
      '4',
      '--hidden-size',
      '64',
      '--corpus',
      'emma',
      '--out',
      cliRun,
    );
    for (const [run, title, hidden] of [
      [fromPage, 'Pride and Prejudice (1813)', '128'],
      [cliRun, 'Emma (1815)', '64'],
    ]) {
      const message = await loadCheckpoint(run);
      expect(message).toMatch(/^Loaded checkpoint\.json: CharRNN \(LSTM/);
      // a loaded model starts at step 0, so its sample is drawn with seed 0
      await page.waitForSelector('#sample[data-step="0"][data-temperature="0.5"]');
      const shown = await sampleText(page);
      expect(shown.prime + shown.text).toBe(cliSample(run));
      expect(await page.textContent('#text-title')).toBe(title);
      expect(await page.inputValue('#hidden')).toBe(hidden);
      expect(params(page).get('hidden')).toBe(hidden);
    }
    // another model's checkpoint: the page names what it holds
    const manifest = JSON.parse(readFileSync(join(cliRun, 'checkpoint.json'), 'utf8'));
    manifest.architecture = { type: 'LeNet5', options: {} };
    manifest.extra.preset = 'cnn-mnist';
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'checkpoint.json'), JSON.stringify(manifest));
    writeFileSync(join(other, manifest.weights.file), readFileSync(join(cliRun, manifest.weights.file)));
    expect(await loadCheckpoint(other)).toContain(
      'holds a LeNet5 (neurite train cnn-mnist); the char-RNN page runs CharRNN checkpoints',
    );
    expect(studio.errors).toEqual([]);
  }, 120_000);

  it('trains on a text file of ones own, and refuses an empty or binary file with its byte count', async () => {
    const poem = `${'Tyger Tyger, burning bright,\nIn the forests of the night;\nWhat immortal hand or eye,\nCould frame thy fearful symmetry?\n\n'.repeat(30)}`;
    await page.setInputFiles('#text-file', {
      name: 'tyger.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(poem),
    });
    await page.waitForFunction(() => document.querySelector('#text-title')?.textContent === 'tyger.txt');
    await page.waitForSelector('#sample[data-step="0"]');
    const own = baseline(poem);
    expect(Number(await page.getAttribute('#bigram', 'data-value'))).toBeCloseTo(own.bigram, 9);
    expect(await page.getAttribute('#vocab', 'data-size')).toBe(String(own.vocab.size));
    expect(await page.textContent('#text-message')).toContain(
      `Training on tyger.txt: ${poem.length.toLocaleString('en')} characters`,
    );
    expect(params(page).get('text')).toBe('file');
    expect(params(page).get('file')).toBe('tyger.txt');
    await page.click('#step');
    await page.waitForSelector('#step-count[data-step="1"]');

    // dropped on the data column, as chosen in the dialog
    const dropped = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'dropped.txt', { type: 'text/plain' }));
      return dt;
    }, poem.toUpperCase());
    await page.dispatchEvent('.charrnn-data', 'drop', { dataTransfer: dropped });
    await page.waitForFunction(() => document.querySelector('#text-title')?.textContent === 'dropped.txt');
    expect(Number(await page.getAttribute('#bigram', 'data-value'))).toBeCloseTo(
      baseline(poem.toUpperCase()).bigram,
      9,
    );

    await page.setInputFiles('#text-file', {
      name: 'empty.txt',
      mimeType: 'text/plain',
      buffer: Buffer.alloc(0),
    });
    await page.waitForFunction(() => document.querySelector('#text-message')?.classList.contains('error'));
    expect(await page.textContent('#text-message')).toContain('empty.txt is empty (0 bytes)');

    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
    ]);
    await page.setInputFiles('#text-file', { name: 'photo.png', mimeType: 'image/png', buffer: png });
    await page.waitForFunction(() =>
      document.querySelector('#text-message')?.textContent?.startsWith('photo.png'),
    );
    expect(await page.textContent('#text-message')).toContain('photo.png (16 bytes) is not text');

    await page.setInputFiles('#text-file', {
      name: 'short.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Too short to learn from.'),
    });
    await page.waitForFunction(() =>
      document.querySelector('#text-message')?.textContent?.startsWith('short.txt'),
    );
    expect(await page.textContent('#text-message')).toContain(
      'short.txt (24 bytes) holds only 24 characters',
    );
    // the refused files leave the page on the text it had
    expect(await page.textContent('#text-title')).toBe('dropped.txt');
    expect(studio.errors).toEqual([]);
  });

  it('keeps its settings and seed in the URL: the same URL gives the same run', async () => {
    const hash =
      '#/charrnn?text=emma&cell=gru&hidden=64&layers=2&seqLength=32&batchSize=16&lr=0.003&steps=600&seed=7&temperature=0.5&prime=Emma&sampleEvery=25';
    const first: string[] = [];
    for (let load = 0; load < 2; load++) {
      await gotoFresh(page, studio.server.url + hash);
      await ready(page);
      expect(new URL(page.url()).hash).toBe(hash);
      expect(await page.inputValue('#cell')).toBe('gru');
      expect(await page.inputValue('#hidden')).toBe('64');
      expect(await page.inputValue('#layers')).toBe('2');
      expect(await page.inputValue('#seq-length')).toBe('32');
      expect(await page.inputValue('#batch-size')).toBe('16');
      expect(await page.inputValue('#lr')).toBe('0.003');
      expect(await page.inputValue('#steps')).toBe('600');
      expect(await page.inputValue('#seed')).toBe('7');
      expect(await page.inputValue('#corpus')).toBe('emma');
      expect(await page.inputValue('#temperature')).toBe('0.5');
      expect(await page.inputValue('#prime')).toBe('Emma');
      expect(await page.textContent('#text-title')).toBe('Emma (1815)');
      for (let i = 1; i <= 3; i++) {
        await page.click('#step');
        await page.waitForSelector(`#step-count[data-step="${i}"]`);
      }
      await page.click('#resample');
      await page.waitForSelector('#sample[data-step="3"]');
      const s = await sampleText(page);
      first.push(s.text + (await page.getAttribute('#test-bpc', 'data-value')));
    }
    expect(first[1]).toBe(first[0]);
    // a URL made with a file of one's own says that the file must be chosen again
    await gotoFresh(page, `${studio.server.url}#/charrnn?text=file&file=tyger.txt`);
    await ready(page);
    expect(await page.textContent('#text-message')).toContain(
      'This link was made with a text file of your own (tyger.txt)',
    );
    expect(studio.errors).toEqual([]);
  }, 300_000);
});
