import { ValueError } from '../errors.js';
import { allocateUninitialized } from '../tensor/dtype.js';
import { ownsGrad, peekGrad, setGrad, Tensor } from '../tensor/tensor.js';

export interface ClipGradNormOptions {
  /** Throw instead of scaling when the total norm is NaN or infinite (default false, as PyTorch). */
  errorIfNonfinite?: boolean;
}

/** The gradients of the parameters that have one, read without taking them from the library. */
function gradsOf(params: Tensor | readonly Tensor[]): [Tensor, Tensor][] {
  const list = params instanceof Tensor ? [params] : params;
  const out: [Tensor, Tensor][] = [];
  for (const p of list) {
    const g = peekGrad(p);
    if (g !== null) out.push([p, g]);
  }
  return out;
}

/**
 * Gives `p` the gradient `f(g)`, value by value. A gradient only the library holds (tensor/tensor.ts, setGrad) is
 * edited in place; any other gets a new tensor, so that a gradient someone read (or shares with a seed or
 * another leaf) never changes behind its owner's back.
 */
function mapGrad(p: Tensor, f: (v: number) => number): void {
  // read again: a parameter listed twice has a new gradient after its first visit
  const g = peekGrad(p)!;
  const src = g.data;
  const own = ownsGrad(p);
  const out = own ? src : allocateUninitialized('float32', g.size);
  for (let i = 0; i < out.length; i++) out[i] = f(src[i]);
  if (!own) setGrad(p, new Tensor(out, g.shape), true);
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
    for (const [, { data: g }] of grads) {
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]);
        if (a > total || Number.isNaN(a)) total = a;
      }
    }
  } else if (normType === 2) {
    for (const [, { data: g }] of grads) {
      for (let i = 0; i < g.length; i++) total += g[i] * g[i];
    }
    total = Math.sqrt(total);
  } else {
    for (const [, { data: g }] of grads) {
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
    for (const [p] of grads) mapGrad(p, (v) => v * coef);
  }
  return total;
}

/** Clamps every gradient value of `params` into [−clipValue, clipValue], as torch.nn.utils.clip_grad_value_. */
export function clipGradValue(params: Tensor | readonly Tensor[], clipValue: number): void {
  if (!(clipValue >= 0)) throw new ValueError(`clipGradValue: clipValue must be >= 0, got ${clipValue}`);
  for (const [p] of gradsOf(params)) mapGrad(p, (v) => Math.min(Math.max(v, -clipValue), clipValue));
}
