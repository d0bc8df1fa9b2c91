import { ValueError } from '../errors.js';
import {
  elu,
  gelu,
  leakyRelu,
  logSoftmax,
  relu,
  sigmoid,
  softmax,
  softplus,
  tanh,
} from '../ops/activation.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

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
