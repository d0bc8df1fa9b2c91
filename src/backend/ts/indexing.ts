import type { TypedArray } from '../../tensor/dtype.js';

export function indexSelect(
  x: TypedArray,
  outer: number,
  n: number,
  inner: number,
  idx: Int32Array,
  out: TypedArray,
): void {
  const k = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const src = (o * n + idx[j]) * inner;
      const dst = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = x[src + i];
    }
  }
}

export function indexAdd(
  dy: Float32Array,
  outer: number,
  n: number,
  inner: number,
  idx: Int32Array,
  out: Float32Array,
): void {
  const k = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const dst = (o * n + idx[j]) * inner;
      const src = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] += dy[src + i];
    }
  }
}

export function gather(
  x: TypedArray,
  outer: number,
  n: number,
  inner: number,
  idx: Int32Array,
  k: number,
  out: TypedArray,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[row + i] = x[(o * n + idx[row + i]) * inner + i];
    }
  }
}

export function scatterAdd(
  dy: Float32Array,
  outer: number,
  n: number,
  inner: number,
  idx: Int32Array,
  k: number,
  out: Float32Array,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[(o * n + idx[row + i]) * inner + i] += dy[row + i];
    }
  }
}
