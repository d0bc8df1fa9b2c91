import { record } from '../autograd/engine.js';
import type { Pool2dInfo } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { SIZE_2D, type Size2d } from './conv.js';
import { reshape } from './shape.js';
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

function pair(v: Size2d, name: string, op: string, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if ((typeof v !== 'number' && v.length !== 2) || !p.every((d) => Number.isInteger(d) && d >= min)) {
    const what = min === 0 ? 'non-negative' : 'positive';
    throw new ValueError(
      `${op}: ${name} must be a ${what} integer or a pair of them, got ${JSON.stringify(v)}`,
    );
  }
  return p;
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
): Pool2dInfo {
  const [batch, channels, inHeight, inWidth] = checkInput(xShape, op);
  const [kernelHeight, kernelWidth] = pair(kernelSize, 'kernelSize', op, 1);
  const [strideHeight, strideWidth] = pair(options.stride ?? kernelSize, 'stride', op, 1);
  const [padTop, padLeft] = pair(options.padding ?? 0, 'padding', op, 0);
  const [dilationHeight, dilationWidth] = pair(options.dilation ?? 1, 'dilation', op, 1);
  if (padTop > Math.floor(kernelHeight / 2) || padLeft > Math.floor(kernelWidth / 2)) {
    throw new ValueError(
      `${op}: padding [${padTop}, ${padLeft}] must be at most half the kernel [${kernelHeight}, ${kernelWidth}]`,
    );
  }
  const ceil = options.ceilMode ?? false;
  const outHeight = pooledSize(inHeight, kernelHeight, strideHeight, padTop, dilationHeight, ceil);
  const outWidth = pooledSize(inWidth, kernelWidth, strideWidth, padLeft, dilationWidth, ceil);
  if (outHeight < 1 || outWidth < 1) {
    throw new ShapeError(
      `${op}: input ${fmtShape(xShape)} is too small for kernel [${kernelHeight}, ${kernelWidth}] with ` +
        `dilation [${dilationHeight}, ${dilationWidth}] and padding [${padTop}, ${padLeft}] ` +
        `(output would be ${outHeight}×${outWidth})`,
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
      const argmax = new Int32Array(out.size);
      getBackend().maxPool2d(x4.data as Float32Array, info, out.data as Float32Array, argmax);
      return record(out, 'maxPool2d', [x4], (g) => {
        const dx = empty(x4.shape);
        getBackend().maxPool2dBackward(g.data as Float32Array, argmax, info, dx.data as Float32Array);
        return [dx];
      });
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
    if (typeof outputSize !== 'number' && outputSize.length !== 2) {
      throw new ValueError(
        `adaptiveAvgPool2d: outputSize must be a number or a pair, got ${JSON.stringify(outputSize)}`,
      );
    }
    const sizes = typeof outputSize === 'number' ? [outputSize, outputSize] : [outputSize[0], outputSize[1]];
    const outH = sizes[0] ?? inH;
    const outW = sizes[1] ?? inW;
    if (![outH, outW].every((d) => Number.isInteger(d) && d >= 1)) {
      throw new ValueError(
        `adaptiveAvgPool2d: outputSize must be positive integers, got ${JSON.stringify(outputSize)}`,
      );
    }
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
