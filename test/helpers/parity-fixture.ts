import type { DType, Tensor } from '../../src/index.js';
import * as nt from '../../src/index.js';

/** A tensor as the PyTorch fixture generators write it (scripts/fixtures/parity_cases.py and its siblings). */
export interface Encoded {
  dtype: DType;
  shape: number[];
  values: (number | boolean | string)[];
}

// JSON has no NaN or infinities: a generator that needs them writes Python's spelling
const SPECIALS: Record<string, number> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
};

/** The neurite tensor a fixture describes: float32, int32 or bool (stored as 0/1 bytes). */
export function decode(e: Encoded): Tensor {
  const v = e.values.map((x) => (typeof x === 'string' ? SPECIALS[x] : Number(x)));
  const data =
    e.dtype === 'float32'
      ? Float32Array.from(v)
      : e.dtype === 'int32'
        ? Int32Array.from(v)
        : Uint8Array.from(v);
  return nt.tensor(data, e.shape);
}
