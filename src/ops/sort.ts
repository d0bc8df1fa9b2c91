/**
 * Sorting along an axis: sort, argsort and topk. The order of each line is worked out once (a stable sort of
 * its positions, NaN counted as the largest value as in PyTorch); the values are then read with gather, so the
 * gradient flows back to the index each output came from.
 */
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { aroundAxis, normAxis } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { gather } from './indexing.js';
import { narrow } from './shape.js';
import { checkArg, checkOptions, defineOp } from './util.js';

export interface SortOptions {
  /** Largest first (default false). Equal values keep their order either way. */
  descending?: boolean;
  /**
   * Accepted for PyTorch's sake: neurite's sort is always stable (equal values keep their order), which is
   * one of the orders PyTorch's unstable sort may give.
   */
  stable?: boolean;
}

/** The positions of each line along axis `a` in sorted order, as int32 of x's shape. */
function order(x: Tensor, a: number, descending: boolean): Tensor {
  const [outer, n, inner] = aroundAxis(x.shape, a);
  const out = new Int32Array(x.size);
  const pos = new Array<number>(n);
  const v = new Float64Array(n);
  // NaN sorts as the largest value; equal values keep their order (Array.prototype.sort is stable)
  const ascending = (i: number, j: number) => {
    const p = v[i];
    const q = v[j];
    if (Number.isNaN(p)) return Number.isNaN(q) ? 0 : 1;
    if (Number.isNaN(q)) return -1;
    return p < q ? -1 : p > q ? 1 : 0;
  };
  const cmp = descending ? (i: number, j: number) => ascending(j, i) : ascending;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0; j < n; j++) {
        pos[j] = j;
        v[j] = x.data[base + j * inner];
      }
      pos.sort(cmp);
      for (let j = 0; j < n; j++) out[base + j * inner] = pos[j];
    }
  }
  return new Tensor(out, x.shape);
}

function sortArgs(op: string, x: Tensor, axis: number, options: SortOptions): number {
  checkArg(op, 'x', x, 'tensor');
  checkArg(op, 'axis', axis, 'integer');
  checkOptions(op, options, { descending: 'boolean', stable: 'boolean' });
  return x.ndim === 0 ? 0 : normAxis(axis, x.ndim, op);
}

/**
 * Sorts along `axis` (the last by default): [values, indices] as torch.sort. The gradient of the values goes
 * to the entries they came from.
 */
export const sort = defineOp(
  'sort',
  ['x', 'axis', 'options'],
  (x: Tensor, axis = -1, options: SortOptions = {}): [Tensor, Tensor] => {
    const a = sortArgs('sort', x, axis, options);
    if (x.ndim === 0) return [x, new Tensor(new Int32Array(1), [])];
    const indices = order(x, a, options.descending ?? false);
    return [gather(x, a, indices), indices];
  },
);

/** The indices that sort `axis` (the last by default), as int32 (torch.argsort). */
export const argsort = defineOp(
  'argsort',
  ['x', 'axis', 'options'],
  (x: Tensor, axis = -1, options: SortOptions = {}): Tensor => {
    const a = sortArgs('argsort', x, axis, options);
    if (x.ndim === 0) return new Tensor(new Int32Array(1), []);
    return order(x, a, options.descending ?? false);
  },
);

export interface TopkOptions {
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Whether the k values come in sorted order (default true); neurite always sorts them. */
  sorted?: boolean;
}

/**
 * The `k` largest (or smallest) entries along `axis` (the last by default) and their indices, as
 * [values, indices] (torch.topk). Of equal values the earlier index comes first. The gradient goes to the
 * entries picked.
 */
export const topk = defineOp(
  'topk',
  ['x', 'k', 'axis', 'options'],
  (x: Tensor, k: number, axis = -1, options: TopkOptions = {}): [Tensor, Tensor] => {
    checkArg('topk', 'x', x, 'tensor');
    checkArg('topk', 'k', k, 'integer');
    checkArg('topk', 'axis', axis, 'integer');
    checkOptions('topk', options, { largest: 'boolean', sorted: 'boolean' });
    if (k === undefined) throw new ValueError('topk: k is required');
    const a = x.ndim === 0 ? 0 : normAxis(axis, x.ndim, 'topk');
    const n = x.ndim === 0 ? 1 : x.shape[a];
    if (k < 0 || k > n) {
      throw new ShapeError(
        `topk: k = ${k} is out of range for axis ${a} of size ${n} (shape ${fmtShape(x.shape)})`,
      );
    }
    if (x.ndim === 0) return [x, new Tensor(new Int32Array(1), [])];
    const indices = narrow(order(x, a, options.largest ?? true), a, 0, k);
    return [gather(x, a, indices), indices];
  },
);
