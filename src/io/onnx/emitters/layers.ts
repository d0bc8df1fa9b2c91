/**
 * Emitters of the basic layers: Linear (Gemm, or MatMul + Add beyond two axes), Conv2d, BatchNorm, the pools,
 * Flatten/Unflatten, and the layers that vanish in evaluation mode (Dropout, Identity). Weights are stored under
 * their state-dict keys.
 */

import { Sequential } from '../../../nn/container.js';
import { Conv2d } from '../../../nn/conv.js';
import { Dropout } from '../../../nn/dropout.js';
import { Flatten, Identity, Unflatten } from '../../../nn/flatten.js';
import { Linear } from '../../../nn/linear.js';
import { BatchNorm1d, BatchNorm2d, type BatchNormBase } from '../../../nn/norm.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../../nn/pool.js';
import type { Size2d } from '../../../ops/index.js';
import type { Tensor } from '../../../tensor/tensor.js';
import { type Emitter, type Entry, entry, join, unsupported } from '../context.js';
import { float, int, ints, type OnnxGraph, type Value } from '../graph.js';
import { reshapeTo } from './functional.js';

const pair = (v: Size2d): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** x·Wᵀ + b for a weight [out, in]: Gemm on [N, in], MatMul with the transposed weight (and Add) beyond. */
export function linearNodes(
  g: OnnxGraph,
  path: string,
  x: Value,
  weight: Tensor,
  bias: Tensor | null,
): string {
  const b = bias ? g.tensor(join(path, 'bias'), bias) : null;
  if (x.t.ndim === 2) {
    const inputs = [x.name, g.tensor(join(path, 'weight'), weight)];
    if (b) inputs.push(b);
    return g.op('Gemm', inputs, { transB: int(1) }, join(path, 'out'));
  }
  const [o, i] = weight.shape;
  const wt = new Float32Array(o * i);
  for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) wt[c * o + r] = weight.data[r * i + c];
  const y = g.op('MatMul', [x.name, g.weight(join(path, 'weight_t'), wt, [i, o])]);
  return b ? g.op('Add', [y, b], {}, join(path, 'out')) : y;
}

const emitLinear: Emitter<Linear> = (ctx, m, x, path) => {
  const t = ctx.run(() => m.forward(x.t), path, m);
  return { name: linearNodes(ctx.g, path, x, m.weight, m.bias), t };
};

const emitConv2d: Emitter<Conv2d> = (ctx, m, x, path) => {
  if (x.t.ndim !== 4)
    throw unsupported(path, m, `an unbatched input of rank ${x.t.ndim}: export with [N, C, H, W]`);
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  const [kh, kw] = m.kernelSize;
  const [dh, dw] = m.dilation;
  let pads: number[];
  if (m.padding === 'valid') pads = [0, 0, 0, 0];
  else if (m.padding === 'same') {
    // PyTorch's 'same': the total dilation·(k − 1), the smaller half before
    const th = dh * (kh - 1);
    const tw = dw * (kw - 1);
    pads = [th >> 1, tw >> 1, th - (th >> 1), tw - (tw >> 1)];
  } else pads = [m.padding[0], m.padding[1], m.padding[0], m.padding[1]];
  const inputs = [x.name, g.tensor(join(path, 'weight'), m.weight)];
  if (m.bias) inputs.push(g.tensor(join(path, 'bias'), m.bias));
  const attrs = {
    kernel_shape: ints([kh, kw]),
    strides: ints(m.stride),
    pads: ints(pads),
    dilations: ints(m.dilation),
    group: int(m.groups),
  };
  return { name: g.op('Conv', inputs, attrs, join(path, 'out')), t };
};

/**
 * A normalisation layer's per-channel scale and bias as initializers named `weight` and `bias`: its own
 * parameters, or 1 and 0 for a layer without affine parameters (ONNX's operators always take both).
 */
export function normAffine(
  g: OnnxGraph,
  path: string,
  weight: Tensor | null,
  bias: Tensor | null,
  n: number,
): [string, string] {
  return [
    weight
      ? g.tensor(join(path, 'weight'), weight)
      : g.weight(join(path, 'weight'), new Float32Array(n).fill(1), [n]),
    bias ? g.tensor(join(path, 'bias'), bias) : g.weight(join(path, 'bias'), new Float32Array(n), [n]),
  ];
}

const emitBatchNorm: Emitter<BatchNormBase> = (ctx, m, x, path) => {
  if (!m.running_mean || !m.running_var) {
    throw unsupported(
      path,
      m,
      'without running statistics it normalises with the batch even in evaluation mode',
    );
  }
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  const n = m.numFeatures;
  const [scale, bias] = normAffine(g, path, m.weight, m.bias, n);
  const mean = g.tensor(join(path, 'running_mean'), m.running_mean);
  const variance = g.tensor(join(path, 'running_var'), m.running_var);
  // ONNX's momentum weighs the old running value, PyTorch's the new batch (unused in inference, kept faithful)
  const attrs = { epsilon: float(m.eps), momentum: float(1 - (m.momentum ?? 0.1)) };
  return {
    name: g.op('BatchNormalization', [x.name, scale, bias, mean, variance], attrs, join(path, 'out')),
    t,
  };
};

const emitMaxPool: Emitter<MaxPool2d> = (ctx, m, x, path) => {
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  const k = pair(m.kernelSize);
  const s = pair(m.stride);
  const p = pair(m.padding);
  const d = pair(m.dilation);
  // ceil mode as explicit padding after: the extra cells hold −∞ for MaxPool and never win, and the output size
  // is exactly neurite's (PyTorch's rule that the last window starts inside the input included)
  const end = [0, 1].map((a) => {
    const size = x.t.shape[2 + a];
    const span = d[a] * (k[a] - 1) + 1;
    return Math.max(p[a], (t.shape[2 + a] - 1) * s[a] + span - size - p[a]);
  });
  const attrs = {
    kernel_shape: ints(k),
    strides: ints(s),
    pads: ints([p[0], p[1], end[0], end[1]]),
    dilations: ints(d),
  };
  return { name: g.op('MaxPool', [x.name], attrs, join(path, 'out')), t };
};

const emitAvgPool: Emitter<AvgPool2d> = (ctx, m, x, path) => {
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  const k = pair(m.kernelSize);
  const s = pair(m.stride);
  const p = pair(m.padding);
  const attrs = { kernel_shape: ints(k), strides: ints(s) };
  const out = join(path, 'out');
  if (!m.ceilMode) {
    const pads = ints([p[0], p[1], p[0], p[1]]);
    const cip = int(m.countIncludePad ? 1 : 0);
    return { name: g.op('AveragePool', [x.name], { ...attrs, pads, count_include_pad: cip }, out), t };
  }
  // ceil mode: ONNX's ceil_mode lacks PyTorch's rule that the last window starts inside the input, and PyTorch's
  // divisor leaves the overhang out. So: neurite's output size through explicit padding after, the overhang never
  // counted (count_include_pad 0), and counted padding made real by a Pad in front.
  let input = x.name;
  let before = p;
  if (m.countIncludePad && (p[0] > 0 || p[1] > 0)) {
    input = g.op('Pad', [x.name, g.int64s('pads', [0, 0, p[0], p[1], 0, 0, p[0], p[1]])]);
    before = [0, 0];
  }
  const end = [0, 1].map((a) => {
    const size = x.t.shape[2 + a] + 2 * (p[a] - before[a]);
    return Math.max(before[a], (t.shape[2 + a] - 1) * s[a] + k[a] - size - before[a]);
  });
  const pads = ints([before[0], before[1], end[0], end[1]]);
  return { name: g.op('AveragePool', [input], { ...attrs, pads, count_include_pad: int(0) }, out), t };
};

/** The [out, in] matrix that averages adaptive pooling's bins along one axis (PyTorch's floor/ceil bounds). */
function binMatrix(inSize: number, outSize: number): Float32Array {
  const a = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) a[i * inSize + j] = 1 / (end - start);
  }
  return a;
}

const emitAdaptiveAvgPool: Emitter<AdaptiveAvgPool2d> = (ctx, m, x, path) => {
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  if (x.t.ndim !== 4)
    throw unsupported(path, m, `an unbatched input of rank ${x.t.ndim}: export with [N, C, H, W]`);
  const [h, w] = x.t.shape.slice(2);
  const [oh, ow] = t.shape.slice(2);
  const out = join(path, 'out');
  if (oh === 1 && ow === 1) return { name: g.op('GlobalAveragePool', [x.name], {}, out), t };
  if (h % oh === 0 && w % ow === 0) {
    const kernel = [h / oh, w / ow];
    return {
      name: g.op('AveragePool', [x.name], { kernel_shape: ints(kernel), strides: ints(kernel) }, out),
      t,
    };
  }
  // bins of unequal sizes: pooling is linear and separable, Y = A_h · X · A_wᵀ, two MatMuls with fixed matrices
  const awT = binMatrix(w, ow);
  const transposed = new Float32Array(w * ow);
  for (let i = 0; i < ow; i++) for (let j = 0; j < w; j++) transposed[j * ow + i] = awT[i * w + j];
  const cols = g.op('MatMul', [x.name, g.weight(join(path, 'bins_w'), transposed, [w, ow])]);
  return {
    name: g.op('MatMul', [g.weight(join(path, 'bins_h'), binMatrix(h, oh), [oh, h]), cols], {}, out),
    t,
  };
};

const emitFlatten: Emitter<Flatten> = (ctx, m, x, path) => {
  const t = ctx.run(() => m.forward(x.t), path, m);
  const s = m.startDim < 0 ? m.startDim + x.t.ndim : m.startDim;
  const e = m.endDim < 0 ? m.endDim + x.t.ndim : m.endDim;
  if (s === 1 && e === x.t.ndim - 1)
    return { name: ctx.g.op('Flatten', [x.name], { axis: int(s) }, join(path, 'out')), t };
  return reshapeTo(ctx.g, x, t, s);
};

const emitUnflatten: Emitter<Unflatten> = (ctx, m, x, path) => {
  const t = ctx.run(() => m.forward(x.t), path, m);
  const d = m.dim < 0 ? m.dim + x.t.ndim : m.dim;
  return reshapeTo(ctx.g, x, t, d);
};

/** Layers that compute nothing in evaluation mode. */
const passThrough: Emitter = (ctx, m, x, path) => {
  const t = ctx.run(() => (m as Dropout).forward(x.t), path, m);
  return { name: x.name, t };
};

const emitSequential: Emitter<Sequential> = (ctx, m, x, path) => {
  let y: Value = x;
  for (const [name, layer] of m.namedChildren()) y = ctx.emit(layer, y, join(path, name));
  return y;
};

export const layerEmitters: Entry[] = [
  entry(Linear, emitLinear),
  entry(Conv2d, emitConv2d),
  entry(BatchNorm1d, emitBatchNorm),
  entry(BatchNorm2d, emitBatchNorm),
  entry(MaxPool2d, emitMaxPool),
  entry(AvgPool2d, emitAvgPool),
  entry(AdaptiveAvgPool2d, emitAdaptiveAvgPool),
  entry(Flatten, emitFlatten),
  entry(Unflatten, emitUnflatten),
  entry(Dropout, passThrough),
  entry(Identity, passThrough),
  entry(Sequential, emitSequential),
];
