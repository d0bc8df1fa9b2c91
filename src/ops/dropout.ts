import { ValueError } from '../errors.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { mul } from './elementwise.js';
import { checkArg, checkOptions, defineOp } from './util.js';

export interface DropoutFnOptions {
  /** Drop elements (default true, as torch.nn.functional.dropout); false makes dropout the identity. */
  training?: boolean;
  /** Where the masks come from (default: the global seeded generator). */
  generator?: Generator;
}

/**
 * Zeroes each element with probability `p` and scales the rest by 1/(1-p) when `training` (the default, as
 * torch.nn.functional.dropout); the identity otherwise. The mask comes from the seeded generator.
 */
export const dropout = defineOp(
  'dropout',
  ['x', 'p', 'options'],
  (x: Tensor, p = 0.5, options: DropoutFnOptions = {}): Tensor => {
    checkArg('dropout', 'p', p, 'number');
    checkOptions('dropout', options, {
      training: 'boolean',
      generator: { test: (v) => v instanceof Generator, expected: 'a Generator' },
    });
    if (!(p >= 0 && p <= 1)) throw new ValueError(`dropout: p must be in [0, 1], got ${p}`);
    const training = options.training ?? true;
    const generator = options.generator ?? defaultGenerator;
    if (!training || p === 0) return x;
    const mask = new Float32Array(x.size);
    if (p < 1) {
      const scale = 1 / (1 - p);
      for (let i = 0; i < mask.length; i++) mask[i] = generator.random() >= p ? scale : 0;
    }
    return mul(x, new Tensor(mask, x.shape));
  },
);
