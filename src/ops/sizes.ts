/**
 * Sizes that convolution and pooling ops take per spatial axis (kernel, stride, padding, dilation, output
 * padding): one number for every axis or one per axis. The single place they are checked and expanded, for
 * the 1-D and the 2-D ops alike, with the other small helpers those ops share (internal: not exported by the
 * package, apart from the two size types).
 */
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type OptionSpec, requireFloat } from './util.js';

/** A size given once for both spatial axes, or as [height, width]. */
export type Size2d = number | readonly [number, number];

/** A size along the one spatial axis of a 1-D op: a number, or a one-element array as PyTorch also takes. */
export type Size1d = number | readonly [number];

/** An option that takes a Size2d: checked for its kind here, for its range where it is used. */
export const SIZE_2D: OptionSpec = {
  test: (v) =>
    typeof v === 'number' || (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number')),
  expected: 'an integer or a pair of them',
};

/** An option that takes a Size1d. */
export const SIZE_1D: OptionSpec = {
  test: (v) => typeof v === 'number' || (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number'),
  expected: 'an integer (or a one-element array)',
};

/**
 * `v` expanded to one integer per spatial axis (`rank` of them), each at least `min`; anything else is a
 * ValueError naming the op and the argument.
 */
export function perAxis(
  v: number | readonly number[],
  rank: number,
  name: string,
  op: string,
  min: number,
): number[] {
  const p = typeof v === 'number' ? new Array<number>(rank).fill(v) : [...v];
  if ((typeof v !== 'number' && v.length !== rank) || !p.every((d) => Number.isInteger(d) && d >= min)) {
    const what = min === 0 ? 'non-negative' : 'positive';
    const form =
      rank === 1 ? 'integer' : rank === 2 ? 'integer or a pair of them' : `integer or ${rank} of them`;
    throw new ValueError(`${op}: ${name} must be a ${what} ${form}, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** A Size2d as [height, width], each at least `min`. */
export function pair(v: Size2d, name: string, op: string, min: number): [number, number] {
  const [h, w] = perAxis(v, 2, name, op, min);
  return [h, w];
}

/** A Size1d as one integer of at least `min`. */
export function single(v: Size1d, name: string, op: string, min: number): number {
  return perAxis(v, 1, name, op, min)[0];
}

/** A 1-D shape [..., L] as the 2-D one [..., 1, L]. */
export function liftShape(shape: Shape): number[] {
  return [...shape.slice(0, -1), 1, shape[shape.length - 1]];
}

/** A convolution's bias must be float32 and hold one value per output channel. */
export function checkBias(bias: Tensor | null, weight: Tensor, channels: number, op: string): void {
  if (!bias) return;
  requireFloat(bias, op);
  if (bias.ndim !== 1 || bias.shape[0] !== channels) {
    throw new ShapeError(
      `${op}: bias ${fmtShape(bias.shape)} does not fit weight ${fmtShape(weight.shape)}: expected [${channels}]`,
    );
  }
}
