import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';

const { makeCircles, makeMoons, makeXor, makeSpirals, makeBlobs } = nt.data;

const points = (x: nt.Tensor) => x.toArray() as number[][];
const counts = (y: nt.Tensor, k: number) => {
  const c = new Array<number>(k).fill(0);
  for (const v of y.data) c[v]++;
  return c;
};

const makers = {
  makeCircles: (o: nt.data.ToyOptions) => makeCircles(o),
  makeMoons: (o: nt.data.ToyOptions) => makeMoons(o),
  makeXor: (o: nt.data.ToyOptions) => makeXor(o),
  makeSpirals: (o: nt.data.ToyOptions) => makeSpirals({ ...o, classes: 3 }),
  makeBlobs: (o: nt.data.ToyOptions) => makeBlobs({ ...o, centers: 3 }),
};

describe('toy sets: shapes and determinism', () => {
  for (const [name, make] of Object.entries(makers)) {
    it(name, () => {
      const a = make({ n: 61, noise: 0.1, seed: 3 });
      expect(a.x.shape).toEqual([61, 2]);
      expect(a.x.dtype).toBe('float32');
      expect(a.y.shape).toEqual([61]);
      expect(a.y.dtype).toBe('int32');
      const b = make({ n: 61, noise: 0.1, seed: 3 });
      expect(b.x.data).toEqual(a.x.data);
      expect(b.y.data).toEqual(a.y.data);
      expect(make({ n: 61, noise: 0.1, seed: 4 }).x.data).not.toEqual(a.x.data);
      const g = new nt.Generator(3);
      expect(make({ n: 61, noise: 0.1, generator: g }).x.data).toEqual(a.x.data);
      expect(a.x.data.every(Number.isFinite)).toBe(true);
      expect(() => make({ n: 0 })).toThrow(nt.ValueError);
    });
  }
});

describe('toy sets: geometry', () => {
  it('makeCircles: outer circle radius 1 is class 0, inner radius factor is class 1', () => {
    const { x, y } = makeCircles({ n: 101, factor: 0.3, seed: 0 });
    expect(counts(y, 2)).toEqual([50, 51]);
    points(x).forEach(([a, b], i) => {
      expect(Math.hypot(a, b)).toBeCloseTo(y.data[i] === 0 ? 1 : 0.3, 5);
    });
    expect(() => makeCircles({ factor: 1 })).toThrow(/factor must be in \[0, 1\)/);
  });

  it('makeMoons: points on the two half circles, unshuffled order as scikit-learn', () => {
    const { x, y } = makeMoons({ n: 5, shuffle: false, seed: 0 });
    expect(y.toList()).toEqual([0, 0, 1, 1, 1]);
    const expected = [
      [1, 0],
      [-1, 0],
      [0, 0.5],
      [1, -0.5],
      [2, 0.5],
    ];
    points(x).forEach((p, i) => {
      expect(p[0]).toBeCloseTo(expected[i][0], 6);
      expect(p[1]).toBeCloseTo(expected[i][1], 6);
    });
  });

  it('makeXor: class 1 exactly where the signs differ (without noise)', () => {
    const { x, y } = makeXor({ n: 400, seed: 1 });
    points(x).forEach(([a, b], i) => {
      expect(Math.abs(a) <= 1 && Math.abs(b) <= 1).toBe(true);
      expect(y.data[i]).toBe(a > 0 !== b > 0 ? 1 : 0);
    });
    const [zeros, ones] = counts(y, 2);
    expect(Math.abs(zeros - ones)).toBeLessThan(60);
  });

  it('makeSpirals: arms of equal size within radius 1, rotated by 2π/classes', () => {
    const { x, y } = makeSpirals({ n: 90, classes: 3, shuffle: false, seed: 0 });
    expect(counts(y, 3)).toEqual([30, 30, 30]);
    const p = points(x);
    for (const [a, b] of p) expect(Math.hypot(a, b)).toBeLessThanOrEqual(1 + 1e-6);
    // the same radius on arm 1 sits 120° further round than on arm 0
    const angle = ([a, b]: number[]) => Math.atan2(b, a);
    const turn = (((angle(p[30 + 10]) - angle(p[10])) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
    expect(turn).toBeCloseTo((2 * Math.PI) / 3, 5);
    expect(counts(makeSpirals({ n: 10, classes: 4, seed: 0 }).y, 4)).toEqual([3, 3, 2, 2]);
  });

  it('makeBlobs: clusters around given centres with the given spread', () => {
    const centers = [
      [0, 0],
      [10, 10],
      [-10, 5],
    ];
    const { x, y } = makeBlobs({ n: 3000, centers, std: [0.5, 1, 2], seed: 2 });
    expect(counts(y, 3)).toEqual([1000, 1000, 1000]);
    const p = points(x);
    centers.forEach((c, k) => {
      const mine = p.filter((_, i) => y.data[i] === k);
      const mean = [0, 1].map((d) => mine.reduce((s, q) => s + q[d], 0) / mine.length);
      const sd = Math.sqrt(mine.reduce((s, q) => s + (q[0] - mean[0]) ** 2, 0) / mine.length);
      expect(mean[0]).toBeCloseTo(c[0], 0);
      expect(mean[1]).toBeCloseTo(c[1], 0);
      expect(sd).toBeCloseTo([0.5, 1, 2][k], 0);
    });
    const random = makeBlobs({ n: 12, centers: 4, features: 5, seed: 0 });
    expect(random.x.shape).toEqual([12, 5]);
    expect(() => makeBlobs({ centers: [[0, 0], [1]] })).toThrow(/centre 1/);
    expect(() => makeBlobs({ std: [1, 2] })).toThrow(/one per centre \(3\)/);
  });

  it('noise perturbs points by about its standard deviation', () => {
    const clean = makeCircles({ n: 2000, seed: 5, shuffle: false });
    const noisy = makeCircles({ n: 2000, seed: 5, shuffle: false, noise: 0.1 });
    let sq = 0;
    for (let i = 0; i < clean.x.size; i++) sq += (noisy.x.data[i] - clean.x.data[i]) ** 2;
    expect(Math.sqrt(sq / clean.x.size)).toBeCloseTo(0.1, 2);
    expect(() => makeMoons({ noise: -1 })).toThrow(/noise must be/);
  });

  it('draws from the global generator when no seed is given', () => {
    nt.manualSeed(11);
    const a = makeXor({ n: 5 });
    nt.manualSeed(11);
    expect(makeXor({ n: 5 }).x.data).toEqual(a.x.data);
  });
});
