import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

export interface ClipGradNormOptions {
  /** Throw instead of scaling when the total norm is NaN or infinite (default false, as PyTorch). */
  errorIfNonfinite?: boolean;
}

/**
 * The parameters that have a gradient. Clipping gives each of them a new gradient tensor rather than editing
 * `.grad` in place, so that a gradient tensor shared with anything else (another leaf, a seed passed to
 * backward) never changes behind its owner's back.
 */
function gradsOf(params: Tensor | readonly Tensor[]): Tensor[] {
  const list = params instanceof Tensor ? [params] : params;
  return list.filter((p) => p.grad !== null);
}

/**
 * Rescales the gradients of `params` so that their joint norm (as if all were one vector) is at most `maxNorm`,
 * as torch.nn.utils.clip_grad_norm_: each gradient is multiplied by min(1, maxNorm / (norm + 1e-6)).
 * `normType` is p of the p-norm, or `Infinity` for the largest absolute value.
 *
 * @returns the total norm of the gradients before clipping (0 when no parameter has a gradient)
 */
export function clipGradNorm(
  params: Tensor | readonly Tensor[],
  maxNorm: number,
  normType = 2,
  options: ClipGradNormOptions = {},
): number {
  if (!(maxNorm >= 0)) throw new ValueError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  if (!(normType > 0))
    throw new ValueError(`clipGradNorm: normType must be > 0 or Infinity, got ${normType}`);
  const grads = gradsOf(params);
  if (grads.length === 0) return 0;
  let total = 0;
  if (normType === Number.POSITIVE_INFINITY) {
    for (const p of grads) {
      const g = p.grad!.data;
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]);
        if (a > total || Number.isNaN(a)) total = a;
      }
    }
  } else if (normType === 2) {
    for (const p of grads) {
      const g = p.grad!.data;
      for (let i = 0; i < g.length; i++) total += g[i] * g[i];
    }
    total = Math.sqrt(total);
  } else {
    for (const p of grads) {
      const g = p.grad!.data;
      for (let i = 0; i < g.length; i++) total += Math.abs(g[i]) ** normType;
    }
    total = total ** (1 / normType);
  }
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new ValueError(
      `clipGradNorm: the total norm of order ${normType} of the gradients is ${total}, so it cannot be clipped`,
    );
  }
  const coef = maxNorm / (total + 1e-6);
  // at coef ≥ 1 PyTorch multiplies by exactly 1, which changes nothing
  if (!(coef >= 1)) {
    for (const p of grads) {
      const g = p.grad!;
      const out = new Float32Array(g.size);
      for (let i = 0; i < out.length; i++) out[i] = g.data[i] * coef;
      p.grad = new Tensor(out, g.shape);
    }
  }
  return total;
}

/** Clamps every gradient value of `params` into [−clipValue, clipValue], as torch.nn.utils.clip_grad_value_. */
export function clipGradValue(params: Tensor | readonly Tensor[], clipValue: number): void {
  if (!(clipValue >= 0)) throw new ValueError(`clipGradValue: clipValue must be >= 0, got ${clipValue}`);
  for (const p of gradsOf(params)) {
    const g = p.grad!;
    const out = new Float32Array(g.size);
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.min(Math.max(g.data[i], -clipValue), clipValue);
    }
    p.grad = new Tensor(out, g.shape);
  }
}
