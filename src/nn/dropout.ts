import { ValueError } from '../errors.js';
import { dropout } from '../ops/dropout.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export interface DropoutOptions {
  /** Where the masks come from (default: the global seeded generator). */
  generator?: Generator;
}

/**
 * Zeroes each element with probability `p` in training mode and scales the survivors by 1/(1 - p), so that
 * evaluation (where it is the identity) sees the same expected values.
 */
export class Dropout extends Module {
  private _generator: Generator | undefined;

  constructor(
    readonly p = 0.5,
    options: DropoutOptions = {},
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ValueError(`Dropout: p must be in [0, 1], got ${p}`);
    this._generator = options.generator;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, generator: this._generator });
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
