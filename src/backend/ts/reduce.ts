import type { TypedArray } from '../../tensor/dtype.js';
import type { ArgReduceOp, ReduceOp } from '../backend.js';

let scratchBuf = new Float64Array(0);

function scratch(n: number): Float64Array {
  if (scratchBuf.length < n) scratchBuf = new Float64Array(n);
  return scratchBuf.length === n ? scratchBuf : scratchBuf.subarray(0, n);
}

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
      // accumulate in float64 here too: a float32 running sum drifts after ~1e4 terms (0.1 × 1e5 → 9999)
      const acc = scratch(inner);
      acc.fill(init);
      for (let j = 0; j < n; j++) {
        const row = base + j * inner;
        if (op === 'sum') for (let i = 0; i < inner; i++) acc[i] += x[row + i];
        else for (let i = 0; i < inner; i++) acc[i] *= x[row + i];
      }
      for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
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
