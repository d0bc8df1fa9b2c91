import { readFileSync } from 'node:fs';
import { Tensor } from '../../src/index.js';

/** test/fixtures/optim.json, written by scripts/fixtures/optim.py from PyTorch 1.13. */
export const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8'),
  // the generator writes ±Infinity as strings, which JSON cannot hold
  (_, v) => (v === 'Infinity' ? Number.POSITIVE_INFINITY : v === '-Infinity' ? Number.NEGATIVE_INFINITY : v),
);

export interface EncodedTensor {
  shape: number[];
  data: number[];
}

export function isEncodedTensor(v: unknown): v is EncodedTensor {
  return v !== null && typeof v === 'object' && 'shape' in v && 'data' in v;
}

export function decode(t: EncodedTensor): Tensor {
  return new Tensor(Float32Array.from(t.data), t.shape);
}
