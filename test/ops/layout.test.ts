/**
 * Shape, indexing and scatter ops (src/ops/layout.ts, src/ops/scatter.ts): finite-difference gradients, the
 * method forms, and the errors. Values and gradients against PyTorch are in test/fixtures/ops.json.
 */
import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { DTypeError, ShapeError, ValueError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';

const randn = (shape: number[], seed = 1) => nt.randn(shape, { generator: new nt.Generator(seed) });
const idx = (values: number[], shape: number[]) => nt.tensor(values, shape, { dtype: 'int32' });
const mask = (values: number[], shape: number[]) => nt.tensor(values, shape, { dtype: 'bool' });

forEachBackend('shape and indexing ops', (_b, it) => {
  it('gradcheck the rearranging ops', () => {
    gradcheck((x) => nt.flip(x, [0, 2]), [randn([2, 3, 2])]);
    gradcheck((x) => nt.roll(x, [1, -1], [0, 1]), [randn([3, 4])]);
    gradcheck((x) => nt.roll(x, 5), [randn([2, 3])]);
    gradcheck((x) => nt.tril(x, 1), [randn([2, 3, 4])]);
    gradcheck((x) => nt.triu(x, -1), [randn([4, 3])]);
    gradcheck((x) => nt.diagonal(x, -1, 2, 0), [randn([3, 2, 4])]);
    gradcheck((x) => nt.diag(x, 2), [randn([3])]);
    gradcheck((x) => nt.diag(x, 1), [randn([3, 3])]);
    gradcheck((x) => nt.repeat(x, [2, 1, 3]), [randn([2, 2])]);
    gradcheck((x) => nt.repeatInterleave(x, [2, 0, 1], 1), [randn([2, 3])]);
    gradcheck((x) => nt.unfold(x, 0, 3, 2), [randn([7, 2])]);
    gradcheck((x) => nt.unflatten(x, 0, [2, -1]).mul(nt.arange(3).float()), [randn([6])]);
    gradcheck(
      (a, b) => nt.meshgrid([a, b], { indexing: 'xy' })[0].mul(nt.meshgrid([a, b])[1].T),
      [randn([3], 1), randn([2], 2)],
    );
  });

  it('gradcheck the masks and scatters', () => {
    const m = mask([1, 0, 0, 1, 1, 0], [2, 3]);
    gradcheck((x, v) => nt.maskedFill(x, m, v), [randn([2, 3]), randn([], 2)]);
    gradcheck((x) => nt.maskedSelect(x, mask([1, 0, 1], [3])), [randn([2, 3])]);
    const i = idx([2, 0, 1, 0, 1, 1], [2, 3]);
    // scatter's gradient is PyTorch's (every write reads its position's) only equal to the derivative when no
    // two writes meet
    const unique = idx([2, 0, 1, 0, 1, 2], [2, 3]);
    gradcheck((x, s) => nt.scatter(x, 0, unique, s), [randn([3, 3]), randn([2, 4], 2)]);
    gradcheck((x, s) => nt.scatterAdd(x, 1, i, s), [randn([2, 4]), randn([2, 3], 2)]);
    for (const reduce of ['sum', 'prod', 'mean', 'amax', 'amin'] as const) {
      for (const includeSelf of [true, false]) {
        gradcheck(
          (x, s) => nt.scatterReduce(x, 0, i, s, reduce, { includeSelf }),
          [randn([3, 3], 3), randn([2, 3], 4)],
        );
      }
    }
    gradcheck((x) => nt.gather(x, 1, idx([3, 0, 3, 1], [2, 2])), [randn([3, 4])]);
  });

  it('values of the integer ops', () => {
    expect(nt.oneHot(idx([2, 0], [2]), 4).toArray()).toEqual([
      [0, 0, 1, 0],
      [1, 0, 0, 0],
    ]);
    expect(nt.nonzero(nt.tensor([0, Number.NaN, 2])).toArray()).toEqual([[1], [2]]);
    expect(nt.nonzero(nt.zeros([2, 2])).shape).toEqual([0, 2]);
    expect(nt.nonzero(nt.scalar(3)).shape).toEqual([1, 0]);
    // repeated writes: the last wins, and each gets the gradient of its position (PyTorch's gather of it)
    const s = nt.tensor([5, 7, 2]);
    s.requiresGrad = true;
    const out = nt.scatter(nt.zeros([3]), 0, idx([1, 1, 0], [3]), s);
    expect(out.toArray()).toEqual([2, 7, 0]);
    out
      .mul(nt.tensor([10, 20, 30]))
      .sum()
      .backward();
    expect(s.grad?.toArray()).toEqual([20, 20, 10]);
  });

  it('methods', () => {
    const x = nt.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(x.flip(1).toArray()).toEqual(nt.flip(x, 1).toArray());
    expect(x.roll(1, 0).toArray()).toEqual([
      [4, 5, 6],
      [1, 2, 3],
    ]);
    expect(x.tril().toArray()).toEqual([
      [1, 0, 0],
      [4, 5, 0],
    ]);
    expect(x.triu(1).toArray()).toEqual([
      [0, 2, 3],
      [0, 0, 6],
    ]);
    expect(x.diagonal().toArray()).toEqual([1, 5]);
    expect(x.diag(1).toArray()).toEqual([2, 6]);
    expect(x.repeat([1, 2]).shape).toEqual([2, 6]);
    expect(x.repeatInterleave(2).toArray()).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    expect(x.unfold(1, 2, 1).toArray()).toEqual([
      [
        [1, 2],
        [2, 3],
      ],
      [
        [4, 5],
        [5, 6],
      ],
    ]);
    expect(x.unflatten(1, [3, 1]).shape).toEqual([2, 3, 1]);
    expect(x.nonzero().shape).toEqual([6, 2]);
    const m = mask([1, 0, 1], [3]);
    expect(x.maskedFill(m, 0).toArray()).toEqual([
      [0, 2, 0],
      [0, 5, 0],
    ]);
    expect(x.maskedSelect(m).toArray()).toEqual([1, 3, 4, 6]);
    const i = idx([0, 0, 0], [1, 3]);
    expect(x.scatter(0, i, 9).select(0, 0).toArray()).toEqual([9, 9, 9]);
    expect(
      x
        .scatterAdd(0, i, nt.ones([1, 3]))
        .select(0, 0)
        .toArray(),
    ).toEqual([2, 3, 4]);
    expect(
      x
        .scatterReduce(0, i, nt.ones([1, 3]).mul(10), 'amin')
        .select(0, 0)
        .toArray(),
    ).toEqual([1, 2, 3]);
  });

  it('errors name the op, the argument and the shapes', () => {
    const x = randn([2, 3]);
    expect(() => nt.flip(x, 2)).toThrow(/flip/);
    expect(() => (nt.flip as (...a: unknown[]) => unknown)(x)).toThrow(/flip: the axes to flip are required/);
    expect(() => nt.roll(x, [1, 2], [0])).toThrow(/roll: shifts \[1, 2\] and axes \[0\]/);
    expect(() => nt.tril(nt.zeros([3]))).toThrow(
      /tril: expected a tensor with at least 2 dimensions, got shape \[3\]/,
    );
    expect(() => nt.triu(x, 0.5)).toThrow(/triu: diagonal must be an integer, got 0.5/);
    expect(() => nt.diagonal(x, 0, 1, -1)).toThrow(/diagonal: axis1 and axis2 are the same axis \(1\)/);
    expect(() => nt.diag(nt.zeros([2, 2, 2]))).toThrow(
      /diag: expected a 1-D or 2-D tensor, got shape \[2, 2, 2\]/,
    );
    expect(() => nt.repeat(x, [2])).toThrow(/repeat: 1 repetition counts for a tensor of rank 2/);
    expect(() => nt.repeatInterleave(x, [1, 2], 1)).toThrow(
      /repeatInterleave: 2 repeat counts for axis 1 of size 3/,
    );
    expect(() => nt.unfold(x, 1, 4, 1)).toThrow(/unfold: window size 4 does not fit axis 1 of size 3/);
    expect(() => nt.unfold(x, 1, 2, 0)).toThrow(/unfold: step must be a positive integer, got 0/);
    expect(() => nt.unflatten(x, 1, [2, 2])).toThrow(
      /unflatten: sizes \[2, 2\] do not split axis 1 of size 3/,
    );
    expect(() => nt.meshgrid([x])).toThrow(/meshgrid: tensor 0 must be 0-D or 1-D, got shape \[2, 3\]/);
    expect(() => nt.meshgrid([nt.zeros([2])], { indexing: 'yx' as never })).toThrow(
      /meshgrid: option 'indexing' must be one of 'ij', 'xy'/,
    );
    expect(() => nt.oneHot(nt.tensor([1]))).toThrow(DTypeError);
    expect(() => nt.oneHot(idx([3], [1]), 3)).toThrow(
      /oneHot: class index 3 is out of range for numClasses 3/,
    );
    expect(() => nt.oneHot(idx([-1], [1]))).toThrow(/oneHot: class index -1 is negative/);
    expect(() => nt.maskedFill(x, nt.ones([3]), 0)).toThrow(
      /maskedFill: mask must be a bool tensor, got float32/,
    );
    expect(() => nt.maskedFill(x, mask([1, 0, 1, 1], [4]), 0)).toThrow(ShapeError);
    expect(() => nt.maskedFill(nt.zeros([3]), mask([1, 0, 1, 1, 0, 0], [2, 3]), 0)).toThrow(
      /maskedFill: mask of shape \[2, 3\] does not broadcast to the input's shape \[3\]/,
    );
    expect(() => nt.maskedFill(x, mask([1, 0, 1], [3]), nt.zeros([1]))).toThrow(
      /maskedFill: value must be a number or a 0-d tensor/,
    );
    expect(() => nt.scatter(x, 1, idx([3], [1, 1]), 1)).toThrow(
      /scatter: index 3 is out of range for axis 1 of size 3/,
    );
    expect(() => nt.scatter(x, 0, idx([0, 0, 0, 0], [1, 4]), 1)).toThrow(
      /scatter: index of shape \[1, 4\] is larger than the input \[2, 3\] on axis 1/,
    );
    expect(() => nt.scatterAdd(x, 0, idx([0, 0], [1, 2]), nt.zeros([1, 1]))).toThrow(
      /scatterAdd: index of shape \[1, 2\] is larger than src \[1, 1\] on axis 1/,
    );
    expect(() => nt.scatterAdd(x, 0, nt.zeros([1, 2]), x)).toThrow(/scatterAdd: index must be int32/);
    expect(() => nt.scatterReduce(x, 0, idx([0], [1, 1]), x, 'max' as never)).toThrow(
      /scatterReduce: reduce must be one of 'sum', 'prod', 'mean', 'amax', 'amin', got 'max'/,
    );
    expect(() =>
      nt.scatterReduce(x, 0, idx([0], [1, 1]), x, 'sum', { include_self: false } as never),
    ).toThrow(/scatterReduce: unknown option 'include_self'/);
    expect(() => nt.gather(x, 0, idx([0, 0, 0, 0], [1, 4]))).toThrow(/gather: .*\(axis 1: 4 vs 3\)/);
    expect(() => (nt.repeat as (...a: unknown[]) => unknown)(x, [1, 2], 3)).toThrow(ValueError);
  });
});
