import { record } from '../autograd/engine.js';
import { getBackend } from '../backend/registry.js';
import { fmtShape, ShapeError } from '../errors.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { reshape, transpose } from './shape.js';
import { empty, requireFloat } from './util.js';

/**
 * Matrix product with NumPy/PyTorch semantics: 1-D operands are promoted to matrices and the added axis is
 * removed again; leading (batch) axes broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
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
}

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
  getBackend().gemm(
    count,
    false,
    false,
    m,
    n,
    k,
    1,
    A.data,
    A.stride,
    B.data,
    B.stride,
    0,
    out.data as Float32Array,
    m * n,
  );
  return record(out, 'matmul', [a, b], (g, needs) => [
    // broadcast batch axes are summed back by the engine
    needs[0] ? matmul(g, transpose(b)) : null,
    needs[1] ? matmul(transpose(a), g) : null,
  ]);
}
