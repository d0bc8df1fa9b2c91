/**
 * Cumulative, sorting and einsum ops (src/ops/cumulative.ts, sort.ts, einsum.ts): finite-difference gradients,
 * tie and NaN rules, method forms and errors. Values and gradients against PyTorch are in test/fixtures/ops.json.
 */
import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';

const randn = (shape: number[], seed = 1) => nt.randn(shape, { generator: new nt.Generator(seed) });
/** Shuffled values 0.37 apart: no two closer than the finite differences' step, so no order flips. */
const distinct = (shape: number[], seed = 1) => {
  const n = shape.reduce((p, d) => p * d, 1);
  return nt
    .argsort(randn([n], seed))
    .float()
    .sub(n / 2)
    .mul(0.37)
    .reshape(shape);
};

forEachBackend('cumulative, sorting and einsum ops', (_b, it) => {
  it('gradcheck the scans', () => {
    gradcheck((x) => nt.cumsum(x, 1), [randn([2, 4, 3])]);
    gradcheck((x) => nt.cumprod(x, 0), [randn([5, 2])]);
    gradcheck(
      (x) => nt.cumprod(x, 1),
      [
        nt.tensor([
          [1.5, 0, 2, -1, 0.5],
          [0.5, 2, 1.2, 0, 0],
        ]),
      ],
    );
    gradcheck((x) => nt.cummax(x, 1)[0], [distinct([3, 5])]);
    gradcheck((x) => nt.cummin(x, 0)[0], [distinct([5, 3])]);
    gradcheck((x) => nt.logcumsumexp(x, -1), [randn([3, 5]).mul(3)]);
  });

  it('gradcheck sort, topk and einsum', () => {
    gradcheck((x) => nt.sort(x, 1, { descending: true })[0], [distinct([3, 5])]);
    gradcheck((x) => nt.topk(x, 2, 0)[0], [distinct([5, 3])]);
    gradcheck((x) => nt.topk(x, 3, -1, { largest: false })[0], [distinct([2, 6])]);
    gradcheck((a, b) => nt.einsum('bij,bjk->bik', [a, b]), [randn([2, 2, 3], 1), randn([2, 3, 2], 2)]);
    gradcheck((a) => nt.einsum('ii->i', [a]), [randn([3, 3])]);
    gradcheck(
      (a, b, c) => nt.einsum('ij,jk,kl->il', [a, b, c]),
      [randn([2, 3], 1), randn([3, 2], 2), randn([2, 2], 3)],
    );
    gradcheck((a, b) => nt.einsum('...ij,...j->...i', [a, b]), [randn([2, 3, 2], 1), randn([2], 2)]);
  });

  it('ties and NaN', () => {
    // equal values keep their order; NaN sorts as the largest, as in PyTorch
    const [v, i] = nt.sort(nt.tensor([2, Number.NaN, 1, 2, -1]));
    expect(Array.from(v.data).slice(0, 4)).toEqual([-1, 1, 2, 2]);
    expect(Number.isNaN(v.data[4])).toBe(true);
    expect(i.toArray()).toEqual([4, 2, 0, 3, 1]);
    expect(nt.argsort(nt.tensor([2, 1, 2, 1]), 0, { descending: true }).toArray()).toEqual([0, 2, 1, 3]);
    // topk takes the earlier of equal values first (PyTorch's order among ties is its quickselect's)
    expect(nt.topk(nt.tensor([5, 5, 5, 1, 5]), 3)[1].toArray()).toEqual([0, 1, 2]);
    // cummax: the later of equal values, and NaN propagates with its index
    const [m, mi] = nt.cummax(nt.tensor([1, 3, 3, Number.NaN, 4]), 0);
    expect(mi.toArray()).toEqual([0, 1, 2, 3, 3]);
    expect(Number.isNaN(m.data[4])).toBe(true);
    // gradients go to the index picked
    const x = nt.tensor([3, 1, 3, 2]);
    x.requiresGrad = true;
    nt.topk(x, 1)[0].sum().backward();
    expect(x.grad?.toArray()).toEqual([1, 0, 0, 0]);
  });

  it('methods', () => {
    const x = nt.tensor([
      [3, 1, 2],
      [0, 5, 4],
    ]);
    expect(x.cumsum(1).toArray()).toEqual([
      [3, 4, 6],
      [0, 5, 9],
    ]);
    expect(x.cumprod(0).toArray()).toEqual([
      [3, 1, 2],
      [0, 5, 8],
    ]);
    expect(x.cummax(1)[1].toArray()).toEqual([
      [0, 0, 0],
      [0, 1, 1],
    ]);
    expect(x.cummin(1)[0].toArray()).toEqual([
      [3, 1, 1],
      [0, 0, 0],
    ]);
    expect(x.logcumsumexp(1).shape).toEqual([2, 3]);
    expect(x.sort()[0].toArray()).toEqual([
      [1, 2, 3],
      [0, 4, 5],
    ]);
    expect(x.argsort(0).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 1],
    ]);
    expect(x.topk(1)[0].toArray()).toEqual([[3], [5]]);
  });

  it('errors name the op, the argument and the shapes', () => {
    const x = randn([2, 3]);
    expect(() => (nt.cumsum as (...a: unknown[]) => unknown)(x)).toThrow(/cumsum: axis is required/);
    expect(() => nt.cumsum(x, 2)).toThrow(/cumsum/);
    expect(() => nt.cumprod(x, 0.5)).toThrow(/cumprod: axis must be an integer, got 0.5/);
    expect(() => nt.sort(x, 0, { descending: 'yes' as never })).toThrow(
      /sort: option 'descending' must be a boolean/,
    );
    expect(() => nt.argsort(x, 0, { reverse: true } as never)).toThrow(/argsort: unknown option 'reverse'/);
    expect(() => nt.topk(x, 4)).toThrow(
      /topk: k = 4 is out of range for axis 1 of size 3 \(shape \[2, 3\]\)/,
    );
    expect(() => nt.topk(x, 1, 0, { largest: 1 as never })).toThrow(
      /topk: option 'largest' must be a boolean/,
    );
    expect(() => nt.einsum('ij,jk->ik', [x])).toThrow(
      /einsum: 'ij,jk->ik' has 2 operand subscripts, but 1 tensors were given/,
    );
    expect(() => nt.einsum('ijk->i', [x])).toThrow(
      /einsum: subscripts 'ijk' name 3 axes, but operand 0 has shape \[2, 3\]/,
    );
    expect(() => nt.einsum('ij,jk->ik', [x, randn([2, 2])])).toThrow(
      /einsum: label 'j' has size 3 elsewhere but 2 on axis 0 of operand 1 \(shape \[2, 2\]\)/,
    );
    expect(() => nt.einsum('ij->ik', [x])).toThrow(/einsum: output label 'k' of 'ij->ik' is in no operand/);
    expect(() => nt.einsum('ij->ii', [x])).toThrow(/einsum: output label 'i' appears twice/);
    expect(() => nt.einsum('i1->i', [x])).toThrow(/einsum: '1' in 'i1' is not a letter/);
    expect(() => (nt.einsum as (...a: unknown[]) => unknown)('ij,jk->ik', x, x)).toThrow(ValueError);
    expect(() => nt.einsum('ij->i', x as never)).toThrow(
      /einsum: operands must be a non-empty array of tensors/,
    );
    expect(() => nt.einsum('ii->i', [x])).toThrow(ShapeError);
    expect(() => nt.einsum('ij->j', [x.int()])).toThrow(
      /einsum: operand 0 must be float32 \(as matmul\), got int32/,
    );
  });
});
