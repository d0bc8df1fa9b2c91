import { getBackend } from '../backend/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  checkNonNegative,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  stepCounter,
  zerosState,
} from './optimizer.js';

/** Adagrad's hyperparameters. */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay: step t uses lr / (1 + (t − 1)·lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator after the square root (default 1e-10). */
  eps: number;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

type AdagradState = { step: Tensor; sum: Tensor };

/**
 * Adagrad (Duchi et al.), exactly as torch.optim.Adagrad 1.13. As in PyTorch, every parameter's state (the sum
 * of squared gradients, starting at `initialAccumulatorValue`) exists from construction on.
 */
export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super('Adagrad', params, {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
      ...options,
    });
    this.initGroupStates();
  }

  override addParamGroup(group: ParamGroupInput<AdagradOptions>): void {
    super.addParamGroup(group);
    this.initGroupStates();
  }

  private initGroupStates(): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) if (!this.state.has(p)) this.state.set(p, this.initState(p, g));
    }
  }

  protected validateGroup(g: ParamGroup<AdagradOptions>, where: string): void {
    checkNonNegative(where, 'learning rate', g.lr);
    checkNonNegative(where, 'lr_decay value', g.lrDecay);
    checkNonNegative(where, 'weight_decay value', g.weightDecay);
    checkNonNegative(where, 'initial_accumulator_value', g.initialAccumulatorValue);
    checkNonNegative(where, 'epsilon value', g.eps);
  }

  protected initState(p: Tensor, g: ParamGroup<AdagradOptions>): AdagradState {
    return { step: stepCounter(), sum: zerosState(p, g.initialAccumulatorValue) };
  }

  protected update(
    _param: Tensor,
    p: Float32Array,
    grad: Float32Array,
    s: AdagradState,
    g: ParamGroup<AdagradOptions>,
  ): void {
    const step = ++s.step.data[0];
    getBackend().adagradStep(p, grad, s.sum.data as Float32Array, {
      lr: g.lr / (1 + (step - 1) * g.lrDecay),
      eps: g.eps,
      l2: g.weightDecay,
      sign: g.maximize ? -1 : 1,
    });
  }
}
