import type { TypedArray } from '../../tensor/dtype.js';
import { type Shape, stridesOf as strides } from '../../tensor/shape.js';

/** Walks `shape` in row-major order, giving the flat offset into a tensor with strides `srcStrides`. */
function walk(
  shape: Shape,
  srcStrides: readonly number[],
  start: number,
  visit: (o: number, s: number, run: number, step: number) => void,
): void {
  const nd = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  if (nd === 0) {
    visit(0, start, 1, 0);
    return;
  }
  const last = shape[nd - 1];
  const step = srcStrides[nd - 1];
  const counter = new Array<number>(nd).fill(0);
  let s = start;
  for (let o = 0; o < total; o += last) {
    visit(o, s, last, step);
    for (let d = nd - 2; d >= 0; d--) {
      counter[d]++;
      s += srcStrides[d];
      if (counter[d] < shape[d]) break;
      s -= srcStrides[d] * counter[d];
      counter[d] = 0;
    }
  }
}

export function transpose(x: TypedArray, shape: Shape, perm: readonly number[], out: TypedArray): void {
  const st = strides(shape);
  const outShape = perm.map((p) => shape[p]);
  const permStrides = perm.map((p) => st[p]);
  walk(outShape, permStrides, 0, (o, s, run, step) => {
    for (let j = 0; j < run; j++, s += step) out[o + j] = x[s];
  });
}

/**
 * A box of a row-major tensor of shape `full`, seen as rows of contiguous memory: the trailing axes the box spans
 * whole, together with the next one, form one run. Returns the box's shape with those axes merged into its last
 * entry, and the matching strides of `full`.
 */
function runs(box: Shape, full: Shape): { shape: number[]; strides: number[] } {
  const st = strides(full);
  let d = box.length - 1;
  while (d > 0 && box[d] === full[d]) d--;
  if (d < 0) return { shape: [], strides: [] };
  let run = 1;
  for (let i = d; i < box.length; i++) run *= box[i];
  return { shape: [...box.slice(0, d), run], strides: [...st.slice(0, d), 1] };
}

/** Below this run length a plain loop beats creating a subarray for a block copy. */
const BLOCK_COPY = 32;

export function slice(
  x: TypedArray,
  shape: Shape,
  begin: readonly number[],
  out: TypedArray,
  outShape: Shape,
): void {
  const st = strides(shape);
  let start = 0;
  for (let i = 0; i < begin.length; i++) start += begin[i] * st[i];
  const r = runs(outShape, shape);
  walk(r.shape, r.strides, start, (o, s, run) => {
    if (run >= BLOCK_COPY) out.set(x.subarray(s, s + run), o);
    else for (let j = 0; j < run; j++) out[o + j] = x[s + j];
  });
}

export function insert(
  src: TypedArray,
  srcShape: Shape,
  dst: TypedArray,
  dstShape: Shape,
  begin: readonly number[],
  accumulate: boolean,
): void {
  const st = strides(dstShape);
  let start = 0;
  for (let i = 0; i < begin.length; i++) start += begin[i] * st[i];
  const r = runs(srcShape, dstShape);
  walk(r.shape, r.strides, start, (o, d, run) => {
    if (accumulate) for (let j = 0; j < run; j++) dst[d + j] += src[o + j];
    else if (run >= BLOCK_COPY) dst.set(src.subarray(o, o + run), d);
    else for (let j = 0; j < run; j++) dst[d + j] = src[o + j];
  });
}
