/**
 * Emitters of the layers added for issue 13: Conv1d (Conv), ConvTranspose1d/2d (ConvTranspose, whose weight
 * layout [in, out/groups, k...] is PyTorch's), MaxPool1d/AvgPool1d (MaxPool/AveragePool, ceil mode through
 * explicit padding after, as the 2-D emitters do), the adaptive poolings (plain pooling when the bins are equal,
 * else fixed bin matrices for the average and a Gather of the windows with ReduceMax for the maximum), Upsample
 * (Resize with the coordinate rule of each mode), GroupNorm (InstanceNormalization of [N, groups, rest], then the
 * per-channel affine: ONNX's own GroupNormalization scales per group until opset 21) and InstanceNorm1d/2d
 * (InstanceNormalization, or BatchNormalization with the running statistics when evaluation uses them).
 */

import { Conv1d, ConvTranspose1d, ConvTranspose2d } from '../../../nn/conv.js';
import { GroupNorm, InstanceNorm1d, InstanceNorm2d, type InstanceNormBase } from '../../../nn/norm.js';
import {
  AdaptiveAvgPool1d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AvgPool1d,
  MaxPool1d,
} from '../../../nn/pool.js';
import { Upsample } from '../../../nn/upsample.js';
import type { Size1d } from '../../../ops/index.js';
import type { Tensor } from '../../../tensor/tensor.js';
import { type Emitter, type Entry, entry, join, unsupported } from '../context.js';
import { float, int, ints, type OnnxGraph, str, type Value } from '../graph.js';
import { normAffine } from './layers.js';

const one = (v: Size1d): number => (typeof v === 'number' ? v : v[0]);

/** ONNX's graphs here take batched input only: the rank a layer's batched input has. */
function requireRank(x: Value, rank: number, path: string, m: Parameters<typeof unsupported>[1]): void {
  if (x.t.ndim !== rank) {
    const shape = rank === 3 ? '[N, C, L]' : '[N, C, H, W]';
    throw unsupported(path, m, `an input of rank ${x.t.ndim}: export with ${shape}`);
  }
}

const emitConv1d: Emitter<Conv1d> = (ctx, m, x, path) => {
  requireRank(x, 3, path, m);
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  let pads: number[];
  if (m.padding === 'valid') pads = [0, 0];
  else if (m.padding === 'same') {
    // PyTorch's 'same': the total dilation·(k − 1), the smaller half before
    const total = m.dilation * (m.kernelSize - 1);
    pads = [total >> 1, total - (total >> 1)];
  } else pads = [m.padding, m.padding];
  const inputs = [x.name, g.tensor(join(path, 'weight'), m.weight)];
  if (m.bias) inputs.push(g.tensor(join(path, 'bias'), m.bias));
  const attrs = {
    kernel_shape: ints([m.kernelSize]),
    strides: ints([m.stride]),
    pads: ints(pads),
    dilations: ints([m.dilation]),
    group: int(m.groups),
  };
  return { name: g.op('Conv', inputs, attrs, join(path, 'out')), t };
};

function convTranspose(
  g: OnnxGraph,
  x: Value,
  t: Tensor,
  m: ConvTranspose1d | ConvTranspose2d,
  path: string,
  geometry: {
    kernel: number[];
    stride: number[];
    padding: number[];
    outputPadding: number[];
    dilation: number[];
  },
): Value {
  const inputs = [x.name, g.tensor(join(path, 'weight'), m.weight)];
  if (m.bias) inputs.push(g.tensor(join(path, 'bias'), m.bias));
  const attrs = {
    kernel_shape: ints(geometry.kernel),
    strides: ints(geometry.stride),
    pads: ints([...geometry.padding, ...geometry.padding]),
    output_padding: ints(geometry.outputPadding),
    dilations: ints(geometry.dilation),
    group: int(m.groups),
  };
  return { name: g.op('ConvTranspose', inputs, attrs, join(path, 'out')), t };
}

const emitConvTranspose2d: Emitter<ConvTranspose2d> = (ctx, m, x, path) => {
  requireRank(x, 4, path, m);
  const t = ctx.run(() => m.forward(x.t), path, m);
  return convTranspose(ctx.g, x, t, m, path, {
    kernel: m.kernelSize,
    stride: m.stride,
    padding: m.padding,
    outputPadding: m.outputPadding,
    dilation: m.dilation,
  });
};

const emitConvTranspose1d: Emitter<ConvTranspose1d> = (ctx, m, x, path) => {
  requireRank(x, 3, path, m);
  const t = ctx.run(() => m.forward(x.t), path, m);
  return convTranspose(ctx.g, x, t, m, path, {
    kernel: [m.kernelSize],
    stride: [m.stride],
    padding: [m.padding],
    outputPadding: [m.outputPadding],
    dilation: [m.dilation],
  });
};

const emitMaxPool1d: Emitter<MaxPool1d> = (ctx, m, x, path) => {
  requireRank(x, 3, path, m);
  const t = ctx.run(() => m.forward(x.t), path, m);
  const [k, s, p, d] = [one(m.kernelSize), one(m.stride), one(m.padding), one(m.dilation)];
  // ceil mode as explicit padding after: those cells hold −∞ and never win, and the length is neurite's
  const end = Math.max(p, (t.shape[2] - 1) * s + d * (k - 1) + 1 - x.t.shape[2] - p);
  const attrs = { kernel_shape: ints([k]), strides: ints([s]), pads: ints([p, end]), dilations: ints([d]) };
  return { name: ctx.g.op('MaxPool', [x.name], attrs, join(path, 'out')), t };
};

const emitAvgPool1d: Emitter<AvgPool1d> = (ctx, m, x, path) => {
  requireRank(x, 3, path, m);
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  const [k, s, p] = [one(m.kernelSize), one(m.stride), one(m.padding)];
  const attrs = { kernel_shape: ints([k]), strides: ints([s]) };
  const out = join(path, 'out');
  if (!m.ceilMode) {
    const cip = int(m.countIncludePad ? 1 : 0);
    return {
      name: g.op('AveragePool', [x.name], { ...attrs, pads: ints([p, p]), count_include_pad: cip }, out),
      t,
    };
  }
  // ceil mode (see the 2-D emitter): the overhang past the padded end is never counted, so counted padding is
  // made real by a Pad and the rest goes in as uncounted padding after
  let input = x.name;
  let before = p;
  if (m.countIncludePad && p > 0) {
    input = g.op('Pad', [x.name, g.int64s('pads', [0, 0, p, 0, 0, p])]);
    before = 0;
  }
  const size = x.t.shape[2] + 2 * (p - before);
  const end = Math.max(before, (t.shape[2] - 1) * s + k - size - before);
  const pads = ints([before, end]);
  return { name: g.op('AveragePool', [input], { ...attrs, pads, count_include_pad: int(0) }, out), t };
};

/** PyTorch's adaptive bins along one axis: cell i covers [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). */
function bins(inSize: number, outSize: number): [number, number][] {
  return Array.from({ length: outSize }, (_, i) => [
    Math.floor((i * inSize) / outSize),
    Math.ceil(((i + 1) * inSize) / outSize),
  ]);
}

/** ReduceMax over the last axis, dropping it: axes as an attribute before opset 18, as an input from 18. */
function reduceMaxLast(g: OnnxGraph, x: string, rank: number, out: string): string {
  if (g.opset >= 18) return g.op('ReduceMax', [x, g.int64s('axes', [rank - 1])], { keepdims: int(0) }, out);
  return g.op('ReduceMax', [x], { axes: ints([rank - 1]), keepdims: int(0) }, out);
}

/**
 * Adaptive max pooling of the trailing `sizes` axes of x [N, C, ...] to `outSizes`: the flattened planes'
 * windows gathered into a last axis (shorter windows repeat their first cell, which cannot change the maximum),
 * then ReduceMax over it.
 */
function adaptiveMax(
  g: OnnxGraph,
  x: Value,
  t: Tensor,
  sizes: number[],
  outSizes: number[],
  path: string,
): Value {
  const [h, w] = sizes.length === 2 ? sizes : [1, sizes[0]];
  const [oh, ow] = outSizes.length === 2 ? outSizes : [1, outSizes[0]];
  const rows = bins(h, oh);
  const cols = bins(w, ow);
  const tall = Math.max(...rows.map(([a, b]) => b - a));
  const wide = Math.max(...cols.map(([a, b]) => b - a));
  const index: number[] = [];
  for (const [r0, r1] of rows) {
    for (const [c0, c1] of cols) {
      for (let dr = 0; dr < tall; dr++) {
        for (let dc = 0; dc < wide; dc++) {
          index.push(r0 + dr < r1 && c0 + dc < c1 ? (r0 + dr) * w + c0 + dc : r0 * w + c0);
        }
      }
    }
  }
  const c = x.t.shape[1];
  const planes = g.op('Reshape', [x.name, g.int64s('shape', [0, c, h * w])]);
  const windows = g.op('Gather', [planes, g.int64s(join(path, 'windows'), index)], { axis: int(2) });
  const grouped = g.op('Reshape', [windows, g.int64s('shape', [0, c, ...outSizes, tall * wide])]);
  return { name: reduceMaxLast(g, grouped, 3 + outSizes.length, join(path, 'out')), t };
}

const emitAdaptiveMaxPool2d: Emitter<AdaptiveMaxPool2d> = (ctx, m, x, path) => {
  requireRank(x, 4, path, m);
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  const [h, w] = x.t.shape.slice(2);
  const [oh, ow] = t.shape.slice(2);
  const out = join(path, 'out');
  if (oh === 1 && ow === 1) return { name: g.op('GlobalMaxPool', [x.name], {}, out), t };
  if (h % oh === 0 && w % ow === 0) {
    const kernel = ints([h / oh, w / ow]);
    return { name: g.op('MaxPool', [x.name], { kernel_shape: kernel, strides: kernel }, out), t };
  }
  return adaptiveMax(g, x, t, [h, w], [oh, ow], path);
};

const emitAdaptiveMaxPool1d: Emitter<AdaptiveMaxPool1d> = (ctx, m, x, path) => {
  requireRank(x, 3, path, m);
  const t = ctx.run(() => m.forward(x.t), path, m);
  const [l, ol] = [x.t.shape[2], t.shape[2]];
  if (l % ol === 0) {
    const kernel = ints([l / ol]);
    return {
      name: ctx.g.op('MaxPool', [x.name], { kernel_shape: kernel, strides: kernel }, join(path, 'out')),
      t,
    };
  }
  return adaptiveMax(ctx.g, x, t, [l], [ol], path);
};

const emitAdaptiveAvgPool1d: Emitter<AdaptiveAvgPool1d> = (ctx, m, x, path) => {
  requireRank(x, 3, path, m);
  const t = ctx.run(() => m.forward(x.t), path, m);
  const [l, ol] = [x.t.shape[2], t.shape[2]];
  // averaging is linear: x [N, C, L] · A [L, oL], A's column i the mean over bin i
  const a = new Float32Array(l * ol);
  for (const [i, [start, end]] of bins(l, ol).entries()) {
    for (let j = start; j < end; j++) a[j * ol + i] = 1 / (end - start);
  }
  const name = ctx.g.op(
    'MatMul',
    [x.name, ctx.g.weight(join(path, 'bins'), a, [l, ol])],
    {},
    join(path, 'out'),
  );
  return { name, t };
};

const emitUpsample: Emitter<Upsample> = (ctx, m, x, path) => {
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  const spatial = x.t.ndim - 2;
  // the sizes as given when a size was given (ONNX then scales by out/in, PyTorch's rule); else the factors
  let sizes = '';
  let scales = '';
  if (m.size !== undefined) {
    const batchAndChannels = g.op('Slice', [
      g.op('Shape', [x.name]),
      g.int64s('starts', [0]),
      g.int64s('ends', [2]),
    ]);
    sizes = g.op('Concat', [batchAndChannels, g.int64s(join(path, 'size'), t.shape.slice(2))], {
      axis: int(0),
    });
  } else {
    const f = m.scaleFactor as number | readonly number[];
    const factors = typeof f === 'number' ? new Array<number>(spatial).fill(f) : [...f];
    scales = g.weight(join(path, 'scales'), [1, 1, ...factors], [2 + spatial]);
  }
  let attrs: Record<string, ReturnType<typeof str>>;
  if (m.mode === 'nearest') {
    attrs = {
      mode: str('nearest'),
      coordinate_transformation_mode: str('asymmetric'),
      nearest_mode: str('floor'),
    };
  } else if (m.mode === 'nearest-exact') {
    attrs = {
      mode: str('nearest'),
      coordinate_transformation_mode: str('half_pixel'),
      nearest_mode: str('round_prefer_ceil'),
    };
  } else {
    // half_pixel, with ONNX Runtime's clamp at 0, is PyTorch's rule also for an output of one cell (which
    // pytorch_half_pixel maps to 0 instead)
    attrs = {
      mode: str('linear'),
      coordinate_transformation_mode: str(m.alignCorners ? 'align_corners' : 'half_pixel'),
    };
  }
  const inputs = sizes ? [x.name, '', '', sizes] : [x.name, '', scales];
  return { name: g.op('Resize', inputs, attrs, join(path, 'out')), t };
};

const emitGroupNorm: Emitter<GroupNorm> = (ctx, m, x, path) => {
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  const groups = m.numGroups;
  const c = m.numChannels;
  // each (sample, group) normalised over its channels and positions: InstanceNormalization of [N, groups, rest]
  const grouped = g.op('Reshape', [x.name, g.int64s('shape', [0, groups, -1])]);
  const normed = g.op(
    'InstanceNormalization',
    [
      grouped,
      g.weight(join(path, 'group_scale'), new Float32Array(groups).fill(1), [groups]),
      g.weight(join(path, 'group_bias'), new Float32Array(groups), [groups]),
    ],
    { epsilon: float(m.eps) },
  );
  let y = g.op('Reshape', [normed, g.op('Shape', [x.name])]);
  const perChannel = [c, ...x.t.shape.slice(2).map(() => 1)];
  if (m.weight) y = g.op('Mul', [y, g.tensor(join(path, 'weight'), m.weight, perChannel)]);
  if (m.bias) y = g.op('Add', [y, g.tensor(join(path, 'bias'), m.bias, perChannel)], {}, join(path, 'out'));
  return { name: y, t };
};

const emitInstanceNorm: Emitter<InstanceNormBase> = (ctx, m, x, path) => {
  requireRank(x, m instanceof InstanceNorm1d ? 3 : 4, path, m);
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  const n = m.numFeatures;
  const [scale, bias] = normAffine(g, path, m.weight, m.bias, n);
  const out = join(path, 'out');
  if (m.trackRunningStats && m.running_mean && m.running_var) {
    // evaluation with running statistics: the normalisation batch norm does in evaluation
    const mean = g.tensor(join(path, 'running_mean'), m.running_mean);
    const variance = g.tensor(join(path, 'running_var'), m.running_var);
    const attrs = { epsilon: float(m.eps), momentum: float(1 - m.momentum) };
    return { name: g.op('BatchNormalization', [x.name, scale, bias, mean, variance], attrs, out), t };
  }
  return { name: g.op('InstanceNormalization', [x.name, scale, bias], { epsilon: float(m.eps) }, out), t };
};

export const layerExtraEmitters: Entry[] = [
  entry(Conv1d, emitConv1d),
  entry(ConvTranspose1d, emitConvTranspose1d),
  entry(ConvTranspose2d, emitConvTranspose2d),
  entry(MaxPool1d, emitMaxPool1d),
  entry(AvgPool1d, emitAvgPool1d),
  entry(AdaptiveMaxPool2d, emitAdaptiveMaxPool2d),
  entry(AdaptiveMaxPool1d, emitAdaptiveMaxPool1d),
  entry(AdaptiveAvgPool1d, emitAdaptiveAvgPool1d),
  entry(Upsample, emitUpsample),
  entry(GroupNorm, emitGroupNorm),
  entry(InstanceNorm1d, emitInstanceNorm),
  entry(InstanceNorm2d, emitInstanceNorm),
];
