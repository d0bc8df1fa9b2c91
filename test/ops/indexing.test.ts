import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { DTypeError, ShapeError, ValueError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';

const randn = (shape: number[], seed = 1) => nt.randn(shape, { generator: new nt.Generator(seed) });
const idx = (values: number[] | number[][], shape?: number[]) =>
  shape ? nt.tensor(values as number[], shape, { dtype: 'int32' }) : nt.tensor(values, { dtype: 'int32' });

forEachBackend('indexing', (_b, it) => {
  it('gradcheck indexSelect with repeated indices', () => {
    gradcheck((x) => nt.indexSelect(x, 0, idx([2, 0, 2])), [randn([3, 2])]);
    gradcheck((x) => nt.indexSelect(x, 1, idx([1, 1, 0, 3])), [randn([2, 4, 2])]);
    gradcheck((x) => nt.indexSelect(x, -1, idx([0])), [randn([2, 3])]);
  });

  it('gradcheck gather along each axis', () => {
    gradcheck(
      (x) =>
        nt.gather(
          x,
          1,
          idx([
            [0, 0],
            [2, 1],
            [1, 1],
          ]),
        ),
      [randn([3, 3])],
    );
    gradcheck(
      (x) =>
        nt.gather(
          x,
          0,
          idx([
            [1, 0, 1],
            [1, 1, 0],
            [0, 0, 0],
          ]),
        ),
      [randn([2, 3])],
    );
    gradcheck((x) => nt.gather(x, -1, idx([0, 2, 2, 1, 0, 0, 1, 1], [2, 2, 2])), [randn([2, 2, 3])]);
  });

  it('gradcheck embedding, accumulating rows used twice', () => {
    gradcheck(
      (w) =>
        nt.embedding(
          idx([
            [1, 3, 1],
            [0, 0, 2],
          ]),
          w,
        ),
      [randn([4, 3])],
    );
    const w = nt.ones([3, 2], { requiresGrad: true });
    nt.embedding(idx([2, 2, 0]), w)
      .sum()
      .backward();
    expect(w.grad!.toArray()).toEqual([
      [1, 1],
      [0, 0],
      [2, 2],
    ]);
  });

  it('values: indexSelect, gather, embedding', () => {
    const x = nt.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(nt.indexSelect(x, 1, idx([2, 0])).toArray()).toEqual([
      [3, 1],
      [6, 4],
    ]);
    expect(nt.gather(x, 1, idx([[2], [0]])).toArray()).toEqual([[3], [4]]);
    expect(nt.embedding(idx([[1], [0]]), x).shape).toEqual([2, 1, 3]);
    expect(nt.embedding(nt.tensor(1, { dtype: 'int32' }), x).toArray()).toEqual([4, 5, 6]);
    expect(nt.indexSelect(x, 0, idx([])).shape).toEqual([0, 3]);
    const i = nt.tensor([7, 8, 9], { dtype: 'int32' });
    expect(nt.indexSelect(i, 0, idx([2])).dtype).toBe('int32');
  });

  it('rejects bad indices with the op, the index and the size', () => {
    const x = nt.zeros([2, 3]);
    expect(() => nt.indexSelect(x, 1, idx([3]))).toThrow(
      'indexSelect: index 3 is out of range for axis 1 of size 3',
    );
    expect(() => nt.indexSelect(x, 0, idx([-1]))).toThrow(ValueError);
    expect(() => nt.indexSelect(x, 0, nt.tensor([0]))).toThrow(DTypeError);
    expect(() => nt.indexSelect(x, 0, idx([[0]]))).toThrow(/index must be 1-D, got \[1, 1\]/);
    expect(() => nt.gather(x, 0, idx([[2, 0, 0]]))).toThrow(
      /gather: index 2 is out of range for axis 0 of size 2/,
    );
    expect(() => nt.gather(x, 0, idx([0, 1]))).toThrow(ShapeError);
    expect(() => nt.embedding(nt.tensor([0]), x)).toThrow(/embedding: indices must be int32/);
    expect(() => nt.embedding(idx([0]), nt.zeros([3]))).toThrow(/embedding: weight must be 2-D, got \[3\]/);
    expect(() => nt.indexSelect(nt.tensor(1), 0, idx([0]))).toThrow(ShapeError);
  });
});
