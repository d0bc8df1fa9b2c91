/**
 * Transposed convolutions (torch.nn.functional.conv_transpose1d/2d): the adjoint of a convolution, so they run
 * on the convolution's own kernels with the roles exchanged. Their forward is `Conv2dBackpropInput` of the
 * convolution whose input has the transposed convolution's output shape; their input gradient is that
 * convolution's forward (`Conv2d`), and their weight gradient is `Conv2dBackpropFilter` with the output gradient
 * in the place of the input. The weight keeps PyTorch's layout [inC, outC/groups, kH, kW], which is exactly the
 * convolution's [its outC, its inC/groups, kH, kW].
 */
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

export interface ConvTranspose2dOptions {
  /** Spacing of the input cells in the output (default 1). */
  stride?: Size2d;
  /** Cells cropped from each side of the full output (default 0): `dilation·(k − 1) − padding` zeros of padding. */
  padding?: Size2d;
  /** Cells added to the bottom/right of the output (default 0), smaller than the stride or the dilation. */
  outputPadding?: Size2d;
  /** Spacing between kernel taps (default 1). */
  dilation?: Size2d;
  /** Split channels into this many independent groups (default 1). */
  groups?: number;
}

export interface ConvTranspose1dOptions {
  stride?: Size1d;
  padding?: Size1d;
  outputPadding?: Size1d;
  dilation?: Size1d;
  groups?: number;
}

const OPTIONS_2D: Readonly<Record<string, OptionSpec>> = {
  stride: SIZE_2D,
  padding: SIZE_2D,
  outputPadding: SIZE_2D,
  dilation: SIZE_2D,
  groups: 'integer',
};

const OPTIONS_1D: Readonly<Record<string, OptionSpec>> = {
  stride: SIZE_1D,
  padding: SIZE_1D,
  outputPadding: SIZE_1D,
  dilation: SIZE_1D,
  groups: 'integer',
};

/**
 * Validates a transposed 2-D convolution of input `xShape` ([N, inC, H, W] or unbatched [inC, H, W]) with
 * weight `wShape` ([inC, outC/groups, kH, kW]) and returns the geometry of the convolution it is the adjoint of:
 * that convolution's input is this op's output, [N, outC, oH, oW] with
 * oH = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1, and its output is this op's input.
 */
export function convTranspose2dInfo(
  xShape: Shape,
  wShape: Shape,
  options: ConvTranspose2dOptions = {},
  op = 'convTranspose2d',
  spatial: 1 | 2 = 2,
): Conv2dInfo {
  const shown = (s: Shape) => fmtShape(spatial === 1 ? [...s.slice(0, -2), s[s.length - 1]] : s);
  const shapes = `input ${shown(xShape)}, weight ${shown(wShape)}`;
  if (spatial === 2 && xShape.length !== 3 && xShape.length !== 4) {
    throw new ShapeError(`${op}: expected a 4-D input [N, C, H, W] or a 3-D one [C, H, W], got ${shapes}`);
  }
  if (spatial === 2 && wShape.length !== 4) {
    throw new ShapeError(`${op}: expected a 4-D weight [inC, outC/groups, kH, kW], got ${shapes}`);
  }
  const [batch, inChannels, inHeight, inWidth] = xShape.length === 4 ? xShape : [1, ...xShape];
  const [weightIn, groupOut, kernelHeight, kernelWidth] = wShape;
  const groups = positiveInt(op, 'groups', options.groups ?? 1);
  if (weightIn !== inChannels) {
    throw new ShapeError(
      `${op}: weight ${shown(wShape)} expects input with ${weightIn} channels, got input ${shown(xShape)} with ${inChannels}`,
    );
  }
  if (inChannels % groups !== 0) {
    throw new ShapeError(
      `${op}: input channels ${inChannels} of ${shapes} are not divisible by groups=${groups}`,
    );
  }
  if (kernelHeight < 1 || kernelWidth < 1 || groupOut < 1) {
    throw new ShapeError(`${op}: empty kernel in ${shapes}`);
  }
  const [strideHeight, strideWidth] = pair(options.stride ?? 1, 'stride', op, 1);
  const [padTop, padLeft] = pair(options.padding ?? 0, 'padding', op, 0);
  const [outPadH, outPadW] = pair(options.outputPadding ?? 0, 'outputPadding', op, 0);
  const [dilationHeight, dilationWidth] = pair(options.dilation ?? 1, 'dilation', op, 1);
  const axes: [number, number, number][] = [
    [outPadH, strideHeight, dilationHeight],
    [outPadW, strideWidth, dilationWidth],
  ];
  for (const [outPad, stride, dilation] of spatial === 1 ? axes.slice(1) : axes) {
    if (outPad >= stride && outPad >= dilation) {
      throw new ValueError(
        `${op}: outputPadding ${outPad} must be smaller than the stride (${stride}) or the dilation (${dilation})`,
      );
    }
  }
  const outHeight =
    (inHeight - 1) * strideHeight - 2 * padTop + dilationHeight * (kernelHeight - 1) + outPadH + 1;
  const outWidth =
    (inWidth - 1) * strideWidth - 2 * padLeft + dilationWidth * (kernelWidth - 1) + outPadW + 1;
  if (outHeight < 1 || outWidth < 1 || inHeight < 1 || inWidth < 1) {
    const size = spatial === 1 ? `${outWidth}` : `${outHeight}×${outWidth}`;
    throw new ShapeError(`${op}: the padding crops the whole output (${size}) of ${shapes}`);
  }
  return {
    batch,
    inChannels: groupOut * groups,
    inHeight: outHeight,
    inWidth: outWidth,
    outChannels: inChannels,
    outHeight: inHeight,
    outWidth: inWidth,
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
 * Validates a transposed 1-D convolution of x [N, inC, L] (or [inC, L]) with weight [inC, outC/groups, k] and
 * gives the geometry of its 2-D form of height 1 (see {@link convTranspose2dInfo}).
 */
export function convTranspose1dInfo(
  xShape: Shape,
  wShape: Shape,
  options: ConvTranspose1dOptions = {},
  op = 'convTranspose1d',
): Conv2dInfo {
  const shapes = `input ${fmtShape(xShape)}, weight ${fmtShape(wShape)}`;
  if (xShape.length !== 2 && xShape.length !== 3) {
    throw new ShapeError(`${op}: expected a 3-D input [N, C, L] or a 2-D one [C, L], got ${shapes}`);
  }
  if (wShape.length !== 3) {
    throw new ShapeError(`${op}: expected a 3-D weight [inC, outC/groups, k], got ${shapes}`);
  }
  const lifted: ConvTranspose2dOptions = {
    stride: [1, single(options.stride ?? 1, 'stride', op, 1)],
    padding: [0, single(options.padding ?? 0, 'padding', op, 0)],
    outputPadding: [0, single(options.outputPadding ?? 0, 'outputPadding', op, 0)],
    dilation: [1, single(options.dilation ?? 1, 'dilation', op, 1)],
    groups: options.groups,
  };
  return convTranspose2dInfo(liftShape(xShape), liftShape(wShape), lifted, op, 1);
}

/**
 * Transposed 2-D convolution (torch.nn.functional.conv_transpose2d) of x [N, inC, H, W] (or [inC, H, W]) with
 * weight [inC, outC/groups, kH, kW] plus an optional bias [outC]: every input cell adds the kernel, scaled by
 * its value, into the output at stride spacing. Output [N, outC, oH, oW] with
 * oH = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1. Differentiable in x, weight and bias.
 *
 * ```ts
 * nt.convTranspose2d(nt.randn([1, 8, 7, 7]), nt.randn([8, 4, 4, 4]), null, { stride: 2, padding: 1 }).shape;
 * // [1, 4, 14, 14]
 * ```
 */
export const convTranspose2d = defineOp(
  'convTranspose2d',
  ['x', 'weight', 'bias', 'options'],
  (x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTranspose2dOptions = {}): Tensor => {
    const op = 'convTranspose2d';
    requireFloat(x, op);
    requireFloat(weight, op);
    checkArg(op, 'bias', bias, 'tensor?');
    checkOptions(op, options, OPTIONS_2D);
    const info = convTranspose2dInfo(x.shape, weight.shape, options);
    checkBias(bias, weight, info.inChannels, op);
    if (x.ndim === 3) {
      const y = convTransposeBatched(reshape(x, [1, ...x.shape]), weight, bias, info, op);
      return reshape(y, y.shape.slice(1));
    }
    return convTransposeBatched(x, weight, bias, info, op);
  },
);

/**
 * Transposed 1-D convolution (torch.nn.functional.conv_transpose1d) of x [N, inC, L] (or [inC, L]) with weight
 * [inC, outC/groups, k] plus an optional bias [outC]. Output length
 * (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1. Runs as the 2-D op on rows of height 1.
 */
export const convTranspose1d = defineOp(
  'convTranspose1d',
  ['x', 'weight', 'bias', 'options'],
  (x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTranspose1dOptions = {}): Tensor => {
    const op = 'convTranspose1d';
    requireFloat(x, op);
    requireFloat(weight, op);
    checkArg(op, 'bias', bias, 'tensor?');
    checkOptions(op, options, OPTIONS_1D);
    const info = convTranspose1dInfo(x.shape, weight.shape, options);
    checkBias(bias, weight, info.inChannels, op);
    const x4 = reshape(x, x.ndim === 3 ? liftShape(x.shape) : [1, ...liftShape(x.shape)]);
    const y = convTransposeBatched(x4, reshape(weight, liftShape(weight.shape)), bias, info, op);
    return reshape(y, x.ndim === 3 ? [y.shape[0], y.shape[1], y.shape[3]] : [y.shape[1], y.shape[3]]);
  },
);

function convTransposeBatched(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  info: Conv2dInfo,
  op: string,
): Tensor {
  const outShape = [info.batch, info.inChannels, info.inHeight, info.inWidth];
  const be = getBackend();
  const out = empty(outShape);
  be.conv2dBackpropInput(x.data as Float32Array, weight.data as Float32Array, info, out.data as Float32Array);
  if (bias) {
    // in place: out is this op's own fresh array, and the binary kernels read each element before writing it
    be.binary('add', out.data, outShape, bias.data, [info.inChannels, 1, 1], out.data, outShape);
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, op, inputs, (g, needs) => {
    const dy = g.data as Float32Array;
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    if (needs[0]) {
      dx = empty(x.shape);
      getBackend().conv2d(dy, weight.data as Float32Array, info, dx.data as Float32Array);
    }
    if (needs[1]) {
      dw = empty(weight.shape);
      getBackend().conv2dBackpropFilter(dy, x.data as Float32Array, info, dw.data as Float32Array);
    }
    return [dx, dw, needs[2] ? sum(g, [0, 2, 3]) : null];
  });
}
