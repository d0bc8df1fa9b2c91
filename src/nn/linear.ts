import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { linear } from '../ops/index.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { defaultLayerInit } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface LinearOptions {
  bias?: boolean;
  generator?: Generator;
}

/** y = x·Wᵀ + b over the last axis. Weight [out, in], bias [out], PyTorch's default initialisation. */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    for (const [n, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 0)
        throw new ValueError(`Linear: ${n} must be a non-negative integer, got ${v}`);
    }
    this.weight = new Parameter(new Float32Array(outFeatures * inFeatures), [outFeatures, inFeatures]);
    this.bias = options.bias === false ? null : new Parameter(new Float32Array(outFeatures), [outFeatures]);
    defaultLayerInit(this.weight, this.bias, options.generator);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(
        `Linear(${this.inFeatures} -> ${this.outFeatures}): expected input [..., ${this.inFeatures}], got ${fmtShape(x.shape)}`,
      );
    }
    return linear(x, this.weight, this.bias);
  }

  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
