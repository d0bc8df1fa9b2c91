/** Reading test/fixtures/attention.json (written by scripts/fixtures/attention.py): its tensors and cases. */
import { readFileSync } from 'node:fs';
import * as nt from '../../src/index.js';

export interface Json {
  shape: number[];
  data: (number | string)[];
  dtype?: 'bool';
}

/** A fixture tensor: bool masks as bool tensors, '-inf' entries (float masks) as -Infinity. */
export function fromJson(j: Json): nt.Tensor {
  if (j.dtype === 'bool') return nt.tensor(Uint8Array.from(j.data as number[]), j.shape, { dtype: 'bool' });
  const values = j.data.map((v) => (v === '-inf' ? -Infinity : v === 'inf' ? Infinity : (v as number)));
  return nt.tensor(Float32Array.from(values), j.shape);
}

/** A fixture tensor's values, flat. */
export const values = (j: Json): number[] => Array.from(fromJson(j).data);

/** The parsed fixture file. */
export function attentionFixture<T>(): T {
  return JSON.parse(readFileSync(new URL('../fixtures/attention.json', import.meta.url), 'utf8')) as T;
}
