import { ValueError } from '../errors.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { mul } from './elementwise.js';

/**
 * Zeroes each element with probability `p` and scales the rest by 1/(1-p) during training; the identity when
 * `training` is false. The mask comes from the seeded generator.
 */
export function dropout(
  x: Tensor,
  p = 0.5,
  training = true,
  generator: Generator = defaultGenerator,
): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  const mask = new Float32Array(x.size);
  if (p < 1) {
    const scale = 1 / (1 - p);
    for (let i = 0; i < mask.length; i++) mask[i] = generator.random() >= p ? scale : 0;
  }
  return mul(x, new Tensor(mask, x.shape));
}
