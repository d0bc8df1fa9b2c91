/**
 * Loss names for fit and evaluate, mapped to the functions of ops/loss.ts. Named losses accept the target
 * layouts people naturally have: regression targets `[N]` against outputs `[N, 1]`, integer 0/1 labels for the
 * binary losses, class indices `[N, 1]`.
 */
import { ValueError } from '../errors.js';
import {
  bceLoss,
  bceWithLogitsLoss,
  crossEntropy,
  huberLoss,
  l1Loss,
  mseLoss,
  nllLoss,
  smoothL1Loss,
} from '../ops/loss.js';
import { reshape } from '../ops/shape.js';
import { cast } from '../ops/util.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** A loss computed from a batch's model output and target; it must return a scalar. */
export type LossFn = (output: Tensor, target: Tensor) => Tensor;

/** The losses fit knows by name. */
export type LossName =
  | 'crossEntropy'
  | 'nll'
  | 'mse'
  | 'mae'
  | 'l1'
  | 'huber'
  | 'smoothL1'
  | 'bce'
  | 'bceWithLogits';

/** A resolved loss: its display name, the function, and whether the model's outputs are probabilities. */
export interface ResolvedLoss {
  name: string;
  fn: LossFn;
  /** True for 'bce', whose outputs are probabilities: metrics then threshold at 0.5 instead of 0. */
  probabilities: boolean;
}

/** Elementwise losses compare values one to one: same number of values, float targets. */
function elementwise(loss: (a: Tensor, b: Tensor) => Tensor): LossFn {
  return (output, target) => {
    let t = target;
    if (t.dtype !== 'float32') t = cast(t, 'float32');
    if (t.size === output.size && !shapesEqual(t.shape, output.shape)) t = reshape(t, output.shape);
    return loss(output, t);
  };
}

/** Class-index losses take targets [N]; a column [N, 1] of indices is accepted too. */
function classIndices(loss: (a: Tensor, b: Tensor) => Tensor): LossFn {
  return (output, target) => {
    let t = target;
    if (t.dtype === 'int32' && t.ndim === 2 && t.shape[1] === 1 && output.ndim === 2)
      t = reshape(t, [t.shape[0]]);
    return loss(output, t);
  };
}

const NAMED: Record<LossName, LossFn> = {
  crossEntropy: classIndices((o, t) => crossEntropy(o, t)),
  nll: classIndices((o, t) => nllLoss(o, t)),
  mse: elementwise((o, t) => mseLoss(o, t)),
  mae: elementwise((o, t) => l1Loss(o, t)),
  l1: elementwise((o, t) => l1Loss(o, t)),
  huber: elementwise((o, t) => huberLoss(o, t)),
  smoothL1: elementwise((o, t) => smoothL1Loss(o, t)),
  bce: elementwise((o, t) => bceLoss(o, t)),
  bceWithLogits: elementwise((o, t) => bceWithLogitsLoss(o, t)),
};

/** The loss for a name or function (default 'crossEntropy'). */
export function getLoss(spec: LossName | LossFn | undefined): ResolvedLoss {
  const s = spec ?? 'crossEntropy';
  if (typeof s === 'function') return { name: s.name || 'loss', fn: s, probabilities: false };
  const fn = NAMED[s as LossName];
  if (!fn || !Object.hasOwn(NAMED, s)) {
    throw new ValueError(
      `unknown loss '${String(s)}' (known: ${Object.keys(NAMED).join(', ')}, or a function)`,
    );
  }
  return { name: s, fn, probabilities: s === 'bce' };
}
