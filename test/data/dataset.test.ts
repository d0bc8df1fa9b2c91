import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nt from '../../src/index.js';

const { DataLoader, TensorDataset, defaultCollate } = nt.data;

/** x[i] = [i, 10 i], y[i] = i % 3 for i < n. */
function toy(n: number) {
  const x = nt.tensor(
    Array.from({ length: n }, (_, i) => [i, 10 * i]),
    { dtype: 'float32' },
  );
  const y = nt.tensor(
    Array.from({ length: n }, (_, i) => i % 3),
    { dtype: 'int32' },
  );
  return { x, y, ds: new TensorDataset(x, y) };
}

function firstColumn(batch: nt.Tensor): number[] {
  return (batch.toArray() as number[][]).map((row) => row[0]);
}

describe('TensorDataset', () => {
  it('indexes every tensor along its first axis', () => {
    const { ds } = toy(5);
    expect(ds.length).toBe(5);
    const [x3, y3] = ds.get(3);
    expect(x3.shape).toEqual([2]);
    expect(x3.toArray()).toEqual([3, 30]);
    expect(y3.shape).toEqual([]);
    expect(y3.dtype).toBe('int32');
    expect(y3.item()).toBe(0);
  });

  it('gathers a batch with indexSelect, keeping dtypes', () => {
    const { ds } = toy(6);
    const [xb, yb] = ds.getBatch(Int32Array.from([4, 1, 5]));
    expect(xb.toArray()).toEqual([
      [4, 40],
      [1, 10],
      [5, 50],
    ]);
    expect(yb.dtype).toBe('int32');
    expect(yb.toArray()).toEqual([1, 1, 2]);
  });

  it('rejects tensors of different lengths, naming both sizes', () => {
    expect(() => new TensorDataset(nt.zeros([12, 3]), nt.zeros([10]))).toThrow(nt.ShapeError);
    expect(() => new TensorDataset(nt.zeros([12, 3]), nt.zeros([10]))).toThrow(
      /tensor 1 has 10 .* tensor 0 has 12/,
    );
  });

  it('rejects no tensors, scalars and out-of-range indices', () => {
    expect(() => new TensorDataset()).toThrow(nt.ValueError);
    expect(() => new TensorDataset(nt.scalar(1))).toThrow(/scalar/);
    const { ds } = toy(3);
    expect(() => ds.get(3)).toThrow(/index 3 is out of range for a dataset of 3/);
    expect(() => ds.get(-1)).toThrow(nt.ValueError);
    expect(() => ds.get(0.5)).toThrow(nt.ValueError);
  });
});

describe('DataLoader', () => {
  afterEach(() => vi.restoreAllMocks());

  it('yields batches in order, the last one short', () => {
    const { ds } = toy(10);
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches).toHaveLength(3);
    expect(batches.map(([x]) => x.shape)).toEqual([
      [4, 2],
      [4, 2],
      [2, 2],
    ]);
    expect(batches.flatMap(([x]) => firstColumn(x))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(batches[2][1].toArray()).toEqual([2, 0]);
  });

  it('dropLast drops the short batch and counts it out of length', () => {
    const { ds } = toy(10);
    const loader = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect([...loader].map(([x]) => x.shape[0])).toEqual([4, 4]);
    const exact = new DataLoader(toy(8).ds, { batchSize: 4, dropLast: true });
    expect([...exact]).toHaveLength(2);
  });

  it('defaults to batches of one', () => {
    const loader = new DataLoader(toy(3).ds);
    expect(loader.length).toBe(3);
    expect([...loader].map(([x]) => x.shape)).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
  });

  it('shuffles with a seeded generator: a permutation, repeatable, new each epoch', () => {
    const { ds } = toy(20);
    const epoch = (loader: Iterable<nt.Tensor[]>) => [...loader].flatMap(([x]) => firstColumn(x));
    const a = new DataLoader(ds, { batchSize: 6, shuffle: true, generator: new nt.Generator(7) });
    const b = new DataLoader(ds, { batchSize: 6, shuffle: true, generator: new nt.Generator(7) });
    const a1 = epoch(a);
    const a2 = epoch(a);
    expect(a1).toEqual(epoch(b));
    expect(a2).toEqual(epoch(b));
    expect([...a1].sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a1).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a2).not.toEqual(a1);
    const c = new DataLoader(ds, { batchSize: 6, shuffle: true, generator: new nt.Generator(8) });
    expect(epoch(c)).not.toEqual(a1);
  });

  it('shuffles from the global generator that manualSeed seeds', () => {
    const { ds } = toy(12);
    const run = () => {
      nt.manualSeed(3);
      return [...new DataLoader(ds, { batchSize: 5, shuffle: true })].flatMap(([x]) => firstColumn(x));
    };
    expect(run()).toEqual(run());
  });

  it('labels stay with their samples when shuffled', () => {
    const { ds } = toy(15);
    for (const [x, y] of new DataLoader(ds, {
      batchSize: 4,
      shuffle: true,
      generator: new nt.Generator(1),
    })) {
      expect((y.toArray() as number[]).map(Number)).toEqual(firstColumn(x).map((i) => i % 3));
    }
  });

  it('gathers a TensorDataset batch with one indexSelect per tensor', () => {
    const { ds } = toy(10);
    const spy = vi.spyOn(nt.getBackend(), 'indexSelect');
    const batches = [...new DataLoader(ds, { batchSize: 4 })];
    expect(batches).toHaveLength(3);
    expect(spy).toHaveBeenCalledTimes(3 * 2);
  });

  it('collates samples of a plain dataset by default, and uses a custom collate when given', () => {
    const dataset: nt.data.Dataset<{ x: nt.Tensor; label: number; tags: [number, boolean] }> = {
      length: 5,
      get: (i) => ({ x: nt.full([2], i), label: i, tags: [i + 0.5, i % 2 === 0] }),
    };
    const [first] = new DataLoader(dataset, { batchSize: 3 });
    expect(first.x.shape).toEqual([3, 2]);
    expect(first.x.toArray()).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    expect(first.label.dtype).toBe('int32');
    expect(first.label.toArray()).toEqual([0, 1, 2]);
    expect(first.tags[0].dtype).toBe('float32');
    expect(first.tags[0].toArray()).toEqual([0.5, 1.5, 2.5]);
    expect(first.tags[1].toArray()).toEqual([true, false, true]);

    const sums = new DataLoader(dataset, {
      batchSize: 2,
      collate: (samples) => samples.reduce((s, v) => s + v.label, 0),
    });
    expect([...sums]).toEqual([1, 5, 4]);
  });

  it('a custom collate over a TensorDataset sees per-sample tensors', () => {
    const { ds } = toy(4);
    const loader = new DataLoader(ds, { batchSize: 2, collate: (samples) => samples.map(([x]) => x.shape) });
    expect([...loader]).toEqual([
      [[2], [2]],
      [[2], [2]],
    ]);
  });

  it('rejects a bad batch size and an empty dataset', () => {
    const { ds } = toy(3);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => new DataLoader(ds, { batchSize: -2 })).toThrow(nt.ValueError);
    expect(() => new DataLoader(ds, { batchSize: 1.5 })).toThrow(nt.ValueError);
    expect(() => new DataLoader({ length: 0, get: () => 0 })).toThrow(/empty/);
    expect(() => new DataLoader(new TensorDataset(nt.zeros([0, 2])))).toThrow(/empty/);
    expect(() => new DataLoader(ds, { batchSize: 4, dropLast: true })).toThrow(/no batch of 4/);
  });
});

describe('defaultCollate', () => {
  it('stacks tensors and turns numbers into int32 or float32', () => {
    expect(defaultCollate([nt.tensor([1, 2]), nt.tensor([3, 4])]).shape).toEqual([2, 2]);
    const ints = defaultCollate([1, 2, 3]);
    expect(ints.dtype).toBe('int32');
    const floats = defaultCollate([1, 2.5]);
    expect(floats.dtype).toBe('float32');
    expect(floats.toArray()).toEqual([1, 2.5]);
  });

  it('names the mismatch it cannot batch', () => {
    expect(() => defaultCollate<unknown>([nt.tensor([1]), 2])).toThrow(
      /item 1 is a number, item 0's is a tensor/,
    );
    expect(() => defaultCollate([nt.zeros([2]), nt.zeros([3])])).toThrow(nt.ShapeError);
    expect(() => defaultCollate([[1, 2], [3]])).toThrow(/item 1 has 1 entries, item 0's has 2/);
    expect(() => defaultCollate(['a', 'b'])).toThrow(/cannot batch sample of type string/);
    expect(() => defaultCollate([])).toThrow(nt.ValueError);
  });
});
