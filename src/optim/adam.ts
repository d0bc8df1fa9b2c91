import { getBackend } from '../backend/registry.js';
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  checkNonNegative,
  Optimizer,
  type ParamGroup,
  type Params,
  stepCounter,
  zerosState,
} from './optimizer.js';

/** Adam's and AdamW's hyperparameters. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the running averages of the gradient and of its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator after the square root (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay of the weights (default 1e-2). */
  weightDecay: number;
  /** Normalise by the running maximum of the second moment (AMSGrad). */
  amsgrad: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

type AdamState = {
  step: Tensor;
  exp_avg: Tensor;
  exp_avg_sq: Tensor;
  max_exp_avg_sq?: Tensor;
};

function validateAdam(g: ParamGroup<AdamOptions>, where: string): void {
  checkNonNegative(where, 'learning rate', g.lr);
  checkNonNegative(where, 'epsilon value', g.eps);
  if (!Array.isArray(g.betas) || g.betas.length !== 2) {
    throw new ValueError(`${where}: betas must be a pair [beta1, beta2], got ${JSON.stringify(g.betas)}`);
  }
  g.betas.forEach((b, i) => {
    if (typeof b !== 'number' || !(b >= 0 && b < 1)) {
      throw new ValueError(`${where}: invalid beta parameter at index ${i}: ${b} (must be in [0, 1))`);
    }
  });
  checkNonNegative(where, 'weight_decay value', g.weightDecay);
}

function initAdam(p: Tensor, g: ParamGroup<AdamOptions>): AdamState {
  const s: AdamState = { step: stepCounter(), exp_avg: zerosState(p), exp_avg_sq: zerosState(p) };
  if (g.amsgrad) s.max_exp_avg_sq = zerosState(p);
  return s;
}

/**
 * One Adam step on one parameter, following torch.optim's single-tensor kernel: bias corrections from the
 * parameter's own step count, eps added after dividing √v by √(1−β₂ᵗ). `decoupled` selects AdamW's weight decay
 * (shrink the weights by lr·wd first) over Adam's L2 term added to the gradient.
 */
function adamUpdate(
  param: Tensor,
  p: Float32Array,
  grad: Float32Array,
  s: AdamState,
  g: ParamGroup<AdamOptions>,
  decoupled: boolean,
): void {
  const step = ++s.step.data[0];
  const [beta1, beta2] = g.betas;
  const { lr, eps, weightDecay: wd } = g;
  // a group switched to AMSGrad after its first step starts the running maximum from zero
  if (g.amsgrad && !s.max_exp_avg_sq) s.max_exp_avg_sq = zerosState(param);
  getBackend().adamStep(
    p,
    grad,
    s.exp_avg.data as Float32Array,
    s.exp_avg_sq.data as Float32Array,
    g.amsgrad ? (s.max_exp_avg_sq!.data as Float32Array) : null,
    {
      beta1,
      beta2,
      stepSize: lr / (1 - beta1 ** step),
      bias2Sqrt: Math.sqrt(1 - beta2 ** step),
      eps,
      decay: decoupled ? 1 - lr * wd : 1,
      l2: decoupled ? 0 : wd,
      sign: g.maximize ? -1 : 1,
    },
  );
}

/** What Adam and AdamW share: the hyperparameters, their checks, the state and the update kernel. */
abstract class AdamFamily extends Optimizer<AdamOptions, AdamState> {
  protected constructor(
    name: string,
    params: Params<AdamOptions>,
    options: Partial<AdamOptions>,
    defaultWeightDecay: number,
    private readonly decoupled: boolean,
  ) {
    super(name, params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: defaultWeightDecay,
      amsgrad: false,
      maximize: false,
      ...options,
    });
  }

  protected validateGroup(g: ParamGroup<AdamOptions>, where: string): void {
    validateAdam(g, where);
  }

  protected initState(p: Tensor, g: ParamGroup<AdamOptions>): AdamState {
    return initAdam(p, g);
  }

  protected update(
    param: Tensor,
    p: Float32Array,
    grad: Float32Array,
    s: AdamState,
    g: ParamGroup<AdamOptions>,
  ): void {
    adamUpdate(param, p, grad, s, g, this.decoupled);
  }
}

/**
 * Adam (Kingma & Ba), exactly as torch.optim.Adam 1.13, including AMSGrad and L2 weight decay added to the
 * gradient. For decoupled weight decay use {@link AdamW}.
 *
 * ```ts
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export class Adam extends AdamFamily {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, options, 0, false);
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, w ← w·(1 − lr·weightDecay) before the Adam
 * update, exactly as torch.optim.AdamW 1.13. Weight decay defaults to 1e-2.
 */
export class AdamW extends AdamFamily {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, options, 1e-2, true);
  }
}
