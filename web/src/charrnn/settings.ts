/**
 * The char-RNN page's settings ⇄ URL, and the checks a reader's own text file passes before the worker sees it.
 */

import { oneOf, seedParam } from '../common/params.js';
import { CELLS, type CharRnnSettings, NOVELS, type Novel, type SampleSettings } from './protocol.js';

export const HIDDEN_SIZES = [32, 64, 128, 256];
export const LAYERS = [1, 2, 3];
export const SEQ_LENGTHS = [16, 32, 64, 128];
export const BATCH_SIZES = [8, 16, 32, 64];
export const LEARNING_RATES = [0.001, 0.003, 0.01, 0.03];
export const BUDGETS = [100, 300, 600, 1200, 3000];
export const SAMPLE_EVERY = [10, 25, 50, 100];
export const TEMPERATURE_RANGE = { min: 0.2, max: 1.5, step: 0.1 } as const;

/**
 * An LSTM of 128 units on Pride and Prejudice, 32 streams × 64 characters per step, Adam at 0.01 with the
 * gradient norm clipped at 1, 300 steps (one epoch of the novel's 616,291 training characters): the held-out
 * bits per character pass the bigram baseline (3.52 on the scored held-out text) by step 50 (3.21) and reach 2.33.
 */
export const CHARRNN_DEFAULTS: CharRnnSettings = {
  corpus: 'pride-and-prejudice',
  cell: 'lstm',
  hiddenSize: 128,
  layers: 1,
  seqLength: 64,
  batchSize: 32,
  lr: 0.01,
  steps: 300,
  seed: 0,
};

export const SAMPLE_DEFAULTS: SampleSettings = { temperature: 0.8, prime: 'It is a truth', every: 50 };

export const NOVEL_TITLES: Record<Novel, string> = {
  'sense-and-sensibility': 'Sense and Sensibility (1811)',
  'pride-and-prejudice': 'Pride and Prejudice (1813)',
  'mansfield-park': 'Mansfield Park (1814)',
  emma: 'Emma (1815)',
  'northanger-abbey': 'Northanger Abbey (1817)',
  persuasion: 'Persuasion (1817)',
};

/** Rounds a temperature onto the slider's grid, inside its range. */
export function clampTemperature(t: number): number {
  const { min, max, step } = TEMPERATURE_RANGE;
  if (!Number.isFinite(t)) return SAMPLE_DEFAULTS.temperature;
  const v = Math.round(Math.min(max, Math.max(min, t)) / step) * step;
  return Number(v.toFixed(2));
}

export function settingsFromParams(p: URLSearchParams): {
  settings: CharRnnSettings;
  sample: SampleSettings;
  /** The name of the reader's file the URL was made with (the file itself is not in it). */
  file: string | null;
} {
  const d = CHARRNN_DEFAULTS;
  const corpus = p.get('text');
  const file = corpus === 'file' ? (p.get('file') ?? '') : null;
  const settings: CharRnnSettings = {
    corpus: oneOf(corpus, NOVELS, d.corpus, (s) => s as Novel),
    cell: oneOf(p.get('cell'), CELLS, d.cell, (s) => s as CharRnnSettings['cell']),
    hiddenSize: oneOf(p.get('hidden'), HIDDEN_SIZES, d.hiddenSize, Number),
    layers: oneOf(p.get('layers'), LAYERS, d.layers, Number),
    seqLength: oneOf(p.get('seqLength'), SEQ_LENGTHS, d.seqLength, Number),
    batchSize: oneOf(p.get('batchSize'), BATCH_SIZES, d.batchSize, Number),
    lr: oneOf(p.get('lr'), LEARNING_RATES, d.lr, Number),
    steps: oneOf(p.get('steps'), BUDGETS, d.steps, Number),
    seed: seedParam(p, d.seed),
  };
  const s = SAMPLE_DEFAULTS;
  const sample: SampleSettings = {
    temperature: p.has('temperature') ? clampTemperature(Number(p.get('temperature'))) : s.temperature,
    prime: p.has('prime') ? (p.get('prime') ?? '').slice(0, 200) : s.prime,
    every: oneOf(p.get('sampleEvery'), SAMPLE_EVERY, s.every, Number),
  };
  return { settings, sample, file };
}

export function paramsOf(
  settings: CharRnnSettings,
  sample: SampleSettings,
  file: string | null,
): URLSearchParams {
  const p = new URLSearchParams();
  p.set('text', settings.corpus);
  if (settings.corpus === 'file' && file !== null) p.set('file', file);
  p.set('cell', settings.cell);
  p.set('hidden', String(settings.hiddenSize));
  p.set('layers', String(settings.layers));
  p.set('seqLength', String(settings.seqLength));
  p.set('batchSize', String(settings.batchSize));
  p.set('lr', String(settings.lr));
  p.set('steps', String(settings.steps));
  p.set('seed', String(settings.seed));
  p.set('temperature', String(sample.temperature));
  p.set('prime', sample.prime);
  p.set('sampleEvery', String(sample.every));
  return p;
}

/** The fewest characters a text of one's own must hold: 10 % of it is held out to be scored. */
export const MIN_CHARACTERS = 1000;
export const MAX_BYTES = 20_000_000;
/** More distinct characters than this (a text in a script with thousands of signs) makes the output layer huge. */
export const MAX_VOCAB = 256;

const bytesText = (n: number) => `${n.toLocaleString('en')} byte${n === 1 ? '' : 's'}`;

/**
 * The text of a file the reader gave, or an Error in their terms naming the file and its size: empty, too
 * large, not text (NUL bytes, invalid UTF-8, control characters), too short, or too many distinct characters.
 * Windows line ends become `\n`; a leading byte-order mark is dropped.
 */
export function textOfFile(name: string, bytes: Uint8Array): string {
  const size = bytes.length;
  if (size === 0) {
    throw new Error(
      `${name} is empty (0 bytes): choose a plain-text file of at least ${MIN_CHARACTERS.toLocaleString('en')} characters.`,
    );
  }
  if (size > MAX_BYTES) {
    throw new Error(
      `${name} is ${bytesText(size)}; the page trains on texts up to ${bytesText(MAX_BYTES)} (cut it, or train on it with neurite train).`,
    );
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new Error(
      `${name} (${bytesText(size)}) is not text: it holds a NUL byte at byte ${nul.toLocaleString('en')}, as images, archives and programs do. Choose a plain-text file (UTF-8).`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new Error(
      `${name} (${bytesText(size)}) is not UTF-8 text: choose a plain-text file, or save this one as UTF-8.`,
    );
  }
  text = text.replace(/\r\n?/g, '\n');
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 10 && c !== 9) || c === 127) control++;
  }
  if (control > 0.01 * text.length) {
    throw new Error(
      `${name} (${bytesText(size)}) is not text: ${control.toLocaleString('en')} of its characters are control codes. Choose a plain-text file (UTF-8).`,
    );
  }
  const chars = [...text];
  if (chars.length < MIN_CHARACTERS) {
    throw new Error(
      `${name} (${bytesText(size)}) holds only ${chars.length.toLocaleString('en')} characters; the page needs at least ${MIN_CHARACTERS.toLocaleString('en')} (a tenth is held out to measure bits per character).`,
    );
  }
  const distinct = new Set(chars).size;
  if (distinct > MAX_VOCAB) {
    throw new Error(
      `${name} (${bytesText(size)}) uses ${distinct.toLocaleString('en')} different characters; the page's vocabulary holds at most ${MAX_VOCAB}.`,
    );
  }
  return text;
}
