/**
 * A checkpoint's input preprocessing as graph nodes in front of the model, so the exported file takes the raw
 * inputs the checkpoint describes (MNIST: 784 pixels 0–255) rather than the model's tensors: `normalize` becomes
 * Div/Sub/Div, `reshape` a Reshape that keeps the batch, StandardScaler Sub/Div, MinMaxScaler Mul/Add (and Clip).
 */

import {
  type MinMaxScalerJSON,
  type PolynomialFeatures,
  type PolynomialFeaturesJSON,
  preprocessorFromJSON,
  type StandardScalerJSON,
} from '../../data/preprocessing.js';
import { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type InputSpec, type InputStep, inputTransform } from '../../train/load_model.js';
import { type Emitter, type Entry, entry, join, unsupported } from './context.js';
import { int, type OnnxGraph, type Value } from './graph.js';

/** The preprocessing steps that have graph nodes here. */
export const ONNX_INPUT_STEPS: readonly string[] = [
  'normalize',
  'reshape',
  'StandardScaler',
  'MinMaxScaler',
  'PolynomialFeatures',
];

/** `model` applied to inputs preprocessed as `input` describes. */
export class WithPreprocessing extends Module {
  private readonly _transform: (x: Tensor) => Tensor;

  constructor(
    readonly model: Module,
    readonly input: InputSpec,
  ) {
    super();
    this._transform = inputTransform(input, 'onnx export');
  }

  forward(x: Tensor): Tensor {
    return (this.model as Module & { forward(x: Tensor): Tensor }).forward(this._transform(x));
  }
}

/**
 * PolynomialFeatures' columns, degree by degree: each column of degree d is a column of degree d − 1 times one
 * feature, multiplied in the order neurite multiplies them; the bias column is x₀⁰ = 1.
 */
function polynomial(g: OnnxGraph, step: PolynomialFeaturesJSON, x: string, where: () => Error): string {
  const combos = (preprocessorFromJSON(step) as PolynomialFeatures).combinations();
  if (combos.some((c, i) => i > 0 && c.length < combos[i - 1].length)) throw where();
  const axis1 = { axis: int(1) };
  const parts: string[] = [];
  if (step.includeBias) {
    const first = g.op('Gather', [x, g.int64s('column', [0])], axis1);
    parts.push(g.op('Pow', [first, g.scalar('zero', 0)]));
  }
  let previous: number[][] = [];
  let previousName = '';
  for (let degree = 1; degree <= step.degree; degree++) {
    const level = combos.filter((c) => c.length === degree);
    if (level.length === 0) break;
    const lastIdx = level.map((c) => c[degree - 1]);
    let col = g.op('Gather', [x, g.int64s('features', lastIdx)], axis1);
    if (degree > 1) {
      const keys = previous.map((c) => c.join());
      const prefixIdx = level.map((c) => keys.indexOf(c.slice(0, -1).join()));
      if (prefixIdx.some((i) => i < 0)) throw where();
      col = g.op('Mul', [g.op('Gather', [previousName, g.int64s('prefix', prefixIdx)], axis1), col]);
    }
    parts.push(col);
    previous = level;
    previousName = col;
  }
  return parts.length === 1 ? parts[0] : g.op('Concat', parts, axis1, 'polynomial');
}

function emitStep(g: OnnxGraph, step: InputStep, x: Value, t: Tensor, where: () => Error): Value {
  const vec = (hint: string, v: readonly number[]) => g.weight(hint, v, [v.length]);
  switch (step.type) {
    case 'normalize': {
      const scaled = g.op('Div', [x.name, g.scalar('divide', step.divide)]);
      const centred = g.op('Sub', [scaled, g.scalar('mean', step.mean)]);
      return { name: g.op('Div', [centred, g.scalar('std', step.std)], {}, 'normalized'), t };
    }
    case 'reshape':
      return { name: g.op('Reshape', [x.name, g.int64s('shape', [0, ...step.shape])], {}, 'reshaped'), t };
    case 'StandardScaler': {
      const s = step as StandardScalerJSON;
      let y = x.name;
      if (s.withMean) y = g.op('Sub', [y, vec('scaler_mean', s.mean)]);
      if (s.withStd) y = g.op('Div', [y, vec('scaler_scale', s.scale)]);
      return { name: y === x.name ? g.op('Identity', [y]) : y, t };
    }
    case 'MinMaxScaler': {
      const s = step as MinMaxScalerJSON;
      let y = g.op('Add', [g.op('Mul', [x.name, vec('scaler_scale', s.scale)]), vec('scaler_min', s.min)]);
      if (s.clip)
        y = g.op('Clip', [y, g.scalar('min', s.featureRange[0]), g.scalar('max', s.featureRange[1])]);
      return { name: y, t };
    }
    case 'PolynomialFeatures':
      return { name: polynomial(g, step as PolynomialFeaturesJSON, x.name, where), t };
    default:
      throw where();
  }
}

const emitWithPreprocessing: Emitter<WithPreprocessing> = (ctx, m, x, path) => {
  let y = x;
  let t = x.t;
  for (const step of m.input.steps) {
    t = inputTransform({ description: '', steps: [step] }, 'onnx export')(t);
    y = emitStep(ctx.g, step, y, t, () =>
      unsupported(
        path,
        m,
        `the preprocessing step ${step.type} has no ONNX form here; export the model alone and preprocess the inputs yourself`,
      ),
    );
  }
  return ctx.emit(m.model, y, join(path, 'model'));
};

export const preprocessingEmitters: Entry[] = [entry(WithPreprocessing, emitWithPreprocessing)];
