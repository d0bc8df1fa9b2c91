/** Element types. `bool` is what comparisons return; `int32` holds indices and class labels. */
export type DType = 'float32' | 'int32' | 'bool';

export type TypedArray = Float32Array | Int32Array | Uint8Array;

export type ArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'int32'
    ? Int32Array
    : Uint8Array;

export function allocate(dtype: DType, size: number): TypedArray {
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
