import { record } from '../autograd/engine.js';
import { getBackend } from '../backend/registry.js';
import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import { promote } from '../tensor/dtype.js';
import { checkShape, normAxes, normAxis, type Shape, shapesEqual, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import {
  cast,
  checkArg,
  defineOp,
  empty,
  type OptionSpec,
  requireAxes,
  TENSOR_LIST,
  zeroed,
} from './util.js';

/** A shape, permutation or index list: an array of integers (`reshape(x, [2, 3])`, not `reshape(x, 2, 3)`). */
const INT_LIST: OptionSpec = {
  test: (v) => Array.isArray(v) && v.every((d) => Number.isInteger(d)),
  expected: 'an array of integers',
};

/**
 * The same values under a new shape (no copy). One dimension may be -1 and is inferred.
 */
export const reshape = defineOp('reshape', ['x', 'shape'], (x: Tensor, shape: Shape): Tensor => {
  checkArg('reshape', 'shape', shape, INT_LIST);
  const s = [...shape];
  const unknown = s.indexOf(-1);
  if (unknown !== s.lastIndexOf(-1))
    throw new ValueError(`reshape: only one dimension can be -1, got ${fmtShape(shape)}`);
  if (unknown >= 0) {
    const known = s.reduce((acc, d, i) => (i === unknown ? acc : acc * d), 1);
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(
        `reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} values) into ${fmtShape(shape)}`,
      );
    }
    s[unknown] = x.size / known;
  }
  checkShape(s, 'reshape');
  if (sizeOf(s) !== x.size) {
    throw new ShapeError(
      `reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} values) into ${fmtShape(shape)}`,
    );
  }
  if (shapesEqual(s, x.shape)) return x;
  const out = new Tensor(x.data, s);
  return record(out, 'reshape', [x], (g) => [reshape(g, x.shape)]);
});

/** Flattens axes `startAxis`…`endAxis` (inclusive) into one, like `torch.flatten`. */
export const flatten = defineOp(
  'flatten',
  ['x', 'startAxis', 'endAxis'],
  (x: Tensor, startAxis = 0, endAxis = -1): Tensor => {
    if (x.ndim === 0) return reshape(x, [1]);
    const s = normAxis(startAxis, x.ndim, 'flatten');
    const e = normAxis(endAxis, x.ndim, 'flatten');
    if (s > e) throw new ValueError(`flatten: startAxis ${startAxis} comes after endAxis ${endAxis}`);
    const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
    return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
  },
);

/** Reorders the axes: the output's axis i is the input's axis `perm[i]`. */
export const permute = defineOp('permute', ['x', 'perm'], (x: Tensor, perm: readonly number[]): Tensor => {
  checkArg('permute', 'perm', perm, INT_LIST);
  if (perm.length !== x.ndim) {
    throw new ShapeError(
      `permute: ${perm.length} axes given for a tensor of rank ${x.ndim} (shape ${fmtShape(x.shape)})`,
    );
  }
  const p = perm.map((a) => normAxis(a, x.ndim, 'permute'));
  if (new Set(p).size !== p.length) throw new ValueError(`permute: repeated axis in [${perm.join(', ')}]`);
  if (p.every((a, i) => a === i)) return x;
  const outShape = p.map((a) => x.shape[a]);
  const out = empty(outShape, x.dtype);
  getBackend().transpose(x.data, x.shape, p, out.data);
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => {
    inverse[a] = i;
  });
  return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
});

/** Swaps two axes (torch.transpose). */
export const transposeAxes = defineOp(
  'transposeAxes',
  ['x', 'axis0', 'axis1'],
  (x: Tensor, axis0: number, axis1: number): Tensor => {
    const a = normAxis(axis0, x.ndim, 'transpose');
    const b = normAxis(axis1, x.ndim, 'transpose');
    if (x.ndim === 0) return x;
    const perm = Array.from({ length: x.ndim }, (_, i) => i);
    perm[a] = b;
    perm[b] = a;
    return permute(x, perm);
  },
);

/** Transpose of a matrix, or swap of the last two axes of a batch of matrices (x.T / x.mT). */
export const transpose = defineOp(
  'transpose',
  ['x', 'axis0', 'axis1'],
  (x: Tensor, axis0 = -2, axis1 = -1): Tensor => {
    if (x.ndim < 2) return x;
    return transposeAxes(x, axis0, axis1);
  },
);

/** Removes axes of size 1 (all of them, or the ones named). */
export const squeeze = defineOp(
  'squeeze',
  ['x', 'axes'],
  (x: Tensor, axes?: number | readonly number[]): Tensor => {
    const drop =
      axes === undefined
        ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)
        : normAxes(axes, x.ndim, 'squeeze');
    // like PyTorch, naming an axis whose size is not 1 leaves it in place
    return reshape(
      x,
      x.shape.filter((d, i) => !(drop.includes(i) && d === 1)),
    );
  },
);

/** Inserts an axis of size 1 at `axis` (which may equal the rank, or be negative). */
export const unsqueeze = defineOp('unsqueeze', ['x', 'axis'], (x: Tensor, axis: number): Tensor => {
  const a = normAxis(axis, x.ndim + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
});

/** Broadcasts x to `shape` (copying the values; -1 keeps a dimension). */
export const expand = defineOp('expand', ['x', 'shape'], (x: Tensor, shape: Shape): Tensor => {
  checkArg('expand', 'shape', shape, INT_LIST);
  const off = shape.length - x.ndim;
  if (off < 0)
    throw new ShapeError(`expand: cannot expand ${fmtShape(x.shape)} to fewer dimensions ${fmtShape(shape)}`);
  const target = shape.map((d, i) => {
    if (d !== -1) return d;
    if (i < off) {
      throw new ShapeError(
        `expand: -1 is not allowed for the new leading axis ${i} when expanding ${fmtShape(x.shape)} to ${fmtShape(shape)}`,
      );
    }
    return x.shape[i - off];
  });
  checkShape(target, 'expand');
  const bad = x.shape.findIndex((d, i) => d !== 1 && d !== target[i + off]);
  if (bad >= 0) {
    throw new ShapeError(
      `expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}: axis ${bad} has size ${x.shape[bad]}, which is not 1 and differs from ${target[bad + off]}`,
    );
  }
  if (shapesEqual(target, x.shape)) return x;
  const out = empty(target, x.dtype);
  if (x.size === 1) {
    // one value everywhere (the gradient of a full reduction): a fill, without the broadcast machinery
    out.data.fill(x.data[0] as never);
  } else {
    const zero = zeroed([], x.dtype);
    getBackend().binary('add', x.data, x.shape, zero.data, [], out.data, target);
  }
  // the engine reduces the broadcast gradient back to x's shape
  return record(out, 'expand', [x], (g) => [g]);
});

/** Joins tensors along an existing axis. */
export const concat = defineOp(
  'concat',
  ['tensors', 'axis'],
  (tensors: readonly Tensor[], axis = 0): Tensor => {
    checkArg('concat', 'tensors', tensors, TENSOR_LIST);
    if (tensors.length === 0) throw new ValueError('concat: needs at least one tensor');
    const first = tensors[0];
    requireAxes(first, 'concat');
    const a = normAxis(axis, first.ndim, 'concat');
    let dtype = first.dtype;
    let total = 0;
    for (const [i, t] of tensors.entries()) {
      if (t.ndim !== first.ndim) {
        throw new ShapeError(
          `concat: tensor ${i} has shape ${fmtShape(t.shape)} (rank ${t.ndim}), tensor 0 ${fmtShape(first.shape)} (rank ${first.ndim})`,
        );
      }
      const bad = t.shape.findIndex((d, k) => k !== a && d !== first.shape[k]);
      if (bad >= 0) {
        throw new ShapeError(
          `concat: tensor ${i} has shape ${fmtShape(t.shape)}, which does not match ${fmtShape(first.shape)} on axis ${bad} (${t.shape[bad]} vs ${first.shape[bad]}); only axis ${a}, the one joined along, may differ`,
        );
      }
      dtype = promote(dtype, t.dtype);
      total += t.shape[a];
    }
    const outShape = [...first.shape];
    outShape[a] = total;
    const out = empty(outShape, dtype);
    const begin = new Array<number>(outShape.length).fill(0);
    for (const t of tensors) {
      getBackend().insert(cast(t, dtype).data, t.shape, out.data, outShape, begin, false);
      begin[a] += t.shape[a];
    }
    return record(out, 'concat', [...tensors], (g, needs) => {
      let start = 0;
      return tensors.map((t, i) => {
        const part = needs[i] ? narrow(g, a, start, t.shape[a]) : null;
        start += t.shape[a];
        return part;
      });
    });
  },
);

/** Joins tensors of equal shape along a new axis. */
export const stack = defineOp(
  'stack',
  ['tensors', 'axis'],
  (tensors: readonly Tensor[], axis = 0): Tensor => {
    checkArg('stack', 'tensors', tensors, TENSOR_LIST);
    if (tensors.length === 0) throw new ValueError('stack: needs at least one tensor');
    const first = tensors[0];
    for (const [i, t] of tensors.entries()) {
      if (!shapesEqual(t.shape, first.shape)) {
        throw new ShapeError(
          `stack: tensor ${i} has shape ${fmtShape(t.shape)}, expected ${fmtShape(first.shape)}`,
        );
      }
    }
    const a = normAxis(axis, first.ndim + 1, 'stack');
    return concat(
      tensors.map((t) => unsqueeze(t, a)),
      a,
    );
  },
);

/**
 * The box of x starting at `begin` with `size` along each axis (-1: to the end). Missing trailing axes are
 * taken whole.
 */
export const slice = defineOp(
  'slice',
  ['x', 'begin', 'size'],
  (x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor => {
    checkArg('slice', 'begin', begin, INT_LIST);
    checkArg('slice', 'size', size, INT_LIST);
    if (begin.length > x.ndim) {
      throw new ShapeError(`slice: ${begin.length} begin indices for a tensor of shape ${fmtShape(x.shape)}`);
    }
    const [b, s] = sliceBox('slice', x, begin, size);
    if (shapesEqual(s, x.shape)) return x;
    const out = empty(s, x.dtype);
    getBackend().slice(x.data, x.shape, b, out.data, s);
    return recordSlice(out, x, b);
  },
);

/** The checked start and size of a box of x along every axis (`begin` and `size` as {@link slice} takes them). */
function sliceBox(
  op: string,
  x: Tensor,
  begin: readonly number[],
  size: readonly number[] | undefined,
): [number[], number[]] {
  const b = x.shape.map((d, i) => {
    const v = begin[i] ?? 0;
    const r = v < 0 ? v + d : v;
    if (!Number.isInteger(v) || r < 0 || r > d)
      throw new ValueError(`${op}: begin ${v} is out of range for axis ${i} of size ${d}`);
    return r;
  });
  const s = x.shape.map((d, i) => {
    const v = size?.[i] ?? -1;
    const r = v === -1 ? d - b[i] : v;
    if (!Number.isInteger(r) || r < 0 || b[i] + r > d) {
      throw new ValueError(
        `${op}: size ${v} from ${b[i]} does not fit axis ${i} of size ${d} (shape ${fmtShape(x.shape)})`,
      );
    }
    return r;
  });
  return [b, s];
}

/** Records `out`, the box of x at `begin`: its gradient goes into that box of a zero gradient for x. */
function recordSlice(out: Tensor, x: Tensor, begin: number[]): Tensor {
  return record(out, 'slice', [x], (g) => {
    const dx = zeroed(x.shape);
    getBackend().insert(g.data, g.shape, dx.data, x.shape, begin, false);
    return [dx];
  });
}

/**
 * `length` entries of `axis` starting at `start` (torch.narrow). When only axes of size 1 come before `axis`
 * (always so for axis 0, a batch cut from a dataset) the entries are one block of x's memory and the result is a
 * view over it, as torch.narrow's always is: no copy, and writing into one writes into the other.
 */
export const narrow = defineOp(
  'narrow',
  ['x', 'axis', 'start', 'length'],
  (x: Tensor, axis: number, start: number, length: number): Tensor => {
    requireAxes(x, 'narrow');
    const a = normAxis(axis, x.ndim, 'narrow');
    const begin = new Array<number>(x.ndim).fill(0);
    const size = [...x.shape];
    begin[a] = start < 0 ? start + x.shape[a] : start;
    size[a] = length;
    let outer = 1;
    for (let i = 0; i < a; i++) outer *= x.shape[i];
    if (outer !== 1) return slice(x, begin, size);
    const [b, s] = sliceBox('narrow', x, begin, size);
    if (s[a] === x.shape[a]) return x;
    const inner = sizeOf(x.shape) / (x.shape[a] || 1);
    const view = new Tensor(x.data.subarray(b[a] * inner, (b[a] + s[a]) * inner), s);
    return recordSlice(view, x, b);
  },
);

/** Entry `index` of `axis`, with that axis removed (torch.select / x[i]). */
export const select = defineOp(
  'select',
  ['x', 'axis', 'index'],
  (x: Tensor, axis: number, index: number): Tensor => {
    requireAxes(x, 'select');
    const a = normAxis(axis, x.ndim, 'select');
    const d = x.shape[a];
    const i = index < 0 ? index + d : index;
    if (!Number.isInteger(index) || i < 0 || i >= d) {
      throw new ValueError(`select: index ${index} is out of range for axis ${a} of size ${d}`);
    }
    return squeeze(narrow(x, a, i, 1), a);
  },
);

/**
 * Splits along `axis` into pieces of `sizeOrSections` entries (the last may be smaller), or into pieces of the
 * listed sizes (torch.split).
 */
export const split = defineOp(
  'split',
  ['x', 'sizeOrSections', 'axis'],
  (x: Tensor, sizeOrSections: number | readonly number[], axis = 0): Tensor[] => {
    requireAxes(x, 'split');
    const a = normAxis(axis, x.ndim, 'split');
    const d = x.shape[a];
    let sizes: number[];
    if (typeof sizeOrSections === 'number') {
      positiveInt('split', 'size', sizeOrSections);
      sizes = [];
      for (let s = 0; s < d; s += sizeOrSections) sizes.push(Math.min(sizeOrSections, d - s));
    } else {
      sizes = [...sizeOrSections];
      const total = sizes.reduce((p, q) => p + q, 0);
      if (total !== d)
        throw new ShapeError(`split: sizes [${sizes.join(', ')}] add up to ${total}, but axis ${a} has ${d}`);
    }
    let start = 0;
    return sizes.map((s) => {
      const part = narrow(x, a, start, s);
      start += s;
      return part;
    });
  },
);

/** Splits into `chunks` nearly equal pieces along `axis` (torch.chunk). */
export const chunk = defineOp(
  'chunk',
  ['x', 'chunks', 'axis'],
  (x: Tensor, chunks: number, axis = 0): Tensor[] => {
    positiveInt('chunk', 'chunks', chunks);
    requireAxes(x, 'chunk');
    const a = normAxis(axis, x.ndim, 'chunk');
    return split(x, Math.max(1, Math.ceil(x.shape[a] / chunks)), a);
  },
);
