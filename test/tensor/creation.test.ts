import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { DTypeError, ShapeError, ValueError } from '../../src/index.js';

describe('tensor()', () => {
  it('infers the shape of nested arrays and stores row-major float32', () => {
    const t = nt.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('makes a 0-d tensor from a number and an empty 1-d tensor from []', () => {
    const s = nt.tensor(2.5);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(2.5);
    const e = nt.tensor([]);
    expect(e.shape).toEqual([0]);
    expect(e.size).toBe(0);
  });

  it('infers bool from booleans and honours an explicit dtype', () => {
    const b = nt.tensor([true, false, true]);
    expect(b.dtype).toBe('bool');
    expect(b.toArray()).toEqual([true, false, true]);
    const i = nt.tensor([1.7, -2.7, 3], { dtype: 'int32' });
    expect(i.dtype).toBe('int32');
    // float → int truncates toward zero, as torch.tensor(..., dtype=torch.int32) does
    expect(Array.from(i.data)).toEqual([1, -2, 3]);
  });

  it('stores bool values as 0/1 whatever numbers it is given', () => {
    expect(Array.from(nt.tensor([0, 2, -1, 0.5], { dtype: 'bool' }).data)).toEqual([0, 1, 1, 1]);
    expect(Array.from(nt.tensor(new Float32Array([0, 3]), { dtype: 'bool' }).data)).toEqual([0, 1]);
    expect(Array.from(nt.full([2], 7, { dtype: 'bool' }).data)).toEqual([1, 1]);
  });

  it('takes a flat array or typed array with a shape', () => {
    const t = nt.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const f = new Float32Array([1, 2, 3, 4]);
    const u = nt.tensor(f, [2, 2]);
    expect(u.data).toBe(f); // no copy for a typed array of the requested dtype
    expect(nt.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(nt.tensor(new Uint8Array([1, 0])).dtype).toBe('bool');
    const converted = nt.tensor(new Int32Array([1, 2]), { dtype: 'float32' });
    expect(converted.data).toBeInstanceOf(Float32Array);
  });

  it('rejects ragged arrays, naming where', () => {
    expect(() => nt.tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => nt.tensor([[1, 2], [3]])).toThrow(/ragged.*\[1\]/);
    expect(() => nt.tensor([1, [2]] as never)).toThrow(ShapeError);
    expect(() => nt.tensor([[1], 2] as never)).toThrow(/ragged/);
  });

  it('rejects values that do not fill the shape and non-numbers', () => {
    expect(() => nt.tensor([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
    expect(() => nt.tensor(new Float32Array(5), [2, 2])).toThrow(ShapeError);
    expect(() => nt.tensor(['a'] as never)).toThrow(ValueError);
    expect(() => nt.tensor([1, 2], [-1, -2])).toThrow(ValueError);
  });

  it('requiresGrad only for float32', () => {
    expect(nt.tensor([1, 2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(() => nt.tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(DTypeError);
  });
});

describe('filled tensors', () => {
  it('full, zeros, ones, scalar', () => {
    expect(nt.full([2, 2], 3.5).toArray()).toEqual([
      [3.5, 3.5],
      [3.5, 3.5],
    ]);
    expect(Array.from(nt.zeros([3]).data)).toEqual([0, 0, 0]);
    expect(nt.ones([2], { dtype: 'int32' }).dtype).toBe('int32');
    expect(nt.scalar(4).shape).toEqual([]);
    expect(nt.zeros([0, 3]).size).toBe(0);
    expect(() => nt.zeros([2, 1.5])).toThrow(/zeros|full/);
  });

  it('*Like copies shape and dtype, and lets options override', () => {
    const i = nt.tensor([[1, 2, 3]], { dtype: 'int32' });
    const z = nt.zerosLike(i);
    expect(z.shape).toEqual([1, 3]);
    expect(z.dtype).toBe('int32');
    expect(nt.onesLike(i, { dtype: 'float32' }).dtype).toBe('float32');
    expect(Array.from(nt.fullLike(i, 7).data)).toEqual([7, 7, 7]);
    const r = nt.randLike(nt.zeros([2, 2]));
    expect(r.shape).toEqual([2, 2]);
    expect(nt.randnLike(nt.zeros([3])).shape).toEqual([3]);
    const ri = nt.randintLike(nt.zeros([4]), 0, 3);
    expect(ri.dtype).toBe('int32');
    expect(ri.shape).toEqual([4]);
  });

  it('arange counts like torch.arange, in int32 when start, end and step are integers', () => {
    const a = nt.arange(5);
    expect(a.dtype).toBe('int32');
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(nt.arange(2, 10, 3).data)).toEqual([2, 5, 8]);
    expect(Array.from(nt.arange(5, 0, -2).data)).toEqual([5, 3, 1]);
    expect(nt.arange(3, 3).size).toBe(0);
    const f = nt.arange(0, 1, 0.25);
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.data)).toEqual([0, 0.25, 0.5, 0.75]);
    // a fractional end makes the result float, as torch.arange(0, 2.5) does
    const e = nt.arange(0, 2.5);
    expect(e.dtype).toBe('float32');
    expect(Array.from(e.data)).toEqual([0, 1, 2]);
    expect(nt.arange(4, undefined, 1, { dtype: 'float32' }).dtype).toBe('float32');
    expect(() => nt.arange(0, 5, 0)).toThrow(ValueError);
  });

  it('linspace includes both ends', () => {
    expect(Array.from(nt.linspace(0, 1, 5).data)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(nt.linspace(2, 3, 1).data)).toEqual([2]);
    expect(nt.linspace(0, 1, 0).size).toBe(0);
    expect(Array.from(nt.linspace(-1, 1, 3).data)).toEqual([-1, 0, 1]);
    expect(() => nt.linspace(0, 1, -1)).toThrow(ValueError);
  });

  it('eye', () => {
    expect(nt.eye(2).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(nt.eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(nt.eye(3, 2, { dtype: 'int32' }).dtype).toBe('int32');
  });
});

describe('dtype options', () => {
  it('*Like keeps the dtype when options leave it undefined', () => {
    const i = nt.tensor([1, 2], { dtype: 'int32' });
    expect(nt.zerosLike(i, { dtype: undefined }).dtype).toBe('int32');
    expect(nt.onesLike(i, { requiresGrad: false }).dtype).toBe('int32');
  });
  it('linspace honours dtype', () => {
    const l = nt.linspace(0, 10, 4, { dtype: 'int32' });
    expect(l.dtype).toBe('int32');
    expect(Array.from(l.data)).toEqual([0, 3, 6, 10]);
  });
});
