/**
 * Argument checks the sequence models share: probabilities, token ids, sampling temperatures.
 */
import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';

export { positiveInt } from '../../errors.js';

export function probability(where: string, name: string, v: number): number {
  if (!(v >= 0 && v <= 1)) throw new ValueError(`${where}: ${name} must be in [0, 1], got ${v}`);
  return v;
}

/** Checks that `t` holds int32 token ids `[N, L]` within a vocabulary. */
export function checkTokens(where: string, what: string, t: Tensor, vocabSize: number): void {
  if (t.dtype !== 'int32') throw new DTypeError(`${where}: ${what} must be int32 token ids, got ${t.dtype}`);
  if (t.ndim !== 2)
    throw new ShapeError(`${where}: expected ${what} [N, L] of token ids, got ${fmtShape(t.shape)}`);
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    if (v < 0 || v >= vocabSize) {
      throw new ValueError(`${where}: ${what} holds token ${v}, outside the vocabulary 0…${vocabSize - 1}`);
    }
  }
}

export function checkTemperature(where: string, temperature: number): number {
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new ValueError(`${where}: temperature must be a finite number ≥ 0, got ${temperature}`);
  }
  return temperature;
}
