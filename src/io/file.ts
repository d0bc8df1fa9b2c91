/**
 * Safetensors files on disk (Node only): atomic saving, loading with the path in every error, and the
 * module helpers `save` / `load` that move a model's state dict to and from PyTorch.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DTypeError, FormatError, NeuriteError } from '../errors.js';
import type { LoadResult, Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  type DecodedSafetensors,
  decodeSafetensors,
  encodeSafetensors,
  type TensorDict,
} from './safetensors.js';

/** Re-throws a neurite error with `where` in front of its message, keeping its class. */
function withContext(e: unknown, where: string): never {
  if (e instanceof NeuriteError) {
    const Cls = e.constructor as new (message: string) => NeuriteError;
    const wrapped = new Cls(`${where}: ${e.message}`);
    wrapped.cause = e;
    throw wrapped;
  }
  throw e;
}

function ioError(where: string, action: string, e: unknown): FormatError {
  const err = new FormatError(`${where}: cannot ${action}: ${e instanceof Error ? e.message : String(e)}`);
  err.cause = e;
  return err;
}

/**
 * Writes tensors to `path` in safetensors format, atomically: the bytes go to a temporary file in the same
 * directory, which is flushed to disk and then renamed over `path`. A crash or error at any point leaves
 * either the previous file or the complete new one, never a half-written file.
 */
export async function saveSafetensors(
  path: string,
  tensors: TensorDict,
  metadata?: Record<string, string>,
): Promise<void> {
  const where = `saveSafetensors(${path})`;
  let bytes: Uint8Array;
  try {
    bytes = encodeSafetensors(tensors, metadata);
  } catch (e) {
    withContext(e, where);
  }
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    throw ioError(where, 'write the file', e);
  }
}

/**
 * Writes `data` to `path` atomically: to a temporary file in the same directory, flushed to disk, then renamed
 * over `path`, and the directory entry flushed. A crash at any point leaves the previous file or the complete
 * new one, never a half-written file; on failure the temporary file is removed and the error rethrown.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  try {
    handle = await open(temp, 'wx');
    await handle.writeFile(data);
    // without fsync the rename can reach the disk before the data, and a crash leaves an empty file
    await handle.sync();
    await handle.close();
    handle = null;
    await rename(temp, path);
  } catch (e) {
    await handle?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw e;
  }
  await syncDirectory(dir);
}

/** Makes the rename itself durable. Some systems (Windows) cannot open a directory; the file is saved anyway. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // durability of the directory entry is best effort; the data itself is already synced
  }
}

/**
 * Reads a safetensors file. Errors name the path:
 * `loadSafetensors(model.safetensors): truncated: header says 1200 bytes but the file has 800 …`.
 */
export async function loadSafetensors(path: string): Promise<DecodedSafetensors> {
  const where = `loadSafetensors(${path})`;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw ioError(where, 'read the file', e);
  }
  return decodeSafetensors(bytes, { source: where });
}

/** Saves `module.stateDict()` to `path` with metadata `{ format: 'pt' }`, loadable by PyTorch's safetensors. */
export async function save(module: Module, path: string): Promise<void> {
  await saveSafetensors(path, module.stateDict(), { format: 'pt' });
}

export interface LoadFileOptions {
  /** Require the file's keys to match the module's exactly (default true). */
  strict?: boolean;
}

/**
 * Loads a safetensors file (ours or PyTorch's) into `module` in place. Values convert to the module's
 * dtypes when they can do so exactly (PyTorch's int64 `num_batches_tracked` into an int32 buffer); a missing
 * or unexpected key (with `strict`) or a shape mismatch is a ShapeError naming the file. Returns the keys
 * that were missing from the file and the file's keys the module does not have.
 */
export async function load(module: Module, path: string, options: LoadFileOptions = {}): Promise<LoadResult> {
  const where = `load(${path})`;
  const { tensors } = await loadSafetensors(path);
  const own = module.stateDict();
  for (const [key, target] of Object.entries(own)) {
    const src = tensors[key];
    if (src && src.dtype !== target.dtype) checkConvertible(src, target, key, where);
  }
  try {
    return module.loadStateDict(tensors, { strict: options.strict ?? true });
  } catch (e) {
    withContext(e, where);
  }
}

/** A value that would change when stored in the target's dtype is an error, not a silent truncation. */
function checkConvertible(src: Tensor, target: Tensor, key: string, where: string): void {
  const fits =
    target.dtype === 'bool'
      ? (v: number) => v === 0 || v === 1
      : target.dtype === 'int32'
        ? (v: number) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647
        : (v: number) => Math.fround(v) === v;
  const data = src.data;
  for (let i = 0; i < data.length; i++) {
    if (!fits(data[i])) {
      throw new DTypeError(
        `${where}: ${key}: the file's ${src.dtype} value ${data[i]} (index ${i}) cannot be stored in the ` +
          `model's ${target.dtype} tensor`,
      );
    }
  }
}
