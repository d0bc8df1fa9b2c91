/**
 * Loss functions with PyTorch's definitions and reductions. Each is composed from differentiable ops, so the
 * gradients follow from the forward; the one exception is binary cross-entropy, whose gradient PyTorch defines
 * with a guard against x(1 - x) = 0 that the composed form would not have.
 */
import { isGradEnabled, noGrad, record } from '../autograd/engine.js';
import { getBackend } from '../backend/registry.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { broadcastShapes, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { logSoftmax, softplus } from './activation.js';
import { abs, add, clamp, div, log, lt, mul, ne, neg, square, sub, where } from './elementwise.js';
import { gather, indexSelect } from './indexing.js';
import { mean, sum } from './reduce.js';
import { reshape, squeeze, unsqueeze } from './shape.js';
import { cast, checkOptions, defineOp, empty, type OptionSpec } from './util.js';

/** How per-element losses are combined: averaged, added up, or returned as they are. */
export type Reduction = 'mean' | 'sum' | 'none';

export interface ReductionOptions {
  /** 'mean' (the default), 'sum' or 'none'. */
  reduction?: Reduction;
}

export interface HuberLossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1; must be positive). */
  delta?: number;
}

export interface SmoothL1LossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}

export interface BCELossOptions extends ReductionOptions {
  /** Rescales each element's loss; broadcasts to the input's shape. */
  weight?: Tensor | null;
}

export interface BCEWithLogitsLossOptions extends BCELossOptions {
  /** Weight of the positive term, per class (broadcasts to the input's shape, usually [C]). */
  posWeight?: Tensor | null;
}

export interface NLLLossOptions extends ReductionOptions {
  /** A weight per class, shape [C]. */
  weight?: Tensor | null;
  /** Targets equal to this class contribute nothing, not even to the mean's denominator (default -100). */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NLLLossOptions {
  /** Mixes the target with the uniform distribution: (1 - ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

/** Checks a loss's options (the reduction and the loss's own `extra` ones) and returns the reduction. */
function checkReduction(
  options: ReductionOptions,
  op: string,
  extra: Readonly<Record<string, OptionSpec>> = {},
): Reduction {
  checkOptions(op, options, { reduction: ['mean', 'sum', 'none'], ...extra });
  return options.reduction ?? 'mean';
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'mean') return mean(loss);
  if (reduction === 'sum') return sum(loss);
  return loss;
}

function requireFloat32(t: Tensor, role: string, op: string): void {
  if (t.dtype !== 'float32') throw new DTypeError(`${op}: ${role} must be float32, got ${t.dtype}`);
}

/** Elementwise losses take input and target of one shape: PyTorch broadcasts with a warning, we refuse. */
function checkPair(input: Tensor, target: Tensor, op: string): void {
  requireFloat32(input, 'input', op);
  requireFloat32(target, 'target', op);
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(`${op}: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} differ`);
  }
}

/** A per-element weight must broadcast to the input without enlarging it. */
function checkBroadcastWeight(w: Tensor, input: Tensor, role: string, op: string): void {
  requireFloat32(w, role, op);
  let ok: boolean;
  try {
    ok = shapesEqual(broadcastShapes(w.shape, input.shape, op), input.shape);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ShapeError(
      `${op}: ${role} ${fmtShape(w.shape)} does not broadcast to input ${fmtShape(input.shape)}`,
    );
  }
}

/** Mean squared error, (input - target)². */
export const mseLoss = defineOp(
  'mseLoss',
  ['input', 'target', 'options'],
  (input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor => {
    const reduction = checkReduction(options, 'mseLoss');
    checkPair(input, target, 'mseLoss');
    return reduce(square(sub(input, target)), reduction);
  },
);

/** Mean absolute error, |input - target|. */
export const l1Loss = defineOp(
  'l1Loss',
  ['input', 'target', 'options'],
  (input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor => {
    const reduction = checkReduction(options, 'l1Loss');
    checkPair(input, target, 'l1Loss');
    return reduce(abs(sub(input, target)), reduction);
  },
);

/** ½d² where |d| < δ, δ(|d| - ½δ) beyond, with d = input - target. */
export const huberLoss = defineOp(
  'huberLoss',
  ['input', 'target', 'options'],
  (input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor => {
    const reduction = checkReduction(options, 'huberLoss', { delta: 'number' });
    const delta = options.delta ?? 1;
    if (!(delta > 0)) throw new ValueError(`huberLoss: delta must be positive, got ${delta}`);
    checkPair(input, target, 'huberLoss');
    const d = sub(input, target);
    const a = abs(d);
    const loss = where(lt(a, delta), mul(square(d), 0.5), mul(sub(a, 0.5 * delta), delta));
    return reduce(loss, reduction);
  },
);

/** ½d²/β where |d| < β, |d| - ½β beyond (the Huber loss divided by β); β = 0 is the L1 loss. */
export const smoothL1Loss = defineOp(
  'smoothL1Loss',
  ['input', 'target', 'options'],
  (input: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor => {
    const reduction = checkReduction(options, 'smoothL1Loss', { beta: 'number' });
    const beta = options.beta ?? 1;
    if (!(beta >= 0)) throw new ValueError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
    checkPair(input, target, 'smoothL1Loss');
    const d = sub(input, target);
    const a = abs(d);
    // β = 0 has no quadratic part; dividing by it would put 0/0 into the gradient of the branch not taken
    if (beta === 0) return reduce(a, reduction);
    const loss = where(lt(a, beta), div(mul(square(d), 0.5), beta), sub(a, 0.5 * beta));
    return reduce(loss, reduction);
  },
);

/**
 * -[t·log x + (1 - t)·log(1 - x)] with both logs clamped at -100, as PyTorch does, so x = 0 or 1 gives a
 * finite loss. Its gradient is PyTorch's (x - t)/max(x(1 - x), 1e-12), finite where the logs were clamped.
 */
function binaryCrossEntropy(x: Tensor, t: Tensor): Tensor {
  const [logX, log1mX, out] = noGrad(() => {
    const lx = clamp(log(x), -100);
    const l1x = clamp(log(sub(1, x)), -100);
    return [lx, l1x, neg(add(mul(t, lx), mul(sub(1, t), l1x)))];
  });
  return record(out, 'bceLoss', [x, t], (g, needs) => [
    needs[0] ? div(mul(g, sub(x, t)), clamp(mul(x, sub(1, x)), 1e-12)) : null,
    needs[1] ? mul(g, sub(log1mX, logX)) : null,
  ]);
}

/** Binary cross-entropy of probabilities `input` (each in [0, 1]) against targets in [0, 1]. */
export const bceLoss = defineOp(
  'bceLoss',
  ['input', 'target', 'options'],
  (input: Tensor, target: Tensor, options: BCELossOptions = {}): Tensor => {
    const reduction = checkReduction(options, 'bceLoss', { weight: 'tensor?' });
    checkPair(input, target, 'bceLoss');
    const x = input.data;
    for (let i = 0; i < x.length; i++) {
      if (!(x[i] >= 0 && x[i] <= 1)) {
        throw new ValueError(
          `bceLoss: input values must be probabilities in [0, 1], got ${x[i]} at index ${i}`,
        );
      }
    }
    const weight = options.weight ?? null;
    if (weight) checkBroadcastWeight(weight, input, 'weight', 'bceLoss');
    const loss = binaryCrossEntropy(input, target);
    return reduce(weight ? mul(loss, weight) : loss, reduction);
  },
);

/**
 * Binary cross-entropy of sigmoid(input), computed stably from the logits as
 * (1 - t)·x + (1 + (p - 1)·t)·softplus(-x), which is max(x, 0) - x·t + log(1 + e^-|x|) when p = 1.
 */
export const bceWithLogitsLoss = defineOp(
  'bceWithLogitsLoss',
  ['input', 'target', 'options'],
  (input: Tensor, target: Tensor, options: BCEWithLogitsLossOptions = {}): Tensor => {
    const reduction = checkReduction(options, 'bceWithLogitsLoss', {
      weight: 'tensor?',
      posWeight: 'tensor?',
    });
    checkPair(input, target, 'bceWithLogitsLoss');
    const weight = options.weight ?? null;
    const posWeight = options.posWeight ?? null;
    if (weight) checkBroadcastWeight(weight, input, 'weight', 'bceWithLogitsLoss');
    if (posWeight) checkBroadcastWeight(posWeight, input, 'posWeight', 'bceWithLogitsLoss');
    const spNeg = softplus(neg(input));
    const logWeighted = posWeight ? mul(add(mul(sub(posWeight, 1), target), 1), spNeg) : spNeg;
    const loss = add(mul(sub(1, target), input), logWeighted);
    return reduce(weight ? mul(loss, weight) : loss, reduction);
  },
);

/** Where the classes sit in a [N, C, d1, …] (or [C]) input, and the target shape that goes with it. */
function classLayout(input: Tensor, op: string): { axis: number; classes: number; targetShape: number[] } {
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have a class axis, got a scalar`);
  const axis = input.ndim === 1 ? 0 : 1;
  const targetShape = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  return { axis, classes: input.shape[axis], targetShape };
}

interface PickedClasses {
  /** -w[t]·input[t] per target element, 0 where ignored; the target's shape. */
  loss: Tensor;
  /** Which targets count. */
  valid: Tensor;
  /** Σ w[t] over the targets that count: the denominator of the mean. */
  weightSum: Tensor;
}

/** Checks class-index targets (dtype, shape, range) and the class weights against the input's classes. */
function checkClassTargets(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null,
  ignoreIndex: number,
  op: string,
): void {
  requireFloat32(input, 'input', op);
  const { classes, targetShape } = classLayout(input, op);
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: target must hold int32 class indices, got ${target.dtype}`);
  }
  if (!shapesEqual(target.shape, targetShape)) {
    throw new ShapeError(
      `${op}: expected target ${fmtShape(targetShape)} for input ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`,
    );
  }
  const t = target.data;
  for (let i = 0; i < t.length; i++) {
    if (t[i] !== ignoreIndex && (t[i] < 0 || t[i] >= classes)) {
      throw new ValueError(`${op}: target class ${t[i]} is out of range for ${classes} classes`);
    }
  }
  if (weight) {
    requireFloat32(weight, 'weight', op);
    if (!shapesEqual(weight.shape, [classes])) {
      throw new ShapeError(
        `${op}: weight must have one entry per class, [${classes}], got ${fmtShape(weight.shape)}`,
      );
    }
  }
}

/** Validates class-index targets and picks -w[t]·input[…, t, …] for each. */
function pickClasses(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null,
  ignoreIndex: number,
  op: string,
): PickedClasses {
  checkClassTargets(input, target, weight, ignoreIndex, op);
  const { axis, targetShape } = classLayout(input, op);
  const valid = ne(target, ignoreIndex);
  // ignored targets may hold any number: point them at class 0 and mask their loss out afterwards
  const safe = where(valid, target, 0);
  const picked = reshape(squeeze(gather(input, axis, unsqueeze(safe, axis)), axis), targetShape);
  if (!weight) {
    return { loss: where(valid, neg(picked), 0), valid, weightSum: sum(cast(valid, 'float32')) };
  }
  const w = reshape(indexSelect(weight, 0, reshape(safe, [safe.size])), targetShape);
  return {
    loss: where(valid, neg(mul(picked, w)), 0),
    valid,
    weightSum: sum(where(valid, w, 0)),
  };
}

function reducePicked(p: PickedClasses, reduction: Reduction): Tensor {
  if (reduction === 'mean') return div(sum(p.loss), p.weightSum);
  if (reduction === 'sum') return sum(p.loss);
  return p.loss;
}

/**
 * Cross-entropy of logits [N, C] and checked class indices [N] in one kernel pair: the forward keeps the
 * log-softmax, the backward writes (softmax − onehot)·scale per row, where scale folds in the upstream
 * gradient, the class weight and the mean's divisor. The same numbers as the composed form (logSoftmax,
 * pick, weight, reduce) with one array and one graph node instead of a dozen; the class weights get no gradient.
 */
function fusedCrossEntropy(
  logits: Tensor,
  target: Tensor,
  weight: Tensor | null,
  ignoreIndex: number,
  reduction: Reduction,
): Tensor {
  const [n, c] = logits.shape;
  const be = getBackend();
  const t = target.data as Int32Array;
  const rowLoss = new Float32Array(n);
  const logp = empty([n, c]).data as Float32Array;
  be.softmaxCrossEntropy(logits.data as Float32Array, n, c, t, ignoreIndex, rowLoss, logp);
  // each row's weight: its class weight, 0 when ignored
  const w = new Float32Array(n);
  let weightSum = 0;
  for (let i = 0; i < n; i++) {
    w[i] = t[i] === ignoreIndex ? 0 : weight ? weight.data[t[i]] : 1;
    weightSum += w[i];
  }
  let out: Tensor;
  if (reduction === 'none') {
    out = empty([n]);
    for (let i = 0; i < n; i++) out.data[i] = rowLoss[i] * w[i];
  } else {
    let total = 0;
    for (let i = 0; i < n; i++) total += rowLoss[i] * w[i];
    out = new Tensor(Float32Array.of(reduction === 'mean' ? total / weightSum : total), []);
  }
  return record(out, 'crossEntropy', [logits], (g) => {
    const scale = new Float32Array(n);
    if (reduction === 'none') {
      for (let i = 0; i < n; i++) scale[i] = g.data[i] * w[i];
    } else {
      const gv = reduction === 'mean' ? g.data[0] / weightSum : g.data[0];
      for (let i = 0; i < n; i++) scale[i] = gv * w[i];
    }
    const dx = empty([n, c]);
    be.softmaxCrossEntropyBackward(logp, n, c, t, scale, dx.data as Float32Array);
    return [dx];
  });
}

/**
 * Negative log-likelihood of int32 class indices `target` under log-probabilities `logProbs` ([N, C] with
 * target [N], [N, C, d1, …] with target [N, d1, …], or [C] with a scalar target). The weighted mean divides
 * by the total weight of the targets that are not ignored.
 */
export const nllLoss = defineOp(
  'nllLoss',
  ['logProbs', 'target', 'options'],
  (logProbs: Tensor, target: Tensor, options: NLLLossOptions = {}): Tensor => {
    const reduction = checkReduction(options, 'nllLoss', { weight: 'tensor?', ignoreIndex: 'integer' });
    const picked = pickClasses(
      logProbs,
      target,
      options.weight ?? null,
      options.ignoreIndex ?? -100,
      'nllLoss',
    );
    return reducePicked(picked, reduction);
  },
);

/**
 * Cross-entropy of unnormalised `logits` ([N, C], [N, C, d1, …] or [C]) against either int32 class indices
 * (shape [N, d1, …]) or float32 class probabilities of the logits' shape, as torch.nn.functional.cross_entropy:
 * log-softmax over the class axis, then the negative log-likelihood, with optional class weights, an ignored
 * class and label smoothing (PyTorch 1.13's definitions, weights and ignored targets included).
 */
export const crossEntropy = defineOp(
  'crossEntropy',
  ['logits', 'target', 'options'],
  (logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor => {
    const op = 'crossEntropy';
    const reduction = checkReduction(options, op, {
      weight: 'tensor?',
      ignoreIndex: 'integer',
      labelSmoothing: 'number',
    });
    const smoothing = options.labelSmoothing ?? 0;
    if (!(smoothing >= 0 && smoothing <= 1)) {
      throw new ValueError(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
    }
    const ignoreIndex = options.ignoreIndex ?? -100;
    const weight = options.weight ?? null;
    requireFloat32(logits, 'logits', op);
    const { axis, classes, targetShape } = classLayout(logits, op);
    // the weight broadcast along the class axis: [1, C, 1, …]
    const weightView = weight ? logits.shape.map((d, i) => (i === axis ? d : 1)) : [];

    if (shapesEqual(target.shape, logits.shape)) {
      if (target.dtype !== 'float32') {
        throw new DTypeError(
          `${op}: a target of the logits' shape ${fmtShape(logits.shape)} holds class probabilities and must be float32, got ${target.dtype}`,
        );
      }
      if (ignoreIndex >= 0) {
        throw new ValueError(`${op}: ignoreIndex is not supported with class-probability targets`);
      }
      if (weight) {
        requireFloat32(weight, 'weight', op);
        if (!shapesEqual(weight.shape, [classes])) {
          throw new ShapeError(
            `${op}: weight must have one entry per class, [${classes}], got ${fmtShape(weight.shape)}`,
          );
        }
      }
      const logp = logSoftmax(logits, axis);
      const t = smoothing > 0 ? add(mul(target, 1 - smoothing), smoothing / classes) : target;
      let terms = mul(logp, t);
      if (weight) terms = mul(terms, reshape(weight, weightView));
      // 'mean' averages over the samples (and positions), not over the classes
      return reduce(neg(sum(terms, axis)), reduction);
    }
    if (target.dtype === 'float32' && shapesEqual(target.shape, targetShape)) {
      throw new DTypeError(`${op}: class-index targets must be int32, got float32`);
    }
    if (target.dtype === 'float32') {
      throw new ShapeError(
        `${op}: expected class indices ${fmtShape(targetShape)} (int32) or class probabilities ${fmtShape(logits.shape)} (float32) for logits ${fmtShape(logits.shape)}, got ${fmtShape(target.shape)}`,
      );
    }

    if (logits.ndim === 2 && smoothing === 0 && !(weight?.requiresGrad && isGradEnabled())) {
      checkClassTargets(logits, target, weight, ignoreIndex, op);
      return fusedCrossEntropy(logits, target, weight, ignoreIndex, reduction);
    }
    const logp = logSoftmax(logits, axis);
    const picked = pickClasses(logp, target, weight, ignoreIndex, op);
    const nll = reducePicked(picked, reduction);
    if (smoothing === 0) return nll;
    // the smoothing term: -Σ_c w_c·log p_c per target, 0 where ignored, reduced like the NLL term
    const weighted = weight ? mul(logp, reshape(weight, weightView)) : logp;
    const smooth = where(picked.valid, neg(sum(weighted, axis)), 0);
    const smoothReduced =
      reduction === 'mean' ? div(sum(smooth), picked.weightSum) : reduction === 'sum' ? sum(smooth) : smooth;
    return add(mul(nll, 1 - smoothing), mul(smoothReduced, smoothing / classes));
  },
);
