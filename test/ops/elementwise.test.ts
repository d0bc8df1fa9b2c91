import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { DTypeError, ValueError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

const g = () => new nt.Generator(42);
const randn = (shape: number[], gen = g()) => nt.randn(shape, { generator: gen });
/** Uniform in [0.5, 2): positive and away from 0. */
const pos = (shape: number[], gen = g()) => nt.rand(shape, { generator: gen }).mul(1.5).add(0.5);
/** Random sign times [0.5, 2): away from 0 and from every kink at 0. */
const away = (shape: number[], gen = g()) =>
  pos(shape, gen).mul(nt.where(nt.rand(shape, { generator: gen }).lt(0.5), -1, 1));

forEachBackend('elementwise ops', (_b, it) => {
  it('gradcheck add/sub/mul/div with broadcasting', () => {
    const gen = g();
    gradcheck((a, b) => nt.add(a, b), [randn([2, 3], gen), randn([3], gen)]);
    gradcheck((a, b) => nt.sub(a, b), [randn([3, 1], gen), randn([1, 4], gen)]);
    gradcheck((a, b) => nt.mul(a, b), [randn([2, 1, 3], gen), randn([4, 1], gen)]);
    gradcheck((a, b) => nt.div(a, b), [randn([2, 3], gen), away([2, 3], gen)]);
    gradcheck((a, b) => nt.div(a, b), [randn([2, 3], gen), away([], gen)]);
    gradcheck((b) => nt.div(3, b), [away([4], gen)]);
    gradcheck((a) => nt.sub(1, a), [randn([4], gen)]);
  });

  it('gradcheck pow in both operands', () => {
    const gen = g();
    gradcheck((a, b) => nt.pow(a, b), [pos([2, 3], gen), randn([2, 3], gen)]);
    gradcheck((a) => nt.pow(a, 3), [randn([5], gen)]);
    gradcheck((b) => nt.pow(2, b), [randn([5], gen)]);
  });

  it('pow gradient at a zero base follows PyTorch', () => {
    const x = nt.tensor([0, 0, 2], { requiresGrad: true });
    const y = nt.tensor([2, 1, 3], { requiresGrad: true });
    nt.pow(x, y).sum().backward();
    // d/dx x^y = y·x^(y-1): 0 for y = 2 at 0, 1 for y = 1 at 0; d/dy x^y = x^y·ln x, taken as 0 at x = 0
    expect(Array.from(x.grad!.data)).toEqual([0, 1, 12]);
    expectClose(y.grad!.data, [0, 0, 8 * Math.log(2)]);
  });

  it('integer pow refuses negative exponents, as PyTorch does', () => {
    const i = nt.tensor([2, 3], { dtype: 'int32' });
    expect(Array.from(nt.pow(i, 2).data)).toEqual([4, 9]);
    expect(() => nt.pow(i, -1)).toThrow(ValueError);
    expect(nt.pow(i, -1.5).dtype).toBe('float32');
  });

  it('gradcheck the unary ops', () => {
    const gen = g();
    gradcheck((x) => nt.neg(x), [randn([4], gen)]);
    gradcheck((x) => nt.exp(x), [randn([2, 3], gen)]);
    gradcheck((x) => nt.log(x), [pos([2, 3], gen)]);
    gradcheck((x) => nt.sqrt(x), [pos([2, 3], gen)]);
    gradcheck((x) => nt.abs(x), [away([2, 3], gen)]);
    gradcheck((x) => nt.square(x), [randn([2, 3], gen)]);
    gradcheck((x) => nt.reciprocal(x), [away([2, 3], gen)]);
    gradcheck((x) => nt.sin(x), [randn([2, 3], gen)]);
    gradcheck((x) => nt.cos(x), [randn([2, 3], gen)]);
  });

  it('abs has gradient 0 at 0 and sign is not differentiable', () => {
    const x = nt.tensor([-2, 0, 3], { requiresGrad: true });
    nt.abs(x).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([-1, 0, 1]);
    expect(nt.sign(x).requiresGrad).toBe(false);
    expect(Array.from(nt.sign(x).data)).toEqual([-1, 0, 1]);
    expect(nt.floor(x).requiresGrad).toBe(false);
  });

  it('gradcheck clamp; the gradient passes inside the bounds, boundaries included', () => {
    const gen = g();
    const x = nt.tensor([-2, -0.7, 0.1, 0.45, 1.9]);
    gradcheck((t) => nt.clamp(t, -1, 1), [x]);
    gradcheck((t) => nt.clamp(t, undefined, 0), [randn([5], gen).add(0.5)]);
    const b = nt.tensor([-1, -0.5, 1, 2], { requiresGrad: true });
    nt.clamp(b, -1, 1).sum().backward();
    expect(Array.from(b.grad!.data)).toEqual([1, 1, 1, 0]);
    expect(() => nt.clamp(b, Number.NaN)).toThrow(ValueError);
    expect(() => nt.clamp(b)).toThrow(/clamp: give at least one of min and max/);
    expect(() => nt.clamp(b, null, undefined)).toThrow(/clamp: give at least one of min and max/);
    expect(() => b.clamp()).toThrow(ValueError);
  });

  it('clamp keeps integer tensors integer when the bounds are integers', () => {
    const i = nt.tensor([-5, 0, 2_000_000_001], { dtype: 'int32' });
    const c = nt.clamp(i, -1);
    expect(c.dtype).toBe('int32');
    expect(Array.from(c.data)).toEqual([-1, 0, 2_000_000_001]);
    expect(nt.clamp(i, -1.5, 2).dtype).toBe('float32');
  });

  it('gradcheck maximum/minimum; ties split the gradient evenly', () => {
    const gen = g();
    gradcheck((a, b) => nt.maximum(a, b), [randn([3, 1], gen), randn([1, 4], gen)]);
    gradcheck((a, b) => nt.minimum(a, b), [randn([2, 3], gen), randn([3], gen)]);
    const a = nt.tensor([1, 2, 3], { requiresGrad: true });
    const b = nt.tensor([3, 2, 1], { requiresGrad: true });
    nt.maximum(a, b).sum().backward();
    expect(Array.from(a.grad!.data)).toEqual([0, 0.5, 1]);
    expect(Array.from(b.grad!.data)).toEqual([1, 0.5, 0]);
  });

  it('maximum/minimum propagate NaN', () => {
    const m = nt.maximum(nt.tensor([Number.NaN, 1]), nt.tensor([0, Number.NaN]));
    expect(Array.from(m.data).every(Number.isNaN)).toBe(true);
    const n = nt.minimum(nt.tensor([Number.NaN, 1]), nt.tensor([0, Number.NaN]));
    expect(Array.from(n.data).every(Number.isNaN)).toBe(true);
  });

  it('gradcheck where in both branches', () => {
    const gen = g();
    const c = nt.tensor([[true], [false], [true]]);
    gradcheck((a, b) => nt.where(c, a, b), [randn([3, 4], gen), randn([4], gen)]);
    gradcheck((a) => nt.where(c, a, 0), [randn([3, 2], gen)]);
  });

  it('comparisons return bool and are not recorded', () => {
    const a = nt.tensor([1, 2, 3], { requiresGrad: true });
    const r = nt.lt(a, 2);
    expect(r.dtype).toBe('bool');
    expect(r.requiresGrad).toBe(false);
    expect(r.toArray()).toEqual([true, false, false]);
    expect(nt.ge(a, nt.tensor([[1], [3]])).toArray()).toEqual([
      [true, true, true],
      [false, false, true],
    ]);
    expect(nt.eq(nt.tensor([true, false]), 1).toArray()).toEqual([true, false]);
    expect(nt.eq(nt.tensor([true, false]), 2).toArray()).toEqual([false, false]);
    expect(nt.ne(nt.tensor([0.5]), 0.5).toArray()).toEqual([false]);
  });

  it('logical ops', () => {
    const a = nt.tensor([true, true, false, false]);
    const b = nt.tensor([true, false, true, false]);
    expect(nt.logicalAnd(a, b).toArray()).toEqual([true, false, false, false]);
    expect(nt.logicalOr(a, b).toArray()).toEqual([true, true, true, false]);
    expect(nt.logicalNot(a).toArray()).toEqual([false, false, true, true]);
    expect(nt.logicalNot(nt.tensor([0, 2.5])).toArray()).toEqual([true, false]);
  });

  it('dtype promotion follows PyTorch for tensors and plain numbers', () => {
    const i = nt.tensor([1, 2, 3], { dtype: 'int32' });
    const b = nt.tensor([true, false, true]);
    expect(nt.add(i, 1).dtype).toBe('int32');
    expect(nt.add(i, 0.5).dtype).toBe('float32');
    expect(nt.div(i, 2).dtype).toBe('float32');
    expect(Array.from(nt.div(i, 2).data)).toEqual([0.5, 1, 1.5]);
    expect(nt.add(i, nt.ones([3])).dtype).toBe('float32');
    expect(nt.mul(b, -3).dtype).toBe('int32');
    expect(Array.from(nt.mul(b, -3).data)).toEqual([-3, 0, -3]);
    expect(nt.add(b, b).dtype).toBe('bool');
    expect(nt.add(b, b).toArray()).toEqual([true, false, true]);
    expect(nt.mul(b, nt.tensor([true, true, false])).toArray()).toEqual([true, false, false]);
    expect(() => nt.sub(b, b)).toThrow(DTypeError);
    expect(nt.neg(i).dtype).toBe('int32');
    expect(nt.exp(i).dtype).toBe('float32');
    expect(nt.abs(nt.tensor([-2, 2], { dtype: 'int32' })).toArray()).toEqual([2, 2]);
  });

  it('results do not alias inputs', () => {
    const x = nt.tensor([1, 2]);
    const y = nt.add(x, 0);
    y.data[0] = 5;
    expect(x.data[0]).toBe(1);
  });
});

forEachBackend('elementwise kernels', (backend, it) => {
  it('clamp with lo > hi gives hi, as torch.clamp does, and keeps NaN', () => {
    const out = new Float32Array(3);
    backend.clamp(Float32Array.from([-5, 0.5, Number.NaN]), 1, 0, out);
    expect(Array.from(out.slice(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(out[2])).toBe(true);
    expect(Array.from(nt.clamp(nt.tensor([-5, 5]), 2, 1).data)).toEqual([1, 1]);
  });

  it('rounding and sign keep integer dtypes', () => {
    const i = nt.tensor([-3, 0, 4], { dtype: 'int32' });
    for (const f of [nt.floor, nt.ceil, nt.round]) {
      const r = f(i);
      expect(r.dtype).toBe('int32');
      expect(Array.from(r.data)).toEqual([-3, 0, 4]);
      expect(r.data).not.toBe(i.data);
    }
    expect(nt.sign(i).dtype).toBe('int32');
    expect(Array.from(nt.sign(i).data)).toEqual([-1, 0, 1]);
    expect(Array.from(nt.round(nt.tensor([0.5, 1.5, 2.5, -0.5, -2.5, 2.7])).data)).toEqual([
      0, 2, 2, -0, -2, 3,
    ]);
  });

  it('binary broadcasting kernel visits every element in order', () => {
    const out = new Float32Array(24);
    backend.binary(
      'sub',
      Float32Array.from({ length: 6 }, (_, k) => k * 10),
      [2, 1, 3],
      Float32Array.from({ length: 4 }, (_, k) => k),
      [4, 1],
      out,
      [2, 4, 3],
    );
    const expected: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 4; j++) for (let k = 0; k < 3; k++) expected.push((i * 3 + k) * 10 - j);
    expect(Array.from(out)).toEqual(expected);
  });

  it('pow at base 0: x^0 has base gradient 0; the exponent gradient is 0 only where the exponent is >= 0', () => {
    const a = nt.tensor([0, 0, 0, 0], { requiresGrad: true });
    const b = nt.tensor([0, 1, 2, -1], { requiresGrad: true });
    nt.pow(a, b).sum().backward();
    expect(Array.from(a.grad!.data)).toEqual([0, 1, 0, Number.NEGATIVE_INFINITY]);
    const gb = Array.from(b.grad!.data);
    expect(gb.slice(0, 3)).toEqual([0, 0, 0]);
    // 0^-1 = inf and ln 0 = -inf: PyTorch leaves this -inf rather than calling it 0
    expect(gb[3]).toBe(Number.NEGATIVE_INFINITY);
    const c = nt.tensor([0, 2], { requiresGrad: true });
    nt.pow(c, 0).sum().backward();
    expect(Array.from(c.grad!.data)).toEqual([0, 0]);
  });
});
