/**
 * The RNN page's settings: each task's defaults (measured to reach their thresholds within the budget in
 * headless Chromium on the WASM backend), the choices the controls offer, and the URL round trip.
 */

import { oneOf, seedParam } from '../common/params.js';
import { CELLS, type CellName, RNN_TASKS, type RnnSettings, type RnnTaskName } from './protocol.js';

export const HIDDEN_SIZES = [16, 32, 48, 64, 96, 128];
export const LEARNING_RATES = [0.001, 0.002, 0.005, 0.01, 0.02];
export const BATCH_SIZES = [16, 32, 64, 128];
export const BUDGETS = [1, 2, 3, 4, 5, 6, 8, 10];
/** The encoder–decoder's embedding size (a checkpoint of the CLI's seq2seq-reverse may have another: 32 there). */
export const DEFAULT_EMBED = 16;

export const TASK_LABELS: Record<RnnTaskName, string> = {
  speller: 'one-to-many · digit → its name',
  rows: 'many-to-one · MNIST rows → digit',
  reverse: 'encoder–decoder · reverse digits',
  sort: 'encoder–decoder · sort digits',
  spaces: 'synced · restore spaces',
};

export const CELL_LABELS: Record<CellName, string> = { rnn: 'RNN (Elman, tanh)', lstm: 'LSTM', gru: 'GRU' };

/** Each task's default settings: the page does something meaningful with one click on ▶. */
export const TASK_DEFAULTS: Record<RnnTaskName, RnnSettings> = {
  speller: {
    task: 'speller',
    cell: 'gru',
    hidden: 48,
    lr: 0.005,
    batchSize: 64,
    epochs: 3,
    seed: 0,
    fromImage: true,
    bidirectional: false,
  },
  rows: {
    task: 'rows',
    cell: 'gru',
    hidden: 64,
    lr: 0.01,
    batchSize: 32,
    epochs: 2,
    seed: 0,
    fromImage: true,
    bidirectional: false,
  },
  reverse: {
    task: 'reverse',
    cell: 'lstm',
    hidden: 64,
    lr: 0.005,
    batchSize: 64,
    epochs: 5,
    seed: 0,
    fromImage: true,
    bidirectional: false,
  },
  sort: {
    task: 'sort',
    cell: 'lstm',
    hidden: 64,
    lr: 0.005,
    batchSize: 64,
    epochs: 2,
    seed: 0,
    fromImage: true,
    bidirectional: false,
  },
  spaces: {
    task: 'spaces',
    cell: 'lstm',
    hidden: 64,
    lr: 0.02,
    batchSize: 64,
    epochs: 2,
    seed: 0,
    fromImage: true,
    bidirectional: true,
  },
};

export const DEFAULT_TASK: RnnTaskName = 'rows';

/** Settings from the URL; anything missing or not offered takes the task's default. */
export function rnnSettingsFromParams(p: URLSearchParams): RnnSettings {
  const task = oneOf(p.get('task'), RNN_TASKS, DEFAULT_TASK, (s) => s as RnnTaskName);
  const d = TASK_DEFAULTS[task];
  return {
    task,
    cell: oneOf(p.get('cell'), CELLS, d.cell, (s) => s as CellName),
    // any size a checkpoint may bring (the control offers HIDDEN_SIZES)
    hidden: size(p.get('hidden'), d.hidden),
    lr: oneOf(p.get('lr'), LEARNING_RATES, d.lr, Number),
    batchSize: oneOf(p.get('batch'), BATCH_SIZES, d.batchSize, Number),
    epochs: oneOf(p.get('epochs'), BUDGETS, d.epochs, Number),
    seed: seedParam(p, d.seed),
    fromImage: p.has('input') ? p.get('input') !== 'class' : d.fromImage,
    bidirectional: p.has('both') ? p.get('both') === '1' : d.bidirectional,
    ...((task === 'reverse' || task === 'sort') && p.has('embed')
      ? { embed: size(p.get('embed'), DEFAULT_EMBED) }
      : {}),
  };
}

/** A layer size from the URL: an integer 1–1024, else the fallback. */
function size(v: string | null, fallback: number): number {
  const n = Number(v);
  return v !== null && Number.isInteger(n) && n >= 1 && n <= 1024 ? n : fallback;
}

/** The URL form of the settings (and of the chosen example). */
export function rnnSettingsToParams(s: RnnSettings, example: number): URLSearchParams {
  const p = new URLSearchParams();
  p.set('task', s.task);
  p.set('cell', s.cell);
  p.set('hidden', String(s.hidden));
  p.set('lr', String(s.lr));
  p.set('batch', String(s.batchSize));
  p.set('epochs', String(s.epochs));
  p.set('seed', String(s.seed));
  if (s.task === 'speller') p.set('input', s.fromImage ? 'image' : 'class');
  if (s.task === 'spaces') p.set('both', s.bidirectional ? '1' : '0');
  if ((s.task === 'reverse' || s.task === 'sort') && s.embed !== undefined && s.embed !== DEFAULT_EMBED)
    p.set('embed', String(s.embed));
  p.set('example', String(example));
  return p;
}
