import { record } from '../autograd/engine.js';
import { getBackend } from '../backend/registry.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { aroundAxis, normAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { reshape, slice } from './shape.js';
import { defineOp, empty, requireAxes, zeroed } from './util.js';

function checkIndices(idx: Tensor, limit: number, op: string, what: string): Int32Array {
  if (idx.dtype !== 'int32') throw new DTypeError(`${op}: indices must be int32, got ${idx.dtype}`);
  const d = idx.data as Int32Array;
  for (let i = 0; i < d.length; i++) {
    if (d[i] < 0 || d[i] >= limit) {
      throw new ValueError(`${op}: index ${d[i]} is out of range for ${what} of size ${limit}`);
    }
  }
  return d;
}

/** Picks entries `index` (1-D int32) along `axis` (torch.index_select). */
export const indexSelect = defineOp(
  'indexSelect',
  ['x', 'axis', 'index'],
  (x: Tensor, axis: number, index: Tensor): Tensor => {
    requireAxes(x, 'indexSelect');
    const a = normAxis(axis, x.ndim, 'indexSelect');
    if (index.ndim > 1) throw new ShapeError(`indexSelect: index must be 1-D, got ${fmtShape(index.shape)}`);
    const idx = checkIndices(index, x.shape[a], 'indexSelect', `axis ${a}`);
    const [outer, n, inner] = aroundAxis(x.shape, a);
    const outShape = [...x.shape];
    outShape[a] = idx.length;
    const out = empty(outShape, x.dtype);
    getBackend().indexSelect(x.data, outer, n, inner, idx, out.data);
    return record(out, 'indexSelect', [x], (g) => {
      const dx = zeroed(x.shape);
      getBackend().indexAdd(g.data as Float32Array, outer, n, inner, idx, dx.data as Float32Array);
      return [dx];
    });
  },
);

/**
 * torch.gather: out[…, j, …] = x[…, index[…, j, …], …] along `axis`. `index` has x's rank; along the other axes
 * it may be shorter than x (as PyTorch allows), and then reads x's leading entries there.
 */
export const gather = defineOp(
  'gather',
  ['x', 'axis', 'index'],
  (input: Tensor, axis: number, index: Tensor): Tensor => {
    requireAxes(input, 'gather');
    const a = normAxis(axis, input.ndim, 'gather');
    const bad = index.shape.findIndex((d, i) => i !== a && d > input.shape[i]);
    if (index.ndim !== input.ndim || bad >= 0) {
      const which =
        index.ndim !== input.ndim
          ? `rank ${index.ndim} vs ${input.ndim}`
          : `axis ${bad}: ${index.shape[bad]} vs ${input.shape[bad]}`;
      throw new ShapeError(
        `gather: index of shape ${fmtShape(index.shape)} must have the input's rank and be no larger than the input ${fmtShape(input.shape)} on every axis but ${a} (${which})`,
      );
    }
    // an index smaller on the other axes reads the leading box of x
    const x = index.shape.some((d, i) => i !== a && d < input.shape[i])
      ? slice(
          input,
          input.shape.map(() => 0),
          index.shape.map((d, i) => (i === a ? -1 : d)),
        )
      : input;
    const idx = checkIndices(index, x.shape[a], 'gather', `axis ${a}`);
    const [outer, n, inner] = aroundAxis(x.shape, a);
    const k = index.shape[a];
    const out = empty(index.shape, x.dtype);
    getBackend().gather(x.data, outer, n, inner, idx, k, out.data);
    return record(out, 'gather', [x], (g) => {
      const dx = zeroed(x.shape);
      getBackend().scatterAdd(g.data as Float32Array, outer, n, inner, idx, k, dx.data as Float32Array);
      return [dx];
    });
  },
);

/** Rows of `weight` [numEmbeddings, dim] picked by int32 `indices` of any shape: output [...indices, dim]. */
export const embedding = defineOp(
  'embedding',
  ['indices', 'weight'],
  (indices: Tensor, weight: Tensor): Tensor => {
    if (weight.ndim !== 2)
      throw new ShapeError(`embedding: weight must be 2-D, got ${fmtShape(weight.shape)}`);
    if (indices.dtype !== 'int32')
      throw new DTypeError(`embedding: indices must be int32, got ${indices.dtype}`);
    const flat = reshape(indices, [indices.size]);
    const rows = indexSelect(weight, 0, flat);
    return reshape(rows, [...indices.shape, weight.shape[1]]);
  },
);
