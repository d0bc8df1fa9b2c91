import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { DTypeError, ShapeError, ValueError } from '../../src/index.js';

describe('Tensor', () => {
  it('toArray nests by shape, item reads one value', () => {
    const t = nt.arange(6).reshape([2, 1, 3]);
    expect(t.toArray()).toEqual([[[0, 1, 2]], [[3, 4, 5]]]);
    expect(nt.tensor(3).toArray()).toBe(3);
    expect(nt.tensor([[7]]).item()).toBe(7);
    expect(nt.zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(nt.tensor([true, false]).toArray()).toEqual([true, false]);
    expect(() => nt.zeros([2]).item()).toThrow(/item.*\[2\]/);
  });

  it('reports shape, rank, size and dims', () => {
    const t = nt.zeros([2, 3, 4]);
    expect(t.ndim).toBe(3);
    expect(t.size).toBe(24);
    expect(t.dim(-1)).toBe(4);
    expect(() => t.dim(3)).toThrow(ValueError);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });

  it('detach shares values but leaves the graph; clone copies', () => {
    const x = nt.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    expect(d.data).toBe(y.data);
    const c = y.clone();
    expect(c.data).not.toBe(y.data);
    expect(Array.from(c.data)).toEqual([2, 4]);
  });

  it('copy_ checks shape and dtype', () => {
    const t = nt.zeros([2]);
    t.copy_(nt.tensor([3, 4]));
    expect(Array.from(t.data)).toEqual([3, 4]);
    expect(() => t.copy_(nt.zeros([3]))).toThrow(/copy_.*\[3\].*\[2\]/);
    expect(() => t.copy_(nt.zeros([2], { dtype: 'int32' }))).toThrow(DTypeError);
  });

  it('to/float/int convert dtypes like torch (truncation toward zero, bool as != 0)', () => {
    const x = nt.tensor([-1.7, 0, 2.9]);
    expect(Array.from(x.int().data)).toEqual([-1, 0, 2]);
    expect(x.to('bool').toArray()).toEqual([true, false, true]);
    expect(nt.tensor([true, false]).float().dtype).toBe('float32');
  });

  it('toString shows shape, dtype and values', () => {
    expect(nt.tensor([1, 2]).toString()).toBe('Tensor([2], float32): [1,2]');
  });
});

describe('error messages name the op and the shapes', () => {
  const a = nt.zeros([2, 3]);
  const b = nt.zeros([4]);
  it('broadcasting', () => {
    expect(() => nt.add(a, b)).toThrow(ShapeError);
    expect(() => nt.add(a, b)).toThrow(
      /^add: shapes \[2, 3\] and \[4\] cannot be broadcast together: axis -1/,
    );
    expect(() => nt.mul(b, a)).toThrow('mul: shapes [4] and [2, 3]');
    expect(() => nt.where(nt.zeros([5], { dtype: 'bool' }), a, a)).toThrow(
      /where: shapes \[5\] and \[2, 3\]/,
    );
  });
  it('matmul', () => {
    expect(() => nt.matmul(a, nt.zeros([4, 2]))).toThrow(/matmul.*\[2, 3\].*\[4, 2\]/);
    expect(() => nt.matmul(nt.zeros([2, 2, 3]), nt.zeros([3, 3, 1]))).toThrow(/matmul.*\[2\].*\[3\]/);
  });
  it('reshape, expand, concat, stack, gather', () => {
    expect(() => a.reshape([4, 2])).toThrow('reshape: cannot reshape [2, 3] (6 values) into [4, 2]');
    expect(() => a.expand([3, 3])).toThrow(/expand.*\[2, 3\].*\[3, 3\]/);
    expect(() => nt.concat([a, nt.zeros([2, 2])], 0)).toThrow(/concat.*\[2, 2\].*\[2, 3\]/);
    expect(() => nt.stack([a, nt.zeros([3, 2])])).toThrow(/stack.*\[3, 2\].*\[2, 3\]/);
    expect(() => nt.gather(a, 1, nt.zeros([3, 1], { dtype: 'int32' }))).toThrow(/gather.*\[3, 1\].*\[2, 3\]/);
  });
  it('dtype mistakes', () => {
    expect(() => nt.indexSelect(a, 0, nt.zeros([1]))).toThrow(
      /indexSelect: indices must be int32, got float32/,
    );
    expect(() => nt.relu(nt.zeros([1], { dtype: 'int32' }))).toThrow(DTypeError);
  });
});
