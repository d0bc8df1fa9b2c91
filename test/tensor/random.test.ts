import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { ValueError } from '../../src/index.js';

function draws(): number[][] {
  return [
    Array.from(nt.rand([5]).data),
    Array.from(nt.randn([5]).data),
    Array.from(nt.randint(-3, 7, [5]).data),
    Array.from(nt.randperm(8).data),
  ];
}

describe('seeded random generation', () => {
  it('manualSeed replays the same rand/randn/randint/randperm sequence', () => {
    nt.manualSeed(1234);
    const first = draws();
    nt.manualSeed(1234);
    expect(draws()).toEqual(first);
  });

  it('different seeds give different numbers', () => {
    nt.manualSeed(1);
    const a = draws();
    nt.manualSeed(2);
    const b = draws();
    for (let i = 0; i < 3; i++) expect(b[i]).not.toEqual(a[i]);
  });

  it('seeds beyond 32 bits and negative seeds do not collide with small ones', () => {
    const first = (seed: number) => new nt.Generator(seed).nextUint32();
    const seeds = [0, 1, -1, 2 ** 32, 2 ** 32 + 1, -(2 ** 32), 2 ** 40, 123456789];
    const values = seeds.map(first);
    expect(new Set(values).size).toBe(seeds.length);
    expect(first(7)).toBe(first(7));
  });

  it('Generator objects are independent of each other and of the default generator', () => {
    const g1 = new nt.Generator(7);
    const g2 = new nt.Generator(7);
    nt.manualSeed(7);
    const fromDefault = Array.from(nt.rand([4]).data);
    const a = Array.from(nt.rand([4], { generator: g1 }).data);
    // drawing from g1 and the default generator did not move g2
    expect(Array.from(nt.rand([4], { generator: g2 }).data)).toEqual(a);
    expect(fromDefault).toEqual(a);
    nt.manualSeed(7);
    nt.rand([4], { generator: g1 });
    expect(Array.from(nt.rand([4]).data)).toEqual(a); // g1's draw did not move the default generator
  });

  it('getState/setState resume a sequence, including a pending normal', () => {
    const g = new nt.Generator(3);
    g.normal();
    const state = g.getState();
    const next = [g.normal(), g.normal(), g.random()];
    const h = new nt.Generator(99);
    h.setState(state);
    expect([h.normal(), h.normal(), h.random()]).toEqual(next);
  });

  it('rand is in [0, 1), randint in [low, high), randperm a permutation', () => {
    const g = new nt.Generator(5);
    const r = nt.rand([1000], { generator: g }).data;
    expect(Math.min(...r)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r)).toBeLessThan(1);
    const i = nt.randint(-2, 3, [1000], { generator: g }).data;
    expect(new Set(i)).toEqual(new Set([-2, -1, 0, 1, 2]));
    const p = Array.from(nt.randperm(20, { generator: g }).data);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, k) => k));
    expect(p).not.toEqual([...p].sort((x, y) => x - y));
  });

  it('randn has mean ≈ 0 and std ≈ 1 over 1e5 draws', () => {
    const x = nt.randn([100_000], { generator: new nt.Generator(11) }).data;
    let s = 0;
    let s2 = 0;
    for (const v of x) {
      s += v;
      s2 += v * v;
    }
    const mean = s / x.length;
    const std = Math.sqrt(s2 / x.length - mean * mean);
    // the standard error of the mean is 1/√1e5 ≈ 0.003
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
    // and the tails are normal: about 4.55% beyond 2σ
    const beyond = x.filter((v) => Math.abs(v) > 2).length / x.length;
    expect(Math.abs(beyond - 0.0455)).toBeLessThan(0.004);
  });

  it('rejects bad arguments', () => {
    expect(() => nt.randint(3, 3, [2])).toThrow(ValueError);
    expect(() => nt.randint(0.5, 3, [2])).toThrow(ValueError);
    expect(() => nt.randperm(-1)).toThrow(ValueError);
    expect(() => nt.randperm(2.5)).toThrow(ValueError);
    expect(() => nt.rand([2], { dtype: 'int32' })).toThrow(/rand/);
    expect(() => nt.manualSeed(Number.NaN)).toThrow(ValueError);
  });
});
