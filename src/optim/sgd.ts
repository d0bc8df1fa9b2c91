import { getBackend } from '../backend/registry.js';
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkNonNegative, Optimizer, type ParamGroup, type Params, zerosState } from './optimizer.js';

/** SGD's hyperparameters. */
export interface SGDOptions {
  /** Learning rate (no default, as in PyTorch: give it here or in every group). */
  lr: number;
  /** Momentum factor (default 0: plain gradient descent). */
  momentum: number;
  /** Dampening of the gradient added to the momentum buffer (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

type SGDState = { momentum_buffer: Tensor | null };

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay, exactly as
 * torch.optim.SGD: the momentum buffer starts as the first gradient, then buf = μ·buf + (1−dampening)·g.
 *
 * ```ts
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * ```
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, {
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
      ...options,
    });
  }

  protected validateGroup(g: ParamGroup<SGDOptions>, where: string): void {
    checkNonNegative(where, 'learning rate', g.lr);
    checkNonNegative(where, 'momentum value', g.momentum);
    checkNonNegative(where, 'weight_decay value', g.weightDecay);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new ValueError(
        `${where}: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum ${g.momentum}, dampening ${g.dampening})`,
      );
    }
  }

  protected initState(): SGDState {
    return { momentum_buffer: null };
  }

  protected update(
    param: Tensor,
    p: Float32Array,
    grad: Float32Array,
    s: SGDState,
    g: ParamGroup<SGDOptions>,
  ): void {
    const { lr, momentum, weightDecay: l2 } = g;
    const sign = g.maximize ? -1 : 1;
    if (momentum === 0) {
      getBackend().sgdStep(p, grad, null, { lr, momentum, keep: 1, l2, sign, nesterov: 0 });
      return;
    }
    const first = s.momentum_buffer === null;
    if (first) s.momentum_buffer = zerosState(param);
    // the buffer's first value is the gradient itself: from a zero buffer, keep 1 gives exactly that
    getBackend().sgdStep(p, grad, s.momentum_buffer!.data as Float32Array, {
      lr,
      momentum,
      keep: first ? 1 : 1 - g.dampening,
      l2,
      sign,
      nesterov: g.nesterov ? 1 : 0,
    });
  }
}
