import { record } from '../autograd/engine.js';
import { oneProduct } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { fmtShape, ShapeError } from '../errors.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { reshape, transpose } from './shape.js';
import { checkArg, defineOp, empty, requireFloat } from './util.js';

/**
 * Matrix product with NumPy/PyTorch semantics: 1-D operands are promoted to matrices and the added axis is
 * removed again; leading (batch) axes broadcast.
 */
export const matmul = defineOp('matmul', ['a', 'b'], (a: Tensor, b: Tensor): Tensor => {
  requireFloat(a, 'matmul');
  requireFloat(b, 'matmul');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: both operands need at least one dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const m = a2.shape[a2.ndim - 2];
  const k = a2.shape[a2.ndim - 1];
  const k2 = b2.shape[b2.ndim - 2];
  const n = b2.shape[b2.ndim - 1];
  if (k !== k2) {
    throw new ShapeError(
      `matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${k} vs ${k2})`,
    );
  }
  const batchA = a2.shape.slice(0, -2);
  const batchB = b2.shape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB, 'matmul');
  const out = batchedMatmul(a2, b2, batch, m, n, k);
  let result = out;
  if (a.ndim === 1 && b.ndim === 1) result = reshape(out, []);
  else if (a.ndim === 1) result = reshape(out, [...batch, n]);
  else if (b.ndim === 1) result = reshape(out, [...batch, m]);
  return result;
});

/** A batch that is a plain repeat of one matrix can use stride 0; anything else is expanded first. */
function batchOperand(t: Tensor, batch: number[]): { data: Float32Array; stride: number } {
  const tb = t.shape.slice(0, -2);
  const matSize = t.shape[t.ndim - 2] * t.shape[t.ndim - 1];
  if (sizeOf(tb) === 1) return { data: t.data as Float32Array, stride: 0 };
  if (tb.length === batch.length && tb.every((d, i) => d === batch[i]))
    return { data: t.data as Float32Array, stride: matSize };
  // partial broadcast: materialise
  const target = [...batch, t.shape[t.ndim - 2], t.shape[t.ndim - 1]];
  const out = empty(target);
  const zero = new Float32Array(1);
  getBackend().binary('add', t.data, t.shape, zero, [], out.data, target);
  return { data: out.data as Float32Array, stride: matSize };
}

function batchedMatmul(a: Tensor, b: Tensor, batch: number[], m: number, n: number, k: number): Tensor {
  const count = sizeOf(batch);
  const out = empty([...batch, m, n]);
  const A = batchOperand(a, batch);
  const B = batchOperand(b, batch);
  const info = {
    batch: count,
    transA: false,
    transB: false,
    m,
    n,
    k,
    alpha: 1,
    beta: 0,
    strideA: A.stride,
    strideB: B.stride,
    strideC: m * n,
  };
  getBackend().gemm(A.data, B.data, info, out.data as Float32Array);
  return record(out, 'matmul', [a, b], (g, needs) => [
    // broadcast batch axes are summed back by the engine
    needs[0] ? matmul(g, transpose(b)) : null,
    needs[1] ? matmul(transpose(a), g) : null,
  ]);
}

/**
 * x·weightᵀ + bias for x [M, K] and weight [N, K] in one GEMM that reads the weight transposed in place (no
 * transposed copy). `bias` is [N] (added to every row) or a full [M, N] matrix (added as is), or null.
 */
export const affine = defineOp(
  'affine',
  ['x', 'weight', 'bias'],
  (x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor => {
    const xd = requireFloat(x, 'affine');
    const wd = requireFloat(weight, 'affine');
    if (x.ndim !== 2 || weight.ndim !== 2 || x.shape[1] !== weight.shape[1]) {
      throw new ShapeError(
        `affine: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [M, K] and [N, K])`,
      );
    }
    const [m, k] = x.shape;
    const n = weight.shape[0];
    const rowBias = bias !== null && bias.ndim === 1;
    if (bias !== null) {
      requireFloat(bias, 'affine');
      const fits = rowBias
        ? bias.shape[0] === n
        : bias.ndim === 2 && bias.shape[0] === m && bias.shape[1] === n;
      if (!fits) {
        throw new ShapeError(
          `affine: bias ${fmtShape(bias.shape)} fits neither [${n}] nor [${m}, ${n}] (input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)})`,
        );
      }
    }
    const be = getBackend();
    const out = empty([m, n]);
    const od = out.data as Float32Array;
    // the bias goes into C first so the GEMM adds onto it (beta = 1): a full matrix is copied, a row broadcast
    if (bias !== null && !rowBias) od.set(bias.data as Float32Array);
    else if (bias !== null) be.binary('add', bias.data, bias.shape, new Float32Array(1), [], od, out.shape);
    be.gemm(xd, wd, oneProduct({ transB: true, m, n, k, beta: bias === null ? 0 : 1 }), od);
    const inputs = bias === null ? [x, weight] : [x, weight, bias];
    return record(out, 'affine', inputs, (g, needs) => {
      const gd = g.data as Float32Array;
      let dx: Tensor | null = null;
      let dw: Tensor | null = null;
      let db: Tensor | null = null;
      if (needs[0]) {
        dx = empty([m, k]);
        be.gemm(gd, wd, oneProduct({ m, n: k, k: n }), dx.data as Float32Array);
      }
      if (needs[1]) {
        dw = empty([n, k]);
        be.gemm(gd, xd, oneProduct({ transA: true, m: n, n: k, k: m }), dw.data as Float32Array);
      }
      if (needs[2]) {
        if (rowBias) {
          db = empty([n]);
          be.reduce('sum', gd, 1, m, n, db.data);
        } else db = g;
      }
      return [dx, dw, db];
    });
  },
);

/**
 * y = x·weightᵀ + bias over the last axis of x [..., in], weight [out, in], bias [out] or null
 * (torch.nn.functional.linear): one GEMM that reads the weight in place, the bias added inside it.
 */
export const linear = defineOp(
  'linear',
  ['x', 'weight', 'bias'],
  (x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor => {
    const op = 'linear';
    checkArg(op, 'bias', bias, 'tensor?');
    if (weight.ndim !== 2 || x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
      throw new ShapeError(
        `${op}: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [..., ${weight.shape[1] ?? 'in'}] and [out, in])`,
      );
    }
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
      throw new ShapeError(
        `${op}: bias ${fmtShape(bias.shape)} does not fit weight ${fmtShape(weight.shape)}`,
      );
    }
    if (x.ndim === 2) return affine(x, weight, bias);
    const lead = x.shape.slice(0, -1);
    const rows = sizeOf(lead);
    const y = affine(reshape(x, [rows, weight.shape[1]]), weight, bias);
    return reshape(y, [...lead, weight.shape[0]]);
  },
);
