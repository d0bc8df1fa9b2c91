import { record } from '../autograd/engine.js';
import type { UnaryGradOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { ValueError } from '../errors.js';
import { aroundAxis, normAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, div, gt, mul, unaryKernel, where } from './elementwise.js';
import { transposeAxes } from './shape.js';
import { checkArg, checkOptions, defineOp, empty, requireFloat } from './util.js';

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
