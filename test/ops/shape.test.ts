import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';

const randn = (shape: number[], seed = 1) => nt.randn(shape, { generator: new nt.Generator(seed) });

forEachBackend('shape ops', (_b, it) => {
  it('gradcheck reshape, flatten, squeeze, unsqueeze', () => {
    const x = randn([2, 1, 3]);
    gradcheck((t) => nt.reshape(t, [3, -1]), [x]);
    gradcheck((t) => nt.flatten(t), [x]);
    gradcheck((t) => nt.flatten(t, 1), [x]);
    gradcheck((t) => nt.squeeze(t), [x]);
    gradcheck((t) => nt.unsqueeze(t, -1), [x]);
  });

  it('gradcheck permute and transpose', () => {
    const x = randn([2, 3, 4]);
    gradcheck((t) => nt.permute(t, [2, 0, 1]), [x]);
    gradcheck((t) => nt.transpose(t), [x]);
    gradcheck((t) => nt.transpose(t, 0, 2), [x]);
    gradcheck((t) => t.T, [randn([3, 2])]);
  });

  it('gradcheck expand', () => {
    gradcheck((t) => nt.expand(t, [2, 3, 4]), [randn([3, 1])]);
    gradcheck((t) => nt.expand(t, [-1, 4]), [randn([3, 1])]);
  });

  it('gradcheck concat, stack, split, chunk', () => {
    const a = randn([2, 3], 1);
    const b = randn([2, 1], 2);
    gradcheck((p, q) => nt.concat([p, q, p], 1), [a, b]);
    gradcheck((p, q) => nt.stack([p, q], 1), [randn([2, 3], 3), randn([2, 3], 4)]);
    // a weighted sum of the pieces: each piece must carry its own gradient
    gradcheck(
      (t) => {
        const [p, q, r] = nt.split(t, [1, 2, 1], 1);
        return nt.concat([p.mul(2), q.mul(-1), r.mul(3)], 1);
      },
      [randn([2, 4], 5)],
    );
    gradcheck((t) => nt.chunk(t, 2, 0)[1], [randn([3, 2], 6)]);
  });

  it('gradcheck narrow, select, slice, pad', () => {
    const x = randn([3, 4, 2]);
    gradcheck((t) => nt.narrow(t, 1, 1, 2), [x]);
    gradcheck((t) => nt.select(t, 0, -1), [x]);
    gradcheck((t) => nt.slice(t, [1, 0, 1], [2, -1, 1]), [x]);
    gradcheck((t) => nt.pad(t, [1, 2, 0, 1], { value: 0.5 }), [x]);
    gradcheck((t) => nt.pad(t, [-1, 1, 1, -1]), [x]);
    for (const mode of ['reflect', 'replicate', 'circular'] as const) {
      gradcheck((t) => nt.pad(t, [1, 1, 2, 1], { mode }), [x]);
      gradcheck((t) => nt.pad(t, [0, 0, -1, 2], { mode }), [x]);
    }
  });

  it('reshape and views share values; ops that copy do not', () => {
    const x = nt.arange(6).float();
    expect(x.reshape([2, 3]).data).toBe(x.data);
    expect(nt.permute(x.reshape([2, 3]), [1, 0]).toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(() => nt.reshape(x, [-1, -1])).toThrow(/only one dimension can be -1/);
    expect(() => nt.reshape(x, [4, -1])).toThrow(ShapeError);
    expect(nt.reshape(nt.zeros([0, 3]), [-1, 3]).shape).toEqual([0, 3]);
  });

  it('squeeze leaves a non-unit axis alone, as PyTorch does', () => {
    const x = nt.zeros([1, 3, 1]);
    expect(nt.squeeze(x).shape).toEqual([3]);
    expect(nt.squeeze(x, 1).shape).toEqual([1, 3, 1]);
    expect(nt.squeeze(x, [0, 2]).shape).toEqual([3]);
    expect(nt.squeeze(nt.zeros([1, 1])).shape).toEqual([]);
    expect(nt.unsqueeze(nt.zeros([2]), 1).shape).toEqual([2, 1]);
    expect(nt.unsqueeze(nt.tensor(1), 0).shape).toEqual([1]);
  });

  it('transpose of 0-d and 1-d tensors is the tensor itself', () => {
    const s = nt.tensor(3);
    const v = nt.tensor([1, 2]);
    expect(nt.transpose(s)).toBe(s);
    expect(nt.transpose(v)).toBe(v);
    expect(v.T).toBe(v);
    expect(nt.transposeAxes(s, 0, -1)).toBe(s);
  });

  it('expand copies the broadcast values and checks shapes', () => {
    const x = nt.tensor([[1], [2]]);
    expect(nt.expand(x, [2, 2, 3]).toArray()).toEqual([
      [
        [1, 1, 1],
        [2, 2, 2],
      ],
      [
        [1, 1, 1],
        [2, 2, 2],
      ],
    ]);
    expect(() => nt.expand(x, [3, 3])).toThrow(ShapeError);
    expect(() => nt.expand(x, [2])).toThrow(/fewer dimensions/);
    // -1 only keeps an existing axis; a new leading axis has no size to keep
    expect(() => nt.expand(x, [-1, 2, 3])).toThrow(/expand/);
  });

  it('concat promotes dtypes and checks shapes', () => {
    const i = nt.tensor([1, 2], { dtype: 'int32' });
    expect(nt.concat([i, i]).dtype).toBe('int32');
    const c = nt.concat([i, nt.tensor([0.5])]);
    expect(c.dtype).toBe('float32');
    expect(Array.from(c.data)).toEqual([1, 2, 0.5]);
    expect(() => nt.concat([])).toThrow(ValueError);
    expect(() => nt.concat([nt.tensor(1), nt.tensor(2)])).toThrow(/concat.*at least one dimension/);
    expect(() => nt.concat([nt.zeros([2, 2]), nt.zeros([2])])).toThrow(ShapeError);
    expect(nt.stack([nt.tensor(1), nt.tensor(2)]).shape).toEqual([2]);
  });

  it('split and chunk sizes', () => {
    const x = nt.arange(7);
    expect(nt.split(x, 3).map((t) => t.size)).toEqual([3, 3, 1]);
    expect(nt.chunk(x, 3).map((t) => t.size)).toEqual([3, 3, 1]);
    expect(nt.chunk(nt.arange(6), 4).map((t) => t.size)).toEqual([2, 2, 2]);
    expect(() => nt.split(x, [3, 3])).toThrow(/add up to 6, but axis 0 has 7/);
    expect(() => nt.split(x, 0)).toThrow(ValueError);
    expect(() => nt.chunk(x, 0)).toThrow(/chunk: chunks must be a positive integer/);
  });

  it('slice, narrow and select check their ranges', () => {
    const x = nt.zeros([3, 4]);
    expect(nt.slice(x, [1], [1]).shape).toEqual([1, 4]);
    expect(nt.slice(x, [-1, 2]).shape).toEqual([1, 2]);
    expect(() => nt.slice(x, [0, 5])).toThrow(/begin 5 is out of range for axis 1/);
    expect(() => nt.narrow(x, 1, 3, 2)).toThrow(/does not fit axis 1 of size 4/);
    expect(() => nt.select(x, 0, 3)).toThrow(/select: index 3 is out of range/);
    expect(nt.select(x, 1, -1).shape).toEqual([3]);
    expect(() => nt.narrow(nt.tensor(1), 0, 0, 1)).toThrow(ShapeError);
  });

  it("narrow of a contiguous block is a view with slice's values and gradient; other cuts copy", () => {
    const x = randn([5, 3, 2]);
    for (const [axis, start, length] of [
      [0, 1, 3],
      [0, -2, 2],
      [0, 0, 0],
    ] as const) {
      const v = nt.narrow(x, axis, start, length);
      const b = start < 0 ? start + 5 : start;
      expect(v.data.buffer).toBe(x.data.buffer);
      expect(Array.from(v.data)).toEqual(Array.from(nt.slice(x, [b], [length]).data));
    }
    expect(() => nt.narrow(x, 0, 4, 2)).toThrow(/narrow: size 2 from 4 does not fit axis 0 of size 5/);
    // only size-1 axes before the cut: still one block
    const row = randn([1, 6, 2]);
    expect(nt.narrow(row, 1, 2, 3).data.buffer).toBe(row.data.buffer);
    expect(Array.from(nt.narrow(row, 1, 2, 3).data)).toEqual(Array.from(row.data.subarray(4, 10)));
    // a view, as torch.narrow: writing into it writes into x
    nt.narrow(x, 0, 2, 1).data[0] = 42;
    expect(x.data[12]).toBe(42);
    const cut = nt.narrow(x, 1, 1, 2);
    expect(cut.data.buffer).not.toBe(x.data.buffer);
    expect(Array.from(cut.data)).toEqual(Array.from(nt.slice(x, [0, 1], [5, 2]).data));
    gradcheck((t) => nt.narrow(t, 0, 1, 3), [randn([5, 3])]);
    gradcheck((t) => nt.narrow(t, 1, 1, 2), [randn([1, 4, 2])]);
    gradcheck((t) => nt.narrow(t, 1, 1, 2), [randn([3, 4])]);
    // two views of one input: their gradients add up in the right places
    gradcheck((t) => nt.mul(nt.narrow(t, 0, 0, 2), nt.narrow(t, 0, 1, 2)), [randn([3, 2])]);
  });

  it('pad fills and checks its arguments', () => {
    const row = nt.tensor([[0, 1, 2, 3]]);
    expect(nt.pad(row, [2, 1], { mode: 'reflect' }).toArray()).toEqual([[2, 1, 0, 1, 2, 3, 2]]);
    expect(nt.pad(row, [2, 1], { mode: 'replicate' }).toArray()).toEqual([[0, 0, 0, 1, 2, 3, 3]]);
    expect(nt.pad(row, [2, 1], { mode: 'circular' }).toArray()).toEqual([[2, 3, 0, 1, 2, 3, 0]]);
    expect(nt.pad(row, [-1, -2]).toArray()).toEqual([[1]]);
    expect(() => nt.pad(row, [4, 0], { mode: 'reflect' })).toThrow(
      /pad: reflect padding \(4, 0\) must be less than the size 4 of axis 1/,
    );
    expect(() => nt.pad(row, [0, 5], { mode: 'circular' })).toThrow(/must be at most the size 4/);
    expect(() => nt.pad(row, [1, 1, 1, 1], { mode: 'reflect' })).toThrow(/size 1 of axis 0/);
    expect(nt.pad(row, [5, 5], { mode: 'replicate' }).shape).toEqual([1, 14]);
    const p = nt.pad(nt.tensor([[1, 2]]), [1, 0, 0, 1], { value: 9 });
    expect(p.toArray()).toEqual([
      [9, 1, 2],
      [9, 9, 9],
    ]);
    expect(() => nt.pad(nt.zeros([2]), [1, 1, 1, 1])).toThrow(ValueError);
    expect(() => nt.pad(nt.zeros([2]), [1])).toThrow(ValueError);
    expect(() => nt.pad(nt.zeros([2]), [-3, 0])).toThrow(ShapeError);
    expect(() => nt.pad(nt.zeros([2]), [1.5, 0])).toThrow(ValueError);
  });

  it('permute rejects wrong or repeated axes', () => {
    const x = nt.zeros([2, 3]);
    expect(() => nt.permute(x, [0])).toThrow(/permute: 1 axes given for a tensor of rank 2/);
    expect(() => nt.permute(x, [0, 0])).toThrow(/repeated axis/);
    expect(() => nt.permute(x, [0, 2])).toThrow(/out of range/);
  });

  it('shape ops keep integer and bool dtypes', () => {
    const i = nt.arange(6).reshape([2, 3]);
    expect(nt.permute(i, [1, 0]).dtype).toBe('int32');
    expect(nt.expand(nt.tensor([[true], [false]]), [2, 2]).toArray()).toEqual([
      [true, true],
      [false, false],
    ]);
    expect(nt.pad(i, [1, 0]).dtype).toBe('int32');
  });
});
