/**
 * Memory for op outputs that the library has proved dead, kept for the next output of the same size.
 *
 * Tensors hold plain typed arrays that the garbage collector frees, and that stays the rule for everything a user
 * could still read. But a training step also makes arrays that nobody outside the library ever sees — the
 * gradients flowing through `backward()` between one node and the next — and the autograd engine knows exactly
 * when each of those dies. It hands such arrays back here ({@link releaseBuffer}); the next op output of the same
 * byte size ({@link takeBuffer}) reuses the memory instead of asking V8 (and the C allocator) for fresh memory
 * that only a later garbage collection would give back. A training step's sizes repeat exactly, so exact sizes
 * serve as buckets.
 *
 * Only buffers this pool's caller issued ({@link markIssued}) are accepted back, each at most once until it is
 * taken again; anything else is refused, so a mistaken release of a user's array cannot hand it out.
 */
import { ValueError } from '../errors.js';

export interface BufferPoolStats {
  /** Outputs served from the pool. */
  hits: number;
  /** Outputs that found no buffer of their size and got fresh memory. */
  misses: number;
  /** Buffers handed back and kept. */
  released: number;
  /** Buffers handed back but not kept (the pool was full, or the buffer was not one the library issued). */
  dropped: number;
  /** Bytes held by the pool right now. */
  pooledBytes: number;
  /** Buffers held by the pool right now. */
  pooledBuffers: number;
}

/** Tunables of the pool; see {@link configureBufferPool}. */
export interface BufferPoolOptions {
  /** Smallest buffer (bytes) worth pooling: below it V8's own allocation is cheaper (default 16 KiB). */
  minBytes: number;
  /** Most bytes the pool keeps; buffers handed back beyond it are left to the garbage collector (default 256 MiB). */
  maxBytes: number;
}

const options: BufferPoolOptions = { minBytes: 16 << 10, maxBytes: 256 << 20 };
const buckets = new Map<number, ArrayBuffer[]>();
/** When each buffer the library made was issued (a serial number), so a caller can tell new memory from old. */
const issuedAt = new WeakMap<ArrayBufferLike, number>();
/** Buffers in the pool now: a second release of one would hand the same memory out twice. */
const inPool = new WeakSet<ArrayBufferLike>();
let serial = 0;
const stats: BufferPoolStats = {
  hits: 0,
  misses: 0,
  released: 0,
  dropped: 0,
  pooledBytes: 0,
  pooledBuffers: 0,
};

/** Whether a buffer of `bytes` bytes goes through the pool at all. */
export function poolable(bytes: number): boolean {
  return bytes >= options.minBytes;
}

/** A pooled buffer of exactly `bytes` bytes (old contents) marked as issued now, or undefined when none is kept. */
export function takeBuffer(bytes: number): ArrayBuffer | undefined {
  const bucket = buckets.get(bytes);
  const buffer = bucket?.pop();
  if (buffer === undefined) {
    stats.misses++;
    return undefined;
  }
  inPool.delete(buffer);
  stats.hits++;
  stats.pooledBytes -= bytes;
  stats.pooledBuffers--;
  issuedAt.set(buffer, ++serial);
  return buffer;
}

/** Records a fresh buffer that the library made for an op output, so it may later come back to the pool. */
export function markIssued(buffer: ArrayBufferLike): void {
  issuedAt.set(buffer, ++serial);
}

/** The serial number the next issued buffer will get: buffers issued at or after it are newer than the call. */
export function issueMark(): number {
  return serial + 1;
}

/** Whether `buffer` was issued by the library at or after `mark` (see {@link issueMark}). */
export function issuedSince(buffer: ArrayBufferLike, mark: number): boolean {
  const at = issuedAt.get(buffer);
  return at !== undefined && at >= mark;
}

/**
 * Hands a buffer back for reuse. The caller must have proved that nothing can read or write it any more: the
 * pool gives it to the next output of its size. Returns whether it was kept.
 */
export function releaseBuffer(buffer: ArrayBufferLike): boolean {
  const bytes = buffer.byteLength;
  if (
    !issuedAt.has(buffer) ||
    inPool.has(buffer) ||
    !(buffer instanceof ArrayBuffer) ||
    !poolable(bytes) ||
    stats.pooledBytes + bytes > options.maxBytes
  ) {
    stats.dropped++;
    return false;
  }
  // issued again only when taken: a stale serial must not make it look new to a caller holding a mark
  issuedAt.set(buffer, 0);
  inPool.add(buffer);
  let bucket = buckets.get(bytes);
  if (!bucket) {
    bucket = [];
    buckets.set(bytes, bucket);
  }
  bucket.push(buffer);
  stats.released++;
  stats.pooledBytes += bytes;
  stats.pooledBuffers++;
  return true;
}

/** Whether `a` views all of its buffer: only then does nothing else of the buffer hide behind it. */
export function spansBuffer(a: ArrayBufferView): boolean {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
}

/**
 * Hands back the buffer under `a` when `a` views all of it (see {@link releaseBuffer}, whose proof the caller owes
 * for the whole buffer). Returns whether it was kept.
 */
export function releaseArray(a: ArrayBufferView): boolean {
  return spansBuffer(a) && releaseBuffer(a.buffer);
}

/** Counters of the pool since the process started (or since {@link clearBufferPool} reset them). */
export function bufferPoolStats(): BufferPoolStats {
  return { ...stats };
}

/** Empties the pool (its memory goes to the garbage collector) and resets the counters. */
export function clearBufferPool(): void {
  for (const bucket of buckets.values()) for (const b of bucket) inPool.delete(b);
  buckets.clear();
  Object.assign(stats, { hits: 0, misses: 0, released: 0, dropped: 0, pooledBytes: 0, pooledBuffers: 0 });
}

/**
 * Changes the pool's limits (see {@link BufferPoolOptions}); `maxBytes: 0` turns reuse off. Shrinking the limit
 * empties the pool.
 */
export function configureBufferPool(o: Partial<BufferPoolOptions>): void {
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
      throw new ValueError(`configureBufferPool: ${k} must be a whole number of bytes >= 0, got ${v}`);
    }
  }
  const shrinking = o.maxBytes !== undefined && o.maxBytes < options.maxBytes;
  Object.assign(options, Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
  if (shrinking || o.minBytes !== undefined) {
    const kept = { ...stats };
    clearBufferPool();
    Object.assign(stats, {
      hits: kept.hits,
      misses: kept.misses,
      released: kept.released,
      dropped: kept.dropped,
    });
  }
}
