/**
 * Ops that rearrange, repeat or mask a tensor's entries without arithmetic: flip, roll, tril/triu, diagonal/diag,
 * repeat, repeatInterleave, unfold (sliding windows), unflatten and meshgrid. Each is composed from indexSelect,
 * reshape, expand, permute or where, so its gradient is theirs (a scatter-add of the entries each output read).
 */
import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import { normAxes, normAxis } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { where } from './elementwise.js';
import { indexSelect } from './indexing.js';
import { pad } from './pad.js';
import { expand, permute, reshape } from './shape.js';
import { cast, checkArg, checkOptions, defineOp, type OptionSpec, requireAxes } from './util.js';

const AXIS_OR_AXES: OptionSpec = {
  test: (v) => Number.isInteger(v) || (Array.isArray(v) && v.every((a) => Number.isInteger(a))),
  expected: 'an integer or a list of integers',
};

const INT_LIST: OptionSpec = {
  test: (v) => Array.isArray(v) && v.every((d) => Number.isInteger(d)),
  expected: 'an array of integers',
};

/** A 1-D int32 index tensor. */
function indexTensor(values: ArrayLike<number>): Tensor {
  return new Tensor(Int32Array.from(values), [values.length]);
}

/** Reverses the order of entries along each of `axes` (torch.flip). */
export const flip = defineOp('flip', ['x', 'axes'], (x: Tensor, axes: number | readonly number[]): Tensor => {
  if (axes === undefined) throw new ValueError('flip: the axes to flip are required (an integer or a list)');
  checkArg('flip', 'axes', axes, AXIS_OR_AXES);
  if (x.ndim === 0) return x;
  let out = x;
  for (const a of normAxes(axes, x.ndim, 'flip')) {
    const n = x.shape[a];
    if (n > 1) out = indexSelect(out, a, indexTensor(Array.from({ length: n }, (_, i) => n - 1 - i)));
  }
  return out;
});

/**
 * Shifts entries along `axes` by `shifts`, wrapping around (torch.roll). Without axes the tensor is rolled as
 * if flattened, and its shape restored.
 */
export const roll = defineOp(
  'roll',
  ['x', 'shifts', 'axes'],
  (x: Tensor, shifts: number | readonly number[], axes?: number | readonly number[]): Tensor => {
    checkArg('roll', 'shifts', shifts, AXIS_OR_AXES);
    checkArg('roll', 'axes', axes, AXIS_OR_AXES);
    if (shifts === undefined) throw new ValueError('roll: shifts is required');
    const s = typeof shifts === 'number' ? [shifts] : [...shifts];
    if (axes === undefined) {
      if (s.length !== 1) {
        throw new ValueError(`roll: without axes, shifts must be one integer, got [${s.join(', ')}]`);
      }
      if (x.ndim === 0) return x;
      return reshape(roll(reshape(x, [x.size]), s[0], 0), x.shape);
    }
    const a = typeof axes === 'number' ? [axes] : [...axes];
    if (a.length !== s.length) {
      throw new ValueError(
        `roll: shifts [${s.join(', ')}] and axes [${a.join(', ')}] must have the same length`,
      );
    }
    requireAxes(x, 'roll');
    let out = x;
    a.forEach((axis, k) => {
      const ax = normAxis(axis, x.ndim, 'roll');
      const n = x.shape[ax];
      if (n === 0) return;
      const shift = ((s[k] % n) + n) % n;
      if (shift === 0) return;
      out = indexSelect(out, ax, indexTensor(Array.from({ length: n }, (_, i) => (i - shift + n) % n)));
    });
    return out;
  },
);

/** Keeps the entries of the last two axes where `keep(row, col)`, zeroing the others. */
function triangle(op: string, x: Tensor, diagonal: number, keep: (r: number, c: number) => boolean): Tensor {
  checkArg(op, 'diagonal', diagonal, 'integer');
  if (x.ndim < 2) {
    throw new ShapeError(
      `${op}: expected a tensor with at least 2 dimensions, got shape ${fmtShape(x.shape)}`,
    );
  }
  const [n, m] = x.shape.slice(-2);
  const mask = new Uint8Array(n * m);
  for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) mask[r * m + c] = keep(r, c - r - diagonal) ? 1 : 0;
  const out = where(new Tensor(mask, [n, m]), x, 0);
  return out.dtype === x.dtype ? out : cast(out, x.dtype);
}

/** The lower triangle of the last two axes: entries with col - row ≤ diagonal (torch.tril). */
export const tril = defineOp(
  'tril',
  ['x', 'diagonal'],
  (x: Tensor, diagonal = 0): Tensor => triangle('tril', x, diagonal, (_, d) => d <= 0),
);

/** The upper triangle of the last two axes: entries with col - row ≥ diagonal (torch.triu). */
export const triu = defineOp(
  'triu',
  ['x', 'diagonal'],
  (x: Tensor, diagonal = 0): Tensor => triangle('triu', x, diagonal, (_, d) => d >= 0),
);

/**
 * The diagonal of the matrices spanned by `axis1` and `axis2` (torch.diagonal): those two axes are removed and
 * the diagonal becomes the last axis. `offset` > 0 is above the main diagonal, < 0 below.
 */
export const diagonal = defineOp(
  'diagonal',
  ['x', 'offset', 'axis1', 'axis2'],
  (x: Tensor, offset = 0, axis1 = 0, axis2 = 1): Tensor => {
    checkArg('diagonal', 'offset', offset, 'integer');
    checkArg('diagonal', 'axis1', axis1, 'integer');
    checkArg('diagonal', 'axis2', axis2, 'integer');
    if (x.ndim < 2) {
      throw new ShapeError(`diagonal: expected at least 2 dimensions, got shape ${fmtShape(x.shape)}`);
    }
    const a1 = normAxis(axis1, x.ndim, 'diagonal');
    const a2 = normAxis(axis2, x.ndim, 'diagonal');
    if (a1 === a2) throw new ValueError(`diagonal: axis1 and axis2 are the same axis (${a1})`);
    const rest = x.shape.map((_, i) => i).filter((i) => i !== a1 && i !== a2);
    const [n, m] = [x.shape[a1], x.shape[a2]];
    const moved = permute(x, [...rest, a1, a2]);
    const flat = reshape(moved, [...rest.map((i) => x.shape[i]), n * m]);
    const len = Math.max(0, offset >= 0 ? Math.min(n, m - offset) : Math.min(n + offset, m));
    const idx = Array.from({ length: len }, (_, i) =>
      offset >= 0 ? i * m + i + offset : (i - offset) * m + i,
    );
    return indexSelect(flat, -1, indexTensor(idx));
  },
);

/**
 * torch.diag: of a 1-D tensor, the square matrix with it on diagonal `diagonal` (zeros elsewhere); of a 2-D
 * tensor, that diagonal as a 1-D tensor.
 */
export const diag = defineOp('diag', ['x', 'diagonal'], (x: Tensor, diagonal = 0): Tensor => {
  checkArg('diag', 'diagonal', diagonal, 'integer');
  if (x.ndim === 2) return diagonal_(x, diagonal);
  if (x.ndim !== 1)
    throw new ShapeError(`diag: expected a 1-D or 2-D tensor, got shape ${fmtShape(x.shape)}`);
  const n = x.shape[0];
  const size = n + Math.abs(diagonal);
  // every cell reads x, or the zero appended at position n
  const idx = new Int32Array(size * size).fill(n);
  for (let i = 0; i < n; i++) {
    const [r, c] = diagonal >= 0 ? [i, i + diagonal] : [i - diagonal, i];
    idx[r * size + c] = i;
  }
  return reshape(indexSelect(pad(x, [0, 1]), 0, new Tensor(idx, [idx.length])), [size, size]);
});
const diagonal_ = (x: Tensor, offset: number) => diagonal(x, offset, 0, 1);

/**
 * Tiles the tensor `reps[i]` times along each axis (torch.Tensor.repeat); `reps` may be longer than the rank,
 * adding leading axes.
 */
export const repeat = defineOp('repeat', ['x', 'reps'], (x: Tensor, reps: readonly number[]): Tensor => {
  checkArg('repeat', 'reps', reps, INT_LIST);
  if (reps === undefined) throw new ValueError('repeat: reps (an array of integers) is required');
  if (reps.length < x.ndim) {
    throw new ValueError(
      `repeat: ${reps.length} repetition counts for a tensor of rank ${x.ndim} (shape ${fmtShape(x.shape)}); give at least one per axis`,
    );
  }
  const bad = reps.findIndex((r) => r < 0);
  if (bad >= 0) throw new ValueError(`repeat: repetition count ${reps[bad]} for axis ${bad} is negative`);
  const shape = [...new Array<number>(reps.length - x.ndim).fill(1), ...x.shape];
  const inter = reshape(
    x,
    shape.flatMap((d) => [1, d]),
  );
  const big = expand(
    inter,
    shape.flatMap((d, i) => [reps[i], d]),
  );
  return reshape(
    big,
    shape.map((d, i) => d * reps[i]),
  );
});

/**
 * Repeats each entry along `axis` (of the flattened tensor without one) `repeats` times, or `repeats[i]` times
 * for entry i (torch.repeat_interleave).
 */
export const repeatInterleave = defineOp(
  'repeatInterleave',
  ['x', 'repeats', 'axis'],
  (x: Tensor, repeats: number | readonly number[] | Tensor, axis?: number): Tensor => {
    checkArg('repeatInterleave', 'axis', axis, 'integer');
    const src = axis === undefined ? reshape(x, [x.size]) : x;
    requireAxes(src, 'repeatInterleave');
    const a = axis === undefined ? 0 : normAxis(axis, x.ndim, 'repeatInterleave');
    const n = src.shape[a];
    let counts: number[];
    if (typeof repeats === 'number') {
      counts = new Array<number>(n).fill(repeats);
    } else if (repeats instanceof Tensor) {
      if (repeats.dtype !== 'int32' || repeats.ndim > 1) {
        throw new ValueError(
          `repeatInterleave: repeats must be an integer, a list or a 1-D int32 tensor, got ${repeats.dtype} of shape ${fmtShape(repeats.shape)}`,
        );
      }
      counts = Array.from(repeats.data as Int32Array);
    } else if (Array.isArray(repeats)) {
      counts = [...repeats];
    } else {
      throw new ValueError(`repeatInterleave: repeats must be an integer, a list or an int32 tensor`);
    }
    if (counts.length === 1 && n !== 1) counts = new Array<number>(n).fill(counts[0]);
    if (counts.length !== n) {
      throw new ShapeError(`repeatInterleave: ${counts.length} repeat counts for axis ${a} of size ${n}`);
    }
    const idx: number[] = [];
    counts.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0) {
        throw new ValueError(`repeatInterleave: repeat counts must be non-negative integers, got ${c}`);
      }
      for (let k = 0; k < c; k++) idx.push(i);
    });
    return indexSelect(src, a, indexTensor(idx));
  },
);

/**
 * Sliding windows of `size` entries, `step` apart, along `axis` (torch.Tensor.unfold): that axis becomes the
 * window count and a new last axis of length `size` holds each window.
 */
export const unfold = defineOp(
  'unfold',
  ['x', 'axis', 'size', 'step'],
  (x: Tensor, axis: number, size: number, step: number): Tensor => {
    checkArg('unfold', 'axis', axis, 'integer');
    checkArg('unfold', 'size', size, 'integer');
    checkArg('unfold', 'step', step, 'integer');
    requireAxes(x, 'unfold');
    const a = normAxis(axis, x.ndim, 'unfold');
    const n = x.shape[a];
    if (!(size >= 0) || size > n) {
      throw new ShapeError(
        `unfold: window size ${size} does not fit axis ${a} of size ${n} (shape ${fmtShape(x.shape)})`,
      );
    }
    positiveInt('unfold', 'step', step);
    const count = Math.floor((n - size) / step) + 1;
    const idx: number[] = [];
    for (let w = 0; w < count; w++) for (let j = 0; j < size; j++) idx.push(w * step + j);
    const picked = indexSelect(x, a, indexTensor(idx));
    const split = reshape(picked, [...x.shape.slice(0, a), count, size, ...x.shape.slice(a + 1)]);
    const perm = split.shape.map((_, i) => i).filter((i) => i !== a + 1);
    return permute(split, [...perm, a + 1]);
  },
);

/** Splits axis `axis` into axes of `sizes` (one may be -1), the inverse of flatten (torch.unflatten). */
export const unflatten = defineOp(
  'unflatten',
  ['x', 'axis', 'sizes'],
  (x: Tensor, axis: number, sizes: readonly number[]): Tensor => {
    checkArg('unflatten', 'axis', axis, 'integer');
    checkArg('unflatten', 'sizes', sizes, INT_LIST);
    if (sizes === undefined || sizes.length === 0) {
      throw new ValueError('unflatten: sizes must be a non-empty array of integers');
    }
    requireAxes(x, 'unflatten');
    const a = normAxis(axis, x.ndim, 'unflatten');
    const n = x.shape[a];
    const known = sizes.filter((d) => d !== -1);
    const product = known.reduce((p, d) => p * d, 1);
    const ok =
      sizes.filter((d) => d === -1).length <= 1 &&
      known.every((d) => d >= 0) &&
      (known.length === sizes.length ? product === n : product > 0 && n % product === 0);
    if (!ok) {
      throw new ShapeError(
        `unflatten: sizes ${fmtShape(sizes)} do not split axis ${a} of size ${n} (shape ${fmtShape(x.shape)})`,
      );
    }
    return reshape(x, [...x.shape.slice(0, a), ...sizes, ...x.shape.slice(a + 1)]);
  },
);

export interface MeshgridOptions {
  /** 'ij' (matrix indexing, PyTorch's default): output axis i follows tensor i; 'xy' swaps the first two. */
  indexing?: 'ij' | 'xy';
}

/** Grids from 1-D tensors (torch.meshgrid): every output has the shape of all their lengths. */
export const meshgrid = defineOp(
  'meshgrid',
  ['tensors', 'options'],
  (tensors: readonly Tensor[], options: MeshgridOptions = {}): Tensor[] => {
    checkArg('meshgrid', 'tensors', tensors, {
      test: (v) => Array.isArray(v) && v.every((t) => t instanceof Tensor),
      expected: 'an array of tensors',
    });
    checkOptions('meshgrid', options, { indexing: ['ij', 'xy'] });
    if (tensors.length === 0) throw new ValueError('meshgrid: needs at least one tensor');
    tensors.forEach((t, i) => {
      if (t.ndim > 1) {
        throw new ShapeError(`meshgrid: tensor ${i} must be 0-D or 1-D, got shape ${fmtShape(t.shape)}`);
      }
    });
    const lens = tensors.map((t) => t.size);
    const axisOf = lens.map((_, i) => i);
    if (options.indexing === 'xy' && lens.length >= 2) [axisOf[0], axisOf[1]] = [1, 0];
    const shape = new Array<number>(lens.length);
    lens.forEach((d, i) => {
      shape[axisOf[i]] = d;
    });
    return tensors.map((t, i) => {
      const view = shape.map((_, k) => (k === axisOf[i] ? lens[i] : 1));
      return expand(reshape(t, view), shape);
    });
  },
);
