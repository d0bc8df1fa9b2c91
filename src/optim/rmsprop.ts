import { getBackend } from '../backend/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkNonNegative, Optimizer, type ParamGroup, type Params, zerosState } from './optimizer.js';

/** RMSprop's hyperparameters. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the running average of squared gradients (default 0.99). */
  alpha: number;
  /** Added to the denominator after the square root (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalise by an estimate of the gradient's variance instead of its second moment. */
  centered: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

type RMSpropState = {
  step: number;
  square_avg: Tensor;
  momentum_buffer?: Tensor;
  grad_avg?: Tensor;
};

/**
 * RMSprop (Hinton), exactly as torch.optim.RMSprop 1.13: eps is added after the square root; with `centered`
 * the denominator is √(E[g²] − E[g]²) + eps; with momentum the step goes through a buffer b = μ·b + g/denom.
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
      ...options,
    });
  }

  protected validateGroup(g: ParamGroup<RMSpropOptions>, where: string): void {
    checkNonNegative(where, 'learning rate', g.lr);
    checkNonNegative(where, 'epsilon value', g.eps);
    checkNonNegative(where, 'momentum value', g.momentum);
    checkNonNegative(where, 'weight_decay value', g.weightDecay);
    checkNonNegative(where, 'alpha value', g.alpha);
  }

  protected initState(p: Tensor, g: ParamGroup<RMSpropOptions>): RMSpropState {
    const s: RMSpropState = { step: 0, square_avg: zerosState(p) };
    if (g.momentum > 0) s.momentum_buffer = zerosState(p);
    if (g.centered) s.grad_avg = zerosState(p);
    return s;
  }

  protected update(
    param: Tensor,
    p: Float32Array,
    grad: Float32Array,
    s: RMSpropState,
    g: ParamGroup<RMSpropOptions>,
  ): void {
    s.step++;
    const { lr, alpha, eps, weightDecay: l2, momentum } = g;
    // buffers for options switched on after the first step start from zero
    if (g.centered && !s.grad_avg) s.grad_avg = zerosState(param);
    if (momentum > 0 && !s.momentum_buffer) s.momentum_buffer = zerosState(param);
    getBackend().rmspropStep(
      p,
      grad,
      s.square_avg.data as Float32Array,
      g.centered ? (s.grad_avg!.data as Float32Array) : null,
      momentum > 0 ? (s.momentum_buffer!.data as Float32Array) : null,
      { lr, alpha, eps, l2, momentum, sign: g.maximize ? -1 : 1 },
    );
  }
}
