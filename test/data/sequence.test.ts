import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';

const { makeReverseTask, makeSortTask, makeAddingProblem, makeSineWaves, sequentialMnist, nextTokenWindows } =
  nt.data;

const rows = (t: nt.Tensor) => t.toArray() as number[][];

describe('makeReverseTask / makeSortTask', () => {
  for (const [name, make, expected] of [
    ['reverse', makeReverseTask, (s: string) => [...s].reverse().join('')],
    ['sort', makeSortTask, (s: string) => [...s].sort().join('')],
  ] as const) {
    it(`${name}: padded tokens, teacher-forcing layout and lengths`, () => {
      const task = make({ n: 50, length: [2, 6], seed: 1 });
      const { vocab } = task;
      expect(vocab.tokens.slice(0, 3)).toEqual(['<pad>', '<bos>', '<eos>']);
      expect(vocab.size).toBe(13);
      expect(task.src.shape).toEqual([50, 6]);
      expect(task.tgtIn.shape).toEqual([50, 7]);
      expect(task.tgtOut.shape).toEqual([50, 7]);
      expect(task.src.dtype).toBe('int32');
      const lengths = new Set<number>();
      const src = rows(task.src);
      const tgtIn = rows(task.tgtIn);
      const tgtOut = rows(task.tgtOut);
      for (let i = 0; i < 50; i++) {
        const input = task.inputs[i];
        const len = input.length;
        lengths.add(len);
        expect(len).toBeGreaterThanOrEqual(2);
        expect(len).toBeLessThanOrEqual(6);
        expect(task.targets[i]).toBe(expected(input));
        expect(vocab.decode(src[i])).toBe(input);
        expect(src[i].slice(len).every((v) => v === 0)).toBe(true);
        expect(task.srcLengths.data[i]).toBe(len);
        expect(task.tgtLengths.data[i]).toBe(len + 1);
        expect(tgtIn[i][0]).toBe(vocab.id('<bos>'));
        expect(vocab.decode(tgtIn[i])).toBe(task.targets[i]);
        expect(tgtOut[i][len]).toBe(vocab.id('<eos>'));
        expect(vocab.decode(tgtOut[i].slice(0, len))).toBe(task.targets[i]);
        expect(tgtOut[i].slice(len + 1).every((v) => v === 0)).toBe(true);
        // the decoder's input is its target shifted right by one step
        expect(tgtIn[i].slice(1, len + 1)).toEqual(tgtOut[i].slice(0, len));
      }
      expect(lengths.size).toBeGreaterThan(3);
      expect(make({ n: 50, length: [2, 6], seed: 1 }).inputs).toEqual(task.inputs);
      expect(make({ n: 50, length: [2, 6], seed: 2 }).inputs).not.toEqual(task.inputs);
    });
  }

  it('fixed length and fewer digits', () => {
    const task = makeReverseTask({ n: 20, length: 4, digits: 3, seed: 0 });
    expect(task.inputs.every((s) => s.length === 4 && /^[012]+$/.test(s))).toBe(true);
    expect(task.vocab.size).toBe(6);
    expect(() => makeReverseTask({ length: [5, 3] })).toThrow(/is empty/);
    expect(() => makeSortTask({ digits: 11 })).toThrow(/2…10/);
  });
});

describe('makeAddingProblem', () => {
  it('marks one step in each half and sums their values', () => {
    const { x, y } = makeAddingProblem({ n: 30, length: 20, seed: 0 });
    expect(x.shape).toEqual([30, 20, 2]);
    expect(y.shape).toEqual([30, 1]);
    const seqs = x.toArray() as number[][][];
    seqs.forEach((seq, i) => {
      const marked = seq.flatMap(([, m], t) => (m === 1 ? [t] : []));
      expect(marked.length).toBe(2);
      expect(marked[0]).toBeLessThan(10);
      expect(marked[1]).toBeGreaterThanOrEqual(10);
      expect(seq.every(([v, m]) => v >= 0 && v < 1 && (m === 0 || m === 1))).toBe(true);
      expect(y.data[i]).toBeCloseTo(seq[marked[0]][0] + seq[marked[1]][0], 6);
    });
  });
});

describe('makeSineWaves', () => {
  it('continues each observed sine into the targets', () => {
    const { x, y } = makeSineWaves({ n: 8, length: 30, horizon: 3, seed: 4 });
    expect(x.shape).toEqual([8, 30, 1]);
    expect(y.shape).toEqual([8, 3]);
    const xs = x.toArray() as number[][][];
    const ys = rows(y);
    for (let i = 0; i < 8; i++) {
      const s = [...xs[i].map((v) => v[0]), ...ys[i]];
      // a sampled sinusoid obeys s[t+1] = 2 cos(ω) s[t] − s[t−1]: recover 2 cos ω from the first steps
      const c = (s[2] + s[0]) / s[1];
      for (let t = 1; t + 1 < s.length; t++) expect(s[t + 1]).toBeCloseTo(c * s[t] - s[t - 1], 3);
      const amplitude = Math.max(...s.map(Math.abs));
      expect(amplitude).toBeLessThanOrEqual(1.5);
    }
  });

  it('adds noise to the inputs only', () => {
    const clean = makeSineWaves({ n: 4, seed: 1 });
    const noisy = makeSineWaves({ n: 4, seed: 1, noise: 0.05 });
    expect(noisy.x.data).not.toEqual(clean.x.data);
    expect(() => makeSineWaves({ frequency: [0.2, 0.1] })).toThrow(/min ≤ max/);
  });
});

describe('sequentialMnist', () => {
  it('turns images into rows as time steps, or pixels', () => {
    const images = nt.arange(0, 2 * 784).reshape([2, 1, 28, 28]);
    const seq = sequentialMnist(images);
    expect(seq.shape).toEqual([2, 28, 28]);
    expect((seq.toArray() as number[][][])[1][2][3]).toBe(784 + 2 * 28 + 3);
    expect(sequentialMnist(images.reshape([2, 784])).shape).toEqual([2, 28, 28]);
    expect(sequentialMnist(images, { pixelwise: true }).shape).toEqual([2, 784, 1]);
    expect(() => sequentialMnist(nt.zeros([2, 3, 28, 28]))).toThrow(/expected images/);
  });
});

describe('nextTokenWindows', () => {
  it('pairs each window with the same tokens one step ahead', () => {
    const ids = Int32Array.from({ length: 11 }, (_, i) => i);
    const { x, y } = nextTokenWindows(ids, { seqLength: 3 });
    expect(rows(x)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
    ]);
    expect(rows(y)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(nextTokenWindows(ids, { seqLength: 4, stride: 2 }).x.shape).toEqual([4, 4]);
    expect(() => nextTokenWindows(ids, { seqLength: 11 })).toThrow(/too few/);
    expect(() => nextTokenWindows([0, 1, 2, 0.5], { seqLength: 2 })).toThrow(
      /token 3 is 0.5, not an integer id/,
    );
  });
});
