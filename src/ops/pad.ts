/**
 * Padding and cropping in PyTorch's four modes. Constant padding writes the input into a filled tensor; the
 * other modes pick, along each padded axis, which input position every output position reads, so their
 * gradient is indexSelect's (a scatter-add of the repeated positions).
 */
import { record } from '../autograd/engine.js';
import { getBackend } from '../backend/registry.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { indexSelect } from './indexing.js';
import { slice } from './shape.js';
import { checkOptions, defineOp, describeValue, zeroed } from './util.js';

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

export interface PadOptions {
  /**
   * What fills the new cells (default 'constant'): `value`; 'reflect' mirrors the input without repeating the
   * edge (pad < size); 'replicate' repeats the edge; 'circular' wraps around (pad ≤ size).
   */
  mode?: PadMode;
  /** The fill value of 'constant' mode (default 0). */
  value?: number;
}

/**
 * Pads (or, with negative amounts, crops) the trailing axes as torch.nn.functional.pad: `pads` gives
 * (before, after) pairs starting from the LAST axis, e.g. [left, right, top, bottom] for the width and height of
 * an NCHW image. Differentiable in every mode.
 */
export const pad = defineOp(
  'pad',
  ['x', 'pads', 'options'],
  (x: Tensor, pads: readonly number[], options: PadOptions = {}): Tensor => {
    checkOptions('pad', options, {
      mode: ['constant', 'reflect', 'replicate', 'circular'],
      value: 'number',
    });
    const mode = options.mode ?? 'constant';
    if (mode !== 'constant' && options.value !== undefined) {
      throw new ValueError(`pad: a fill value only goes with mode 'constant', not '${mode}'`);
    }
    if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
      throw new ValueError(
        `pad: expected (before, after) pairs for at most ${x.ndim} axes, got ${describeValue(pads)}`,
      );
    }
    const pairs: [number, number, number][] = []; // [axis, before, after]
    for (let k = 0; k < pads.length / 2; k++) {
      const axis = x.ndim - 1 - k;
      const [before, after] = [pads[2 * k], pads[2 * k + 1]];
      if (!Number.isInteger(before) || !Number.isInteger(after)) {
        throw new ValueError(`pad: paddings must be integers, got ${describeValue(pads)}`);
      }
      const size = x.shape[axis];
      if (size + before + after < 0) {
        throw new ShapeError(
          `pad: padding (${before}, ${after}) leaves a negative size on axis ${axis} of size ${size} (shape ${fmtShape(x.shape)})`,
        );
      }
      pairs.push([axis, before, after]);
    }
    // negative amounts crop first, and the modes then read the cropped tensor (as PyTorch's circular mode does)
    const begin = new Array<number>(x.ndim).fill(0);
    const size = [...x.shape];
    for (const [axis, before, after] of pairs) {
      begin[axis] = Math.max(0, -before);
      size[axis] -= Math.max(0, -before) + Math.max(0, -after);
    }
    const cropped = slice(x, begin, size);
    const grow = pairs.map(([axis, before, after]): [number, number, number] => [
      axis,
      Math.max(0, before),
      Math.max(0, after),
    ]);
    if (mode === 'constant') return padConstant(cropped, grow, options.value ?? 0);
    let out = cropped;
    for (const [axis, before, after] of grow) {
      if (before === 0 && after === 0) continue;
      out = indexSelect(out, axis, padIndex(mode, out.shape[axis], before, after, axis));
    }
    return out;
  },
);

/** Writes x into a tensor filled with `value`, `before` cells in along each padded axis. */
function padConstant(x: Tensor, grow: [number, number, number][], value: number): Tensor {
  const outShape = [...x.shape];
  const at = new Array<number>(x.ndim).fill(0);
  for (const [axis, before, after] of grow) {
    at[axis] = before;
    outShape[axis] += before + after;
  }
  if (shapesEqual(outShape, x.shape)) return x;
  const out = zeroed(outShape, x.dtype);
  if (value !== 0) out.data.fill(value);
  getBackend().insert(x.data, x.shape, out.data, outShape, at, false);
  return record(out, 'pad', [x], (g) => [slice(g, at, x.shape)]);
}

/** Which input position each output position of a padded axis reads, in a non-constant mode. */
function padIndex(mode: PadMode, n: number, before: number, after: number, axis: number): Tensor {
  const limit = mode === 'reflect' ? n - 1 : mode === 'circular' ? n : Number.POSITIVE_INFINITY;
  if (n === 0 || before > limit || after > limit) {
    const rule =
      mode === 'reflect' ? 'less than' : mode === 'circular' ? 'at most' : 'on a non-empty axis of';
    throw new ShapeError(
      `pad: ${mode} padding (${before}, ${after}) must be ${rule} the size ${n} of axis ${axis}`,
    );
  }
  const idx = new Int32Array(n + before + after);
  for (let o = 0; o < idx.length; o++) {
    const i = o - before;
    if (mode === 'replicate') idx[o] = Math.min(Math.max(i, 0), n - 1);
    else if (mode === 'circular') idx[o] = ((i % n) + n) % n;
    else idx[o] = i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
  }
  return new Tensor(idx, [idx.length]);
}
