/** Messages between the RNN page and its training worker, and the settings both read. */

import type { LoadMessage, SavedMessage, TrainRecord } from '../common/protocol.js';

/** The live tasks, one or two per structure. */
export const RNN_TASKS = ['speller', 'rows', 'reverse', 'sort', 'spaces'] as const;
export type RnnTaskName = (typeof RNN_TASKS)[number];

export const CELLS = ['rnn', 'lstm', 'gru'] as const;
export type CellName = (typeof CELLS)[number];

/** The four structures of the lecture. */
export type Structure = 'one-to-many' | 'many-to-one' | 'encoder-decoder' | 'synced';

export const STRUCTURE_OF: Record<RnnTaskName, Structure> = {
  speller: 'one-to-many',
  rows: 'many-to-one',
  reverse: 'encoder-decoder',
  sort: 'encoder-decoder',
  spaces: 'synced',
};

export interface RnnSettings {
  task: RnnTaskName;
  cell: CellName;
  hidden: number;
  lr: number;
  batchSize: number;
  /** The training budget in epochs over the task's training set. */
  epochs: number;
  seed: number;
  /** One-to-many: the condition is the digit's image (true) or only its class (false). */
  fromImage: boolean;
  /** Synced: read the letters both ways (a bidirectional layer). */
  bidirectional: boolean;
  /** Encoder–decoder: the embedding size, when not the page's 16 (a checkpoint of seq2seq-reverse brings 32). */
  embed?: number;
}

export type ToRnnWorker =
  /** A new model for these settings; `baseUrl` is the page's address (the data lives under data/). */
  | { type: 'setup'; settings: RnnSettings; baseUrl: string }
  | { type: 'play' }
  | { type: 'pause' }
  /** One batch, then pause. */
  | { type: 'step' }
  /** Which test example to unroll. */
  | { type: 'inspect'; index: number }
  /** The model as a checkpoint in the CLI's format (the matching neurite train preset). */
  | { type: 'save' }
  /** A checkpoint (checkpoint.json's text and the weights file's bytes) to open; `source` names it in messages. */
  | LoadMessage;

/** One point of the curves (epochs fractional); null where not measured at that moment. */
export type RnnRecord = TrainRecord;

/** One time step of the unrolled network. */
export interface StepView {
  /** What the step reads, as text ('7', 'a', '‹bos›'), or '' when `pixels` shows it. */
  input: string;
  /** A row of image pixels (0–1) for the many-to-one task. */
  pixels?: Float32Array;
  /** What the step writes, if anything. */
  output?: string;
  /** What it should write. */
  target?: string;
}

/** A heat-map strip: one value per step and hidden unit, time-major ([steps·hidden]). */
export interface Strip {
  /** 'h', 'c', 'input', 'forget', 'candidate', 'output', 'reset', 'update'. */
  name: string;
  label: string;
  /** diverging (centred on 0, for h, c and the tanh candidates) or viridis (0..1, for the sigmoid gates). */
  map: 'diverging' | 'viridis';
  /** 0: forward; 1: the backward direction of a bidirectional layer. */
  direction: 0 | 1;
  data: Float32Array;
}

export interface UnrolledView {
  index: number;
  kind: 'RNN' | 'LSTM' | 'GRU';
  hidden: number;
  steps: StepView[];
  strips: Strip[];
  /** Where each part of the sequence begins (the encoder at 0, the decoder after it). */
  phases: { from: number; label: string }[];
  /** The image the example is about (784 pixels, 0–1; null when only its class is given) and what it does. */
  picture: { pixels: Float32Array | null; caption: string } | null;
  /** One line: what the model answers for this example and whether it is right. */
  verdict: string;
  correct: boolean;
}

/** A test example in the chooser, with the model's current answer. */
export interface ExampleView {
  index: number;
  /** The input as text, or '' for an image (the page draws `pixels`). */
  input: string;
  pixels: Float32Array | null;
  target: string;
  output: string;
  correct: boolean;
}

export interface RnnState {
  type: 'state';
  running: boolean;
  done: boolean;
  epoch: number;
  /** Training examples seen. */
  samples: number;
  samplesPerSecond: number;
  trainSize: number;
  records: RnnRecord[];
  /** The latest full test evaluation. */
  evaluation: { epoch: number; accuracy: number; detail: string } | null;
  unrolled: UnrolledView | null;
  examples: ExampleView[] | null;
}

export type FromRnnWorker =
  | { type: 'ready'; backend: string }
  /** The task's data are loaded and its model built. */
  | {
      type: 'task';
      description: string;
      parameters: number;
      trainSize: number;
      testSize: number;
      metric: string;
      baseline: string;
    }
  | RnnState
  | (SavedMessage & { preset: string })
  /** A checkpoint was opened: the page's settings now describe its model ('task' and 'state' follow). */
  | { type: 'loaded'; settings: RnnSettings; description: string }
  /** Saving or loading failed; the model is unchanged. */
  | { type: 'checkpoint-error'; message: string }
  | { type: 'error'; message: string };
