/** Messages between the char-RNN page and its training worker, and the page's settings. */

import type { LoadMessage, SavedMessage } from '../common/protocol.js';

/** The six novels neurite ships (data/text/austen/), in order of publication; the server serves each one. */
export const NOVELS = [
  'sense-and-sensibility',
  'pride-and-prejudice',
  'mansfield-park',
  'emma',
  'northanger-abbey',
  'persuasion',
] as const;
export type Novel = (typeof NOVELS)[number];

export const CELLS = ['lstm', 'gru', 'rnn'] as const;
export type Cell = (typeof CELLS)[number];

/** What changes the model or its training: a new value means a new run. */
export interface CharRnnSettings {
  /** A shipped novel, or 'file' for the reader's own text (which the URL cannot carry). */
  corpus: Novel | 'file';
  cell: Cell;
  hiddenSize: number;
  layers: number;
  /** Characters per truncated-backpropagation chunk. */
  seqLength: number;
  /** Parallel streams the training text is cut into. */
  batchSize: number;
  lr: number;
  /** The training budget, in steps (one chunk of every stream per step). */
  steps: number;
  seed: number;
}

/** How the page samples: these change the text shown, never the training. */
export interface SampleSettings {
  temperature: number;
  /** The text the model reads before it writes; empty means a line break. */
  prime: string;
  /** A new sample every this many steps while training. */
  every: number;
}

/** Where the text comes from: a novel the server serves (a gzipped file), or the reader's own text. */
export type TextSource =
  | { kind: 'novel'; name: Novel; url: string }
  | { kind: 'file'; name: string; text: string };

export type ToCharRnnWorker =
  /** A new model on the given text (loaded and encoded the first time it is named). */
  | { type: 'setup'; settings: CharRnnSettings; source: TextSource; sample: SampleSettings }
  | { type: 'play' }
  | { type: 'pause' }
  /** One training step, then pause. */
  | { type: 'step' }
  /** New sampling settings: a fresh sample now, and later ones with these settings. */
  | { type: 'sample'; sample: SampleSettings }
  /** The trained model as a checkpoint in the CLI's format. */
  | { type: 'save' }
  /**
   * A checkpoint (checkpoint.json's text and the weights file's bytes) to load; `source` names it in messages. The
   * page passes its settings (kept where the checkpoint does not fix them), the folder of the novels, and the
   * reader's own text if it has one (for a model trained on it).
   */
  | (LoadMessage & {
      settings: CharRnnSettings;
      sample: SampleSettings;
      novels: string;
      userText: { name: string; text: string } | null;
    });

/** One point of the curves (x in epochs, fractional); bits per character, train or held-out. */
export interface CharRnnRecord {
  epoch: number;
  train: number | null;
  test: number | null;
}

/** The text a run trains on, as the worker encoded it. */
export interface TextInfo {
  type: 'text';
  /** The novel's title or the file's name. */
  title: string;
  characters: number;
  /** The vocabulary in id order. */
  vocab: string[];
  trainCharacters: number;
  heldOutCharacters: number;
  /** The held-out characters that are scored (the first ones of the held-out part). */
  evalCharacters: number;
  /** Bits per character of the add-one bigram model of the training text, on the scored held-out characters. */
  bigram: number;
  /** log₂ of the vocabulary size: a uniform guess. */
  uniform: number;
  /** The beginning of the training text, to show. */
  excerpt: string;
  /** Parallel streams and the steps one epoch takes. */
  streams: number;
  stepsPerEpoch: number;
  parameters: number;
  /** The layers as a line: "Embedding 75→32 · LSTM 32→128 · Linear 128→75". */
  architecture: string;
}

export interface CharRnnSample {
  step: number;
  temperature: number;
  /** The prime the model read (after the line-break default). */
  prime: string;
  text: string;
  /** The seed of the draws: `neurite sample <checkpoint> --seed <it>` repeats them from a saved model. */
  seed: number;
  /** Characters of the requested prime that are not in the vocabulary (the prime was replaced). */
  unknown: string[];
  /**
   * The likeliest next characters after the prime, by the model's own probability (temperature 1), each with its
   * probability at the sample's temperature: what the temperature does to the choice of the first character.
   */
  next: { char: string; p: number; pT: number }[];
}

export interface CharRnnState {
  type: 'state';
  running: boolean;
  done: boolean;
  step: number;
  epoch: number;
  /** Characters trained on so far. */
  characters: number;
  charactersPerSecond: number;
  stepsPerSecond: number;
  /** Seconds spent training (sampling and evaluation included), for the readout. */
  seconds: number;
  records: CharRnnRecord[];
  /** The latest held-out bits per character and the step it was measured at. */
  test: { step: number; bits: number } | null;
  sample: CharRnnSample | null;
}

export type FromCharRnnWorker =
  | { type: 'ready'; backend: string }
  | TextInfo
  | CharRnnState
  | SavedMessage
  /** A checkpoint was loaded: the page's settings now describe its model. */
  | { type: 'loaded'; settings: CharRnnSettings; description: string }
  | { type: 'load-error'; message: string }
  /** The text cannot be trained on (too many distinct characters…): shown next to the data. */
  | { type: 'text-error'; message: string }
  | { type: 'error'; message: string };
