import { ValueError } from '../errors.js';
import {
  type BCELossOptions,
  type BCEWithLogitsLossOptions,
  bceLoss,
  bceWithLogitsLoss,
  type CrossEntropyOptions,
  crossEntropy,
  type HuberLossOptions,
  huberLoss,
  l1Loss,
  mseLoss,
  type NLLLossOptions,
  nllLoss,
  type Reduction,
  type ReductionOptions,
  type SmoothL1LossOptions,
  smoothL1Loss,
} from '../ops/loss.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** What every loss module shares: its reduction, checked when the module is built. */
export abstract class LossBase extends Module {
  readonly reduction: Reduction;

  constructor(options: ReductionOptions) {
    super();
    const r = options.reduction ?? 'mean';
    if (r !== 'mean' && r !== 'sum' && r !== 'none') {
      throw new ValueError(
        `${new.target.name}: reduction must be 'mean', 'sum' or 'none', got '${String(options.reduction)}'`,
      );
    }
    this.reduction = r;
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;

  protected override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

/**
 * A loss with a per-class (or per-element) `weight`, kept as a buffer named `weight` as in PyTorch's
 * `_WeightedLoss`, so it is part of the state dict when given.
 */
export abstract class WeightedLossBase extends LossBase {
  declare weight: Tensor | null;

  constructor(options: ReductionOptions & { weight?: Tensor | null }) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
  }
}

/** Mean squared error (torch.nn.MSELoss). */
export class MSELoss extends LossBase {
  constructor(options: ReductionOptions = {}) {
    super(options);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error (torch.nn.L1Loss). */
export class L1Loss extends LossBase {
  constructor(options: ReductionOptions = {}) {
    super(options);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Quadratic within `delta` of the target, linear beyond (torch.nn.HuberLoss). */
export class HuberLoss extends LossBase {
  readonly delta: number;

  constructor(options: HuberLossOptions = {}) {
    super(options);
    this.delta = options.delta ?? 1;
    if (!(this.delta > 0)) throw new ValueError(`HuberLoss: delta must be positive, got ${this.delta}`);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }

  protected override extraRepr(): string {
    return `${super.extraRepr()}, delta=${this.delta}`;
  }
}

/** The Huber loss divided by `beta` (torch.nn.SmoothL1Loss). */
export class SmoothL1Loss extends LossBase {
  readonly beta: number;

  constructor(options: SmoothL1LossOptions = {}) {
    super(options);
    this.beta = options.beta ?? 1;
    if (!(this.beta >= 0)) throw new ValueError(`SmoothL1Loss: beta must be non-negative, got ${this.beta}`);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }

  protected override extraRepr(): string {
    return `${super.extraRepr()}, beta=${this.beta}`;
  }
}

/** Binary cross-entropy of probabilities (torch.nn.BCELoss); `weight` rescales each element. */
export class BCELoss extends WeightedLossBase {
  constructor(options: BCELossOptions = {}) {
    super(options);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return bceLoss(input, target, { reduction: this.reduction, weight: this.weight });
  }
}

/**
 * Binary cross-entropy of logits, sigmoid folded in for stability (torch.nn.BCEWithLogitsLoss). Buffers
 * `weight` and `pos_weight` as in PyTorch.
 */
export class BCEWithLogitsLoss extends WeightedLossBase {
  declare pos_weight: Tensor | null;

  constructor(options: BCEWithLogitsLossOptions = {}) {
    super(options);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return bceWithLogitsLoss(input, target, {
      reduction: this.reduction,
      weight: this.weight,
      posWeight: this.pos_weight,
    });
  }
}

/** Negative log-likelihood of class indices under log-probabilities (torch.nn.NLLLoss). */
export class NLLLoss extends WeightedLossBase {
  readonly ignoreIndex: number;

  constructor(options: NLLLossOptions = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, {
      reduction: this.reduction,
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
    });
  }

  protected override extraRepr(): string {
    return `${super.extraRepr()}, ignoreIndex=${this.ignoreIndex}`;
  }
}

/**
 * Cross-entropy of logits against class indices or class probabilities (torch.nn.CrossEntropyLoss), with
 * optional class weights, an ignored class and label smoothing.
 */
export class CrossEntropyLoss extends WeightedLossBase {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(options: CrossEntropyOptions = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) {
      throw new ValueError(`CrossEntropyLoss: labelSmoothing must be in [0, 1], got ${this.labelSmoothing}`);
    }
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      reduction: this.reduction,
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
    });
  }

  protected override extraRepr(): string {
    return `${super.extraRepr()}, ignoreIndex=${this.ignoreIndex}, labelSmoothing=${this.labelSmoothing}`;
  }
}
