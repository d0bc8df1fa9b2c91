/** Messages between the playground page and its training worker. */

import type { LoadMessage, SavedMessage } from '../common/protocol.js';
import type { Point } from './datasets.js';
import type { PlaygroundSettings } from './settings.js';

export type ToWorker =
  /** New data or model: rebuild everything and stop. */
  | { type: 'setup'; settings: PlaygroundSettings; train: Point[]; test: Point[]; classes: number }
  | { type: 'play' }
  | { type: 'pause' }
  /** One epoch, then pause. */
  | { type: 'step' }
  /** The trained network as a checkpoint in the CLI's format; `points` are your own points, kept with it. */
  | { type: 'save'; points: Point[] }
  /** Read a checkpoint; the worker answers `loaded` with its settings, and applies it on `restore`. */
  | LoadMessage
  /** Load the weights read by `load` into the network just set up. */
  | { type: 'restore' };

/** One epoch's figures, for the curves. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  testLoss: number;
  trainAccuracy: number | null;
  testAccuracy: number | null;
}

export interface StateMessage {
  type: 'state';
  running: boolean;
  epoch: number;
  /** Epochs finished since the last state, in order. */
  records: EpochRecord[];
  /** Grid size of the output and neuron maps. */
  grid: number;
  /** The model's output over the grid, row-major from the top-left (y = +6) corner: for classification the
   * probabilities [grid², classes], for regression the value [grid²]. */
  output: Float32Array;
  /** Each hidden unit's activation over a coarser grid, [units][thumb²], layer by layer. */
  neurons: Float32Array[][];
  thumb: number;
  /** Each Linear layer's weight, row-major [out, in]. */
  weights: Float32Array[];
  epochsPerSecond: number;
  samplesPerSecond: number;
}

export type FromWorker =
  | { type: 'ready'; backend: string }
  | StateMessage
  | SavedMessage
  | { type: 'loaded'; settings: PlaygroundSettings; points: Point[]; description: string }
  | { type: 'error'; message: string; where: 'setup' | 'train' | 'load' };
