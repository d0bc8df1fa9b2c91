import { record } from '../autograd/engine.js';
import type { UnaryGradOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { aroundAxis, normAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { unaryKernel } from './elementwise.js';
import { transposeAxes } from './shape.js';
import { empty, requireFloat } from './util.js';

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

export const relu = (x: Tensor): Tensor => activation('relu', x);
export const sigmoid = (x: Tensor): Tensor => activation('sigmoid', x);
export const tanh = (x: Tensor): Tensor => activation('tanh', x);
/** log(1 + eˣ), linear above 20 as in PyTorch (beta 1, threshold 20). */
export const softplus = (x: Tensor): Tensor => activation('softplus', x);
/** Exact GELU, x·Φ(x) (PyTorch's default `approximate='none'`). */
export const gelu = (x: Tensor): Tensor => activation('gelu', x);
export const elu = (x: Tensor, alpha = 1): Tensor => activation('elu', x, alpha);
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor =>
  activation('leakyRelu', x, negativeSlope);

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
export function softmax(x: Tensor, axis = -1): Tensor {
  return alongAxis(x, axis, 'softmax', (t) => softmaxLast(t, false));
}

/** Log-softmax along `axis` (default: the last), computed stably in one pass. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return alongAxis(x, axis, 'logSoftmax', (t) => softmaxLast(t, true));
}
