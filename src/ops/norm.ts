/**
 * Normalisation. Batch normalisation is one fused kernel pair (statistics and normalisation forward, the whole
 * gradient backward, including the terms that flow through the batch mean and variance); layer normalisation
 * is composed from the elementwise and reduce ops so that autograd derives its gradient.
 */
import { noGrad, record } from '../autograd/engine.js';
import { getBackend } from '../backend/registry.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { add, div, mul, sqrt, square, sub } from './elementwise.js';
import { mean } from './reduce.js';
import { checkArg, checkOptions, defineOp, empty } from './util.js';

export interface BatchNormFnOptions {
  /** Normalise with the batch's statistics and update the running ones (default false, as F.batch_norm). */
  training?: boolean;
  /** Weight of the new batch in the running averages: running = (1 - m)·running + m·batch (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

function checkFloat(t: Tensor, role: string, op: string): void {
  if (t.dtype !== 'float32') throw new DTypeError(`${op}: ${role} must be float32, got ${t.dtype}`);
}

function checkVector(t: Tensor | null, role: string, size: number, x: Tensor, op: string): void {
  if (!t) return;
  checkFloat(t, role, op);
  if (!shapesEqual(t.shape, [size])) {
    throw new ShapeError(
      `${op}: ${role} has shape ${fmtShape(t.shape)}, expected [${size}] for input ${fmtShape(x.shape)}`,
    );
  }
}

/**
 * Batch normalisation over axis 1 of x ([N, C], [N, C, L], [N, C, H, W], …), as torch.nn.functional.batch_norm.
 * In training the batch is normalised with its biased variance, and the running statistics (if given) are
 * updated in place, the variance stored unbiased, as PyTorch does. Otherwise the running statistics are used.
 */
export const batchNorm = defineOp(
  'batchNorm',
  ['x', 'runningMean', 'runningVar', 'weight', 'bias', 'options'],
  (
    x: Tensor,
    runningMean: Tensor | null,
    runningVar: Tensor | null,
    weight: Tensor | null = null,
    bias: Tensor | null = null,
    options: BatchNormFnOptions = {},
  ): Tensor => {
    const op = 'batchNorm';
    checkOptions(op, options, { training: 'boolean', momentum: 'number', eps: 'number' });
    for (const [t, role] of [
      [runningMean, 'runningMean'],
      [runningVar, 'runningVar'],
      [weight, 'weight'],
      [bias, 'bias'],
    ] as const) {
      checkArg(op, role, t, 'tensor?');
    }
    const training = options.training ?? false;
    const momentum = options.momentum ?? 0.1;
    const eps = options.eps ?? 1e-5;
    checkFloat(x, 'input', op);
    if (x.ndim < 2) {
      throw new ShapeError(
        `${op}: expected input [N, C, ...] with at least 2 dimensions, got ${fmtShape(x.shape)}`,
      );
    }
    const channels = x.shape[1];
    checkVector(runningMean, 'runningMean', channels, x, op);
    checkVector(runningVar, 'runningVar', channels, x, op);
    checkVector(weight, 'weight', channels, x, op);
    checkVector(bias, 'bias', channels, x, op);
    if ((runningMean === null) !== (runningVar === null)) {
      throw new ValueError(`${op}: give both runningMean and runningVar, or neither`);
    }
    const batch = x.shape[0];
    const inner = x.shape.slice(2).reduce((p, q) => p * q, 1);
    const be = getBackend();
    const xd = x.data as Float32Array;
    const mu = new Float32Array(channels);
    const invStd = new Float32Array(channels);
    if (training) {
      const n = x.size / Math.max(channels, 1);
      if (n <= 1) {
        throw new ValueError(
          `${op}: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`,
        );
      }
      const variance = new Float32Array(channels);
      be.batchNormStats(xd, batch, channels, inner, mu, variance);
      for (let c = 0; c < channels; c++) invStd[c] = 1 / Math.sqrt(variance[c] + eps);
      if (runningMean && runningVar) {
        noGrad(() => {
          runningMean.copy_(add(mul(runningMean, 1 - momentum), mul(new Tensor(mu, [channels]), momentum)));
          const unbiased = mul(new Tensor(variance, [channels]), n / (n - 1));
          runningVar.copy_(add(mul(runningVar, 1 - momentum), mul(unbiased, momentum)));
        });
      }
    } else {
      if (!runningMean || !runningVar) {
        throw new ValueError(`${op}: runningMean and runningVar are required when not training`);
      }
      // copied: the backward pass must see the statistics of this forward pass, not later updates
      mu.set(runningMean.data as Float32Array);
      const rv = runningVar.data as Float32Array;
      for (let c = 0; c < channels; c++) invStd[c] = 1 / Math.sqrt(rv[c] + eps);
    }
    const wd = weight ? (weight.data as Float32Array) : null;
    const bd = bias ? (bias.data as Float32Array) : null;
    const y = empty(x.shape);
    be.batchNorm(xd, batch, channels, inner, mu, invStd, wd, bd, y.data as Float32Array);
    const inputs = [x];
    if (weight) inputs.push(weight);
    if (bias) inputs.push(bias);
    return record(y, op, inputs, (g, needs) => {
      const dx = empty(x.shape);
      const dw = empty([channels]);
      const db = empty([channels]);
      be.batchNormBackward(
        xd,
        g.data as Float32Array,
        batch,
        channels,
        inner,
        mu,
        invStd,
        wd,
        training,
        dx.data as Float32Array,
        dw.data as Float32Array,
        db.data as Float32Array,
      );
      const grads: (Tensor | null)[] = [needs[0] ? dx : null];
      if (weight) grads.push(needs[grads.length] ? dw : null);
      if (bias) grads.push(needs[grads.length] ? db : null);
      return grads;
    });
  },
);

/**
 * Layer normalisation over the trailing axes given by `normalizedShape` (torch.nn.functional.layer_norm):
 * each slice is normalised with its own mean and biased variance, then scaled by `weight` and shifted by
 * `bias` (both of shape `normalizedShape`).
 */
export const layerNorm = defineOp(
  'layerNorm',
  ['x', 'normalizedShape', 'weight', 'bias', 'eps'],
  (
    x: Tensor,
    normalizedShape: number | readonly number[],
    weight: Tensor | null = null,
    bias: Tensor | null = null,
    eps = 1e-5,
  ): Tensor => {
    const op = 'layerNorm';
    checkArg(op, 'eps', eps, 'number');
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0) throw new ValueError(`${op}: normalizedShape must name at least one axis`);
    checkFloat(x, 'input', op);
    const k = shape.length;
    if (x.ndim < k || !shapesEqual(x.shape.slice(x.ndim - k), shape)) {
      throw new ShapeError(`${op}: expected input [..., ${shape.join(', ')}], got ${fmtShape(x.shape)}`);
    }
    for (const [t, role] of [
      [weight, 'weight'],
      [bias, 'bias'],
    ] as const) {
      if (!t) continue;
      checkFloat(t, role, op);
      if (!shapesEqual(t.shape, shape)) {
        throw new ShapeError(`${op}: ${role} has shape ${fmtShape(t.shape)}, expected ${fmtShape(shape)}`);
      }
    }
    const axes = shape.map((_, i) => x.ndim - k + i);
    const centred = sub(x, mean(x, axes, true));
    const variance = mean(square(centred), axes, true);
    let y = div(centred, sqrt(add(variance, eps)));
    if (weight) y = mul(y, weight);
    if (bias) y = add(y, bias);
    return y;
  },
);
