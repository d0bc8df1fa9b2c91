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
import { repeat } from './layout.js';
import { mean } from './reduce.js';
import { reshape } from './shape.js';
import { checkArg, checkOptions, defineOp, empty } from './util.js';

export interface BatchNormFnOptions {
  /** Normalise with the batch's statistics and update the running ones (default false, as F.batch_norm). */
  training?: boolean;
  /** Weight of the new batch in the running averages: running = (1 - m)·running + m·batch (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Apply a ReLU to the output in the same pass (default false): the same values and gradients as
   * `relu(batchNorm(…))`, without the intermediate tensor and the ReLU's own passes (its backward reads this
   * output instead of the ReLU's input).
   */
  relu?: boolean;
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

/** batchNorm's and instanceNorm's optional tensors: running statistics, then the affine weight and bias. */
function checkStatsAndAffine(
  op: string,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
): void {
  checkArg(op, 'runningMean', runningMean, 'tensor?');
  checkArg(op, 'runningVar', runningVar, 'tensor?');
  checkArg(op, 'weight', weight, 'tensor?');
  checkArg(op, 'bias', bias, 'tensor?');
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
    checkOptions(op, options, { training: 'boolean', momentum: 'number', eps: 'number', relu: 'boolean' });
    checkStatsAndAffine(op, runningMean, runningVar, weight, bias);
    const training = options.training ?? false;
    const momentum = options.momentum ?? 0.1;
    const eps = options.eps ?? 1e-5;
    const withRelu = options.relu ?? false;
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
    const yd = y.data as Float32Array;
    be.batchNorm(xd, batch, channels, inner, mu, invStd, wd, bd, yd, withRelu);
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
        mu,
        invStd,
        wd,
        { batch, channels, inner, training },
        dx.data as Float32Array,
        dw.data as Float32Array,
        db.data as Float32Array,
        withRelu ? yd : null,
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

export interface GroupNormFnOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/**
 * Group normalisation (torch.nn.functional.group_norm) of x [N, C, ...]: the C channels are split into
 * `numGroups` groups and each sample's group is normalised with its own mean and biased variance, then scaled
 * by `weight` and shifted by `bias` (both [C], per channel). It runs as PyTorch's reference does: batch
 * normalisation of x seen as [1, N·groups, rest], whose fused kernels hold the whole gradient.
 */
export const groupNorm = defineOp(
  'groupNorm',
  ['x', 'numGroups', 'weight', 'bias', 'options'],
  (
    x: Tensor,
    numGroups: number,
    weight: Tensor | null = null,
    bias: Tensor | null = null,
    options: GroupNormFnOptions = {},
  ): Tensor => {
    const op = 'groupNorm';
    checkArg(op, 'numGroups', numGroups, 'integer');
    checkArg(op, 'weight', weight, 'tensor?');
    checkArg(op, 'bias', bias, 'tensor?');
    checkOptions(op, options, { eps: 'number' });
    checkFloat(x, 'input', op);
    if (x.ndim < 2) {
      throw new ShapeError(
        `${op}: expected input [N, C, ...] with at least 2 dimensions, got ${fmtShape(x.shape)}`,
      );
    }
    const [batch, channels] = x.shape;
    if (numGroups === undefined || numGroups < 1 || channels % numGroups !== 0) {
      throw new ValueError(
        `${op}: numGroups must be a positive divisor of the ${channels} channels of input ${fmtShape(x.shape)}, got ${numGroups}`,
      );
    }
    checkVector(weight, 'weight', channels, x, op);
    checkVector(bias, 'bias', channels, x, op);
    const perGroup = x.size / Math.max(batch * numGroups, 1);
    const grouped = reshape(x, [1, batch * numGroups, perGroup]);
    // a group of one value normalises to 0 (PyTorch's result), which the batch-norm kernel would refuse
    const normed =
      perGroup === 1
        ? mul(grouped, 0)
        : batchNorm(grouped, null, null, null, null, { training: true, eps: options.eps ?? 1e-5 });
    return affineChannels(reshape(normed, x.shape), weight, bias);
  },
);

/** y · weight + bias, both [C], along axis 1 of y [N, C, ...]. */
function affineChannels(y: Tensor, weight: Tensor | null, bias: Tensor | null): Tensor {
  const perChannel = [y.shape[1], ...y.shape.slice(2).map(() => 1)];
  let out = y;
  if (weight) out = mul(out, reshape(weight, perChannel));
  if (bias) out = add(out, reshape(bias, perChannel));
  return out;
}

export interface InstanceNormFnOptions {
  /**
   * Normalise each sample with its own statistics (default true); false uses the running statistics, which
   * must then be given. With running statistics and this true, they are updated in place as PyTorch does.
   */
  useInputStats?: boolean;
  /** Weight of the new statistics in the running ones (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/**
 * Instance normalisation (torch.nn.functional.instance_norm) of x [N, C, ...]: each sample's channel is
 * normalised over its spatial axes with its own mean and biased variance, then scaled by `weight` and shifted by
 * `bias` ([C]). Running statistics ([C], optional) are updated with the batch average of the per-sample mean and
 * unbiased variance; with `useInputStats: false` they normalise instead. Runs as batch normalisation of x seen as
 * [1, N·C, ...], the way PyTorch does.
 */
export const instanceNorm = defineOp(
  'instanceNorm',
  ['x', 'runningMean', 'runningVar', 'weight', 'bias', 'options'],
  (
    x: Tensor,
    runningMean: Tensor | null = null,
    runningVar: Tensor | null = null,
    weight: Tensor | null = null,
    bias: Tensor | null = null,
    options: InstanceNormFnOptions = {},
  ): Tensor => {
    const op = 'instanceNorm';
    checkOptions(op, options, { useInputStats: 'boolean', momentum: 'number', eps: 'number' });
    checkStatsAndAffine(op, runningMean, runningVar, weight, bias);
    checkFloat(x, 'input', op);
    if (x.ndim < 3) {
      throw new ShapeError(
        `${op}: expected input [N, C, ...] with at least one spatial axis, got ${fmtShape(x.shape)}`,
      );
    }
    const [batch, channels] = x.shape;
    checkVector(runningMean, 'runningMean', channels, x, op);
    checkVector(runningVar, 'runningVar', channels, x, op);
    checkVector(weight, 'weight', channels, x, op);
    checkVector(bias, 'bias', channels, x, op);
    if ((runningMean === null) !== (runningVar === null)) {
      throw new ValueError(`${op}: give both runningMean and runningVar, or neither`);
    }
    const useInputStats = options.useInputStats ?? true;
    if (!useInputStats && !runningMean) {
      throw new ValueError(`${op}: runningMean and runningVar are required when useInputStats is false`);
    }
    if (useInputStats && x.size / Math.max(batch * channels, 1) <= 1) {
      throw new ValueError(
        `${op}: expected more than 1 spatial value per channel when using input statistics, got input ${fmtShape(x.shape)}`,
      );
    }
    const tile = (t: Tensor | null) => (t ? repeat(t, [batch]) : null);
    // one running statistic per (sample, channel) for the kernel; averaged back over the batch afterwards
    const [meanTiled, varTiled] = noGrad(() => [tile(runningMean), tile(runningVar)]);
    const y = batchNorm(
      reshape(x, [1, batch * channels, ...x.shape.slice(2)]),
      meanTiled,
      varTiled,
      tile(weight),
      tile(bias),
      { training: useInputStats, momentum: options.momentum ?? 0.1, eps: options.eps ?? 1e-5 },
    );
    if (useInputStats && runningMean && runningVar && meanTiled && varTiled) {
      noGrad(() => {
        runningMean.copy_(mean(reshape(meanTiled, [batch, channels]), 0));
        runningVar.copy_(mean(reshape(varTiled, [batch, channels]), 0));
      });
    }
    return reshape(y, x.shape);
  },
);
