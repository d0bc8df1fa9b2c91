import { noGrad } from '../autograd/engine.js';
import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import { add } from '../ops/elementwise.js';
import { batchNorm, groupNorm, instanceNorm, layerNorm } from '../ops/norm.js';
import { squeeze, unsqueeze } from '../ops/shape.js';
import { full, ones, zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of each new batch in the running statistics (default 0.1); null keeps a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale `weight` and shift `bias` (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them batch statistics are always used. */
  trackRunningStats?: boolean;
}

/**
 * What BatchNorm1d and BatchNorm2d share (PyTorch's `_BatchNorm`): parameters `weight` (1) and `bias` (0),
 * buffers `running_mean` (0), `running_var` (1) and `num_batches_tracked` (an int32 counter; int64 in PyTorch).
 */
export abstract class BatchNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    positiveInt(new.target.name, 'numFeatures', numFeatures);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures])) : null;
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.registerBuffer('num_batches_tracked', track ? full([], 0, { dtype: 'int32' }) : null);
  }

  /** Throws a ShapeError naming the layer unless x has a shape this layer accepts. */
  protected abstract checkInput(x: Tensor): void;

  /** Zeroes the running statistics and the batch counter. */
  resetRunningStats(): void {
    const n = this.numFeatures;
    this.running_mean?.copy_(zeros([n]));
    this.running_var?.copy_(ones([n]));
    this.num_batches_tracked?.copy_(full([], 0, { dtype: 'int32' }));
  }

  forward(x: Tensor): Tensor {
    return this.normalize(x, false);
  }

  /**
   * @internal `relu(this.forward(x))` in one kernel pass, with the same values and gradients: for library code
   * whose norm output reaches nothing but the ReLU (see normThenRelu in nn/internal.ts).
   */
  _forwardRelu(x: Tensor): Tensor {
    return this.normalize(x, true);
  }

  private normalize(x: Tensor, relu: boolean): Tensor {
    this.checkInput(x);
    let factor = this.momentum ?? 0;
    if (this.training && this.num_batches_tracked) {
      const counter = this.num_batches_tracked;
      noGrad(() => counter.copy_(add(counter, 1)));
      // momentum null: the running statistics are the plain average of every batch so far
      factor = this.momentum ?? 1 / counter.item();
    }
    // a layer without running statistics normalises with the batch's even in eval mode
    const useBatchStats = this.training || this.running_mean === null;
    const passStats = !this.training || this.trackRunningStats;
    return batchNorm(
      x,
      passStats ? this.running_mean : null,
      passStats ? this.running_var : null,
      this.weight,
      this.bias,
      { training: useBatchStats, momentum: factor, eps: this.eps, relu },
    );
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch normalisation of [N, C] or [N, C, L] input over the batch (and length) per channel. */
export class BatchNorm1d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    const c = this.numFeatures;
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== c) {
      throw new ShapeError(
        `BatchNorm1d(${c}): expected input [N, ${c}] or [N, ${c}, L], got ${fmtShape(x.shape)}`,
      );
    }
  }
}

/** Batch normalisation of [N, C, H, W] input over the batch and the image per channel. */
export class BatchNorm2d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    const c = this.numFeatures;
    if (x.ndim !== 4 || x.shape[1] !== c) {
      throw new ShapeError(`BatchNorm2d(${c}): expected input [N, ${c}, H, W], got ${fmtShape(x.shape)}`);
    }
  }
}

export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a `weight` (1) and, unless `bias` is false, a `bias` (0) of the normalised shape (default true). */
  elementwiseAffine?: boolean;
  /** Learn the shift `bias` as well as the scale (default true). */
  bias?: boolean;
}

/** Layer normalisation over the trailing axes `normalizedShape`, as torch.nn.LayerNorm. */
export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ValueError(`LayerNorm: normalizedShape must be positive integers, got ${fmtShape(shape)}`);
    }
    this.normalizedShape = Object.freeze(shape);
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? new Parameter(ones(shape)) : null;
    this.bias = this.elementwiseAffine && options.bias !== false ? new Parameter(zeros(shape)) : null;
  }

  forward(x: Tensor): Tensor {
    const shape = this.normalizedShape;
    const k = shape.length;
    if (x.ndim < k || shape.some((d, i) => x.shape[x.ndim - k + i] !== d)) {
      throw new ShapeError(
        `LayerNorm(${fmtShape(shape)}): expected input [..., ${shape.join(', ')}], got ${fmtShape(x.shape)}`,
      );
    }
    return layerNorm(x, shape, this.weight, this.bias, this.eps);
  }

  protected override extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

export interface GroupNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale `weight` (1) and shift `bias` (0) (default true). */
  affine?: boolean;
}

/**
 * Group normalisation, as torch.nn.GroupNorm: the channels of [N, C, ...] input are split into `numGroups`
 * groups, each normalised per sample over its channels and spatial axes, then scaled and shifted per channel by
 * `weight` (1) and `bias` (0), [C] each. Independent of the batch size, and the same in training and evaluation.
 *
 * ```ts
 * new nn.GroupNorm(8, 32).forward(nt.randn([2, 32, 16, 16])).shape; // [2, 32, 16, 16]
 * ```
 */
export class GroupNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;
  readonly affine: boolean;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    options: GroupNormOptions = {},
  ) {
    super();
    positiveInt('GroupNorm', 'numGroups', numGroups);
    positiveInt('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups !== 0) {
      throw new ValueError(
        `GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`,
      );
    }
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    this.weight = this.affine ? new Parameter(ones([numChannels])) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels])) : null;
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new ShapeError(
        `GroupNorm(${this.numGroups}, ${this.numChannels}): expected input [N, ${this.numChannels}, ...], got ${fmtShape(x.shape)}`,
      );
    }
    return groupNorm(x, this.numGroups, this.weight, this.bias, { eps: this.eps });
  }

  protected override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}

export interface InstanceNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of each new batch in the running statistics (default 0.1). */
  momentum?: number;
  /** Learn a per-channel scale `weight` (1) and shift `bias` (0) (default false, as PyTorch). */
  affine?: boolean;
  /**
   * Keep running statistics, updated in training and used in evaluation (default false, as PyTorch: each
   * sample is then normalised with its own statistics in both modes).
   */
  trackRunningStats?: boolean;
}

/**
 * What InstanceNorm1d and InstanceNorm2d share (PyTorch's `_InstanceNorm`): optional parameters `weight` (1) and
 * `bias` (0), optional buffers `running_mean` (0), `running_var` (1) and `num_batches_tracked`, which PyTorch
 * keeps in the state dict but never advances for instance normalisation (nor does neurite).
 */
export abstract class InstanceNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** Rank of a batched input: 3 for InstanceNorm1d, 4 for InstanceNorm2d. */
  protected abstract readonly rank: number;

  constructor(
    readonly numFeatures: number,
    options: InstanceNormOptions = {},
  ) {
    super();
    positiveInt(new.target.name, 'numFeatures', numFeatures);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.affine = options.affine ?? false;
    this.trackRunningStats = options.trackRunningStats ?? false;
    this.weight = this.affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures])) : null;
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.registerBuffer('num_batches_tracked', track ? full([], 0, { dtype: 'int32' }) : null);
  }

  /** Batched [N, C, ...] or unbatched [C, ...] input (one rank less), normalised per sample and channel. */
  forward(x: Tensor): Tensor {
    const c = this.numFeatures;
    const unbatched = x.ndim === this.rank - 1;
    if ((x.ndim !== this.rank && !unbatched) || x.shape[x.ndim - this.rank + 1] !== c) {
      const spatial = this.rank === 3 ? 'L' : 'H, W';
      throw new ShapeError(
        `${this.constructor.name}(${c}): expected input [N, ${c}, ${spatial}] or [${c}, ${spatial}], got ${fmtShape(x.shape)}`,
      );
    }
    const x4 = unbatched ? unsqueeze(x, 0) : x;
    const y = instanceNorm(x4, this.running_mean, this.running_var, this.weight, this.bias, {
      useInputStats: this.training || !this.trackRunningStats,
      momentum: this.momentum,
      eps: this.eps,
    });
    return unbatched ? squeeze(y, 0) : y;
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Instance normalisation of [N, C, L] (or [C, L]) input, as torch.nn.InstanceNorm1d. */
export class InstanceNorm1d extends InstanceNormBase {
  protected readonly rank = 3;
}

/**
 * Instance normalisation of [N, C, H, W] (or [C, H, W]) input, as torch.nn.InstanceNorm2d: each image's channel
 * is normalised over its pixels. PyTorch's defaults: no affine parameters, no running statistics.
 *
 * ```ts
 * new nn.InstanceNorm2d(3, { affine: true }).forward(nt.randn([2, 3, 32, 32])).shape; // [2, 3, 32, 32]
 * ```
 */
export class InstanceNorm2d extends InstanceNormBase {
  protected readonly rank = 4;
}
