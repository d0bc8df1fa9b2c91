/** Messages between the MNIST page and its training worker. */

import type { LoadMessage, SavedMessage, TrainRecord } from '../common/protocol.js';

export const MNIST_MODELS = ['lenet5-relu', 'lenet5', 'mlp'] as const;
export type MnistModelName = (typeof MNIST_MODELS)[number];

export interface MnistSettings {
  model: MnistModelName;
  lr: number;
  batchSize: number;
  /** The training budget, in epochs over the 8,000 training digits. */
  epochs: number;
  seed: number;
}

export type ToMnistWorker =
  /** New model (and, the first time, the digits from `dataUrl`, the folder holding images.u8.gz and labels.u8.gz). */
  | { type: 'setup'; settings: MnistSettings; dataUrl: string }
  | { type: 'play' }
  | { type: 'pause' }
  /** One batch, then pause. */
  | { type: 'step' }
  /** Which test digit's feature maps to show. */
  | { type: 'inspect'; index: number }
  /** Class probabilities of a 28×28 image (pixels 0–1, row-major), for the drawing pad. */
  | { type: 'predict'; pixels: Float32Array; id: number }
  /** The trained model as a checkpoint in the CLI's format. */
  | { type: 'save' }
  /** A checkpoint (checkpoint.json's text and the weights file's bytes) to load; `source` names it in messages. */
  | LoadMessage;

/** One point of the curves: where in training (epochs, fractional) and what was measured. */
export type MnistRecord = TrainRecord;

export interface FeatureMaps {
  name: string;
  channels: number;
  height: number;
  width: number;
  data: Float32Array;
}

export interface MnistState {
  type: 'state';
  running: boolean;
  done: boolean;
  /** Epochs trained, fractional. */
  epoch: number;
  samples: number;
  samplesPerSecond: number;
  records: MnistRecord[];
  /** The first conv layer's filters [out, in·kH·kW] with their shape, or null for an MLP. */
  filters: { count: number; size: number; data: Float32Array } | null;
  /** Feature maps of the inspected test digit, layer by layer. */
  maps: FeatureMaps[];
  inspected: { index: number; label: number; predicted: number; probabilities: Float32Array };
  /** After each full test evaluation: confusion[true·10 + predicted], the test accuracy and the wrong digits. */
  evaluation: {
    epoch: number;
    accuracy: number;
    confusion: Int32Array;
    wrong: { index: number; label: number; predicted: number }[];
  } | null;
}

export type FromMnistWorker =
  | { type: 'ready'; backend: string }
  /** The test digits (bytes 0–255) and labels, for the page to draw. */
  | { type: 'data'; testImages: Uint8Array; testLabels: Uint8Array; trainCount: number }
  | MnistState
  | { type: 'prediction'; id: number; probabilities: Float32Array }
  | SavedMessage
  /** A checkpoint was loaded: the page's settings now describe its model. */
  | { type: 'loaded'; settings: MnistSettings; description: string }
  | { type: 'load-error'; message: string }
  | { type: 'error'; message: string };
