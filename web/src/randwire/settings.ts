/** The RandWire page's settings: defaults, the choices offered, and their round trip through the URL. */

import { oneOf, seedParam } from '../common/params.js';
import { GRAPH_TYPES, type GraphType, type RandwireSettings } from './protocol.js';

/**
 * A small Watts–Strogatz network: 2 stages of 8 nodes, C = 16 (17,940 weights), Adam at 0.003 with a cosine
 * schedule to 0, 2 epochs over the 8,000 training digits: about 96.5 % on the 2,000 test digits, in under a minute
 * on the WASM backend. The generators' parameters are the paper's (WS K=4, P=0.75; ER P=0.2; BA M=5).
 */
export const RANDWIRE_DEFAULTS: RandwireSettings = {
  graph: 'ws',
  k: 4,
  wsP: 0.75,
  erP: 0.2,
  m: 5,
  nodes: 8,
  stages: 2,
  channels: 16,
  stemStrides: [2, 1],
  headChannels: null,
  lr: 0.003,
  batchSize: 32,
  epochs: 2,
  seed: 0,
};

export const NODE_COUNTS = [6, 8, 12, 16, 24, 32];
export const STAGE_COUNTS = [1, 2, 3];
export const CHANNELS = [8, 16, 24, 32];
/** conv1's and conv2's strides, with the resolution they hand the first stage. */
export const STEM_CHOICES: readonly (readonly [string, string])[] = [
  ['2,1', '2, 1 (14×14)'],
  ['1,1', '1, 1 (28×28)'],
  ['2,2', '2, 2 (7×7)'],
];
/** The head's 1×1 convolution: 4C ('4c'), or a fixed width (the CLI's randwire-mnist: 256). */
export const HEAD_CHOICES = ['4c', '64', '128', '256', '512'];
export const LEARNING_RATES = [0.001, 0.003, 0.01];
export const BATCH_SIZES = [16, 32, 64];
export const BUDGETS = [1, 2, 3, 5, 8];

export const GRAPH_NAMES: Record<GraphType, string> = {
  ws: 'Watts–Strogatz (WS)',
  er: 'Erdős–Rényi (ER)',
  ba: 'Barabási–Albert (BA)',
};

/** The generator with its parameters, as the paper writes it: "WS(4, 0.75)". */
export function graphLabel(s: RandwireSettings, type: GraphType = s.graph): string {
  if (type === 'ws') return `WS(${s.k}, ${s.wsP})`;
  if (type === 'er') return `ER(${s.erP})`;
  return `BA(${s.m})`;
}

/** A number from the URL, or the default if it is missing or not a finite number (range checks are neurite's). */
function num(v: string | null, fallback: number): number {
  if (v === null || v.trim() === '') return fallback;
  const x = Number(v);
  return Number.isFinite(x) ? x : fallback;
}

/**
 * An integer from the URL within the range the CLI's randwire-mnist preset accepts (a checkpoint loaded from the CLI
 * may use a value the page's menus do not list), or the default.
 */
function int(v: string | null, min: number, max: number, fallback: number): number {
  const x = v === null || v.trim() === '' ? Number.NaN : Number(v);
  return Number.isInteger(x) && x >= min && x <= max ? x : fallback;
}

function stemFrom(v: string | null, fallback: [number, number]): [number, number] {
  const m = /^([12]),([12])$/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2])] : fallback;
}

/** The value of the head menu: '4c' for 4C, else the width. */
export function headValue(s: RandwireSettings): string {
  return s.headChannels === null ? '4c' : String(s.headChannels);
}

/** The head's width: 4C unless fixed. */
export function headWidth(s: RandwireSettings): number {
  return s.headChannels ?? 4 * s.channels;
}

/** A menu's choices with `value` added in order when it is not one of them (a loaded checkpoint's value). */
export function withValue(choices: readonly number[], value: number): number[] {
  return choices.includes(value) ? [...choices] : [...choices, value].sort((a, b) => a - b);
}

export function randwireSettingsFromParams(p: URLSearchParams): RandwireSettings {
  const d = RANDWIRE_DEFAULTS;
  const head = p.get('head');
  return {
    graph: oneOf(p.get('graph'), GRAPH_TYPES, d.graph, (s) => s as GraphType),
    k: num(p.get('k'), d.k),
    wsP: num(p.get('wsp'), d.wsP),
    erP: num(p.get('erp'), d.erP),
    m: num(p.get('m'), d.m),
    nodes: int(p.get('nodes'), 2, 64, d.nodes),
    stages: int(p.get('stages'), 1, 4, d.stages),
    channels: int(p.get('channels'), 2, 256, d.channels),
    stemStrides: stemFrom(p.get('stem'), d.stemStrides),
    headChannels: head === null || head === '4c' ? d.headChannels : int(head, 1, 4096, 4 * d.channels),
    lr: oneOf(p.get('lr'), LEARNING_RATES, d.lr, Number),
    batchSize: oneOf(p.get('batch'), BATCH_SIZES, d.batchSize, Number),
    epochs: oneOf(p.get('epochs'), BUDGETS, d.epochs, Number),
    seed: seedParam(p, d.seed),
  };
}

/** The settings as URL parameters (every one, so a link reproduces the run). */
export function randwireParams(s: RandwireSettings): URLSearchParams {
  const p = new URLSearchParams();
  p.set('graph', s.graph);
  p.set('k', String(s.k));
  p.set('wsp', String(s.wsP));
  p.set('erp', String(s.erP));
  p.set('m', String(s.m));
  p.set('nodes', String(s.nodes));
  p.set('stages', String(s.stages));
  p.set('channels', String(s.channels));
  p.set('stem', s.stemStrides.join(','));
  p.set('head', headValue(s));
  p.set('lr', String(s.lr));
  p.set('batch', String(s.batchSize));
  p.set('epochs', String(s.epochs));
  p.set('seed', String(s.seed));
  return p;
}
