import type { TypedArray } from '../../tensor/dtype.js';
import type { ArgReduceOp, ReduceOp } from '../backend.js';

export function reduce(
  op: ReduceOp,
  x: TypedArray,
  outer: number,
  n: number,
  inner: number,
  out: TypedArray,
): void {
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    const ob = o * inner;
    if (op === 'sum' || op === 'prod') {
      const init = op === 'sum' ? 0 : 1;
      if (inner === 1) {
        // sum a contiguous row in float64 for accuracy
        let acc = init;
        if (op === 'sum') for (let j = 0; j < n; j++) acc += x[base + j];
        else for (let j = 0; j < n; j++) acc *= x[base + j];
        out[ob] = acc;
        continue;
      }
      for (let i = 0; i < inner; i++) out[ob + i] = init;
      for (let j = 0; j < n; j++) {
        const row = base + j * inner;
        if (op === 'sum') for (let i = 0; i < inner; i++) out[ob + i] += x[row + i];
        else for (let i = 0; i < inner; i++) out[ob + i] *= x[row + i];
      }
    } else {
      const isMax = op === 'max';
      for (let i = 0; i < inner; i++) {
        let best = n > 0 ? x[base + i] : isMax ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
        for (let j = 1; j < n; j++) {
          const v = x[base + j * inner + i];
          // NaN propagates, as in PyTorch
          if (Number.isNaN(v) || (isMax ? v > best : v < best)) best = v;
          if (Number.isNaN(best)) break;
        }
        out[ob + i] = best;
      }
    }
  }
}

export function argReduce(
  op: ArgReduceOp,
  x: TypedArray,
  outer: number,
  n: number,
  inner: number,
  out: Int32Array,
): void {
  const isMax = op === 'argmax';
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let best = x[base + i];
      let bi = 0;
      for (let j = 1; j < n && !Number.isNaN(best); j++) {
        const v = x[base + j * inner + i];
        if (Number.isNaN(v) || (isMax ? v > best : v < best)) {
          best = v;
          bi = j;
        }
      }
      out[o * inner + i] = bi;
    }
  }
}
