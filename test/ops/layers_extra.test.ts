/**
 * The layers of issue 13 beyond their PyTorch fixtures (replayed by test/parity/ops.test.ts and
 * test/nn/layers_extra.test.ts): finite-difference gradchecks on every backend, the transposed convolution as
 * the exact adjoint of the convolution, and the errors that name the op, the argument and the shapes.
 */
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

const { nn } = nt;

function dot(a: nt.Tensor, b: nt.Tensor): number {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i] * b.data[i];
  return s;
}

forEachBackend('layers of issue 13', (_backend, it) => {
  const randn = (shape: number[], g: nt.Generator) => nt.randn(shape, { generator: g });

  describe('gradcheck', () => {
    it('gradcheck: conv1d with stride, padding, dilation, groups and bias', () => {
      const g = new nt.Generator(1);
      gradcheck(
        (x, w, b) => nt.conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2, groups: 2 }),
        [randn([2, 4, 9], g), randn([6, 2, 3], g), randn([6], g)],
      );
    });

    it("gradcheck: conv1d 'same' with an even kernel, unbatched", () => {
      const g = new nt.Generator(2);
      gradcheck(
        (x, w) => nt.conv1d(x, w, null, { padding: 'same' }),
        [randn([2, 7], g), randn([3, 2, 4], g)],
      );
    });

    it('gradcheck: convTranspose2d with stride, padding, outputPadding, dilation, groups and bias', () => {
      const g = new nt.Generator(3);
      const options = {
        stride: [2, 1],
        padding: [1, 0],
        outputPadding: [1, 0],
        dilation: [1, 2],
        groups: 2,
      } as const;
      gradcheck(
        (x, w, b) => nt.convTranspose2d(x, w, b, options),
        [randn([1, 4, 3, 3], g), randn([4, 2, 3, 2], g), randn([4], g)],
      );
    });

    it('gradcheck: convTranspose2d depthwise, stride 1, outputPadding below the dilation', () => {
      const g = new nt.Generator(4);
      gradcheck(
        (x, w) => nt.convTranspose2d(x, w, null, { groups: 2, dilation: 2, outputPadding: 1 }),
        [randn([1, 2, 3, 3], g), randn([2, 1, 2, 2], g)],
      );
    });

    it('gradcheck: convTranspose1d, unbatched', () => {
      const g = new nt.Generator(5);
      gradcheck(
        (x, w, b) => nt.convTranspose1d(x, w, b, { stride: 3, padding: 1, outputPadding: 2 }),
        [randn([2, 4], g), randn([2, 3, 3], g), randn([3], g)],
      );
    });

    it('gradcheck: maxPool1d and avgPool1d', () => {
      const g = new nt.Generator(6);
      // distinct values a step apart: no ties a finite difference could flip
      const x = nt.tensor(
        Float32Array.from(nt.randperm(18, { generator: g }).data, (v) => v * 0.3),
        [1, 2, 9],
      );
      gradcheck((t) => nt.maxPool1d(t, 3, { stride: 2, padding: 1, ceilMode: true }), [x], { eps: 1e-3 });
      gradcheck(
        (t) => nt.avgPool1d(t, 3, { stride: 2, padding: 1, countIncludePad: false }),
        [randn([2, 2, 7], g)],
      );
    });

    it('gradcheck: adaptiveMaxPool2d and adaptiveMaxPool1d', () => {
      const g = new nt.Generator(7);
      const x = nt.tensor(
        Float32Array.from(nt.randperm(35, { generator: g }).data, (v) => v * 0.3),
        [1, 1, 7, 5],
      );
      gradcheck((t) => nt.adaptiveMaxPool2d(t, [3, 2]), [x], { eps: 1e-3 });
      const y = nt.tensor(
        Float32Array.from(nt.randperm(10, { generator: g }).data, (v) => v * 0.3),
        [2, 5],
      );
      gradcheck((t) => nt.adaptiveMaxPool1d(t, 8), [y], { eps: 1e-3 });
    });

    it('gradcheck: interpolate, bilinear and nearest', () => {
      const g = new nt.Generator(8);
      gradcheck(
        (t) => nt.interpolate(t, { size: [5, 4], mode: 'bilinear', alignCorners: true }),
        [randn([1, 2, 3, 3], g)],
      );
      gradcheck((t) => nt.interpolate(t, { scaleFactor: 1.5, mode: 'bilinear' }), [randn([1, 1, 4, 3], g)]);
      gradcheck((t) => nt.interpolate(t, { size: 7, mode: 'linear' }), [randn([1, 2, 4], g)]);
      gradcheck((t) => nt.interpolate(t, { size: [2, 5] }), [randn([1, 2, 3, 3], g)]);
    });

    it('gradcheck: groupNorm and instanceNorm', () => {
      const g = new nt.Generator(9);
      gradcheck((x, w, b) => nt.groupNorm(x, 2, w, b), [randn([2, 4, 3], g), randn([4], g), randn([4], g)]);
      gradcheck(
        (x, w, b) => nt.instanceNorm(x, null, null, w, b),
        [randn([2, 2, 2, 3], g), randn([2], g), randn([2], g)],
      );
    });
  });

  it('convTranspose2d is the adjoint of conv2d: <conv2d(y, w), x> = <y, convTranspose2d(x, w)>', () => {
    const g = new nt.Generator(10);
    const options = { stride: 2, padding: 1, dilation: [1, 2], groups: 3 } as const;
    const w = randn([6, 2, 3, 3], g);
    const y = randn([2, 6, 9, 10], g);
    const conv = nt.conv2d(y, w, null, options);
    const x = randn(conv.shape as number[], g);
    // outputPadding [0, 1] brings the transposed output back to y's size
    const back = nt.convTranspose2d(x, w, null, { ...options, outputPadding: [0, 1] });
    expect(back.shape).toEqual(y.shape);
    expect(dot(back, y)).toBeCloseTo(dot(conv, x), 2);
  });

  for (const mode of ['bilinear', 'nearest'] as const)
    it(`interpolate (${mode}) keeps an infinity where it is, with the gradients of finite input`, () => {
      // finite input runs as matrix products, input with an infinity by gathering: the two must agree
      const g = new nt.Generator(12);
      const x = randn([1, 2, 4, 5], g).requiresGrad_();
      const data = Float32Array.from(x.data as Float32Array);
      data[7] = Number.POSITIVE_INFINITY;
      const xInf = nt.tensor(data, [1, 2, 4, 5]).requiresGrad_();
      const options = { scaleFactor: 2, mode } as const;
      const y = nt.interpolate(x, options);
      const yInf = nt.interpolate(xInf, options);
      const w = randn(y.shape as number[], g);
      y.mul(w).sum().backward();
      yInf.mul(w).sum().backward();
      let touched = 0;
      for (let i = 0; i < y.size; i++) {
        if (Number.isFinite(yInf.data[i])) expect(yInf.data[i]).toBeCloseTo(y.data[i], 5);
        else touched++;
      }
      // the cells that read the infinity and no others: PyTorch's counts for this input (bilinear includes the
      // edge row whose weight on it is 0, since 0·∞ is NaN there as well)
      expect(touched).toBe(mode === 'nearest' ? 4 : 20);
      expectClose(xInf.grad!.data, x.grad!.data, { atol: 1e-5, rtol: 1e-5 });
    });

  it('conv1d equals conv2d on a height-1 image', () => {
    const g = new nt.Generator(11);
    const x = randn([2, 4, 11], g);
    const w = randn([6, 2, 3], g);
    const y = nt.conv1d(x, w, null, { stride: 2, padding: 1, groups: 2 });
    const y2 = nt.conv2d(x.unsqueeze(2), w.unsqueeze(2), null, {
      stride: [1, 2],
      padding: [0, 1],
      groups: 2,
    });
    expectClose(y.data, y2.data, { atol: 1e-6, rtol: 1e-6 });
  });
});

describe('errors name the op, the argument and the shapes', () => {
  it('conv1d', () => {
    expect(() => nt.conv1d(nt.zeros([1, 3, 5]), nt.zeros([2, 2, 3]))).toThrow(
      'conv1d: given groups=1, weight [2, 2, 3] expects input with 2 channels, got input [1, 3, 5] with 3',
    );
    expect(() => nt.conv1d(nt.zeros([1, 1, 4]), nt.zeros([1, 1, 5]))).toThrow(
      'conv1d: kernel 5 (dilation included) is longer than the padded input 4 (input [1, 1, 4], weight [1, 1, 5])',
    );
    expect(() => nt.conv1d(nt.zeros([1, 1, 4, 4]), nt.zeros([1, 1, 3]))).toThrow(
      'conv1d: expected a 3-D input [N, C, L] or a 2-D one [C, L], got input [1, 1, 4, 4], weight [1, 1, 3]',
    );
    expect(() =>
      nt.conv1d(nt.zeros([1, 1, 8]), nt.zeros([1, 1, 3]), null, { padding: 'same', stride: 2 }),
    ).toThrow("conv1d: padding='same' needs stride 1, got stride 2");
    expect(() =>
      nt.conv1d(nt.zeros([1, 1, 8]), nt.zeros([1, 1, 3]), null, { stride: [2, 2] } as never),
    ).toThrow("conv1d: option 'stride' must be an integer (or a one-element array), got [2, 2]");
    expect(() => nt.conv1d(nt.zeros([1, 1, 8]), nt.zeros([2, 1, 3]), nt.zeros([3]))).toThrow(
      'conv1d: bias [3] does not fit weight [2, 1, 3]: expected [2]',
    );
  });

  it('convTranspose2d and convTranspose1d', () => {
    expect(() => nt.convTranspose2d(nt.zeros([1, 3, 4, 4]), nt.zeros([2, 3, 3, 3]))).toThrow(
      'convTranspose2d: weight [2, 3, 3, 3] expects input with 2 channels, got input [1, 3, 4, 4] with 3',
    );
    expect(() =>
      nt.convTranspose2d(nt.zeros([1, 2, 4, 4]), nt.zeros([2, 3, 3, 3]), null, {
        stride: 2,
        outputPadding: 2,
      }),
    ).toThrow('convTranspose2d: outputPadding 2 must be smaller than the stride (2) or the dilation (1)');
    expect(() =>
      nt.convTranspose2d(nt.zeros([1, 3, 4, 4]), nt.zeros([3, 1, 3, 3]), null, { groups: 2 }),
    ).toThrow(
      'convTranspose2d: input channels 3 of input [1, 3, 4, 4], weight [3, 1, 3, 3] are not divisible by groups=2',
    );
    expect(() =>
      nt.convTranspose2d(nt.zeros([1, 1, 2, 2]), nt.zeros([1, 1, 1, 1]), null, { padding: 1 }),
    ).toThrow(
      'convTranspose2d: the padding crops the whole output (0×0) of input [1, 1, 2, 2], weight [1, 1, 1, 1]',
    );
    expect(() => nt.convTranspose1d(nt.zeros([1, 2, 4]), nt.zeros([2, 3, 3, 3]))).toThrow(
      'convTranspose1d: expected a 3-D weight [inC, outC/groups, k], got input [1, 2, 4], weight [2, 3, 3, 3]',
    );
    expect(() =>
      nt.convTranspose1d(nt.zeros([1, 2, 4]), nt.zeros([2, 3, 3]), null, { outputPad: 1 } as never),
    ).toThrow("convTranspose1d: unknown option 'outputPad'");
  });

  it('pooling', () => {
    expect(() => nt.maxPool1d(nt.zeros([1, 1, 4]), 3, { padding: 2 })).toThrow(
      'maxPool1d: padding 2 must be at most half the kernel 3',
    );
    expect(() => nt.avgPool1d(nt.zeros([1, 1, 2]), 3)).toThrow(
      'avgPool1d: input [1, 1, 2] is too small for kernel 3 with dilation 1 and padding 0 (output would be 0)',
    );
    expect(() => nt.maxPool1d(nt.zeros([1, 4, 4]), 2, 2 as never)).toThrow(
      /maxPool1d: expected an options object/,
    );
    expect(() => nt.adaptiveMaxPool2d(nt.zeros([2, 3]), 2)).toThrow(
      'adaptiveMaxPool2d: expected a 4-D input [N, C, H, W] or a 3-D one [C, H, W] with non-zero C, H, W, got [2, 3]',
    );
    expect(() => nt.adaptiveMaxPool1d(nt.zeros([1, 2, 3]), 0)).toThrow(
      'adaptiveMaxPool1d: outputSize must be a positive integer, got 0',
    );
  });

  it('interpolate', () => {
    const x = nt.zeros([1, 1, 3, 3]);
    expect(() => nt.interpolate(x, {})).toThrow('interpolate: give exactly one of size and scaleFactor');
    expect(() => nt.interpolate(x, { size: 4, scaleFactor: 2 })).toThrow(
      'give exactly one of size and scaleFactor',
    );
    expect(() => nt.interpolate(x, { size: 4, mode: 'linear' })).toThrow(
      "interpolate: mode 'linear' needs a 3-D input [N, C, L], got [1, 1, 3, 3]",
    );
    expect(() => nt.interpolate(x, { size: 4, alignCorners: true })).toThrow(
      "interpolate: alignCorners only applies to the linear modes, not to mode 'nearest'",
    );
    expect(() => nt.interpolate(x, { size: [4, 4, 4] })).toThrow(
      'interpolate: size needs 2 values for 2 spatial axes, got [4,4,4]',
    );
    expect(() => nt.interpolate(x, { size: 4, mode: 'bicubic' as never })).toThrow(
      "interpolate: option 'mode' must be one of 'nearest', 'nearest-exact', 'linear', 'bilinear', got 'bicubic'",
    );
    expect(() => nt.interpolate(x, { scaleFactor: 0.2 })).toThrow(/shrinks input \[1, 1, 3, 3\] to nothing/);
  });

  it('groupNorm and instanceNorm', () => {
    expect(() => nt.groupNorm(nt.zeros([2, 6, 3]), 4)).toThrow(
      'groupNorm: numGroups must be a positive divisor of the 6 channels of input [2, 6, 3], got 4',
    );
    expect(() => nt.groupNorm(nt.zeros([2, 6, 3]), 3, nt.zeros([5]))).toThrow(
      'groupNorm: weight has shape [5], expected [6] for input [2, 6, 3]',
    );
    expect(() => nt.instanceNorm(nt.zeros([2, 3]))).toThrow(
      'instanceNorm: expected input [N, C, ...] with at least one spatial axis, got [2, 3]',
    );
    expect(() =>
      nt.instanceNorm(nt.zeros([2, 3, 4]), null, null, null, null, { useInputStats: false }),
    ).toThrow('instanceNorm: runningMean and runningVar are required when useInputStats is false');
  });
});

describe('layers', () => {
  it('ConvTranspose2d: PyTorch layout, initialisation from the weight’s second axis, outputSize', () => {
    const up = new nn.ConvTranspose2d(4, 6, 3, {
      stride: 2,
      padding: 1,
      groups: 2,
      generator: new nt.Generator(1),
    });
    expect(up.weight.shape).toEqual([4, 3, 3, 3]);
    expect(Object.keys(up.stateDict())).toEqual(['weight', 'bias']);
    const bound = 1 / Math.sqrt(3 * 9);
    for (const p of [up.weight, up.bias!]) {
      const values = [...p.data];
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.7 * bound);
    }
    const x = nt.randn([1, 4, 5, 5]);
    expect(up.forward(x).shape).toEqual([1, 6, 9, 9]);
    expect(up.forward(x, [10, 10]).shape).toEqual([1, 6, 10, 10]);
    expect(() => up.forward(x, [11, 10])).toThrow(
      'ConvTranspose2d(4 -> 6, kernel 3): outputSize 11 is out of reach for input size 5: it must lie in [9, 10]',
    );
    expect(() => up.forward(nt.randn([1, 3, 5, 5]))).toThrow(
      'ConvTranspose2d(4 -> 6, kernel 3): expected input [N, 4, H, W] or [4, H, W], got [1, 3, 5, 5]',
    );
    expect(() => new nn.ConvTranspose2d(4, 6, 3, { stride: 2, outputPadding: 2 })).toThrow(
      'ConvTranspose2d(4 -> 6, kernel 3): outputPadding (2, 2) must be smaller than the stride (2, 2) or the dilation (1, 1)',
    );
    expect(String(up)).toContain(
      'ConvTranspose2d(4, 6, kernelSize=(3, 3), stride=(2, 2), padding=(1, 1), groups=2)',
    );
  });

  it('Conv1d and ConvTranspose1d', () => {
    const conv = new nn.Conv1d(4, 8, 5, { padding: 'same', groups: 2 });
    expect(conv.weight.shape).toEqual([8, 2, 5]);
    expect(conv.forward(nt.randn([3, 4, 20])).shape).toEqual([3, 8, 20]);
    expect(() => conv.forward(nt.randn([3, 5, 20]))).toThrow(
      'Conv1d(4 -> 8, kernel 5): expected input [N, 4, L] or [4, L], got [3, 5, 20]',
    );
    expect(() => new nn.Conv1d(4, 8, 3, { padding: 'same', stride: 2 })).toThrow(
      "Conv1d(4 -> 8, kernel 3): padding='same' needs stride 1, got stride 2",
    );
    const up = new nn.ConvTranspose1d(8, 4, 4, { stride: 2, padding: 1 });
    expect(up.weight.shape).toEqual([8, 4, 4]);
    expect(up.forward(nt.randn([2, 8, 10])).shape).toEqual([2, 4, 20]);
    expect(up.forward(nt.randn([8, 10]), 21).shape).toEqual([4, 21]);
  });

  it('pooling, upsampling and normalisation layers check what they are given', () => {
    expect(() => new nn.MaxPool1d(3, { padding: 2 })).toThrow(
      'MaxPool1d: padding 2 must be at most half the kernel 3',
    );
    expect(() => new nn.AdaptiveMaxPool2d([2, 2, 2] as never)).toThrow(
      /AdaptiveMaxPool2d: outputSize must be/,
    );
    expect(() => new nn.Upsample({ size: 2, scale: 2 } as never)).toThrow("Upsample: unknown option 'scale'");
    expect(() => new nn.Upsample({})).toThrow('Upsample: give exactly one of size and scaleFactor');
    expect(() => new nn.GroupNorm(4, 6)).toThrow(
      'GroupNorm: numChannels (6) must be divisible by numGroups (4)',
    );
    expect(() => new nn.GroupNorm(2, 6).forward(nt.randn([2, 4, 3]))).toThrow(
      'GroupNorm(2, 6): expected input [N, 6, ...], got [2, 4, 3]',
    );
    expect(new nn.InstanceNorm2d(3).forward(nt.randn([3, 4, 5])).shape).toEqual([3, 4, 5]);
    expect(() => new nn.InstanceNorm2d(3).forward(nt.randn([2, 4, 4, 4]))).toThrow(
      'InstanceNorm2d(3): expected input [N, 3, H, W] or [3, H, W], got [2, 4, 4, 4]',
    );
    // PyTorch's defaults: no parameters, no buffers
    expect(Object.keys(new nn.InstanceNorm2d(3).stateDict())).toEqual([]);
    expect(
      Object.keys(new nn.InstanceNorm2d(3, { affine: true, trackRunningStats: true }).stateDict()),
    ).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
  });
});
