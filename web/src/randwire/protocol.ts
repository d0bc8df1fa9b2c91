/** Messages between the RandWire page and its training worker. */

import type { LoadMessage, SavedMessage, TrainRecord } from '../common/protocol.js';

export const GRAPH_TYPES = ['ws', 'er', 'ba'] as const;
export type GraphType = (typeof GRAPH_TYPES)[number];

export interface RandwireSettings {
  /** The random graph model of every stage. */
  graph: GraphType;
  /** WS: each node's ring neighbours (even). */
  k: number;
  /** WS: the rewiring probability. */
  wsP: number;
  /** ER: the edge probability. */
  erP: number;
  /** BA: edges each new node brings. */
  m: number;
  /** Nodes per stage, the paper's N. */
  nodes: number;
  /** Random stages (graphs), 1–3. */
  stages: number;
  /** Base width C: stage i has C·2ⁱ channels. */
  channels: number;
  /** Strides of conv1 and conv2 ([2, 1]: 14×14 into the first stage; the CLI's randwire-mnist uses [1, 1]). */
  stemStrides: [number, number];
  /** Channels of the classifier's 1×1 convolution, or null for 4C (the CLI's randwire-mnist uses 256). */
  headChannels: number | null;
  lr: number;
  batchSize: number;
  /** The training budget, in epochs over the 8,000 training digits. */
  epochs: number;
  /** Seed of the net: its stage graphs, its weights and the order of the digits. */
  seed: number;
}

/** The JSON form of a stage's graph, exactly as neurite's `RandomGraph.toJSON()` writes it. */
export interface GraphJSON {
  nodes: number[];
  edges: [number, number][];
  inputs: number[];
  outputs: number[];
  generator: Record<string, unknown> | null;
  seed: number | null;
}

/** What the page draws and exports of one stage. */
export interface StageInfo {
  json: GraphJSON;
  /** `RandomGraph.toDot()`'s text. */
  dot: string;
  /** Undirected degree of every node. */
  degrees: number[];
  channelsIn: number;
  channelsOut: number;
  /** The stage's output resolution (square) for a 28×28 digit. */
  size: number;
}

/** σ(w) of a stage's aggregation weights, aligned with its JSON `edges` and with its `inputs` (the input node's edges). */
export interface StageWeights {
  edges: Float32Array;
  inputs: Float32Array;
}

export type RandwireRecord = TrainRecord;

export interface RandwireState {
  type: 'state';
  running: boolean;
  done: boolean;
  epoch: number;
  samples: number;
  samplesPerSecond: number;
  /** Records since the last state. */
  records: RandwireRecord[];
  /** The last full test evaluation, or null if none yet. */
  testAccuracy: number | null;
  weights: StageWeights[];
  /** Seconds spent training (not paused). */
  seconds: number;
}

/** One generator's result in the comparison. */
export interface CompareRow {
  graph: GraphType;
  /** The generator and its parameters, e.g. "WS(K=4, P=0.75)". */
  label: string;
  /** Edges per stage (of the graph, without the input and output nodes' edges). */
  edges: number[];
  params: number;
  macs: number;
  /** null while it trains. */
  testAccuracy: number | null;
  trainAccuracy: number | null;
  seconds: number;
  /** Epochs trained so far. */
  epoch: number;
}

export type ToRandwireWorker =
  /** New network from the settings (and, the first time, the digits from `dataUrl`). */
  | { type: 'setup'; settings: RandwireSettings; dataUrl: string }
  | { type: 'play' }
  | { type: 'pause' }
  /** One batch, then pause. */
  | { type: 'step' }
  /** Train ER, BA and WS one after the other with the settings' budget. */
  | { type: 'compare' }
  | { type: 'stop-compare' }
  /** The network as a checkpoint in the CLI's format (neurite train randwire-mnist). */
  | { type: 'save' }
  /** A checkpoint (checkpoint.json's text and the weights file's bytes) to load; `source` names it in messages. */
  | LoadMessage;

export type FromRandwireWorker =
  | { type: 'ready'; backend: string }
  | { type: 'data-loaded' }
  /** The network the settings describe: its stages' graphs, parameter count and multiply–adds per digit. */
  | { type: 'network'; stages: StageInfo[]; params: number; macs: number }
  | RandwireState
  | { type: 'compare-row'; index: number; row: CompareRow; finished: boolean }
  /** A setting the generators or the network reject (e.g. K odd): `field` names the control. */
  | { type: 'settings-error'; field: string; message: string }
  | SavedMessage
  /** A checkpoint was loaded: the page's settings now describe its network ('network' and 'state' follow). */
  | { type: 'loaded'; settings: RandwireSettings; description: string }
  | { type: 'load-error'; message: string }
  | { type: 'error'; message: string };
