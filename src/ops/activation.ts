import { noGrad, record } from '../autograd/engine.js';
import type { UnaryGradOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { aroundAxis, normAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { abs, add, clamp, div, gt, le, logicalAnd, lt, mul, neg, unaryKernel, where } from './elementwise.js';
import { narrow, reshape, transposeAxes } from './shape.js';
import { checkArg, checkOptions, defineOp, empty, requireAxes, requireFloat } from './util.js';

/** An activation whose gradient is one fused kernel reading x and y = f(x). */
function activation(op: UnaryGradOp, x: Tensor, alpha = 0): Tensor {
  requireFloat(x, op);
  const out = unaryKernel(op, x, alpha);
  return record(out, op, [x], (g) => {
    const dx = empty(x.shape);
    getBackend().unaryGrad(
      op,
      x.data as Float32Array,
      out.data as Float32Array,
      g.data as Float32Array,
      dx.data as Float32Array,
      alpha,
    );
    return [dx];
  });
}

export const relu = defineOp('relu', ['x'], (x: Tensor): Tensor => activation('relu', x));
export const sigmoid = defineOp('sigmoid', ['x'], (x: Tensor): Tensor => activation('sigmoid', x));
export const tanh = defineOp('tanh', ['x'], (x: Tensor): Tensor => activation('tanh', x));

export interface SoftplusOptions {
  /** log(1 + e^(beta·x)) / beta (default 1; must be positive). */
  beta?: number;
  /** Where beta·x > threshold the result is x itself, for stability (default 20). */
  threshold?: number;
}

/** log(1 + e^(beta·x)) / beta, and x itself where beta·x > threshold (torch.nn.functional.softplus). */
export const softplus = defineOp(
  'softplus',
  ['x', 'options'],
  (x: Tensor, options: SoftplusOptions = {}): Tensor => {
    checkOptions('softplus', options, { beta: 'number', threshold: 'number' });
    const beta = options.beta ?? 1;
    const threshold = options.threshold ?? 20;
    if (!(beta > 0)) throw new ValueError(`softplus: beta must be positive, got ${beta}`);
    // the kernel is PyTorch's default (beta 1, threshold 20), fused with its gradient
    if (beta === 1 && threshold === 20) return activation('softplus', x);
    const bx = beta === 1 ? x : mul(x, beta);
    const soft = activation('softplus', bx);
    return where(gt(bx, threshold), x, beta === 1 ? soft : div(soft, beta));
  },
);

export interface GeluOptions {
  /** 'none' (the default): the exact x·Φ(x); 'tanh': PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The Gaussian error linear unit (torch.nn.functional.gelu): exactly x·Φ(x), or with `approximate: 'tanh'`
 * ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
 */
export const gelu = defineOp('gelu', ['x', 'options'], (x: Tensor, options: GeluOptions = {}): Tensor => {
  checkOptions('gelu', options, { approximate: ['none', 'tanh'] });
  if ((options.approximate ?? 'none') === 'none') return activation('gelu', x);
  requireFloat(x, 'gelu');
  const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), SQRT_2_OVER_PI);
  return mul(mul(x, 0.5), add(activation('tanh', inner), 1));
});

/** x for x > 0, alpha·(eˣ - 1) otherwise (torch.nn.functional.elu). */
export const elu = defineOp('elu', ['x', 'alpha'], (x: Tensor, alpha = 1): Tensor => {
  checkArg('elu', 'alpha', alpha, 'number');
  return activation('elu', x, alpha);
});

/** x for x > 0, negativeSlope·x otherwise (torch.nn.functional.leaky_relu). */
export const leakyRelu = defineOp(
  'leakyRelu',
  ['x', 'negativeSlope'],
  (x: Tensor, negativeSlope = 0.01): Tensor => {
    checkArg('leakyRelu', 'negativeSlope', negativeSlope, 'number');
    return activation('leakyRelu', x, negativeSlope);
  },
);

/** x·σ(x), the sigmoid-weighted linear unit (torch.nn.functional.silu, also called swish). */
export const silu = defineOp('silu', ['x'], (x: Tensor): Tensor => {
  requireFloat(x, 'silu');
  return mul(x, activation('sigmoid', x));
});

/** x·tanh(softplus(x)) (torch.nn.functional.mish). */
export const mish = defineOp('mish', ['x'], (x: Tensor): Tensor => {
  requireFloat(x, 'mish');
  return mul(x, activation('tanh', activation('softplus', x)));
});

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** scale·elu(x, alpha) with the self-normalising constants (torch.nn.functional.selu). */
export const selu = defineOp('selu', ['x'], (x: Tensor): Tensor => {
  requireFloat(x, 'selu');
  return mul(activation('elu', x, SELU_ALPHA), SELU_SCALE);
});

/** max(0, x) + min(0, alpha·(e^(x/alpha) − 1)) (torch.nn.functional.celu), which is alpha·elu(x/alpha). */
export const celu = defineOp('celu', ['x', 'alpha'], (x: Tensor, alpha = 1): Tensor => {
  checkArg('celu', 'alpha', alpha, 'number');
  if (alpha === 0) throw new ValueError('celu: alpha must not be 0');
  requireFloat(x, 'celu');
  return alpha === 1 ? activation('elu', x, 1) : mul(activation('elu', div(x, alpha), 1), alpha);
});

/**
 * x limited to [minVal, maxVal] (torch.nn.functional.hardtanh). Unlike clamp, the gradient is 0 at the bounds
 * themselves, as PyTorch's hardtanh has it.
 */
export const hardtanh = defineOp(
  'hardtanh',
  ['x', 'minVal', 'maxVal'],
  (x: Tensor, minVal = -1, maxVal = 1): Tensor => {
    return hardtanhOf('hardtanh', x, minVal, maxVal);
  },
);

function hardtanhOf(op: string, x: Tensor, lo: number, hi: number): Tensor {
  checkArg(op, 'minVal', lo, 'number');
  checkArg(op, 'maxVal', hi, 'number');
  if (!(lo <= hi)) throw new ValueError(`${op}: minVal ${lo} must not exceed maxVal ${hi}`);
  requireFloat(x, op);
  const out = noGrad(() => clamp(x, lo, hi));
  return record(out, op, [x], (g) => [where(logicalAnd(gt(x, lo), lt(x, hi)), g, 0)]);
}

/** min(max(0, x), 6) (torch.nn.functional.relu6); gradient 0 at 0 and 6, as PyTorch. */
export const relu6 = defineOp('relu6', ['x'], (x: Tensor): Tensor => hardtanhOf('relu6', x, 0, 6));

/** relu6(x + 3)/6 (torch.nn.functional.hardsigmoid); gradient 1/6 strictly inside (−3, 3). */
export const hardsigmoid = defineOp('hardsigmoid', ['x'], (x: Tensor): Tensor => {
  requireFloat(x, 'hardsigmoid');
  const out = noGrad(() => div(clamp(add(x, 3), 0, 6), 6));
  return record(out, 'hardsigmoid', [x], (g) => [where(logicalAnd(gt(x, -3), lt(x, 3)), div(g, 6), 0)]);
});

/** x·relu6(x + 3)/6 (torch.nn.functional.hardswish), with PyTorch's gradient: 0 below −3, x/3 + ½ up to 3, 1 above. */
export const hardswish = defineOp('hardswish', ['x'], (x: Tensor): Tensor => {
  requireFloat(x, 'hardswish');
  const out = noGrad(() => mul(x, div(clamp(add(x, 3), 0, 6), 6)));
  return record(out, 'hardswish', [x], (g) => [
    mul(g, where(lt(x, -3), 0, where(le(x, 3), add(div(x, 3), 0.5), 1))),
  ]);
});

/** x/(1 + |x|) (torch.nn.functional.softsign). */
export const softsign = defineOp('softsign', ['x'], (x: Tensor): Tensor => {
  requireFloat(x, 'softsign');
  return div(x, add(abs(x), 1));
});

/** log σ(x) = −softplus(−x), stable for large |x| (torch.nn.functional.logsigmoid). */
export const logsigmoid = defineOp('logsigmoid', ['x'], (x: Tensor): Tensor => {
  requireFloat(x, 'logsigmoid');
  // softplus is linear above 20, where log(1 + e^t) and t agree in float32
  return neg(activation('softplus', neg(x)));
});

/** The gated linear unit: a·σ(b) for the two halves a, b of x along `axis` (torch.nn.functional.glu, dim −1). */
export const glu = defineOp('glu', ['x', 'axis'], (x: Tensor, axis = -1): Tensor => {
  requireFloat(x, 'glu');
  requireAxes(x, 'glu');
  const a = normAxis(axis, x.ndim, 'glu');
  const n = x.shape[a];
  if (n % 2 !== 0) {
    throw new ShapeError(
      `glu: axis ${a} of input ${fmtShape(x.shape)} has odd size ${n}; it must split in halves`,
    );
  }
  return mul(narrow(x, a, 0, n / 2), activation('sigmoid', narrow(x, a, n / 2, n / 2)));
});

/**
 * x where x ≥ 0, weight·x elsewhere, with a learnable slope per channel (torch.nn.functional.prelu): `weight` has
 * one element, or one per channel (axis 1 of x, the only axis of a 1-D x).
 */
export const prelu = defineOp('prelu', ['x', 'weight'], (x: Tensor, weight: Tensor): Tensor => {
  checkArg('prelu', 'weight', weight, 'tensor');
  requireFloat(x, 'prelu');
  requireFloat(weight, 'prelu');
  const channels = x.ndim >= 2 ? x.shape[1] : x.ndim === 1 ? x.shape[0] : 1;
  if (weight.ndim > 1 || (weight.size !== 1 && weight.size !== channels)) {
    throw new ShapeError(
      `prelu: weight ${fmtShape(weight.shape)} must have 1 element or one per channel (${channels}) of input ${fmtShape(x.shape)}`,
    );
  }
  const view =
    weight.size === 1 || x.ndim < 2
      ? reshape(weight, weight.size === 1 ? [] : [channels])
      : reshape(weight, [channels, ...x.shape.slice(2).map(() => 1)]);
  return where(gt(x, 0), x, mul(view, x));
});

/** Moves `axis` last, runs a last-axis kernel, and moves it back. */
function alongAxis(x: Tensor, axis: number, op: string, fn: (t: Tensor) => Tensor): Tensor {
  const a = normAxis(axis, x.ndim, op);
  if (a === x.ndim - 1 || x.ndim === 0) return fn(x);
  return transposeAxes(fn(transposeAxes(x, a, x.ndim - 1)), a, x.ndim - 1);
}

function softmaxLast(x: Tensor, log: boolean): Tensor {
  const data = requireFloat(x, log ? 'logSoftmax' : 'softmax');
  const [rows, cols] = x.ndim === 0 ? [1, 1] : [aroundAxis(x.shape, x.ndim - 1)[0], x.shape[x.ndim - 1]];
  const out = empty(x.shape);
  getBackend().softmax(data, rows, cols, log, out.data as Float32Array);
  return record(out, log ? 'logSoftmax' : 'softmax', [x], (g) => {
    const dx = empty(x.shape);
    getBackend().softmaxGrad(
      out.data as Float32Array,
      g.data as Float32Array,
      rows,
      cols,
      log,
      dx.data as Float32Array,
    );
    return [dx];
  });
}

/** Softmax along `axis` (default: the last). */
export const softmax = defineOp('softmax', ['x', 'axis'], (x: Tensor, axis = -1): Tensor => {
  return alongAxis(x, axis, 'softmax', (t) => softmaxLast(t, false));
});

/** Log-softmax along `axis` (default: the last), computed stably in one pass. */
export const logSoftmax = defineOp('logSoftmax', ['x', 'axis'], (x: Tensor, axis = -1): Tensor => {
  return alongAxis(x, axis, 'logSoftmax', (t) => softmaxLast(t, true));
});

/** Softmax of −x along `axis` (default: the last): small values get large weights (torch.nn.functional.softmin). */
export const softmin = defineOp('softmin', ['x', 'axis'], (x: Tensor, axis = -1): Tensor => {
  requireFloat(x, 'softmin');
  return alongAxis(neg(x), axis, 'softmin', (t) => softmaxLast(t, false));
});
