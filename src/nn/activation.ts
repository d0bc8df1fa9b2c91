import { positiveInt, ValueError } from '../errors.js';
import {
  celu,
  elu,
  gelu,
  glu,
  hardsigmoid,
  hardswish,
  hardtanh,
  leakyRelu,
  logSoftmax,
  logsigmoid,
  mish,
  prelu,
  relu,
  relu6,
  selu,
  sigmoid,
  silu,
  softmax,
  softmin,
  softplus,
  softsign,
  tanh,
} from '../ops/activation.js';
import { checkOptions } from '../ops/util.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** max(0, x). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x for x > 0, negativeSlope·x otherwise. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  protected override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** x for x > 0, alpha·(eˣ - 1) otherwise. */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }

  protected override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

export interface GELUOptions {
  /** 'none' (the default): the exact x·Φ(x); 'tanh': PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/** The Gaussian error linear unit, x·Φ(x). */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: GELUOptions = {}) {
    super();
    checkOptions('GELU', options, { approximate: ['none', 'tanh'] });
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new ValueError(`GELU: approximate must be 'none' or 'tanh', got '${String(this.approximate)}'`);
    }
  }

  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }

  protected override extraRepr(): string {
    return this.approximate === 'none' ? '' : `approximate='tanh'`;
  }
}

/** 1 / (1 + e⁻ˣ). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export interface SoftplusOptions {
  /** log(1 + e^(beta·x)) / beta (default 1). */
  beta?: number;
  /** Above beta·x > threshold the result is x itself, for stability (default 20). */
  threshold?: number;
}

/** log(1 + e^(beta·x)) / beta, linear above the threshold, as torch.nn.Softplus. */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(options: SoftplusOptions = {}) {
    super();
    checkOptions('Softplus', options, { beta: 'number', threshold: 'number' });
    this.beta = options.beta ?? 1;
    this.threshold = options.threshold ?? 20;
    if (!(this.beta > 0)) throw new ValueError(`Softplus: beta must be positive, got ${this.beta}`);
  }

  forward(x: Tensor): Tensor {
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }

  protected override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/**
 * Softmax along `dim`. The axis is required: PyTorch's implicit choice when it is left out is deprecated and
 * easy to get wrong.
 */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }

  protected override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log-softmax along `dim` (required, as for Softmax). */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }

  protected override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** x·σ(x) (torch.nn.SiLU). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** x·tanh(softplus(x)) (torch.nn.Mish). */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return mish(x);
  }
}

/** scale·elu(x, alpha) with the self-normalising constants (torch.nn.SELU). */
export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return selu(x);
  }
}

/** max(0, x) + min(0, alpha·(e^(x/alpha) − 1)) (torch.nn.CELU). */
export class CELU extends Module {
  constructor(readonly alpha = 1) {
    super();
    if (typeof alpha !== 'number' || alpha === 0) {
      throw new ValueError(`CELU: alpha must be a non-zero number, got ${String(alpha)}`);
    }
  }

  forward(x: Tensor): Tensor {
    return celu(x, this.alpha);
  }

  protected override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** x limited to [minVal, maxVal] (torch.nn.Hardtanh, default [−1, 1]). */
export class Hardtanh extends Module {
  constructor(
    readonly minVal = -1,
    readonly maxVal = 1,
  ) {
    super();
    if (!(minVal <= maxVal))
      throw new ValueError(`Hardtanh: minVal ${minVal} must not exceed maxVal ${maxVal}`);
  }

  forward(x: Tensor): Tensor {
    return hardtanh(x, this.minVal, this.maxVal);
  }

  protected override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

/** min(max(0, x), 6) (torch.nn.ReLU6). */
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
}

/** relu6(x + 3)/6 (torch.nn.Hardsigmoid). */
export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return hardsigmoid(x);
  }
}

/** x·relu6(x + 3)/6 (torch.nn.Hardswish). */
export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return hardswish(x);
  }
}

/** x/(1 + |x|) (torch.nn.Softsign). */
export class Softsign extends Module {
  forward(x: Tensor): Tensor {
    return softsign(x);
  }
}

/** log σ(x) (torch.nn.LogSigmoid). */
export class LogSigmoid extends Module {
  forward(x: Tensor): Tensor {
    return logsigmoid(x);
  }
}

/** a·σ(b) for the halves a, b of the input along `dim` (torch.nn.GLU, default the last axis). */
export class GLU extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return glu(x, this.dim);
  }

  protected override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export interface PReLUOptions {
  /** Slopes to learn: 1 (shared, the default) or the number of input channels. */
  numParameters?: number;
  /** The slopes' initial value (default 0.25). */
  init?: number;
}

/**
 * x where x ≥ 0, a·x elsewhere with a learnable slope a, shared or one per channel (torch.nn.PReLU; parameter
 * `weight` of shape [numParameters]).
 */
export class PReLU extends Module {
  weight: Parameter;
  /** How many slopes the layer learns (PyTorch's num_parameters; Module.numParameters() counts elements). */
  readonly slopes: number;

  constructor(options: PReLUOptions = {}) {
    super();
    checkOptions('PReLU', options, { numParameters: 'integer', init: 'number' });
    this.slopes = options.numParameters ?? 1;
    const init = options.init ?? 0.25;
    positiveInt('PReLU', 'numParameters', this.slopes);
    if (typeof init !== 'number') throw new ValueError(`PReLU: init must be a number, got ${String(init)}`);
    this.weight = new Parameter(new Float32Array(this.slopes).fill(init), [this.slopes]);
  }

  forward(x: Tensor): Tensor {
    return prelu(x, this.weight);
  }

  protected override extraRepr(): string {
    return `numParameters=${this.slopes}`;
  }
}

/** Softmin along `dim` (required, as for Softmax). */
export class Softmin extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return softmin(x, this.dim);
  }

  protected override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
