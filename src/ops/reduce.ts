import { record } from '../autograd/engine.js';
import type { ReduceOp } from '../backend/backend.js';
import { releaseBuffer } from '../backend/pool.js';
import { getBackend } from '../backend/registry.js';
import { ValueError } from '../errors.js';
import { arithmeticType } from '../tensor/dtype.js';
import { aroundAxis, normAxes, normAxis } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { add, div, eq, exp, log, mul, sqrt, sub, where } from './elementwise.js';
import { expand, reshape } from './shape.js';
import { AXES_SPEC, cast, checkArg, checkOptions, checkReduceArgs, defineOp, empty, zeroed } from './util.js';

export type Axes = number | readonly number[];

/** The shape a reduction leaves, with reduced axes kept as 1 or dropped. */
function reducedShape(shape: readonly number[], axes: number[], keepDim: boolean): number[] {
  return keepDim
    ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !axes.includes(i));
}

/** Runs a reduce kernel over each axis in turn (merging neighbouring axes into one call). */
function reduceKernel(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  let data = x.data;
  const cur = [...x.shape];
  const dtype = op === 'sum' || op === 'prod' ? arithmeticType(x.dtype) : x.dtype;
  if (dtype !== x.dtype) data = cast(x, dtype).data;
  // walk runs of consecutive axes, from the last so earlier indices stay valid
  let i = axes.length - 1;
  while (i >= 0) {
    let j = i;
    while (j > 0 && axes[j - 1] === axes[j] - 1) j--;
    const first = axes[j];
    const last = axes[i];
    let outer = 1;
    let n = 1;
    let inner = 1;
    for (let k = 0; k < first; k++) outer *= cur[k];
    for (let k = first; k <= last; k++) n *= cur[k];
    for (let k = last + 1; k < cur.length; k++) inner *= cur[k];
    if (n === 0 && (op === 'max' || op === 'min')) {
      throw new ValueError(`${op}: cannot reduce over an empty axis (shape [${x.shape.join(', ')}])`);
    }
    const out = empty([outer * inner], dtype);
    getBackend().reduce(op, data, outer, n, inner, out.data);
    // a partial result made here is seen by nobody else: its memory serves the next output
    if (data !== x.data) releaseBuffer(data.buffer);
    data = out.data;
    for (let k = first; k <= last; k++) cur[k] = 1;
    i = j - 1;
  }
  return new Tensor(data, reducedShape(x.shape, axes, false));
}

/** Sum over `axis` (all axes by default). Booleans and integers sum to int32. */
export const sum = defineOp(
  'sum',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: Axes, keepDim = false): Tensor => {
    checkReduceArgs('sum', axis, keepDim);
    const axes = normAxes(axis, x.ndim, 'sum');
    const out = reshape(reduceKernel('sum', x, axes), reducedShape(x.shape, axes, keepDim));
    return record(out, 'sum', [x], (g) => [expand(reshape(g, reducedShape(x.shape, axes, true)), x.shape)]);
  },
);

/** Mean over `axis` (all axes by default); always float32. */
export const mean = defineOp(
  'mean',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: Axes, keepDim = false): Tensor => {
    checkReduceArgs('mean', axis, keepDim);
    const axes = normAxes(axis, x.ndim, 'mean');
    const count = axes.reduce((n, a) => n * x.shape[a], 1);
    return div(sum(cast(x, 'float32'), axes, keepDim), count);
  },
);

/** Product over `axis` (all axes by default). */
export const prod = defineOp(
  'prod',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: Axes, keepDim = false): Tensor => {
    checkReduceArgs('prod', axis, keepDim);
    const axes = normAxes(axis, x.ndim, 'prod');
    const out = reshape(reduceKernel('prod', x, axes), reducedShape(x.shape, axes, keepDim));
    return record(out, 'prod', [x], (g) => {
      const keptShape = reducedShape(x.shape, axes, true);
      return [mul(reshape(g, keptShape), productOfOthers(x, axes))];
    });
  },
);

/**
 * d/dx_i Π_j x_j = Π_{j≠i} x_j, exact when inputs are zero (Π/x_i would give 0/0): with no zero in a slice it
 * is Π/x_i; with one zero, that element gets the product of the others and the rest 0; with more, all 0.
 */
function productOfOthers(x: Tensor, axes: number[]): Tensor {
  const isZero = eq(x, 0);
  const nonZero = where(isZero, 1, x);
  const prodNonZero = prod(nonZero, axes, true);
  const zeros = sum(isZero, axes, true);
  return where(
    isZero,
    where(eq(zeros, 1), prodNonZero, 0),
    where(eq(zeros, 0), div(prodNonZero, nonZero), 0),
  );
}

/** amax/amin: the gradient goes to every element equal to the result, shared evenly between ties. */
function evenExtremum(op: 'max' | 'min', x: Tensor, axis: Axes | undefined, keepDim: boolean): Tensor {
  const axes = normAxes(axis, x.ndim, op);
  const out = reshape(reduceKernel(op, x, axes), reducedShape(x.shape, axes, keepDim));
  return record(out, op, [x], (g) => {
    const kept = reducedShape(x.shape, axes, true);
    const mask = cast(eq(x, reshape(out, kept)), 'float32');
    const count = sum(mask, axes, true);
    return [mul(div(mask, count), reshape(g, kept))];
  });
}

/**
 * max/min: over one axis the gradient goes to the one index argmax/argmin picks (the first of ties), as
 * torch.max(x, dim) does; over all axes, or several, it is shared evenly between ties, as torch.max(x) and amax.
 */
function extremum(op: 'max' | 'min', x: Tensor, axis: Axes | undefined, keepDim: boolean): Tensor {
  if (typeof axis !== 'number' || x.ndim === 0) return evenExtremum(op, x, axis, keepDim);
  const a = normAxis(axis, x.ndim, op);
  const out = reshape(reduceKernel(op, x, [a]), reducedShape(x.shape, [a], keepDim));
  const index = argExtremum(op === 'max' ? 'argmax' : 'argmin', x, a, true);
  return record(out, op, [x], (g) => {
    const [outer, n, inner] = aroundAxis(x.shape, a);
    const dx = zeroed(x.shape);
    const gd = cast(g, 'float32').data as Float32Array;
    getBackend().scatterAdd(gd, outer, n, inner, index.data as Int32Array, 1, dx.data as Float32Array);
    return [dx];
  });
}

/**
 * Largest value over `axis` (all axes by default). Over one axis the gradient goes to the first index holding
 * the maximum, as torch.max(x, dim); otherwise it is split evenly between ties, as torch.max(x) and torch.amax.
 */
export const max = defineOp(
  'max',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: Axes, keepDim = false): Tensor => {
    checkReduceArgs('max', axis, keepDim);
    return extremum('max', x, axis, keepDim);
  },
);

/** Smallest value over `axis` (all axes by default), with max's gradient rule. */
export const min = defineOp(
  'min',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: Axes, keepDim = false): Tensor => {
    checkReduceArgs('min', axis, keepDim);
    return extremum('min', x, axis, keepDim);
  },
);

/** Largest value over `axis` (all axes by default), the gradient shared evenly between ties (torch.amax). */
export const amax = defineOp(
  'amax',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: Axes, keepDim = false): Tensor => {
    checkReduceArgs('amax', axis, keepDim);
    return evenExtremum('max', x, axis, keepDim);
  },
);

/** Smallest value over `axis` (all axes by default), the gradient shared evenly between ties (torch.amin). */
export const amin = defineOp(
  'amin',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: Axes, keepDim = false): Tensor => {
    checkReduceArgs('amin', axis, keepDim);
    return evenExtremum('min', x, axis, keepDim);
  },
);

function argExtremum(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDim: boolean): Tensor {
  const a = axis === undefined ? 0 : normAxis(axis, x.ndim, op);
  // without an axis (or on a 0-d tensor) the index is into the flattened values
  const flat = axis === undefined || x.ndim === 0;
  const shape = flat ? [x.size] : x.shape;
  const [outer, n, inner] = aroundAxis(shape, a);
  if (n === 0) throw new ValueError(`${op}: cannot reduce over an empty axis`);
  const out = new Int32Array(outer * inner);
  getBackend().argReduce(op, x.data, outer, n, inner, out);
  if (flat) return new Tensor(out, keepDim ? x.shape.map(() => 1) : []);
  return new Tensor(out, reducedShape(x.shape, [a], keepDim));
}

/** Index of the largest value along `axis` (of the flattened tensor without one), as int32. */
export const argmax = defineOp(
  'argmax',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: number, keepDim = false): Tensor => {
    checkReduceArgs('argmax', axis, keepDim);
    return argExtremum('argmax', x, axis, keepDim);
  },
);

export const argmin = defineOp(
  'argmin',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: number, keepDim = false): Tensor => {
    checkReduceArgs('argmin', axis, keepDim);
    return argExtremum('argmin', x, axis, keepDim);
  },
);

export interface VarOptions {
  /** Bessel's correction: divide by N - correction (PyTorch's default 1 = unbiased). */
  correction?: number;
  keepDim?: boolean;
}

/** Variance over `axis`, with `correction` 1 (unbiased) by default as in torch.var. */
export const variance = defineOp(
  'variance',
  ['x', 'axis', 'options'],
  (x: Tensor, axis?: Axes, options: VarOptions = {}): Tensor => {
    checkArg('variance', 'axis', axis, AXES_SPEC);
    checkOptions('variance', options, { correction: 'number', keepDim: 'boolean' });
    const axes = normAxes(axis, x.ndim, 'var');
    const n = axes.reduce((p, a) => p * x.shape[a], 1);
    const correction = options.correction ?? 1;
    const xf = cast(x, 'float32');
    const centred = sub(xf, mean(xf, axes, true));
    const ss = sum(mul(centred, centred), axes, options.keepDim ?? false);
    return div(ss, Math.max(n - correction, 0));
  },
);

/** Standard deviation: √var with the same options. */
export const std = defineOp(
  'std',
  ['x', 'axis', 'options'],
  (x: Tensor, axis?: Axes, options: VarOptions = {}): Tensor => {
    checkArg('std', 'axis', axis, AXES_SPEC);
    checkOptions('std', options, { correction: 'number', keepDim: 'boolean' });
    return sqrt(variance(x, axis, options));
  },
);

/** log Σ exp(x) over `axis`, computed stably by shifting by the maximum. */
export const logsumexp = defineOp(
  'logsumexp',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: Axes, keepDim = false): Tensor => {
    checkReduceArgs('logsumexp', axis, keepDim);
    const axes = normAxes(axis, x.ndim, 'logsumexp');
    // the shift is a constant for autograd: the gradient of the result does not depend on it
    const m = reshape(reduceKernel('max', x, axes), reducedShape(x.shape, axes, true));
    const finite = new Tensor(
      Float32Array.from(m.data, (v) => (Number.isFinite(v) ? v : 0)),
      m.shape,
    );
    const s = log(sum(exp(sub(x, finite)), axes, true));
    return reshape(add(s, finite), reducedShape(x.shape, axes, keepDim));
  },
);
