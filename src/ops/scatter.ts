/**
 * Masks and scatters: oneHot, nonzero, maskedFill, maskedSelect, scatter, scatterAdd and scatterReduce. The
 * scatters first work out, for every entry of `index`, which position of x it writes and which entry of src
 * it reads (as flat offsets); the values then move with indexSelect and an index-add, so gradients reach x
 * and src through them (the extremum and product reductions have their own backward, as PyTorch's).
 */
import { record } from '../autograd/engine.js';
import { getBackend } from '../backend/registry.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { broadcastShapes, normAxis, stridesOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { add, div, where } from './elementwise.js';
import { indexSelect } from './indexing.js';
import { expand, reshape } from './shape.js';
import { cast, checkArg, checkOptions, defineOp, zeroed } from './util.js';

const ints = (v: ArrayLike<number>) => new Tensor(Int32Array.from(v), [v.length]);

/** One-hot rows of int32 `indices`: shape [...indices, numClasses], int32 (torch.nn.functional.one_hot). */
export const oneHot = defineOp(
  'oneHot',
  ['indices', 'numClasses'],
  (indices: Tensor, numClasses = -1): Tensor => {
    checkArg('oneHot', 'indices', indices, 'tensor');
    checkArg('oneHot', 'numClasses', numClasses, 'integer');
    if (indices.dtype !== 'int32')
      throw new DTypeError(`oneHot: indices must be int32, got ${indices.dtype}`);
    const d = indices.data as Int32Array;
    let top = -1;
    for (const v of d) {
      if (v < 0) throw new ValueError(`oneHot: class index ${v} is negative`);
      top = Math.max(top, v);
    }
    const n = numClasses === -1 ? top + 1 : numClasses;
    if (numClasses !== -1 && (numClasses < 0 || top >= numClasses)) {
      throw new ValueError(`oneHot: class index ${top} is out of range for numClasses ${numClasses}`);
    }
    const out = new Int32Array(d.length * n);
    for (let i = 0; i < d.length; i++) out[i * n + d[i]] = 1;
    return new Tensor(out, [...indices.shape, n]);
  },
);

/** The indices of the non-zero (true) entries, one row each: int32 [count, rank] (torch.nonzero). */
export const nonzero = defineOp('nonzero', ['x'], (x: Tensor): Tensor => {
  checkArg('nonzero', 'x', x, 'tensor');
  const rows: number[] = [];
  const strides = stridesOf(x.shape);
  let count = 0;
  for (let i = 0; i < x.size; i++) {
    if (x.data[i] === 0) continue; // NaN counts as non-zero, as in PyTorch
    count++;
    let rest = i;
    for (const s of strides) {
      rows.push(Math.floor(rest / s));
      rest %= s;
    }
  }
  return new Tensor(Int32Array.from(rows), [count, x.ndim]);
});

function requireMask(op: string, mask: Tensor): Uint8Array {
  checkArg(op, 'mask', mask, 'tensor');
  if (mask.dtype !== 'bool') throw new DTypeError(`${op}: mask must be a bool tensor, got ${mask.dtype}`);
  return mask.data as Uint8Array;
}

/** x with `value` wherever `mask` (bool, broadcast to x's shape) is true (torch.masked_fill). */
export const maskedFill = defineOp(
  'maskedFill',
  ['x', 'mask', 'value'],
  (x: Tensor, mask: Tensor, value: number | Tensor): Tensor => {
    checkArg('maskedFill', 'x', x, 'tensor');
    requireMask('maskedFill', mask);
    checkArg('maskedFill', 'value', value, {
      test: (v) => typeof v === 'number' || (v instanceof Tensor && v.ndim === 0),
      expected: 'a number or a 0-d tensor',
    });
    const shape = broadcastShapes(x.shape, mask.shape, 'maskedFill');
    if (shape.length !== x.ndim || shape.some((d, i) => d !== x.shape[i])) {
      throw new ShapeError(
        `maskedFill: mask of shape ${fmtShape(mask.shape)} does not broadcast to the input's shape ${fmtShape(x.shape)}`,
      );
    }
    const out = where(mask, value, x);
    return out.dtype === x.dtype ? out : cast(out, x.dtype);
  },
);

/** The entries of x where `mask` is true, as a 1-D tensor (both broadcast together; torch.masked_select). */
export const maskedSelect = defineOp('maskedSelect', ['x', 'mask'], (x: Tensor, mask: Tensor): Tensor => {
  checkArg('maskedSelect', 'x', x, 'tensor');
  requireMask('maskedSelect', mask);
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedSelect');
  const m = expand(mask, shape).data as Uint8Array;
  const pos: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i]) pos.push(i);
  return indexSelect(reshape(expand(x, shape), [m.length]), 0, ints(pos));
});

/** Where each entry of `index` writes in x and reads in src, as flat offsets, after checking the shapes. */
interface Plan {
  targets: Int32Array;
  sources: Int32Array;
  /** 1 where some index entry writes. */
  hit: Uint8Array;
}

function plan(op: string, x: Tensor, axis: number, index: Tensor, src: Tensor | null): Plan {
  checkArg(op, 'x', x, 'tensor');
  checkArg(op, 'axis', axis, 'integer');
  checkArg(op, 'index', index, 'tensor');
  if (x.ndim === 0)
    throw new ShapeError(`${op}: expected a tensor with at least one dimension, got shape []`);
  const a = normAxis(axis, x.ndim, op);
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be int32, got ${index.dtype}`);
  if (index.ndim !== x.ndim) {
    throw new ShapeError(
      `${op}: index of shape ${fmtShape(index.shape)} must have the rank of the input ${fmtShape(x.shape)}`,
    );
  }
  const badX = index.shape.findIndex((d, i) => i !== a && d > x.shape[i]);
  if (badX >= 0) {
    throw new ShapeError(
      `${op}: index of shape ${fmtShape(index.shape)} is larger than the input ${fmtShape(x.shape)} on axis ${badX}`,
    );
  }
  if (src) {
    if (src.ndim !== x.ndim) {
      throw new ShapeError(
        `${op}: src of shape ${fmtShape(src.shape)} must have the rank of the input ${fmtShape(x.shape)}`,
      );
    }
    const badS = index.shape.findIndex((d, i) => d > src.shape[i]);
    if (badS >= 0) {
      throw new ShapeError(
        `${op}: index of shape ${fmtShape(index.shape)} is larger than src ${fmtShape(src.shape)} on axis ${badS}`,
      );
    }
  }
  const xs = stridesOf(x.shape);
  const ss = src ? stridesOf(src.shape) : xs;
  const is = stridesOf(index.shape);
  const idx = index.data as Int32Array;
  const targets = new Int32Array(idx.length);
  const sources = new Int32Array(idx.length);
  const hit = new Uint8Array(x.size);
  for (let p = 0; p < idx.length; p++) {
    const v = idx[p];
    if (v < 0 || v >= x.shape[a]) {
      throw new ValueError(`${op}: index ${v} is out of range for axis ${a} of size ${x.shape[a]}`);
    }
    let rest = p;
    let t = 0;
    let s = 0;
    for (let d = 0; d < is.length; d++) {
      const c = Math.floor(rest / is[d]);
      rest -= c * is[d];
      t += (d === a ? v : c) * xs[d];
      s += c * ss[d];
    }
    targets[p] = t;
    sources[p] = s;
    hit[t] = 1;
  }
  return { targets, sources, hit };
}

/** The entries of src at flat `positions`, as a 1-D tensor (differentiable). */
function take(src: Tensor, positions: Int32Array): Tensor {
  return indexSelect(reshape(src, [src.size]), 0, new Tensor(positions, [positions.length]));
}

/** A zero tensor of `shape` with vals[p] added at flat offset targets[p]; its gradient reads g back. */
function addAt(vals: Tensor, targets: Int32Array, shape: readonly number[]): Tensor {
  const out = zeroed(shape, vals.dtype);
  if (vals.dtype === 'float32') {
    getBackend().indexAdd(vals.data as Float32Array, 1, out.size, 1, targets, out.data as Float32Array);
  } else {
    for (let p = 0; p < targets.length; p++) out.data[targets[p]] += vals.data[p];
  }
  return record(out, 'scatterAdd', [vals], (g) => [take(g, targets)]);
}

/**
 * A zero tensor of `shape` with vals[p] written at flat offset targets[p], the last write winning where two
 * meet; as PyTorch's scatter, every write's gradient reads g at its target, the overwritten ones' too.
 */
function writeAt(vals: Tensor, targets: Int32Array, shape: readonly number[]): Tensor {
  const out = zeroed(shape, vals.dtype);
  for (let p = 0; p < targets.length; p++) out.data[targets[p]] = vals.data[p];
  return record(out, 'scatter', [vals], (g) => [take(g, targets)]);
}

const SRC_SPEC = { test: (v: unknown) => v instanceof Tensor, expected: 'a tensor' };

/**
 * x with src's entries written at `index` along `axis` (torch.scatter): out[…, index[p], …] = src[p] for each
 * position p of index, which may be smaller than src on every axis and than x on the others. `src` may be a
 * number (torch's scatter with value). Where several entries write one position the last one wins (PyTorch
 * leaves that order unspecified) and, as in PyTorch, each of them gets the gradient of that position.
 */
export const scatter = defineOp(
  'scatter',
  ['x', 'axis', 'index', 'src'],
  (x: Tensor, axis: number, index: Tensor, src: Tensor | number): Tensor => {
    checkArg('scatter', 'src', src, {
      test: (v) => typeof v === 'number' || v instanceof Tensor,
      expected: 'a tensor or a number',
    });
    if (src === undefined) throw new ValueError('scatter: src (a tensor or a number) is required');
    const p = plan('scatter', x, axis, index, src instanceof Tensor ? src : null);
    const hit = new Tensor(p.hit, x.shape);
    if (typeof src === 'number') {
      const out = where(hit, src, x);
      return out.dtype === x.dtype ? out : cast(out, x.dtype);
    }
    const placed = writeAt(cast(take(src, p.sources), x.dtype), p.targets, x.shape);
    return where(hit, placed, x);
  },
);

/** x plus src's entries added at `index` along `axis`, repeats accumulating (torch.scatter_add). */
export const scatterAdd = defineOp(
  'scatterAdd',
  ['x', 'axis', 'index', 'src'],
  (x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor => {
    checkArg('scatterAdd', 'src', src, SRC_SPEC);
    const p = plan('scatterAdd', x, axis, index, src ?? null);
    return add(x, addAt(take(src, p.sources), p.targets, x.shape));
  },
);

export type ScatterReduce = 'sum' | 'prod' | 'mean' | 'amax' | 'amin';

export interface ScatterReduceOptions {
  /** Whether x's own entry takes part in the reduction where index writes (default true, as PyTorch). */
  includeSelf?: boolean;
}

/**
 * Reduces src's entries into x at `index` along `axis` with 'sum', 'prod', 'mean', 'amax' or 'amin'
 * (torch.scatter_reduce). Gradients as PyTorch: amax/amin share it evenly between the entries equal to the
 * result, prod gives each entry the product of the others, and with includeSelf false x's written entries get
 * none.
 */
export const scatterReduce = defineOp(
  'scatterReduce',
  ['x', 'axis', 'index', 'src', 'reduce', 'options'],
  (
    x: Tensor,
    axis: number,
    index: Tensor,
    src: Tensor,
    reduce: ScatterReduce,
    options: ScatterReduceOptions = {},
  ): Tensor => {
    checkArg('scatterReduce', 'src', src, SRC_SPEC);
    checkArg('scatterReduce', 'reduce', reduce, ['sum', 'prod', 'mean', 'amax', 'amin']);
    if (reduce === undefined) {
      throw new ValueError("scatterReduce: reduce is required ('sum', 'prod', 'mean', 'amax' or 'amin')");
    }
    checkOptions('scatterReduce', options, { includeSelf: 'boolean' });
    const includeSelf = options.includeSelf ?? true;
    const p = plan('scatterReduce', x, axis, index, src ?? null);
    const hit = new Tensor(p.hit, x.shape);
    const vals = cast(take(src, p.sources), x.dtype);
    if (reduce === 'sum' || reduce === 'mean') {
      const base = includeSelf ? x : where(hit, 0, x);
      const total = add(base, addAt(vals, p.targets, x.shape));
      if (reduce === 'sum') return cast(total, x.dtype);
      const count = new Float32Array(x.size).fill(includeSelf ? 1 : 0);
      for (const t of p.targets) count[t] += 1;
      for (let i = 0; i < count.length; i++) count[i] = Math.max(count[i], 1);
      const mean = div(total, new Tensor(count, x.shape));
      return cast(where(hit, x.dtype === 'float32' ? mean : floorish(mean), x), x.dtype);
    }
    return groupReduce(reduce, x, vals, p, includeSelf);
  },
);

/** Integer means round toward negative infinity, as PyTorch's floor division. */
function floorish(t: Tensor): Tensor {
  return new Tensor(Float32Array.from(t.data, Math.floor), t.shape);
}

/** amax, amin and prod over each written position's group (x's entry if included, and the src entries). */
function groupReduce(
  reduce: 'prod' | 'amax' | 'amin',
  x: Tensor,
  vals: Tensor,
  p: Plan,
  includeSelf: boolean,
): Tensor {
  const out = zeroed(x.shape, x.dtype);
  out.data.set(x.data);
  const started = new Uint8Array(x.size);
  if (includeSelf) started.set(p.hit);
  const combine =
    reduce === 'prod'
      ? (u: number, v: number) => u * v
      : reduce === 'amax'
        ? (u: number, v: number) => (v > u || Number.isNaN(v) ? v : u)
        : (u: number, v: number) => (v < u || Number.isNaN(v) ? v : u);
  p.targets.forEach((t, k) => {
    out.data[t] = started[t] ? combine(out.data[t], vals.data[k]) : vals.data[k];
    started[t] = 1;
  });
  return record(out, `scatterReduce(${reduce})`, [x, vals], (g) => {
    const gd = cast(g, 'float32').data as Float32Array;
    const dx = Float32Array.from(gd);
    const dv = new Float32Array(vals.size);
    if (reduce === 'prod') {
      // each member's gradient is the product of the others in its group, exact with zeros
      const zeros = new Float32Array(x.size);
      const nonZero = new Float64Array(x.size).fill(1);
      const member = (t: number, v: number) => {
        if (v === 0) zeros[t]++;
        else nonZero[t] *= v;
      };
      for (let t = 0; t < x.size; t++) if (p.hit[t] && includeSelf) member(t, x.data[t]);
      for (let k = 0; k < p.targets.length; k++) member(p.targets[k], vals.data[k]);
      const others = (t: number, v: number) =>
        zeros[t] === 0 ? nonZero[t] / v : zeros[t] === 1 && v === 0 ? nonZero[t] : 0;
      for (let t = 0; t < x.size; t++) {
        if (p.hit[t]) dx[t] = includeSelf ? gd[t] * others(t, x.data[t]) : 0;
      }
      p.targets.forEach((t, k) => {
        dv[k] = gd[t] * others(t, vals.data[k]);
      });
    } else {
      // shared evenly between the entries equal to the result
      const count = new Float32Array(x.size);
      for (let t = 0; t < x.size; t++) if (p.hit[t] && includeSelf && x.data[t] === out.data[t]) count[t]++;
      p.targets.forEach((t, k) => {
        if (vals.data[k] === out.data[t]) count[t]++;
      });
      for (let t = 0; t < x.size; t++) {
        if (p.hit[t]) dx[t] = includeSelf && x.data[t] === out.data[t] ? gd[t] / count[t] : 0;
      }
      p.targets.forEach((t, k) => {
        dv[k] = vals.data[k] === out.data[t] ? gd[t] / count[t] : 0;
      });
    }
    return [new Tensor(dx, x.shape), new Tensor(dv, vals.shape)];
  });
}
