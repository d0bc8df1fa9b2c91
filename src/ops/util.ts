import { getBackend } from '../backend/registry.js';
import { DTypeError } from '../errors.js';
import { allocate, type DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** What binary ops accept: a tensor or a plain number. */
export type TensorLike = Tensor | number;

/** Wraps a number as a scalar tensor of `dtype` (float32 if the number is not an integer). */
export function asTensor(x: TensorLike, dtype: DType = 'float32'): Tensor {
  if (x instanceof Tensor) return x;
  const d = dtype === 'float32' || !Number.isInteger(x) ? 'float32' : dtype;
  const arr = allocate(d, 1);
  arr[0] = x;
  return new Tensor(arr, []);
}

/** A new float32 tensor of `shape` whose values a kernel fills. */
export function empty(shape: Shape, dtype: DType = 'float32'): Tensor {
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
