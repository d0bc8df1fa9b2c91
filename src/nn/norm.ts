import { noGrad } from '../autograd/engine.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { add } from '../ops/elementwise.js';
import { batchNorm, layerNorm } from '../ops/norm.js';
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
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new ValueError(`${new.target.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    }
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
      { training: useBatchStats, momentum: factor, eps: this.eps },
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
