import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { DTypeError, ShapeError } from '../../src/index.js';
import { affine } from '../../src/ops/matmul.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

const randn = (shape: number[], seed = 1) => nt.randn(shape, { generator: new nt.Generator(seed) });

/** matmul by definition, for checking results of any rank against plain loops. */
function naive(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

forEachBackend('matmul', (_b, it) => {
  it('gradcheck every operand rank combination', () => {
    const cases: [number[], number[]][] = [
      [[4], [4]],
      [[3], [3, 2]],
      [[2, 3], [3]],
      [
        [2, 3],
        [3, 4],
      ],
      [
        [2, 2, 3],
        [2, 3, 2],
      ],
      [
        [2, 2, 3],
        [3, 2],
      ],
      [
        [2, 3],
        [2, 3, 2],
      ],
      [[3], [2, 3, 2]],
      [[2, 2, 3], [3]],
      [
        [2, 1, 2, 3],
        [3, 3, 2],
      ],
    ];
    cases.forEach(([sa, sb], i) => {
      gradcheck((a, b) => nt.matmul(a, b), [randn(sa, 2 * i + 1), randn(sb, 2 * i + 2)]);
    });
  });

  it('result shapes follow torch.matmul', () => {
    const shapeOf = (sa: number[], sb: number[]) => nt.matmul(nt.zeros(sa), nt.zeros(sb)).shape;
    expect(shapeOf([4], [4])).toEqual([]);
    expect(shapeOf([3], [3, 2])).toEqual([2]);
    expect(shapeOf([2, 3], [3])).toEqual([2]);
    expect(shapeOf([5, 2, 3], [3])).toEqual([5, 2]);
    expect(shapeOf([3], [5, 3, 2])).toEqual([5, 2]);
    expect(shapeOf([2, 1, 3, 4], [5, 4, 2])).toEqual([2, 5, 3, 2]);
    expect(shapeOf([0, 3], [3, 2])).toEqual([0, 2]);
    expect(shapeOf([2, 0], [0, 3])).toEqual([2, 3]);
  });

  it('values match plain loops, including a broadcast batch', () => {
    const a = randn([2, 1, 3, 4], 7);
    const b = randn([5, 4, 2], 8);
    const out = nt.matmul(a, b);
    const av = a.toArray() as number[][][][];
    const bv = b.toArray() as number[][][];
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 5; j++) expected.push(...naive(av[i][0], bv[j]).flat());
    expectClose(out.data, expected);
    // an empty inner dimension gives zeros
    expect(Array.from(nt.matmul(nt.zeros([2, 0]), nt.zeros([0, 2])).data)).toEqual([0, 0, 0, 0]);
  });

  it('matmul by the identity returns the input', () => {
    const x = randn([3, 3], 9);
    expect(Array.from(nt.matmul(x, nt.eye(3)).data)).toEqual(Array.from(x.data));
  });

  it('shape and dtype errors name both operands', () => {
    expect(() => nt.matmul(nt.zeros([2, 3]), nt.zeros([2, 3]))).toThrow(
      'matmul: inner dimensions differ: [2, 3] @ [2, 3] (3 vs 2)',
    );
    expect(() => nt.matmul(nt.zeros([3]), nt.zeros([4]))).toThrow(ShapeError);
    expect(() => nt.matmul(nt.tensor(1), nt.zeros([1]))).toThrow(/at least one dimension/);
    expect(() => nt.matmul(nt.zeros([2, 2, 3]), nt.zeros([3, 3, 2]))).toThrow(
      /matmul: shapes \[2\] and \[3\]/,
    );
    expect(() => nt.matmul(nt.arange(4).reshape([2, 2]), nt.eye(2))).toThrow(DTypeError);
  });
});

forEachBackend('gemm kernel', (backend, it) => {
  it('handles transposes, alpha, beta and batch strides', () => {
    // A: 2×3, B: 3×2, stored transposed when asked
    const A = [1, 2, 3, 4, 5, 6];
    const At = [1, 4, 2, 5, 3, 6];
    const B = [1, -1, 0, 2, 3, 1];
    const Bt = [1, 0, 3, -1, 2, 1];
    const AB = [10, 6, 22, 12];
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const c = new Float32Array([1, 1, 1, 1]);
      const info = {
        batch: 1,
        transA: ta,
        transB: tb,
        m: 2,
        n: 2,
        k: 3,
        alpha: 2,
        beta: 0.5,
        strideA: 0,
        strideB: 0,
        strideC: 4,
      };
      backend.gemm(Float32Array.from(ta ? At : A), Float32Array.from(tb ? Bt : B), info, c);
      expect(Array.from(c), `transA ${ta} transB ${tb}`).toEqual(AB.map((v) => 2 * v + 0.5));
    }
    // batch of 2 with B shared (stride 0)
    const c = new Float32Array(8);
    backend.gemm(
      Float32Array.from([...A, ...A.map((v) => -v)]),
      Float32Array.from(B),
      {
        batch: 2,
        transA: false,
        transB: false,
        m: 2,
        n: 2,
        k: 3,
        alpha: 1,
        beta: 0,
        strideA: 6,
        strideB: 0,
        strideC: 4,
      },
      c,
    );
    expect(Array.from(c)).toEqual([...AB, ...AB.map((v) => -v)]);
  });
});

forEachBackend('gemm IEEE semantics', (_b, it) => {
  it('0 · Inf and 0 · NaN give NaN', () => {
    const out = nt.matmul(nt.tensor([[0, 1]]), nt.tensor([[Number.POSITIVE_INFINITY], [2]]));
    expect(Number.isNaN(out.item())).toBe(true);
    const n = nt.matmul(nt.tensor([[0]]), nt.tensor([[Number.NaN]]));
    expect(Number.isNaN(n.item())).toBe(true);
  });
});

forEachBackend('affine and linear', (_b, it) => {
  it('affine equals x·Wᵀ + b for a row bias, a full bias and no bias', () => {
    const x = randn([3, 4], 1);
    const w = randn([5, 4], 2);
    const b = randn([5], 3);
    const full = randn([3, 5], 4);
    const ref = nt.matmul(x, nt.transpose(w));
    expectClose(affine(x, w).data, ref.data, {}, 'no bias');
    expectClose(affine(x, w, b).data, nt.add(ref, b).data, {}, 'row bias');
    expectClose(affine(x, w, full).data, nt.add(ref, full).data, {}, 'full bias');
  });

  it('affine gradchecks with each kind of bias', () => {
    gradcheck((x, w) => affine(x, w), [randn([3, 4], 1), randn([2, 4], 2)]);
    gradcheck((x, w, b) => affine(x, w, b), [randn([3, 4], 3), randn([2, 4], 4), randn([2], 5)]);
    gradcheck((x, w, b) => affine(x, w, b), [randn([3, 4], 6), randn([2, 4], 7), randn([3, 2], 8)]);
  });

  it('affine refuses shapes that do not fit, naming them', () => {
    expect(() => affine(nt.zeros([3, 4]), nt.zeros([5, 3]))).toThrow(
      'affine: input [3, 4] does not fit weight [5, 3] (expected [M, K] and [N, K])',
    );
    expect(() => affine(nt.zeros([3, 4]), nt.zeros([5, 4]), nt.zeros([4]))).toThrow(ShapeError);
    expect(() => affine(nt.zeros([3, 4]), nt.zeros([5, 4]), nt.zeros([5, 3]))).toThrow(ShapeError);
  });

  it('linear equals matmul(x, Wᵀ) + b for inputs of rank 1, 2 and 3, values and gradients', () => {
    const w = randn([5, 4], 2);
    const b = randn([5], 3);
    for (const shape of [[4], [3, 4], [2, 3, 4], [0, 4]]) {
      const x = randn(shape, 1);
      const ref = nt.add(nt.matmul(x, nt.transpose(w)), b);
      const y = nt.linear(x, w, b);
      expect(y.shape).toEqual(ref.shape);
      expectClose(y.data, ref.data, {}, `input ${JSON.stringify(shape)}`);
      expectClose(nt.linear(x, w).data, nt.matmul(x, nt.transpose(w)).data, {}, 'no bias');
    }
    gradcheck((x, w2, b2) => nt.linear(x, w2, b2), [randn([2, 3, 4], 4), randn([2, 4], 5), randn([2], 6)]);
    gradcheck((x, w2) => nt.linear(x, w2), [randn([4], 7), randn([3, 4], 8)]);
  });

  it('linear names both shapes when they do not fit', () => {
    expect(() => nt.linear(nt.zeros([2, 3]), nt.zeros([5, 4]))).toThrow(
      'linear: input [2, 3] does not fit weight [5, 4] (expected [..., 4] and [out, in])',
    );
    expect(() => nt.linear(nt.zeros([2, 4]), nt.zeros([5, 4]), nt.zeros([4]))).toThrow(
      'linear: bias [4] does not fit weight [5, 4]',
    );
  });
});
