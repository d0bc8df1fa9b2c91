import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

interface Json {
  shape: number[];
  data: number[];
}
interface PoolCase {
  name: string;
  args: unknown[];
  options: Record<string, unknown>;
  x: Json;
  up: Json;
  out: Json;
  dx: Json;
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/conv_pool.json', import.meta.url), 'utf8')) as {
  maxPool2d: PoolCase[];
  avgPool2d: PoolCase[];
  adaptiveAvgPool2d: PoolCase[];
};
const fromJson = (j: Json): nt.Tensor => nt.tensor(Float32Array.from(j.data), j.shape);

type PoolFn = (x: nt.Tensor, c: PoolCase) => nt.Tensor;
const ops: Record<keyof typeof fixtures, PoolFn> = {
  maxPool2d: (x, c) => nt.maxPool2d(x, c.args[0] as nt.Size2d, c.options),
  avgPool2d: (x, c) => nt.avgPool2d(x, c.args[0] as nt.Size2d, c.options),
  adaptiveAvgPool2d: (x, c) => nt.adaptiveAvgPool2d(x, c.args[0] as nt.AdaptiveSize2d),
};

/** Distinct values at least 0.1 apart, so the finite differences of max pooling never cross a tie. */
function distinct(shape: number[], seed: number): nt.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const perm = nt.randperm(n, { generator: new nt.Generator(seed) }).data;
  return nt.tensor(
    Float32Array.from(perm, (v) => (v - n / 2) * 0.1),
    shape,
  );
}

function info(over: Partial<nt.Pool2dInfo>): nt.Pool2dInfo {
  return {
    batch: 1,
    channels: 1,
    inHeight: 3,
    inWidth: 3,
    outHeight: 1,
    outWidth: 1,
    kernelHeight: 3,
    kernelWidth: 3,
    strideHeight: 1,
    strideWidth: 1,
    padTop: 0,
    padLeft: 0,
    dilationHeight: 1,
    dilationWidth: 1,
    countIncludePad: true,
    ...over,
  };
}

forEachBackend('pooling', (_backend, it) => {
  describe('matches PyTorch', () => {
    for (const op of Object.keys(ops) as (keyof typeof fixtures)[])
      for (const c of fixtures[op])
        it(`PyTorch ${op}: ${c.name}`, () => {
          const x = fromJson(c.x).requiresGrad_();
          const out = ops[op](x, c);
          expect(out.shape).toEqual(c.out.shape);
          expectClose(out.data, c.out.data, { atol: 1e-6, rtol: 1e-4 }, 'out');
          out.mul(fromJson(c.up)).sum().backward();
          expectClose(x.grad!.data, c.dx.data, { atol: 1e-6, rtol: 1e-4 }, 'dx');
        });
  });

  describe('max pooling kernel contract', () => {
    it('maxPool2d kernel: reports the flat argmax inside each plane, first index on ties', () => {
      // two 2×4 planes; the first window of the second plane is all ties
      const x = Float32Array.from([1, 5, 5, 2, 0, 3, 3, 1, 7, 7, -3, -4, 7, 7, -1, -2]);
      const i = info({
        channels: 2,
        inHeight: 2,
        inWidth: 4,
        outHeight: 1,
        outWidth: 2,
        kernelHeight: 2,
        kernelWidth: 2,
        strideHeight: 2,
        strideWidth: 2,
      });
      const out = new Float32Array(4);
      const argmax = new Int32Array(4);
      nt.getBackend().maxPool2d(x, i, out, argmax);
      expect([...out]).toEqual([5, 5, 7, -1]);
      expect([...argmax]).toEqual([1, 2, 0, 6]);
      const dx = new Float32Array(16).fill(Number.NaN);
      nt.getBackend().maxPool2dBackward(Float32Array.from([1, 2, 3, 4]), argmax, i, dx);
      expect([...dx]).toEqual([0, 1, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 4, 0]);
    });

    it('maxPool2d kernel: never lets padding win, and marks all-padding windows with -1', () => {
      const x = Float32Array.from([-5, -6, -7, -8]);
      // 2×2 input, kernel 2, stride 3, padding 1: the second window in each direction lies wholly in padding
      const i = info({
        inHeight: 2,
        inWidth: 2,
        outHeight: 2,
        outWidth: 2,
        kernelHeight: 2,
        kernelWidth: 2,
        strideHeight: 3,
        strideWidth: 3,
        padTop: 1,
        padLeft: 1,
      });
      const out = new Float32Array(4);
      const argmax = new Int32Array(4);
      nt.getBackend().maxPool2d(x, i, out, argmax);
      expect([...out]).toEqual([
        -5,
        Number.NEGATIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
      ]);
      expect([...argmax]).toEqual([0, -1, -1, -1]);
      const dx = new Float32Array(4);
      nt.getBackend().maxPool2dBackward(Float32Array.from([1, 1, 1, 1]), argmax, i, dx);
      expect([...dx]).toEqual([1, 0, 0, 0]);
    });

    it('maxPool2d: propagates NaN like PyTorch', () => {
      const x = nt.tensor([
        [
          [
            [1, Number.NaN],
            [3, 2],
          ],
        ],
      ]);
      expect(Number.isNaN(nt.maxPool2d(x, 2).item())).toBe(true);
    });
  });

  describe('gradcheck', () => {
    const maxCases: [string, number[], nt.Size2d, nt.MaxPool2dOptions][] = [
      ['kernel 2', [2, 2, 4, 4], 2, {}],
      ['kernel 3, stride 2, padding 1', [1, 2, 5, 5], 3, { stride: 2, padding: 1 }],
      ['rectangular, dilation', [1, 1, 6, 7], [2, 3], { stride: [1, 2], padding: [1, 1], dilation: [2, 2] }],
      ['ceil mode, padding', [1, 2, 5, 5], 2, { stride: 2, padding: 1, ceilMode: true }],
      ['unbatched, overlapping', [2, 4, 4], 3, { stride: 1 }],
    ];
    for (const [name, shape, k, options] of maxCases)
      it(`gradcheck maxPool2d: ${name}`, () => {
        gradcheck((x) => nt.maxPool2d(x, k, options), [distinct(shape, 5)]);
      });

    const avgCases: [string, number[], nt.Size2d, nt.AvgPool2dOptions][] = [
      ['kernel 2', [2, 2, 4, 4], 2, {}],
      ['padding counted', [1, 2, 5, 5], 3, { stride: 2, padding: 1 }],
      ['padding not counted', [1, 2, 5, 5], 3, { stride: 2, padding: 1, countIncludePad: false }],
      ['ceil overhang', [1, 1, 6, 7], 3, { stride: 2, padding: 1, ceilMode: true }],
      [
        'ceil overhang, padding not counted',
        [1, 1, 6, 7],
        3,
        { stride: 2, padding: 1, ceilMode: true, countIncludePad: false },
      ],
      ['rectangular, unbatched', [2, 5, 6], [3, 2], { stride: [1, 2], padding: [1, 0] }],
    ];
    for (const [name, shape, k, options] of avgCases)
      it(`gradcheck avgPool2d: ${name}`, () => {
        gradcheck((x) => nt.avgPool2d(x, k, options), [nt.randn(shape, { generator: new nt.Generator(6) })]);
      });

    const adaptiveCases: [string, number[], nt.AdaptiveSize2d][] = [
      ['7x5 to 3', [1, 2, 7, 5], 3],
      ['3x3 up to 4x5', [1, 1, 3, 3], [4, 5]],
      ['null keeps the width', [1, 2, 5, 4], [2, null]],
      ['unbatched', [2, 5, 5], [2, 3]],
    ];
    for (const [name, shape, size] of adaptiveCases)
      it(`gradcheck adaptiveAvgPool2d: ${name}`, () => {
        gradcheck(
          (x) => nt.adaptiveAvgPool2d(x, size),
          [nt.randn(shape, { generator: new nt.Generator(8) })],
        );
      });
  });
});

describe('pool2dInfo', () => {
  it('defaults the stride to the kernel and follows the ceil-mode rule', () => {
    const plain = nt.pool2dInfo([2, 3, 7, 6], [3, 2]);
    expect([plain.strideHeight, plain.strideWidth, plain.outHeight, plain.outWidth]).toEqual([3, 2, 2, 3]);
    expect(nt.pool2dInfo([1, 1, 7, 6], 2, { ceilMode: true })).toMatchObject({ outHeight: 4, outWidth: 3 });
    expect(nt.pool2dInfo([1, 1, 7, 6], 2)).toMatchObject({ outHeight: 3, outWidth: 3 });
    // ceil would give 4, but the 4th window would start in the right padding
    expect(nt.pool2dInfo([1, 1, 5, 5], 2, { stride: 2, padding: 1, ceilMode: true })).toMatchObject({
      outHeight: 3,
      outWidth: 3,
    });
    expect(nt.pool2dInfo([1, 1, 6, 7], 3, { stride: 2, padding: 1, ceilMode: true })).toMatchObject({
      outHeight: 4,
      outWidth: 4,
    });
    expect(nt.pool2dInfo([4, 5, 5], 2).batch).toBe(1);
  });

  it('rejects bad inputs and sizes with the op name and shapes', () => {
    expect(() => nt.maxPool2d(nt.zeros([5, 5]), 2)).toThrow(
      'maxPool2d: expected a 4-D input [N, C, H, W] or a 3-D one [C, H, W] with non-zero C, H, W, got [5, 5]',
    );
    expect(() => nt.maxPool2d(nt.zeros([1, 1, 5, 5]), 3, { padding: 2 })).toThrow(
      'maxPool2d: padding [2, 2] must be at most half the kernel [3, 3]',
    );
    expect(() => nt.avgPool2d(nt.zeros([1, 1, 1, 4]), 2)).toThrow(
      'avgPool2d: input [1, 1, 1, 4] is too small for kernel [2, 2] with dilation [1, 1] and padding [0, 0] (output would be 0×2)',
    );
    expect(() => nt.maxPool2d(nt.zeros([1, 1, 4, 4]), 0)).toThrow(/kernelSize must be a positive integer/);
    expect(() => nt.maxPool2d(nt.zeros([1, 1, 4, 4]), 2, { stride: [1, 0] })).toThrow(nt.ValueError);
    expect(() => nt.avgPool2d(nt.zeros([1, 1, 4, 4], { dtype: 'int32' }), 2)).toThrow(nt.DTypeError);
    expect(() => nt.adaptiveAvgPool2d(nt.zeros([1, 1, 4, 4]), 0)).toThrow(
      'adaptiveAvgPool2d: outputSize must be positive integers, got 0',
    );
    expect(() => nt.adaptiveAvgPool2d(nt.zeros([1, 0, 4, 4]), 2)).toThrow(nt.ShapeError);
  });
});
