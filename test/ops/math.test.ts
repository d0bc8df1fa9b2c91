/**
 * The elementwise math composed from primitives (src/ops/math.ts): gradients against finite differences, and
 * the edges the PyTorch fixture cannot hold (NaN and infinities do not go into JSON).
 */
import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { ValueError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';

const gen = (seed: number) => new nt.Generator(seed);
const uniform = (shape: number[], lo: number, hi: number, seed: number) =>
  nt
    .rand(shape, { generator: gen(seed) })
    .mul(hi - lo)
    .add(lo);
const NAN = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

forEachBackend('elementwise math', (_b, it) => {
  it('gradcheck the unary functions inside their domains', () => {
    const cases: [(t: nt.Tensor) => nt.Tensor, number, number][] = [
      [nt.tan, -1.2, 1.2],
      [nt.atan, -4, 4],
      [nt.asin, -0.9, 0.9],
      [nt.acos, -0.9, 0.9],
      [nt.sinh, -3, 3],
      [nt.cosh, -3, 3],
      [nt.asinh, -4, 4],
      [nt.acosh, 1.2, 5],
      [nt.atanh, -0.85, 0.85],
      [nt.log2, 0.3, 6],
      [nt.log10, 0.3, 6],
      [nt.log1p, -0.8, 4],
      [nt.expm1, -3, 3],
      [nt.rsqrt, 0.3, 5],
      [nt.erf, -2.5, 2.5],
      [nt.erfinv, -0.9, 0.9],
    ];
    cases.forEach(([f, lo, hi], i) => {
      gradcheck((t) => f(t), [uniform([8], lo, hi, i + 1)], { eps: 1e-3, atol: 5e-3, rtol: 2e-2 });
    });
  });

  it('gradcheck the binary functions', () => {
    const a = uniform([2, 4], -5, 5, 11);
    const b = uniform([4], 0.6, 2, 12).mul(nt.tensor([1, -1, 1, -1]));
    gradcheck((x, y) => nt.remainder(x, y), [a, b], { eps: 1e-3 });
    gradcheck((x, y) => nt.fmod(x, y), [a, b], { eps: 1e-3 });
    gradcheck((y, x) => nt.atan2(y, x), [uniform([2, 4], -2, 2, 13), uniform([4], -2, 2, 14)]);
    gradcheck((x, y) => nt.logaddexp(x, y), [uniform([2, 4], -4, 4, 15), uniform([2, 4], -4, 4, 16)]);
    gradcheck((x) => nt.copysign(x, b), [a]);
  });

  it('sign gives 0 for NaN, as torch.sign; trunc rounds toward zero', () => {
    expect(Array.from(nt.sign(nt.tensor([NAN, -0.5, 0, 3, -INF])).data)).toEqual([0, -1, 0, 1, -1]);
    expect(Array.from(nt.trunc(nt.tensor([-1.7, 1.7, -0.2])).data)).toEqual([-1, 1, -0]);
  });

  it('isnan, isinf, isfinite; isclose with NaN and infinities', () => {
    const x = nt.tensor([NAN, INF, -INF, 0, 1.5]);
    expect(nt.isnan(x).toArray()).toEqual([true, false, false, false, false]);
    expect(nt.isinf(x).toArray()).toEqual([false, true, true, false, false]);
    expect(nt.isfinite(x).toArray()).toEqual([false, false, false, true, true]);
    const i = nt.tensor([1, -2], { dtype: 'int32' });
    expect(nt.isfinite(i).toArray()).toEqual([true, true]);
    expect(nt.isinf(i).toArray()).toEqual([false, false]);
    const y = nt.tensor([NAN, INF, INF, 1e-9, 1.5]);
    expect(nt.isclose(x, y).toArray()).toEqual([false, true, false, true, true]);
    expect(nt.isclose(x, y, { equalNan: true }).toArray()).toEqual([true, true, false, true, true]);
    expect(nt.allclose(nt.tensor([1, 2]), nt.tensor([1, 2.000001]))).toBe(true);
    expect(nt.allclose(nt.tensor([1, 2]), nt.tensor([1, 2.1]))).toBe(false);
    expect(() => nt.isclose(x, y, { rtol: -1 })).toThrow(/isclose: rtol and atol must be non-negative/);
  });

  it('the edges of the domains: infinities and NaN as PyTorch', () => {
    expect(Array.from(nt.erfinv(nt.tensor([1, -1, 1.5])).data)).toEqual([INF, -INF, NAN]);
    expect(Array.from(nt.atanh(nt.tensor([1, -1])).data)).toEqual([INF, -INF]);
    expect(Array.from(nt.log1p(nt.tensor([-1, INF])).data)).toEqual([-INF, INF]);
    expect(Array.from(nt.expm1(nt.tensor([INF, -INF])).data)).toEqual([INF, -1]);
    expect(Number.isNaN(nt.asin(nt.tensor([1.5])).data[0])).toBe(true);
    const ends = Array.from(nt.atan(nt.tensor([INF, -INF])).data);
    expect(ends.map((v) => Math.abs(Math.abs(v) - Math.PI / 2) < 1e-6)).toEqual([true, true]);
    expect(Array.from(nt.atan2(nt.tensor([0, 1]), nt.tensor([0, 0])).data)[0]).toBe(0);
    expect(Array.from(nt.logaddexp(nt.tensor([-INF, INF]), nt.tensor([-INF, INF])).data)).toEqual([
      -INF,
      INF,
    ]);
  });

  it('integer remainders stay integers and refuse division by zero', () => {
    const a = nt.tensor([-7, 7, 5], { dtype: 'int32' });
    const b = nt.tensor([2, -2, 5], { dtype: 'int32' });
    expect(nt.remainder(a, b).dtype).toBe('int32');
    expect(nt.remainder(a, b).toArray()).toEqual([1, -1, 0]);
    expect(nt.fmod(a, b).toArray()).toEqual([-1, 1, 0]);
    expect(nt.floorDivide(a, b).toArray()).toEqual([-4, -4, 1]);
    expect(() => nt.remainder(a, nt.tensor([1, 0, 1], { dtype: 'int32' }))).toThrow(ValueError);
    expect(() => nt.floorDivide(a, 0)).toThrow(/floorDivide: integer division by zero/);
  });

  it('remainder stays in range where the float quotient rounds across an integer', () => {
    // 0.3 / 0.1 is 2.9999998 in float32 arithmetic on some inputs and 3.0000002 on others
    const a = nt.tensor([0.3, -0.3, 0.7, 1e6 + 0.5]);
    const b = nt.tensor([0.1, 0.1, -0.1, 3]);
    const r = Array.from(nt.remainder(a, b).data);
    const bs = Array.from(b.data);
    r.forEach((v, i) => {
      expect(Math.abs(v) < Math.abs(bs[i]) && (v === 0 || Math.sign(v) === Math.sign(bs[i]))).toBe(true);
    });
  });

  it('any and all', () => {
    const m = nt.tensor([
      [0, 0, 1],
      [2, 3, 4],
    ]);
    expect(nt.any(m).item()).toBe(1);
    expect(nt.all(m, 1).toArray()).toEqual([false, true]);
    expect(nt.any(m, 0, true).toArray()).toEqual([[true, true, true]]);
  });
});

forEachBackend('math methods', (_b, it) => {
  it('the tensor methods call the ops', () => {
    const x = nt.tensor([0.25, -0.5, 0.75]);
    expect(Array.from(x.atan().data)).toEqual(Array.from(nt.atan(x).data));
    expect(Array.from(x.log1p().data)).toEqual(Array.from(nt.log1p(x).data));
    expect(Array.from(x.remainder(0.3).data)).toEqual(Array.from(nt.remainder(x, 0.3).data));
    expect(x.isfinite().all().item()).toBe(1);
    expect(() => (x.erf as (...a: unknown[]) => nt.Tensor)(1)).toThrow(/erf: unexpected extra argument 1/);
  });
});
