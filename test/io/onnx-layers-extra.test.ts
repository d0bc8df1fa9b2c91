// The layers of issue 13 exported to ONNX and run in ONNX Runtime against neurite, batches 1 and 7: Conv1d,
// ConvTranspose1d/2d, MaxPool1d/AvgPool1d (ceil mode included), the adaptive poolings (equal bins and unequal
// ones), Upsample in every mode, GroupNorm and InstanceNorm1d/2d (with and without running statistics).
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { exportAndCheck, type Net } from './onnx-helpers.js';

const { nn } = nt;
const gen = () => new nt.Generator(13);
const seq = (...layers: nt.nn.Module[]) => new nn.Sequential(...layers) as nt.nn.Sequential & Net;

/** Affine parameters and running statistics away from their defaults, so that a dropped one fails. */
function randomise(m: nt.nn.Module): nt.nn.Module {
  const g = gen();
  for (const [key, t] of [...m.namedParameters(), ...m.namedBuffers()]) {
    if (t.dtype !== 'float32') continue;
    const noise = nt.randn(t.shape, { generator: g });
    t.data.set(
      key.endsWith('running_var')
        ? nt.rand(t.shape, { generator: g }).add(0.5).data
        : noise.mul(0.5).add(key.endsWith('weight') ? 1 : 0).data,
    );
  }
  return m;
}

describe('onnx export of the layers of issue 13', () => {
  it('Conv1d: padding, same, groups, dilation, stride', async () => {
    await exportAndCheck(
      seq(
        new nn.Conv1d(3, 4, 3, { padding: 1, generator: gen() }),
        new nn.Conv1d(4, 6, 4, { padding: 'same', dilation: 2, groups: 2, generator: gen() }),
        new nn.Conv1d(6, 2, 3, { stride: 2, bias: false, generator: gen() }),
      ),
      [3, 17],
    );
  });

  for (const opset of [13, 17]) {
    it(`ConvTranspose2d and ConvTranspose1d, opset ${opset}`, async () => {
      await exportAndCheck(
        seq(
          new nn.ConvTranspose2d(4, 6, 3, {
            stride: 2,
            padding: 1,
            outputPadding: 1,
            groups: 2,
            generator: gen(),
          }),
          new nn.ConvTranspose2d(6, 3, [2, 3], {
            stride: [1, 2],
            dilation: [2, 1],
            bias: false,
            generator: gen(),
          }),
        ),
        [4, 5, 4],
        { opset },
      );
      await exportAndCheck(
        seq(new nn.ConvTranspose1d(3, 4, 4, { stride: 3, padding: 1, outputPadding: 2, generator: gen() })),
        [3, 6],
        { opset },
      );
    });
  }

  it('MaxPool1d and AvgPool1d, ceil mode and padding included', async () => {
    await exportAndCheck(
      seq(new nn.MaxPool1d(3, { stride: 2, padding: 1, dilation: 2, ceilMode: true })),
      [2, 12],
    );
    await exportAndCheck(seq(new nn.MaxPool1d(2)), [2, 9]);
    for (const countIncludePad of [true, false]) {
      await exportAndCheck(seq(new nn.AvgPool1d(3, { stride: 2, padding: 1, countIncludePad })), [2, 9]);
      await exportAndCheck(
        seq(new nn.AvgPool1d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad })),
        [1, 6],
      );
    }
  });

  for (const opset of [13, 18]) {
    it(`adaptive max pooling (ReduceMax's axes as ${opset < 18 ? 'an attribute' : 'an input'}), adaptive average 1-D`, async () => {
      await exportAndCheck(seq(new nn.AdaptiveMaxPool2d([3, 2])), [2, 7, 5], { opset });
      await exportAndCheck(seq(new nn.AdaptiveMaxPool2d([2, null])), [2, 6, 5], { opset });
      await exportAndCheck(seq(new nn.AdaptiveMaxPool2d(1)), [3, 4, 5], { opset });
      await exportAndCheck(seq(new nn.AdaptiveMaxPool1d(4)), [2, 9], { opset });
      await exportAndCheck(seq(new nn.AdaptiveMaxPool1d(3)), [2, 9], { opset });
      await exportAndCheck(seq(new nn.AdaptiveAvgPool1d(4)), [2, 9], { opset });
    });
  }

  it('Upsample: nearest (size and factor), nearest-exact, bilinear and linear with and without alignCorners', async () => {
    await exportAndCheck(seq(new nn.Upsample({ scaleFactor: 2 })), [2, 3, 4]);
    await exportAndCheck(seq(new nn.Upsample({ size: [5, 7] })), [2, 3, 4]);
    await exportAndCheck(seq(new nn.Upsample({ size: [7, 3], mode: 'nearest-exact' })), [2, 3, 5]);
    for (const alignCorners of [false, true]) {
      await exportAndCheck(
        seq(new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners })),
        [2, 3, 4],
      );
      await exportAndCheck(seq(new nn.Upsample({ size: [2, 3], mode: 'bilinear', alignCorners })), [2, 5, 7]);
      await exportAndCheck(seq(new nn.Upsample({ size: 9, mode: 'linear', alignCorners })), [2, 4]);
      // an output of one cell: PyTorch samples the middle without alignCorners, the first cell with it
      await exportAndCheck(seq(new nn.Upsample({ size: [1, 3], mode: 'bilinear', alignCorners })), [2, 4, 5]);
    }
  });

  it('GroupNorm and InstanceNorm', async () => {
    await exportAndCheck(seq(randomise(new nn.GroupNorm(3, 6))), [6, 4, 5]);
    await exportAndCheck(seq(new nn.GroupNorm(2, 4, { affine: false, eps: 1e-3 })), [4, 7]);
    await exportAndCheck(seq(randomise(new nn.InstanceNorm2d(3, { affine: true }))), [3, 4, 5]);
    await exportAndCheck(seq(new nn.InstanceNorm1d(4)), [4, 6]);
    // evaluation with running statistics normalises with them
    await exportAndCheck(
      seq(randomise(new nn.InstanceNorm2d(3, { affine: true, trackRunningStats: true }))),
      [3, 4, 4],
    );
  });

  it('refuses unbatched input, naming the layer', () => {
    expect(() => nt.onnx.exportModel(seq(new nn.Conv1d(2, 3, 3)), nt.randn([2, 8]))).toThrow(
      /cannot export '0' \(Conv1d\): an input of rank 2: export with \[N, C, L\]/,
    );
  });
});
