import { markIssued, poolable, takeBuffer } from '../backend/pool.js';
import { forgetViews } from './storage.js';

/** Element types. `bool` is what comparisons return; `int32` holds indices and class labels. */
export type DType = 'float32' | 'int32' | 'bool';

export type TypedArray = Float32Array | Int32Array | Uint8Array;

export type ArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'int32'
    ? Int32Array
    : Uint8Array;

/** Bytes per element of each dtype. */
export const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, int32: 4, bool: 1 };

/**
 * Where memory comes from when it need not be zeroed: a function returning a fresh ArrayBuffer of at least
 * `bytes` bytes with any contents, used for arrays of `minElements` or more. The Node entry installs one over
 * Buffer.allocUnsafeSlow (zero-filling the activations and gradients of a training step costs as much as
 * some of its kernels); elsewhere every array is zeroed. Tests install one that fills with NaN, so a kernel
 * that leaves part of its output unwritten fails loudly.
 */
export interface RawAllocator {
  alloc(bytes: number): ArrayBuffer;
  minElements: number;
  /** Called on memory that comes back from the buffer pool instead of `alloc` (tests poison it as well). */
  recycled?(buffer: ArrayBuffer): void;
}

let rawAllocator: RawAllocator | null = null;

/** Installs (or with null removes) the allocator behind {@link allocateUninitialized}. */
export function setRawAllocator(a: RawAllocator | null): void {
  rawAllocator = a;
}

function view(dtype: DType, buffer: ArrayBuffer, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, size);
    case 'int32':
      return new Int32Array(buffer, 0, size);
    case 'bool':
      return new Uint8Array(buffer, 0, size);
  }
}

/**
 * An array of `size` elements whose contents are unspecified: for outputs that a kernel overwrites completely.
 * Large arrays reuse memory the autograd engine proved dead (backend/pool.ts), else come from the raw allocator
 * (not zero-filled) when one is installed, else are zeroed.
 */
export function allocateUninitialized(dtype: DType, size: number): TypedArray {
  const bytes = size * BYTES_PER_ELEMENT[dtype];
  if (!poolable(bytes)) {
    if (rawAllocator === null || size < rawAllocator.minElements || size === 0) return allocate(dtype, size);
    return view(dtype, rawAllocator.alloc(bytes), size);
  }
  const reused = takeBuffer(bytes);
  if (reused !== undefined) {
    forgetViews(reused);
    rawAllocator?.recycled?.(reused);
    return view(dtype, reused, size);
  }
  return view(dtype, issueFresh(bytes, size).buffer, size);
}

/**
 * Fresh memory for an array of `size` elements that the pool may take back later, marked as issued: from the raw
 * allocator (contents unspecified; in Node, memory reused without new page faults) when one is installed for this
 * size, else a zeroed ArrayBuffer.
 */
function issueFresh(bytes: number, size: number): { buffer: ArrayBuffer; zeroed: boolean } {
  const raw = rawAllocator !== null && size >= rawAllocator.minElements ? rawAllocator : null;
  const buffer = raw ? raw.alloc(bytes) : new ArrayBuffer(bytes);
  markIssued(buffer);
  return { buffer, zeroed: raw === null };
}

/** A zero-filled array of `size` elements (large ones may reuse pooled memory, cleared). */
export function allocate(dtype: DType, size: number): TypedArray {
  const bytes = size * BYTES_PER_ELEMENT[dtype];
  if (poolable(bytes)) {
    const reused = takeBuffer(bytes);
    if (reused !== undefined) {
      forgetViews(reused);
      return view(dtype, reused, size).fill(0);
    }
    // the raw allocator's memory cleared costs less than fresh zeroed pages
    const { buffer, zeroed } = issueFresh(bytes, size);
    const array = view(dtype, buffer, size);
    return zeroed ? array : array.fill(0);
  }
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}

const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2 };

/** The dtype of an arithmetic result: the wider of the two (bool < int32 < float32). */
export function promote(a: DType, b: DType): DType {
  return rank[a] >= rank[b] ? a : b;
}

/** Arithmetic on booleans counts them, as PyTorch's sum does. */
export function arithmeticType(d: DType): DType {
  return d === 'bool' ? 'int32' : d;
}
