import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { ValueError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

const randn = (shape: number[], seed = 1) => nt.randn(shape, { generator: new nt.Generator(seed) });
/** A shuffled grid 0.3 apart: no ties, and gaps far wider than gradcheck's eps. */
const distinct = (shape: number[], seed = 1) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return nt
    .randperm(n, { generator: new nt.Generator(seed) })
    .float()
    .sub(n / 2)
    .mul(0.3)
    .reshape(shape);
};

forEachBackend('reductions', (_b, it) => {
  it('gradcheck sum and mean over one, several and all axes', () => {
    const x = randn([2, 3, 4]);
    for (const [axis, keep] of [
      [undefined, false],
      [1, false],
      [-1, true],
      [[0, 2], false],
      [[0, 1], true],
    ] as const) {
      gradcheck((t) => nt.sum(t, axis, keep), [x]);
      gradcheck((t) => nt.mean(t, axis, keep), [x]);
    }
  });

  it('gradcheck max and min (no ties)', () => {
    const x = distinct([2, 3, 4]);
    for (const axis of [undefined, 0, 2, [0, 1]] as const) {
      gradcheck((t) => nt.max(t, axis), [x]);
      gradcheck((t) => nt.min(t, axis, true), [x]);
    }
  });

  it('max over one axis sends the gradient to the first tie (torch.max(x, dim)); amax splits it evenly', () => {
    const rows = [
      [1, 3, 3],
      [2, 0, 1],
    ];
    const x = nt.tensor(rows, { requiresGrad: true });
    nt.max(x, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const y = nt.tensor(rows, { requiresGrad: true });
    nt.amax(y, 1).sum().backward();
    expect(y.grad!.toArray()).toEqual([
      [0, 0.5, 0.5],
      [1, 0, 0],
    ]);
    const z = nt.tensor(rows, { requiresGrad: true });
    z.min(0, true)
      .mul(nt.tensor([[1, 2, 3]]))
      .sum()
      .backward();
    expect(z.grad!.toArray()).toEqual([
      [1, 0, 0],
      [0, 2, 3],
    ]);
    // over all axes (and several) the split is even, as torch.max(x) is
    const w = nt.tensor(rows, { requiresGrad: true });
    nt.max(w).backward();
    expect(w.grad!.toArray()).toEqual([
      [0, 0.5, 0.5],
      [0, 0, 0],
    ]);
  });

  it('gradcheck amax and amin', () => {
    const x = distinct([2, 3, 4]);
    for (const axis of [undefined, 1, [0, 2]] as const) {
      gradcheck((t) => nt.amax(t, axis), [x]);
      gradcheck((t) => nt.amin(t, axis, true), [x]);
    }
  });

  it('gradcheck prod, also with zeros in the slice', () => {
    gradcheck((t) => nt.prod(t, 1), [randn([3, 4], 2)]);
    gradcheck((t) => nt.prod(t), [randn([2, 3], 3)]);
    gradcheck((t) => nt.prod(t, [0, 2], true), [randn([2, 2, 3], 4)]);
    const x = nt.tensor(
      [
        [2, 0, 3],
        [0, 0, 5],
        [1, 2, 4],
      ],
      { requiresGrad: true },
    );
    nt.prod(x, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 6, 0],
      [0, 0, 0],
      [8, 4, 2],
    ]);
  });

  it('gradcheck variance, std and logsumexp', () => {
    const x = randn([3, 4], 5);
    for (const correction of [0, 1]) {
      gradcheck((t) => nt.variance(t, 1, { correction }), [x]);
      gradcheck((t) => nt.std(t, [0, 1], { correction, keepDim: true }), [x]);
      gradcheck((t) => nt.std(t, undefined, { correction }), [x]);
    }
    gradcheck((t) => nt.logsumexp(t, 1), [x]);
    gradcheck((t) => nt.logsumexp(t, [0, 1], true), [x]);
    gradcheck((t) => nt.logsumexp(t), [randn([3, 4], 6).mul(10).detach()], { rtol: 5e-2 });
  });

  it('variance matches the textbook formulas', () => {
    const x = nt.tensor([1, 2, 3, 4]);
    expect(nt.variance(x).item()).toBeCloseTo(5 / 3, 6);
    expect(nt.variance(x, 0, { correction: 0 }).item()).toBeCloseTo(1.25, 6);
    expect(nt.std(x, 0, { correction: 0 }).item()).toBeCloseTo(Math.sqrt(1.25), 6);
    expect(nt.variance(x, 0, { keepDim: true }).shape).toEqual([1]);
  });

  it('logsumexp is stable and handles -Infinity rows', () => {
    expectClose(nt.logsumexp(nt.tensor([1000, 1000])).data, [1000 + Math.log(2)]);
    const r = nt.logsumexp(
      nt.tensor([
        [-Infinity, -Infinity],
        [0, -Infinity],
      ]),
      1,
    );
    expect(Array.from(r.data)).toEqual([-Infinity, 0]);
  });

  it('argmax/argmin: flat, per axis, keepDim, first index wins ties', () => {
    const x = nt.tensor([
      [1, 9, 9],
      [7, -1, 7],
    ]);
    expect(nt.argmax(x).item()).toBe(1);
    expect(nt.argmax(x).shape).toEqual([]);
    expect(Array.from(nt.argmax(x, 1).data)).toEqual([1, 0]);
    expect(Array.from(nt.argmin(x, 0).data)).toEqual([0, 1, 1]);
    expect(nt.argmax(x, 0, true).shape).toEqual([1, 3]);
    expect(nt.argmax(x, -1).dtype).toBe('int32');
    expect(nt.argmax(nt.tensor([1, Number.NaN, 5])).item()).toBe(1);
  });

  it('reduces 0-d tensors over axis 0 or -1, like PyTorch', () => {
    const s = nt.tensor(2.5);
    expect(nt.sum(s, 0).item()).toBe(2.5);
    expect(nt.sum(s, 0).shape).toEqual([]);
    expect(nt.max(s, -1, true).shape).toEqual([]);
    expect(nt.mean(s, 0).item()).toBe(2.5);
    expect(nt.argmax(s, 0).item()).toBe(0);
    expect(() => nt.sum(s, 1)).toThrow(ValueError);
  });

  it('integer and bool reductions', () => {
    const b = nt.tensor([
      [true, false],
      [true, true],
    ]);
    expect(nt.sum(b).dtype).toBe('int32');
    expect(nt.sum(b).item()).toBe(3);
    expect(Array.from(nt.sum(b, 0).data)).toEqual([2, 1]);
    expect(nt.mean(b).item()).toBe(0.75);
    const i = nt.tensor([3, -4, 5], { dtype: 'int32' });
    expect(nt.max(i).dtype).toBe('int32');
    expect(nt.prod(i).item()).toBe(-60);
    expect(nt.variance(i).item()).toBeCloseTo(67 / 3, 5);
  });

  it('errors and empty reductions', () => {
    const x = nt.zeros([2, 0]);
    expect(nt.sum(x, 1).toArray()).toEqual([0, 0]);
    expect(nt.prod(x, 1).toArray()).toEqual([1, 1]);
    expect(() => nt.max(x, 1)).toThrow(/max: cannot reduce over an empty axis/);
    expect(() => nt.argmax(x, 1)).toThrow(ValueError);
    expect(() => nt.sum(nt.zeros([2, 3]), [0, 0])).toThrow(/repeated axis/);
    expect(() => nt.sum(nt.zeros([2, 3]), 2)).toThrow(/sum: axis 2 is out of range for a tensor of rank 2/);
  });

  it('sum accumulates accurately', () => {
    const n = 100_000;
    expect(nt.sum(nt.full([n], 0.1)).item()).toBeCloseTo(n * 0.1, 1);
    // a strided reduction too (inner > 1)
    expect(Array.from(nt.sum(nt.full([n, 2], 0.1), 0).data).map((v) => Math.round(v))).toEqual([
      10_000, 10_000,
    ]);
  });
});
