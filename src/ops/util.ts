import { getBackend } from '../backend/registry.js';
import { DTypeError, ShapeError } from '../errors.js';
import { allocate, allocateUninitialized, type DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** What binary ops accept: a tensor or a plain number. */
export type TensorLike = Tensor | number;

/**
 * Wraps a number as a scalar tensor that takes part in type promotion the way a Python scalar does in PyTorch:
 * float32 if the number is not an integer or `dtype` is float32, otherwise int32 (an integer next to a bool
 * tensor counts as int32, so `mask.mul(-2)` gives -2, not a wrapped-around byte).
 */
export function asTensor(x: TensorLike, dtype: DType = 'float32'): Tensor {
  if (x instanceof Tensor) return x;
  const isInt32 = Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31;
  const d = dtype === 'float32' || !isInt32 ? 'float32' : 'int32';
  const arr = allocate(d, 1);
  arr[0] = x;
  return new Tensor(arr, []);
}

/**
 * A new tensor of `shape` with unspecified contents (as torch.empty), for an output that a kernel then writes
 * in full: on Node its memory is not zero-filled first (see setRawAllocator). Use {@link zeroed} for anything
 * that accumulates into its output.
 */
export function empty(shape: Shape, dtype: DType = 'float32'): Tensor {
  return new Tensor(allocateUninitialized(dtype, sizeOf(shape)), shape);
}

/** A new zero-filled tensor of `shape`, for a kernel that accumulates into its output. */
export function zeroed(shape: Shape, dtype: DType = 'float32'): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape);
}

/** The tensor converted to `dtype` (the same tensor when it already is). Not differentiable across dtypes. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = empty(x.shape, dtype);
  getBackend().cast(x.data, out.data);
  return out;
}

export function requireFloat(x: Tensor, op: string): Float32Array {
  if (x.dtype !== 'float32') throw new DTypeError(`${op}: expected a float32 tensor, got ${x.dtype}`);
  return x.data as Float32Array;
}

/** Float32 view of any tensor: float tensors as they are, others converted (integers and bools to floats). */
export function floatData(x: Tensor): Float32Array {
  return cast(x, 'float32').data as Float32Array;
}

/** Ops that pick along an axis need one: a 0-d tensor has none. */
export function requireAxes(x: Tensor, op: string): void {
  if (x.ndim === 0)
    throw new ShapeError(`${op}: expected a tensor with at least one dimension, got shape []`);
}
