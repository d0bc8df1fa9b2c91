/**
 * Scans along one axis: cumsum, cumprod, cummax, cummin and logcumsumexp. The forward pass walks each line of
 * the axis once (in float64, rounded on the way out); cumsum's gradient is a reversed cumsum, cummax/cummin
 * read their values with gather so the gradient goes to the index each running extremum came from, and
 * cumprod/logcumsumexp have their own backward (exact with zeros, and stable in the log domain).
 */
import { record } from '../autograd/engine.js';
import { ValueError } from '../errors.js';
import { arithmeticType } from '../tensor/dtype.js';
import { aroundAxis, normAxis } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { gather } from './indexing.js';
import { flip } from './layout.js';
import { cast, checkArg, defineOp, empty } from './util.js';

/** Calls `line(at)` for every line along `axis`, with `at(j)` the flat offset of its j-th entry. */
function forEachLine(
  shape: readonly number[],
  a: number,
  line: (at: (j: number) => number, n: number) => void,
) {
  const [outer, n, inner] = aroundAxis(shape, a);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      line((j) => base + j * inner, n);
    }
  }
}

function scanAxis(op: string, x: Tensor, axis: number): number {
  checkArg(op, 'x', x, 'tensor');
  checkArg(op, 'axis', axis, 'integer');
  if (axis === undefined) throw new ValueError(`${op}: axis is required`);
  // a 0-d tensor scans as a single entry
  return x.ndim === 0 ? 0 : normAxis(axis, x.ndim, op);
}

const shapeOf = (x: Tensor) => (x.ndim === 0 ? [1] : x.shape);

/** Running sum along `axis` (torch.cumsum); integers and bools sum to int32. */
export const cumsum = defineOp('cumsum', ['x', 'axis'], (x: Tensor, axis: number): Tensor => {
  const a = scanAxis('cumsum', x, axis);
  const dtype = arithmeticType(x.dtype);
  const src = cast(x, dtype);
  const out = empty(x.shape, dtype);
  forEachLine(shapeOf(x), a, (at, n) => {
    let acc = 0;
    for (let j = 0; j < n; j++) {
      acc += src.data[at(j)];
      out.data[at(j)] = acc;
    }
  });
  if (x.ndim === 0) return record(out, 'cumsum', [x], (g) => [g]);
  return record(out, 'cumsum', [x], (g) => [flip(cumsum(flip(g, a), a), a)]);
});

/**
 * Running product along `axis` (torch.cumprod). The gradient of entry i is Σ_{j≥i} g_j Π_{k≤j, k≠i} x_k,
 * computed without dividing by x_i, so it is exact where x has zeros.
 */
export const cumprod = defineOp('cumprod', ['x', 'axis'], (x: Tensor, axis: number): Tensor => {
  const a = scanAxis('cumprod', x, axis);
  const dtype = arithmeticType(x.dtype);
  const src = cast(x, dtype);
  const out = empty(x.shape, dtype);
  forEachLine(shapeOf(x), a, (at, n) => {
    let acc = 1;
    for (let j = 0; j < n; j++) {
      acc *= src.data[at(j)];
      out.data[at(j)] = acc;
    }
  });
  return record(out, 'cumprod', [x], (g) => {
    const gd = cast(g, 'float32').data;
    const dx = new Float32Array(x.size);
    forEachLine(shapeOf(x), a, (at, n) => {
      const v = Array.from({ length: n }, (_, j) => src.data[at(j)]);
      let z = v.indexOf(0);
      if (z < 0) z = n;
      // before the first zero z: Σ_{i≤j<z} g_j·out_j / x_i (the terms from z on hold the zero, so vanish)
      let tail = 0;
      for (let i = z - 1; i >= 0; i--) {
        tail += gd[at(i)] * out.data[at(i)];
        dx[at(i)] = tail / v[i];
      }
      if (z === n) return;
      // at z: Σ_{j≥z} g_j Π_{k≤j, k≠z} x_k, up to the next zero; after z every product holds x_z = 0
      let without = 1;
      for (let k = 0; k < z; k++) without *= v[k];
      let s = 0;
      for (let j = z; j < n && without !== 0; j++) {
        if (j > z) without *= v[j];
        s += gd[at(j)] * without;
      }
      dx[at(z)] = s;
    });
    return [new Tensor(dx, x.shape)];
  });
});

/** Running extremum and where it came from: the later index wins ties and NaN propagates, as PyTorch. */
function cumExtremum(op: 'cummax' | 'cummin', x: Tensor, axis: number): [Tensor, Tensor] {
  const a = scanAxis(op, x, axis);
  const idx = new Int32Array(x.size);
  const better = op === 'cummax' ? (v: number, b: number) => v >= b : (v: number, b: number) => v <= b;
  forEachLine(shapeOf(x), a, (at, n) => {
    let best = 0;
    for (let j = 0; j < n; j++) {
      const v = x.data[at(j)];
      const b = x.data[at(best)];
      if (Number.isNaN(v) || (!Number.isNaN(b) && better(v, b))) best = j;
      idx[at(j)] = best;
    }
  });
  const indices = new Tensor(idx, x.shape);
  if (x.ndim === 0) return [x, indices];
  return [gather(x, a, indices), indices];
}

/**
 * Running maximum along `axis` and the index it came from, as [values, indices] (torch.cummax). The gradient
 * goes to that index; of equal values the later one is picked, as PyTorch.
 */
export const cummax = defineOp('cummax', ['x', 'axis'], (x: Tensor, axis: number): [Tensor, Tensor] =>
  cumExtremum('cummax', x, axis),
);

/** Running minimum along `axis` and the index it came from, as [values, indices] (torch.cummin). */
export const cummin = defineOp('cummin', ['x', 'axis'], (x: Tensor, axis: number): [Tensor, Tensor] =>
  cumExtremum('cummin', x, axis),
);

/** log(a + b) from log a and log b, without overflow. */
function logAdd(p: number, q: number): number {
  if (p === Number.NEGATIVE_INFINITY) return q;
  if (q === Number.NEGATIVE_INFINITY) return p;
  const m = Math.max(p, q);
  return m + Math.log1p(Math.exp(-Math.abs(p - q)));
}

/**
 * log Σ_{k≤j} exp(x_k) along `axis` (torch.logcumsumexp), computed stably. Its gradient
 * Σ_{j≥i} g_j exp(x_i - out_j) is summed in the log domain, positive and negative parts of g apart.
 */
export const logcumsumexp = defineOp('logcumsumexp', ['x', 'axis'], (x: Tensor, axis: number): Tensor => {
  const a = scanAxis('logcumsumexp', x, axis);
  const src = cast(x, 'float32');
  const out = empty(x.shape, 'float32');
  forEachLine(shapeOf(x), a, (at, n) => {
    let acc = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      acc = logAdd(acc, src.data[at(j)]);
      out.data[at(j)] = acc;
    }
  });
  return record(out, 'logcumsumexp', [x], (g) => {
    const gd = cast(g, 'float32').data;
    const dx = new Float32Array(x.size);
    forEachLine(shapeOf(x), a, (at, n) => {
      let pos = Number.NEGATIVE_INFINITY;
      let neg = Number.NEGATIVE_INFINITY;
      for (let j = n - 1; j >= 0; j--) {
        const gj = gd[at(j)];
        const o = out.data[at(j)];
        if (gj > 0) pos = logAdd(pos, Math.log(gj) - o);
        else if (gj < 0) neg = logAdd(neg, Math.log(-gj) - o);
        const xi = src.data[at(j)];
        dx[at(j)] = Math.exp(xi + pos) - Math.exp(xi + neg);
      }
    });
    return [new Tensor(dx, x.shape)];
  });
});
