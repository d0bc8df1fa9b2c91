import { record } from '../autograd/engine.js';
import type { Pool2dInfo } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { indexSelect } from './indexing.js';
import { max } from './reduce.js';
import { reshape } from './shape.js';
import { liftShape, pair, SIZE_1D, SIZE_2D, type Size1d, type Size2d, single } from './sizes.js';
import { checkOptions, defineOp, empty, type OptionSpec, requireFloat } from './util.js';

export interface MaxPool2dOptions {
  /** Step between windows; defaults to the kernel size. */
  stride?: Size2d | null;
  /** Implicit −∞ cells on each side (default 0), at most half the kernel. */
  padding?: Size2d;
  /** Spacing between window taps (default 1). */
  dilation?: Size2d;
  /** Round the output size up instead of down; the last window must still start inside the input or left padding. */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  /** Step between windows; defaults to the kernel size. */
  stride?: Size2d | null;
  /** Implicit zero cells on each side (default 0), at most half the kernel. */
  padding?: Size2d;
  /** Round the output size up instead of down (PyTorch's rule). */
  ceilMode?: boolean;
  /** Count padded cells in the divisor (default true, as in PyTorch). */
  countIncludePad?: boolean;
}

const SIZE_OR_NULL: OptionSpec = {
  test: (v) => v === null || (SIZE_2D as { test: (v: unknown) => boolean }).test(v),
  expected: 'an integer, a pair of them, or null',
};

/** Everything pool2dInfo accepts: max-pooling and average-pooling options together. */
export interface Pool2dOptions extends MaxPool2dOptions {
  countIncludePad?: boolean;
}

/** PyTorch's pooling output size, ceil mode included: the last window has to start inside input or left padding. */
function pooledSize(
  size: number,
  kernel: number,
  stride: number,
  pad: number,
  dilation: number,
  ceil: boolean,
) {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1;
  let out = Math.floor((span + (ceil ? stride - 1 : 0)) / stride) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

function checkInput(xShape: Shape, op: string): [number, number, number, number] {
  if ((xShape.length !== 3 && xShape.length !== 4) || xShape.slice(-3).some((d) => d === 0)) {
    throw new ShapeError(
      `${op}: expected a 4-D input [N, C, H, W] or a 3-D one [C, H, W] with non-zero C, H, W, got ${fmtShape(xShape)}`,
    );
  }
  const s = xShape.length === 4 ? xShape : [1, ...xShape];
  return [s[0], s[1], s[2], s[3]];
}

/**
 * Validates a 2-D pooling of input `xShape` ([N, C, H, W], or [C, H, W] read as N = 1) and computes its
 * geometry. The stride defaults to the kernel size.
 */
export function pool2dInfo(
  xShape: Shape,
  kernelSize: Size2d,
  options: Pool2dOptions = {},
  op = 'pool2d',
  spatial: 1 | 2 = 2,
): Pool2dInfo {
  const [batch, channels, inHeight, inWidth] = checkInput(xShape, op);
  // a 1-D pooling runs lifted to height 1: its messages leave that axis out
  const sizes = (h: number, w: number) => (spatial === 1 ? String(w) : `[${h}, ${w}]`);
  const shown =
    spatial === 1 ? fmtShape([...xShape.slice(0, -2), xShape[xShape.length - 1]]) : fmtShape(xShape);
  const [kernelHeight, kernelWidth] = pair(kernelSize, 'kernelSize', op, 1);
  const [strideHeight, strideWidth] = pair(options.stride ?? kernelSize, 'stride', op, 1);
  const [padTop, padLeft] = pair(options.padding ?? 0, 'padding', op, 0);
  const [dilationHeight, dilationWidth] = pair(options.dilation ?? 1, 'dilation', op, 1);
  if (padTop > Math.floor(kernelHeight / 2) || padLeft > Math.floor(kernelWidth / 2)) {
    throw new ValueError(
      `${op}: padding ${sizes(padTop, padLeft)} must be at most half the kernel ${sizes(kernelHeight, kernelWidth)}`,
    );
  }
  const ceil = options.ceilMode ?? false;
  const outHeight = pooledSize(inHeight, kernelHeight, strideHeight, padTop, dilationHeight, ceil);
  const outWidth = pooledSize(inWidth, kernelWidth, strideWidth, padLeft, dilationWidth, ceil);
  if (outHeight < 1 || outWidth < 1) {
    throw new ShapeError(
      `${op}: input ${shown} is too small for kernel ${sizes(kernelHeight, kernelWidth)} with ` +
        `dilation ${sizes(dilationHeight, dilationWidth)} and padding ${sizes(padTop, padLeft)} ` +
        `(output would be ${spatial === 1 ? outWidth : `${outHeight}×${outWidth}`})`,
    );
  }
  return {
    batch,
    channels,
    inHeight,
    inWidth,
    outHeight,
    outWidth,
    kernelHeight,
    kernelWidth,
    strideHeight,
    strideWidth,
    padTop,
    padLeft,
    dilationHeight,
    dilationWidth,
    countIncludePad: options.countIncludePad ?? true,
  };
}

/** Runs `f` on x viewed as 4-D and gives the result back in x's rank (3-D input is one unbatched image). */
function batched(x: Tensor, f: (x4: Tensor) => Tensor): Tensor {
  if (x.ndim === 4) return f(x);
  const y = f(reshape(x, [1, ...x.shape]));
  return reshape(y, y.shape.slice(1));
}

/**
 * Max pooling over windows of `kernelSize` (torch.nn.functional.max_pool2d) of x [N, C, H, W] or [C, H, W].
 * Padding counts as −∞; the gradient goes to the (first) maximum of each window.
 */
export const maxPool2d = defineOp(
  'maxPool2d',
  ['x', 'kernelSize', 'options'],
  (x: Tensor, kernelSize: Size2d, options: MaxPool2dOptions = {}): Tensor => {
    requireFloat(x, 'maxPool2d');
    checkOptions('maxPool2d', options, {
      stride: SIZE_OR_NULL,
      padding: SIZE_2D,
      dilation: SIZE_2D,
      ceilMode: 'boolean',
    });
    const info = pool2dInfo(x.shape, kernelSize, options, 'maxPool2d');
    return batched(x, (x4) => {
      const out = empty([info.batch, info.channels, info.outHeight, info.outWidth]);
      // where each maximum came from: the backward's alone, so the engine recycles it once that has run
      const argmax = empty(out.shape, 'int32').data as Int32Array;
      getBackend().maxPool2d(x4.data as Float32Array, info, out.data as Float32Array, argmax);
      return record(
        out,
        'maxPool2d',
        [x4],
        (g) => {
          const dx = empty(x4.shape);
          getBackend().maxPool2dBackward(g.data as Float32Array, argmax, info, dx.data as Float32Array);
          return [dx];
        },
        [argmax],
      );
    });
  },
);

/**
 * Average pooling over windows of `kernelSize` (torch.nn.functional.avg_pool2d) of x [N, C, H, W] or
 * [C, H, W]. Padding is zeros, counted in the divisor unless `countIncludePad` is false.
 */
export const avgPool2d = defineOp(
  'avgPool2d',
  ['x', 'kernelSize', 'options'],
  (x: Tensor, kernelSize: Size2d, options: AvgPool2dOptions = {}): Tensor => {
    requireFloat(x, 'avgPool2d');
    checkOptions('avgPool2d', options, {
      stride: SIZE_OR_NULL,
      padding: SIZE_2D,
      ceilMode: 'boolean',
      countIncludePad: 'boolean',
    });
    const info = pool2dInfo(x.shape, kernelSize, options, 'avgPool2d');
    return batched(x, (x4) => {
      const out = empty([info.batch, info.channels, info.outHeight, info.outWidth]);
      getBackend().avgPool2d(x4.data as Float32Array, info, out.data as Float32Array);
      return record(out, 'avgPool2d', [x4], (g) => {
        const dx = empty(x4.shape);
        getBackend().avgPool2dBackward(g.data as Float32Array, info, dx.data as Float32Array);
        return [dx];
      });
    });
  },
);

/** Output size of adaptive pooling: one number for both axes, or [H, W] where null keeps that input size. */
export type AdaptiveSize2d = number | readonly [number | null, number | null];

/** The [oH, oW] of an adaptive pooling of an H × W input to `outputSize` (null keeps that input size). */
function adaptiveOutput(outputSize: AdaptiveSize2d, inH: number, inW: number, op: string): [number, number] {
  if (typeof outputSize !== 'number' && (!Array.isArray(outputSize) || outputSize.length !== 2)) {
    throw new ValueError(`${op}: outputSize must be a number or a pair, got ${JSON.stringify(outputSize)}`);
  }
  const sizes = typeof outputSize === 'number' ? [outputSize, outputSize] : [outputSize[0], outputSize[1]];
  const outH = sizes[0] ?? inH;
  const outW = sizes[1] ?? inW;
  if (![outH, outW].every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ValueError(`${op}: outputSize must be positive integers, got ${JSON.stringify(outputSize)}`);
  }
  return [outH, outW];
}

/**
 * Adaptive average pooling (torch.nn.functional.adaptive_avg_pool2d) of x [N, C, H, W] or [C, H, W] to
 * `outputSize`: output cell i averages input rows ⌊i·H/oH⌋ up to ⌈(i+1)·H/oH⌉ (exclusive), likewise for columns.
 */
export const adaptiveAvgPool2d = defineOp(
  'adaptiveAvgPool2d',
  ['x', 'outputSize'],
  (x: Tensor, outputSize: AdaptiveSize2d): Tensor => {
    requireFloat(x, 'adaptiveAvgPool2d');
    const [batch, channels, inH, inW] = checkInput(x.shape, 'adaptiveAvgPool2d');
    const [outH, outW] = adaptiveOutput(outputSize, inH, inW, 'adaptiveAvgPool2d');
    const planes = batch * channels;
    return batched(x, (x4) => {
      const out = empty([batch, channels, outH, outW]);
      getBackend().adaptiveAvgPool2d(
        x4.data as Float32Array,
        planes,
        inH,
        inW,
        outH,
        outW,
        out.data as Float32Array,
      );
      return record(out, 'adaptiveAvgPool2d', [x4], (g) => {
        const dx = empty(x4.shape);
        getBackend().adaptiveAvgPool2dBackward(
          g.data as Float32Array,
          planes,
          inH,
          inW,
          outH,
          outW,
          dx.data as Float32Array,
        );
        return [dx];
      });
    });
  },
);

/**
 * The input cells each output cell of an adaptive pooling reads along one axis: cell i covers
 * [⌊i·in/out⌋, ⌈(i+1)·in/out⌉), PyTorch's rule.
 */
function adaptiveWindows(inSize: number, outSize: number): [number, number][] {
  return Array.from({ length: outSize }, (_, i) => [
    Math.floor((i * inSize) / outSize),
    Math.ceil(((i + 1) * inSize) / outSize),
  ]);
}

/**
 * Adaptive max pooling (torch.nn.functional.adaptive_max_pool2d) of x [N, C, H, W] or [C, H, W] to
 * `outputSize`: output cell (i, j) is the largest of input rows ⌊i·H/oH⌋ to ⌈(i+1)·H/oH⌉ (exclusive) and the
 * columns likewise; the gradient goes to the first maximum of each window in row-major order, as in PyTorch.
 * Composed: every window is gathered from the flattened planes (windows shorter than the longest repeat their
 * first cell, which cannot change the maximum) and reduced with `max`, whose gradient picks one index.
 */
export const adaptiveMaxPool2d = defineOp(
  'adaptiveMaxPool2d',
  ['x', 'outputSize'],
  (x: Tensor, outputSize: AdaptiveSize2d): Tensor => {
    const op = 'adaptiveMaxPool2d';
    requireFloat(x, op);
    const [batch, channels, inH, inW] = checkInput(x.shape, op);
    const [outH, outW] = adaptiveOutput(outputSize, inH, inW, op);
    const rows = adaptiveWindows(inH, outH);
    const cols = adaptiveWindows(inW, outW);
    const tallest = Math.max(...rows.map(([a, b]) => b - a));
    const widest = Math.max(...cols.map(([a, b]) => b - a));
    const taps = tallest * widest;
    const index = new Int32Array(outH * outW * taps);
    let k = 0;
    for (const [r0, r1] of rows) {
      for (const [c0, c1] of cols) {
        const first = r0 * inW + c0;
        for (let t = 0; t < taps; t++) {
          const [dr, dc] = [Math.floor(t / widest), t % widest];
          index[k++] = r0 + dr < r1 && c0 + dc < c1 ? (r0 + dr) * inW + c0 + dc : first;
        }
      }
    }
    const planes = reshape(x, [batch, channels, inH * inW]);
    const windows = indexSelect(planes, 2, new Tensor(index, [index.length]));
    const y = max(reshape(windows, [batch, channels, outH, outW, taps]), 4);
    return x.ndim === 4 ? y : reshape(y, [channels, outH, outW]);
  },
);

/** Output size of a 1-D adaptive pooling: a number, or null for the input's length. */
export type AdaptiveSize1d = number | readonly [number | null] | null;

function adaptive1d(
  x: Tensor,
  outputSize: AdaptiveSize1d,
  op: string,
  pool2d: (x4: Tensor, size: AdaptiveSize2d) => Tensor,
): Tensor {
  requireFloat(x, op);
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new ShapeError(
      `${op}: expected a 3-D input [N, C, L] or a 2-D one [C, L], got ${fmtShape(x.shape)}`,
    );
  }
  const length = Array.isArray(outputSize) ? outputSize[0] : outputSize;
  if (length !== null && (!Number.isInteger(length) || (length as number) < 1)) {
    throw new ValueError(`${op}: outputSize must be a positive integer, got ${JSON.stringify(outputSize)}`);
  }
  const y = pool2d(reshape(x, liftShape(x.shape)), [1, length as number | null]);
  return reshape(y, [...x.shape.slice(0, -1), y.shape[y.ndim - 1]]);
}

/**
 * Adaptive max pooling of x [N, C, L] or [C, L] to `outputSize` cells (torch.nn.functional.adaptive_max_pool1d):
 * cell i is the largest of inputs ⌊i·L/oL⌋ to ⌈(i+1)·L/oL⌉ (exclusive).
 */
export const adaptiveMaxPool1d = defineOp(
  'adaptiveMaxPool1d',
  ['x', 'outputSize'],
  (x: Tensor, outputSize: AdaptiveSize1d): Tensor =>
    adaptive1d(x, outputSize, 'adaptiveMaxPool1d', adaptiveMaxPool2d),
);

/**
 * Adaptive average pooling of x [N, C, L] or [C, L] to `outputSize` cells
 * (torch.nn.functional.adaptive_avg_pool1d): cell i averages inputs ⌊i·L/oL⌋ to ⌈(i+1)·L/oL⌉ (exclusive).
 */
export const adaptiveAvgPool1d = defineOp(
  'adaptiveAvgPool1d',
  ['x', 'outputSize'],
  (x: Tensor, outputSize: AdaptiveSize1d): Tensor =>
    adaptive1d(x, outputSize, 'adaptiveAvgPool1d', adaptiveAvgPool2d),
);

export interface MaxPool1dOptions {
  /** Step between windows; defaults to the kernel size. */
  stride?: Size1d | null;
  /** Implicit −∞ cells at both ends (default 0), at most half the kernel. */
  padding?: Size1d;
  /** Spacing between window taps (default 1). */
  dilation?: Size1d;
  /** Round the output length up instead of down (the last window must start inside the input or left padding). */
  ceilMode?: boolean;
}

export interface AvgPool1dOptions {
  /** Step between windows; defaults to the kernel size. */
  stride?: Size1d | null;
  /** Implicit zero cells at both ends (default 0), at most half the kernel. */
  padding?: Size1d;
  /** Round the output length up instead of down (PyTorch's rule). */
  ceilMode?: boolean;
  /** Count padded cells in the divisor (default true, as in PyTorch). */
  countIncludePad?: boolean;
}

const SIZE_1D_OR_NULL: OptionSpec = {
  test: (v) => v === null || (SIZE_1D as { test: (v: unknown) => boolean }).test(v),
  expected: 'an integer or null',
};

/**
 * Validates a 1-D pooling of x [N, C, L] (or [C, L]) and gives the geometry of the same pooling on rows of
 * height 1, which is how it runs (the 2-D kernels with a 1 × k window).
 */
export function pool1dInfo(
  xShape: Shape,
  kernelSize: Size1d,
  options: MaxPool1dOptions & { countIncludePad?: boolean } = {},
  op = 'pool1d',
): Pool2dInfo {
  if ((xShape.length !== 2 && xShape.length !== 3) || xShape.slice(-2).some((d) => d === 0)) {
    throw new ShapeError(
      `${op}: expected a 3-D input [N, C, L] or a 2-D one [C, L] with non-zero C and L, got ${fmtShape(xShape)}`,
    );
  }
  const kernel = single(kernelSize, 'kernelSize', op, 1);
  const lifted: Pool2dOptions = {
    stride: [1, single(options.stride ?? kernel, 'stride', op, 1)],
    padding: [0, single(options.padding ?? 0, 'padding', op, 0)],
    dilation: [1, single(options.dilation ?? 1, 'dilation', op, 1)],
    ceilMode: options.ceilMode,
    countIncludePad: options.countIncludePad,
  };
  return pool2dInfo(liftShape(xShape), [1, kernel], lifted, op, 1);
}

/** Runs a 2-D pooling on x [N, C, L] or [C, L] lifted to [N, C, 1, L], and drops the height again. */
function lifted1d(x: Tensor, pool: (x4: Tensor) => Tensor): Tensor {
  const y = pool(reshape(x, liftShape(x.shape)));
  return reshape(y, [...x.shape.slice(0, -1), y.shape[y.ndim - 1]]);
}

/**
 * Max pooling over windows of `kernelSize` along the last axis of x [N, C, L] or [C, L]
 * (torch.nn.functional.max_pool1d). Padding counts as −∞; the gradient goes to the (first) maximum of each window.
 */
export const maxPool1d = defineOp(
  'maxPool1d',
  ['x', 'kernelSize', 'options'],
  (x: Tensor, kernelSize: Size1d, options: MaxPool1dOptions = {}): Tensor => {
    requireFloat(x, 'maxPool1d');
    checkOptions('maxPool1d', options, {
      stride: SIZE_1D_OR_NULL,
      padding: SIZE_1D,
      dilation: SIZE_1D,
      ceilMode: 'boolean',
    });
    const info = pool1dInfo(x.shape, kernelSize, options, 'maxPool1d');
    return lifted1d(x, (x4) =>
      maxPool2d(x4, [1, info.kernelWidth], {
        stride: [1, info.strideWidth],
        padding: [0, info.padLeft],
        dilation: [1, info.dilationWidth],
        ceilMode: options.ceilMode ?? false,
      }),
    );
  },
);

/**
 * Average pooling over windows of `kernelSize` along the last axis of x [N, C, L] or [C, L]
 * (torch.nn.functional.avg_pool1d). Padding is zeros, counted in the divisor unless `countIncludePad` is false.
 */
export const avgPool1d = defineOp(
  'avgPool1d',
  ['x', 'kernelSize', 'options'],
  (x: Tensor, kernelSize: Size1d, options: AvgPool1dOptions = {}): Tensor => {
    requireFloat(x, 'avgPool1d');
    checkOptions('avgPool1d', options, {
      stride: SIZE_1D_OR_NULL,
      padding: SIZE_1D,
      ceilMode: 'boolean',
      countIncludePad: 'boolean',
    });
    const info = pool1dInfo(x.shape, kernelSize, options, 'avgPool1d');
    return lifted1d(x, (x4) =>
      avgPool2d(x4, [1, info.kernelWidth], {
        stride: [1, info.strideWidth],
        padding: [0, info.padLeft],
        ceilMode: options.ceilMode ?? false,
        countIncludePad: info.countIncludePad,
      }),
    );
  },
);
