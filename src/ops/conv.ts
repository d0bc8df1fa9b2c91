import { record } from '../autograd/engine.js';
import type { Conv2dInfo } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';
import { checkBias, liftShape, pair, SIZE_1D, SIZE_2D, type Size1d, type Size2d, single } from './sizes.js';
import { checkArg, checkOptions, defineOp, empty, type OptionSpec, requireFloat } from './util.js';

export { SIZE_2D, type Size1d, type Size2d } from './sizes.js';

export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: Size2d;
  /**
   * Zeros added on each side (default 0). `'valid'` is 0; `'same'` keeps the input size (stride 1 only) and,
   * as in PyTorch, puts the odd extra cell of an even kernel on the bottom/right.
   */
  padding?: Size2d | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: Size2d;
  /** Split channels into this many independent groups (default 1); groups = inChannels is depthwise. */
  groups?: number;
}

/**
 * Validates a 2-D convolution of input `xShape` ([N, C, H, W], or [C, H, W] unbatched, read as N = 1) with
 * weight `wShape` ([outC, C/groups, kH, kW]) and computes its geometry, output size included. `spatial` 1 is a
 * 1-D convolution lifted to height 1 (see {@link conv1dInfo}): its messages show the shapes without that axis.
 */
export function conv2dInfo(
  xShape: Shape,
  wShape: Shape,
  options: Conv2dOptions = {},
  op = 'conv2d',
  spatial: 1 | 2 = 2,
): Conv2dInfo {
  const shown = (s: Shape) => fmtShape(spatial === 1 ? [...s.slice(0, -2), s[s.length - 1]] : s);
  const shapes = `input ${shown(xShape)}, weight ${shown(wShape)}`;
  if (xShape.length !== 3 && xShape.length !== 4) {
    throw new ShapeError(`${op}: expected a 4-D input [N, C, H, W] or a 3-D one [C, H, W], got ${shapes}`);
  }
  if (wShape.length !== 4) {
    throw new ShapeError(`${op}: expected a 4-D weight [outC, inC/groups, kH, kW], got ${shapes}`);
  }
  const [batch, inChannels, inHeight, inWidth] = xShape.length === 4 ? xShape : [1, ...xShape];
  const [outChannels, groupChannels, kernelHeight, kernelWidth] = wShape;
  const groups = positiveInt(op, 'groups', options.groups ?? 1);
  if (outChannels % groups !== 0) {
    throw new ShapeError(
      `${op}: weight ${shown(wShape)} has ${outChannels} output channels, not divisible by groups=${groups}`,
    );
  }
  if (groupChannels * groups !== inChannels) {
    throw new ShapeError(
      `${op}: given groups=${groups}, weight ${shown(wShape)} expects input with ${groupChannels * groups} channels, ` +
        `got input ${shown(xShape)} with ${inChannels}`,
    );
  }
  if (kernelHeight < 1 || kernelWidth < 1) throw new ShapeError(`${op}: empty kernel in ${shapes}`);
  const [strideHeight, strideWidth] = pair(options.stride ?? 1, 'stride', op, 1);
  const [dilationHeight, dilationWidth] = pair(options.dilation ?? 1, 'dilation', op, 1);
  const effH = dilationHeight * (kernelHeight - 1) + 1;
  const effW = dilationWidth * (kernelWidth - 1) + 1;

  const padding = options.padding ?? 0;
  let padTop: number;
  let padLeft: number;
  let padBottom: number;
  let padRight: number;
  if (padding === 'same') {
    if (strideHeight !== 1 || strideWidth !== 1) {
      throw new ValueError(
        `${op}: padding='same' needs stride 1, got stride [${strideHeight}, ${strideWidth}]`,
      );
    }
    padTop = Math.floor((effH - 1) / 2);
    padLeft = Math.floor((effW - 1) / 2);
    padBottom = effH - 1 - padTop;
    padRight = effW - 1 - padLeft;
  } else if (padding === 'valid') {
    padTop = padLeft = padBottom = padRight = 0;
  } else if (typeof padding === 'string') {
    throw new ValueError(`${op}: padding must be a number, a pair, 'same' or 'valid', got '${padding}'`);
  } else {
    [padTop, padLeft] = pair(padding, 'padding', op, 0);
    padBottom = padTop;
    padRight = padLeft;
  }
  const paddedH = inHeight + padTop + padBottom;
  const paddedW = inWidth + padLeft + padRight;
  if (effH > paddedH || effW > paddedW) {
    throw new ShapeError(
      spatial === 1
        ? `${op}: kernel ${effW} (dilation included) is longer than the padded input ${paddedW} (${shapes})`
        : `${op}: kernel ${effH}×${effW} (dilation included) is larger than the padded input ${paddedH}×${paddedW} (${shapes})`,
    );
  }
  return {
    batch,
    inChannels,
    inHeight,
    inWidth,
    outChannels,
    outHeight: Math.floor((paddedH - effH) / strideHeight) + 1,
    outWidth: Math.floor((paddedW - effW) / strideWidth) + 1,
    kernelHeight,
    kernelWidth,
    strideHeight,
    strideWidth,
    padTop,
    padLeft,
    dilationHeight,
    dilationWidth,
    groups,
  };
}

/**
 * 2-D convolution (cross-correlation, as torch.nn.functional.conv2d) of x [N, C, H, W] (or unbatched [C, H, W])
 * with weight [outC, C/groups, kH, kW] plus an optional bias [outC]. Output [N, outC, oH, oW] with
 * oH = ⌊(H + 2·pad − dilation·(kH − 1) − 1) / stride⌋ + 1. Differentiable in x, weight and bias.
 */
export const conv2d = defineOp(
  'conv2d',
  ['x', 'weight', 'bias', 'options'],
  (x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor => {
    requireFloat(x, 'conv2d');
    requireFloat(weight, 'conv2d');
    checkArg('conv2d', 'bias', bias, 'tensor?');
    checkOptions('conv2d', options, {
      stride: SIZE_2D,
      padding: {
        test: (v) => v === 'same' || v === 'valid' || (SIZE_2D as { test: (v: unknown) => boolean }).test(v),
        expected: "an integer, a pair of them, 'same' or 'valid'",
      },
      dilation: SIZE_2D,
      groups: 'integer',
    });
    const info = conv2dInfo(x.shape, weight.shape, options);
    checkBias(bias, weight, info.outChannels, 'conv2d');
    if (x.ndim === 3) {
      const y = conv2dBatched(reshape(x, [1, ...x.shape]), weight, bias, info);
      return reshape(y, y.shape.slice(1));
    }
    return conv2dBatched(x, weight, bias, info);
  },
);

function conv2dBatched(x: Tensor, weight: Tensor, bias: Tensor | null, info: Conv2dInfo): Tensor {
  const outShape = [info.batch, info.outChannels, info.outHeight, info.outWidth];
  const be = getBackend();
  const out = empty(outShape);
  // the bias is added by the convolution kernel itself, not by a pass of its own over the output
  be.conv2d(
    x.data as Float32Array,
    weight.data as Float32Array,
    info,
    out.data as Float32Array,
    (bias?.data as Float32Array | undefined) ?? null,
  );
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, 'conv2d', inputs, (g, needs) => {
    const dy = g.data as Float32Array;
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    if (needs[0]) {
      dx = empty(x.shape);
      getBackend().conv2dBackpropInput(dy, weight.data as Float32Array, info, dx.data as Float32Array);
    }
    let db: Tensor | null = null;
    if (needs[1]) {
      dw = empty(weight.shape);
      // the bias gradient (the sum of dy per channel) comes with the filter gradient, from the same pass
      db = needs[2] ? empty([info.outChannels]) : null;
      getBackend().conv2dBackpropFilter(
        x.data as Float32Array,
        dy,
        info,
        dw.data as Float32Array,
        (db?.data as Float32Array | undefined) ?? null,
      );
    } else if (needs[2]) {
      db = sum(g, [0, 2, 3]);
    }
    return [dx, dw, db];
  });
}

export interface Conv1dOptions {
  /** Step between windows (default 1). */
  stride?: Size1d;
  /** Zeros added at both ends (default 0); `'valid'` is 0, `'same'` keeps the length (stride 1 only). */
  padding?: Size1d | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: Size1d;
  /** Split channels into this many independent groups (default 1). */
  groups?: number;
}

const CONV1D_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  stride: SIZE_1D,
  padding: {
    test: (v) => v === 'same' || v === 'valid' || (SIZE_1D as { test: (v: unknown) => boolean }).test(v),
    expected: "an integer, 'same' or 'valid'",
  },
  dilation: SIZE_1D,
  groups: 'integer',
};

/**
 * Validates a 1-D convolution of input `xShape` ([N, C, L], or [C, L] unbatched) with weight `wShape`
 * ([outC, C/groups, k]) and gives the geometry of the same convolution on images of height 1, which is how
 * it runs: the 2-D kernels with a 1 × k window.
 */
export function conv1dInfo(
  xShape: Shape,
  wShape: Shape,
  options: Conv1dOptions = {},
  op = 'conv1d',
): Conv2dInfo {
  const shapes = `input ${fmtShape(xShape)}, weight ${fmtShape(wShape)}`;
  if (xShape.length !== 2 && xShape.length !== 3) {
    throw new ShapeError(`${op}: expected a 3-D input [N, C, L] or a 2-D one [C, L], got ${shapes}`);
  }
  if (wShape.length !== 3) {
    throw new ShapeError(`${op}: expected a 3-D weight [outC, inC/groups, k], got ${shapes}`);
  }
  const stride = single(options.stride ?? 1, 'stride', op, 1);
  const padding = options.padding ?? 0;
  if (padding === 'same' && stride !== 1) {
    throw new ValueError(`${op}: padding='same' needs stride 1, got stride ${stride}`);
  }
  if (typeof padding === 'string' && padding !== 'same' && padding !== 'valid') {
    throw new ValueError(`${op}: padding must be a number, 'same' or 'valid', got '${padding}'`);
  }
  const lifted: Conv2dOptions = {
    stride: [1, stride],
    padding: typeof padding === 'string' ? padding : [0, single(padding, 'padding', op, 0)],
    dilation: [1, single(options.dilation ?? 1, 'dilation', op, 1)],
    groups: options.groups,
  };
  return conv2dInfo(liftShape(xShape), liftShape(wShape), lifted, op, 1);
}

/**
 * 1-D convolution (cross-correlation, as torch.nn.functional.conv1d) of x [N, C, L] (or unbatched [C, L]) with
 * weight [outC, C/groups, k] plus an optional bias [outC]. Output [N, outC, oL] with
 * oL = ⌊(L + 2·pad − dilation·(k − 1) − 1) / stride⌋ + 1. Runs as a 2-D convolution of height 1, so it shares
 * the 2-D kernels (and their speed on the native and WebAssembly backends). Differentiable in x, weight and bias.
 */
export const conv1d = defineOp(
  'conv1d',
  ['x', 'weight', 'bias', 'options'],
  (x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv1dOptions = {}): Tensor => {
    requireFloat(x, 'conv1d');
    requireFloat(weight, 'conv1d');
    checkArg('conv1d', 'bias', bias, 'tensor?');
    checkOptions('conv1d', options, CONV1D_OPTIONS);
    const info = conv1dInfo(x.shape, weight.shape, options);
    checkBias(bias, weight, info.outChannels, 'conv1d');
    const x4 = reshape(x, x.ndim === 3 ? liftShape(x.shape) : [1, ...liftShape(x.shape)]);
    const y = conv2dBatched(x4, reshape(weight, liftShape(weight.shape)), bias, info);
    return reshape(y, x.ndim === 3 ? [y.shape[0], y.shape[1], y.shape[3]] : [y.shape[1], y.shape[3]]);
  },
);
