import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

interface Json {
  shape: number[];
  data: number[];
}
interface ConvCase {
  name: string;
  options: nt.Conv2dOptions;
  x: Json;
  weight: Json;
  bias: Json | null;
  up: Json;
  out: Json;
  dx: Json;
  dweight: Json;
  dbias: Json | null;
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/conv_pool.json', import.meta.url), 'utf8')) as {
  conv2d: ConvCase[];
};
const fromJson = (j: Json): nt.Tensor => nt.tensor(Float32Array.from(j.data), j.shape);

/**
 * Direct 7-loop convolution and its two gradients, written from the definition: the oracle for the
 * im2col kernels. Padding is implied by (padTop, padLeft) and the output size, as in the kernel contract.
 */
function naive(x: Float32Array, w: Float32Array, dy: Float32Array, info: nt.Conv2dInfo) {
  const {
    batch: N,
    inChannels: C,
    inHeight: H,
    inWidth: W,
    outChannels: O,
    outHeight: OH,
    outWidth: OW,
  } = info;
  const { kernelHeight: KH, kernelWidth: KW, groups: G } = info;
  const cg = C / G;
  const og = O / G;
  const out = new Float64Array(N * O * OH * OW);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / og);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const oi = ((n * O + o) * OH + oh) * OW + ow;
          for (let c = 0; c < cg; c++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * info.strideHeight - info.padTop + kh * info.dilationHeight;
                const iw = ow * info.strideWidth - info.padLeft + kw * info.dilationWidth;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const xi = ((n * C + g * cg + c) * H + ih) * W + iw;
                const wi = ((o * cg + c) * KH + kh) * KW + kw;
                out[oi] += x[xi] * w[wi];
                dx[xi] += dy[oi] * w[wi];
                dw[wi] += dy[oi] * x[xi];
              }
        }
    }
  return { out, dx, dw };
}

forEachBackend('conv2d', (_backend, it) => {
  describe('kernels match a direct convolution', () => {
    const cases: [string, number[], number[], nt.Conv2dOptions][] = [
      ['plain', [2, 3, 5, 6], [4, 3, 3, 3], {}],
      ['stride and padding', [1, 2, 7, 6], [3, 2, 3, 2], { stride: [2, 3], padding: [1, 2] }],
      ['dilation', [1, 2, 9, 8], [2, 2, 3, 3], { dilation: [2, 3], padding: 2 }],
      ['groups', [2, 6, 5, 5], [4, 3, 2, 2], { groups: 2, stride: 2, padding: 1 }],
      ['depthwise', [1, 4, 6, 5], [8, 1, 3, 3], { groups: 4, padding: 'same' }],
      ['same, even kernel', [1, 2, 6, 5], [3, 2, 4, 2], { padding: 'same', dilation: [1, 3] }],
      ['pointwise', [2, 4, 3, 5], [6, 4, 1, 1], {}],
      ['pointwise, strided', [1, 3, 5, 5], [2, 3, 1, 1], { stride: 2 }],
      ['kernel as large as the padded input', [1, 1, 3, 2], [2, 1, 5, 4], { padding: 1 }],
      ['padding wider than the kernel reach', [1, 1, 2, 2], [1, 1, 2, 2], { padding: 3, stride: 2 }],
    ];
    for (const [name, xShape, wShape, options] of cases)
      it(`kernels vs direct: ${name}`, () => {
        const g = new nt.Generator(7);
        const info = nt.conv2dInfo(xShape, wShape, options);
        const x = nt.randn(xShape, { generator: g }).data as Float32Array;
        const w = nt.randn(wShape, { generator: g }).data as Float32Array;
        const outSize = info.batch * info.outChannels * info.outHeight * info.outWidth;
        const dy = nt.randn([outSize], { generator: g }).data as Float32Array;
        const ref = naive(x, w, dy, info);
        const be = nt.getBackend();
        // garbage in the output buffers must not leak into the results
        const out = new Float32Array(outSize).fill(Number.NaN);
        const dx = new Float32Array(x.length).fill(Number.NaN);
        const dw = new Float32Array(w.length).fill(Number.NaN);
        be.conv2d(x, w, info, out);
        be.conv2dBackpropInput(dy, w, info, dx);
        be.conv2dBackpropFilter(x, dy, info, dw);
        expectClose(out, ref.out, { atol: 1e-5, rtol: 1e-5 }, 'out');
        expectClose(dx, ref.dx, { atol: 1e-5, rtol: 1e-5 }, 'dx');
        expectClose(dw, ref.dw, { atol: 1e-5, rtol: 1e-5 }, 'dw');
      });
  });

  describe('matches PyTorch', () => {
    for (const c of fixtures.conv2d)
      it(`PyTorch: ${c.name}`, () => {
        const x = fromJson(c.x).requiresGrad_();
        const w = fromJson(c.weight).requiresGrad_();
        const b = c.bias ? fromJson(c.bias).requiresGrad_() : null;
        const out = nt.conv2d(x, w, b, c.options);
        expect(out.shape).toEqual(c.out.shape);
        expectClose(out.data, c.out.data, { atol: 1e-5, rtol: 1e-4 }, 'out');
        out.mul(fromJson(c.up)).sum().backward();
        expectClose(x.grad!.data, c.dx.data, { atol: 1e-5, rtol: 1e-4 }, 'dx');
        expectClose(w.grad!.data, c.dweight.data, { atol: 1e-5, rtol: 1e-4 }, 'dweight');
        if (b) expectClose(b.grad!.data, c.dbias!.data, { atol: 1e-5, rtol: 1e-4 }, 'dbias');
      });
  });

  describe('gradcheck', () => {
    const cases: [string, number[], number[], boolean, nt.Conv2dOptions][] = [
      ['plain with bias', [2, 2, 4, 4], [3, 2, 2, 2], true, {}],
      ['stride 2, padding 1', [1, 2, 5, 5], [2, 2, 3, 3], true, { stride: 2, padding: 1 }],
      ['rectangular dilation', [1, 1, 6, 5], [2, 1, 2, 2], false, { dilation: [2, 3], padding: [0, 1] }],
      ['groups 2', [1, 4, 4, 4], [2, 2, 3, 3], true, { groups: 2, padding: 1 }],
      ['depthwise', [1, 3, 4, 4], [3, 1, 3, 3], false, { groups: 3, padding: 'same' }],
      ['same, even kernel', [1, 1, 4, 4], [2, 1, 2, 4], true, { padding: 'same' }],
      ['pointwise', [2, 3, 2, 2], [2, 3, 1, 1], true, {}],
      ['unbatched', [2, 4, 4], [2, 2, 3, 3], true, { stride: [1, 2] }],
    ];
    for (const [name, xShape, wShape, bias, options] of cases)
      it(`gradcheck: ${name}`, () => {
        const g = new nt.Generator(3);
        const inputs = [nt.randn(xShape, { generator: g }), nt.randn(wShape, { generator: g })];
        if (bias) inputs.push(nt.randn([wShape[0]], { generator: g }));
        gradcheck((x, w, b) => nt.conv2d(x, w, b ?? null, options), inputs);
      });

    it('skips gradients nobody asked for', () => {
      const x = nt.randn([1, 2, 4, 4]);
      const w = nt.randn([3, 2, 3, 3], { requiresGrad: true });
      nt.conv2d(x, w).sum().backward();
      expect(x.grad).toBeNull();
      expect(w.grad!.shape).toEqual([3, 2, 3, 3]);
    });

    it('gives the bias its gradient with the weight frozen, and the weight its own with the bias frozen', () => {
      const g = new nt.Generator(5);
      const x = nt.randn([2, 2, 5, 4], { generator: g });
      const w = nt.randn([3, 2, 3, 3], { generator: g });
      const b = nt.randn([3], { generator: g });
      const up = nt.randn([2, 3, 3, 2], { generator: g });
      const want = nt.sum(up, [0, 2, 3]);
      // the bias alone (its gradient is the sum of dy, not computed by the filter gradient's kernel)
      const bOnly = b.detach().requiresGrad_();
      nt.conv2d(x, w, bOnly).mul(up).sum().backward();
      expectClose(bOnly.grad!.data, want.data, { atol: 1e-5, rtol: 1e-5 }, 'dbias, weight frozen');
      // both (the bias gradient from the filter gradient's kernel), then the weight alone: the same dweight
      const w1 = w.detach().requiresGrad_();
      const b1 = b.detach().requiresGrad_();
      nt.conv2d(x, w1, b1).mul(up).sum().backward();
      expectClose(b1.grad!.data, want.data, { atol: 1e-5, rtol: 1e-5 }, 'dbias with dweight');
      const w2 = w.detach().requiresGrad_();
      nt.conv2d(x, w2, b).mul(up).sum().backward();
      expect(Array.from(w2.grad!.data)).toEqual(Array.from(w1.grad!.data));
    });
  });
});

describe('conv2dInfo', () => {
  it('computes output sizes and same padding', () => {
    const info = nt.conv2dInfo([8, 3, 32, 30], [16, 3, 5, 4], {
      stride: [2, 1],
      padding: [2, 1],
      dilation: [1, 2],
    });
    expect([info.outHeight, info.outWidth]).toEqual([16, 26]);
    const same = nt.conv2dInfo([1, 2, 9, 9], [4, 2, 4, 3], { padding: 'same', dilation: [1, 2] });
    expect([same.outHeight, same.outWidth, same.padTop, same.padLeft]).toEqual([9, 9, 1, 2]);
    const unbatched = nt.conv2dInfo([3, 5, 5], [2, 3, 3, 3]);
    expect([unbatched.batch, unbatched.outHeight]).toEqual([1, 3]);
  });

  it('names the op and both shapes when channels do not match', () => {
    expect(() => nt.conv2d(nt.zeros([1, 3, 5, 5]), nt.zeros([8, 2, 3, 3]))).toThrow(nt.ShapeError);
    expect(() => nt.conv2d(nt.zeros([1, 3, 5, 5]), nt.zeros([8, 2, 3, 3]))).toThrow(
      'conv2d: given groups=1, weight [8, 2, 3, 3] expects input with 2 channels, got input [1, 3, 5, 5] with 3',
    );
    expect(() => nt.conv2d(nt.zeros([1, 4, 5, 5]), nt.zeros([8, 1, 3, 3]), null, { groups: 2 })).toThrow(
      'given groups=2, weight [8, 1, 3, 3] expects input with 2 channels, got input [1, 4, 5, 5] with 4',
    );
    expect(() => nt.conv2d(nt.zeros([1, 4, 5, 5]), nt.zeros([3, 2, 3, 3]), null, { groups: 2 })).toThrow(
      'conv2d: weight [3, 2, 3, 3] has 3 output channels, not divisible by groups=2',
    );
  });

  it('rejects a kernel larger than the padded input', () => {
    expect(() => nt.conv2d(nt.zeros([1, 1, 4, 4]), nt.zeros([1, 1, 5, 5]))).toThrow(
      'conv2d: kernel 5×5 (dilation included) is larger than the padded input 4×4 (input [1, 1, 4, 4], weight [1, 1, 5, 5])',
    );
    expect(() => nt.conv2d(nt.zeros([1, 1, 4, 4]), nt.zeros([1, 1, 3, 3]), null, { dilation: 2 })).toThrow(
      /kernel 5×5 \(dilation included\) is larger than the padded input 4×4/,
    );
    expect(nt.conv2d(nt.zeros([1, 1, 4, 4]), nt.zeros([1, 1, 5, 5]), null, { padding: 1 }).shape).toEqual([
      1, 1, 2, 2,
    ]);
  });

  it('rejects bad ranks, bias shapes and options', () => {
    expect(() => nt.conv2d(nt.zeros([5, 5]), nt.zeros([1, 1, 3, 3]))).toThrow(
      'conv2d: expected a 4-D input [N, C, H, W] or a 3-D one [C, H, W], got input [5, 5], weight [1, 1, 3, 3]',
    );
    expect(() => nt.conv2d(nt.zeros([1, 1, 5, 5]), nt.zeros([1, 3, 3]))).toThrow(/4-D weight/);
    expect(() => nt.conv2d(nt.zeros([1, 1, 5, 5]), nt.zeros([2, 1, 3, 3]), nt.zeros([3]))).toThrow(
      'conv2d: bias [3] does not fit weight [2, 1, 3, 3]: expected [2]',
    );
    expect(() => nt.conv2d(nt.zeros([1, 1, 5, 5]), nt.zeros([2, 1, 3, 3]), null, { stride: 0 })).toThrow(
      nt.ValueError,
    );
    expect(() => nt.conv2d(nt.zeros([1, 1, 5, 5]), nt.zeros([2, 1, 3, 3]), null, { padding: -1 })).toThrow(
      /padding must be a non-negative integer/,
    );
    expect(() =>
      nt.conv2d(nt.zeros([1, 1, 5, 5]), nt.zeros([2, 1, 3, 3]), null, { padding: 'same', stride: 2 }),
    ).toThrow("conv2d: padding='same' needs stride 1, got stride [2, 2]");
    expect(() => nt.conv2d(nt.zeros([1, 1, 5, 5]), nt.zeros([2, 1, 3, 3]), null, { groups: 0 })).toThrow(
      /groups must be a positive integer/,
    );
    expect(() => nt.conv2d(nt.zeros([1, 1, 5, 5], { dtype: 'int32' }), nt.zeros([2, 1, 3, 3]))).toThrow(
      nt.DTypeError,
    );
  });
});
