// Layer by layer: each layer the exporter knows, in a small Sequential, run in ONNX Runtime against neurite
// (batches 1 and 7), and the errors for what it cannot export.
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { exportAndCheck, type Net, randomiseNorms } from './onnx-helpers.js';

const { nn } = nt;
const seq = (...layers: nt.nn.Module[]) => {
  const m = new nn.Sequential(...layers);
  randomiseNorms(m);
  return m as nt.nn.Sequential & Net;
};
const gen = () => new nt.Generator(5);

describe('onnx export of single layers, checked in ONNX Runtime', () => {
  const activations: [string, nt.nn.Module][] = [
    ['ReLU', new nn.ReLU()],
    ['LeakyReLU', new nn.LeakyReLU(0.2)],
    ['ELU', new nn.ELU(0.7)],
    ['CELU', new nn.CELU(1.5)],
    ['SELU', new nn.SELU()],
    ['GELU', new nn.GELU()],
    ['GELU tanh', new nn.GELU({ approximate: 'tanh' })],
    ['Sigmoid', new nn.Sigmoid()],
    ['Tanh', new nn.Tanh()],
    ['Softplus', new nn.Softplus()],
    ['Softplus beta 2 threshold 1', new nn.Softplus({ beta: 2, threshold: 1 })],
    ['Softmax', new nn.Softmax(1)],
    ['LogSoftmax', new nn.LogSoftmax(-1)],
    ['Softmin', new nn.Softmin(1)],
    ['SiLU', new nn.SiLU()],
    ['Mish', new nn.Mish()],
    ['Hardtanh', new nn.Hardtanh(-0.5, 2)],
    ['ReLU6', new nn.ReLU6()],
    ['Hardsigmoid', new nn.Hardsigmoid()],
    ['Hardswish', new nn.Hardswish()],
    ['Softsign', new nn.Softsign()],
    ['LogSigmoid', new nn.LogSigmoid()],
    ['GLU', new nn.GLU(1)],
    ['PReLU', new nn.PReLU({ numParameters: 6, init: 0.1 })],
  ];
  for (const [name, act] of activations) {
    it(`${name} after a convolution`, async () => {
      // scaled so the inputs reach every piece of each activation (beyond ±3, ±6, the Softplus thresholds)
      const conv = new nn.Conv2d(2, 6, 3, { generator: gen() });
      conv.weight.data.set(conv.weight.mul(6).data);
      await exportAndCheck(seq(conv, act), [2, 5, 5]);
    });
  }

  it('GELU as the opset-20 operator', async () => {
    await exportAndCheck(seq(new nn.Linear(4, 8, { generator: gen() }), new nn.GELU()), [4], { opset: 20 });
  });

  it('Conv2d with groups, dilation, stride, no bias', async () => {
    const conv = new nn.Conv2d(4, 8, [3, 2], {
      groups: 2,
      dilation: [2, 1],
      stride: [1, 2],
      bias: false,
      generator: gen(),
    });
    await exportAndCheck(seq(conv), [4, 9, 8]);
  });

  it("Conv2d with padding 'same' (even kernel: asymmetric) and 'valid'", async () => {
    const same = new nn.Conv2d(3, 4, 4, { padding: 'same', dilation: 1, generator: gen() });
    const valid = new nn.Conv2d(4, 2, 3, { padding: 'valid', generator: gen() });
    await exportAndCheck(seq(same, valid), [3, 8, 7]);
  });

  it('depthwise Conv2d (groups = channels) with BatchNorm2d, affine off', async () => {
    const dw = new nn.Conv2d(4, 4, 3, { groups: 4, padding: 1, generator: gen() });
    await exportAndCheck(seq(dw, new nn.BatchNorm2d(4, { affine: false })), [4, 6, 6]);
  });

  it('MaxPool2d with padding, dilation and ceil mode; AvgPool2d with and without counting padding', async () => {
    await exportAndCheck(seq(new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true })), [2, 10, 9]);
    await exportAndCheck(seq(new nn.MaxPool2d(2, { stride: 2, dilation: 2, ceilMode: true })), [2, 9, 11]);
    await exportAndCheck(seq(new nn.AvgPool2d(3, { stride: 2, padding: 1 })), [2, 9, 9]);
    await exportAndCheck(seq(new nn.AvgPool2d(3, { stride: 2, ceilMode: true })), [2, 10, 8]);
    await exportAndCheck(
      seq(new nn.AvgPool2d(2, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false })),
      [2, 9, 10],
    );
    await exportAndCheck(seq(new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true })), [2, 10, 10]);
    await exportAndCheck(
      seq(new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false })),
      [2, 9, 9],
    );
  });

  it('AdaptiveAvgPool2d: global, equal bins and unequal bins', async () => {
    await exportAndCheck(seq(new nn.AdaptiveAvgPool2d(1)), [3, 7, 5]);
    await exportAndCheck(seq(new nn.AdaptiveAvgPool2d([2, 3])), [3, 8, 9]);
    await exportAndCheck(seq(new nn.AdaptiveAvgPool2d([3, 4])), [3, 7, 5]);
  });

  it('Flatten, Unflatten and Linear on three axes (MatMul + Add)', async () => {
    const m = seq(
      new nn.Flatten(2, 3),
      new nn.Linear(20, 6, { generator: gen() }),
      new nn.Unflatten(2, [2, 3]),
      new nn.Flatten(),
      new nn.BatchNorm1d(18),
      new nn.Dropout(0.5),
      new nn.Identity(),
    );
    await exportAndCheck(m, [3, 4, 5]);
  });
});

describe('onnx export: what it refuses', () => {
  class Custom extends nt.nn.Module {
    forward(x: nt.Tensor): nt.Tensor {
      return x.mul(2);
    }
  }
  class Tweaked extends nt.nn.Linear {
    override forward(x: nt.Tensor): nt.Tensor {
      return super.forward(x).mul(2);
    }
  }

  it('names the module, its class and why', () => {
    const m = new nn.Sequential(new nn.Linear(3, 4), new nn.Sequential(new nn.ReLU(), new Custom()));
    expect(() => nt.onnx.exportModel(m, nt.randn([2, 3]))).toThrow(
      /cannot export '1\.1' \(Custom\): no ONNX emitter for Custom; the exporter knows .*Linear/,
    );
  });

  it('refuses a subclass that overrides a known forward', () => {
    const m = new nn.Sequential(new Tweaked(3, 4));
    expect(() => nt.onnx.exportModel(m, nt.randn([2, 3]))).toThrow(
      /'0' \(Tweaked\): it overrides Linear\.forward/,
    );
  });

  it('refuses BatchNorm without running statistics, an unknown opset and bad names', () => {
    const bn = new nn.Sequential(new nn.BatchNorm1d(3, { trackRunningStats: false }));
    expect(() => nt.onnx.exportModel(bn, nt.randn([2, 3]))).toThrow(
      /'0' \(BatchNorm1d\): without running statistics/,
    );
    const lin = new nn.Linear(3, 2);
    expect(() => nt.onnx.exportModel(lin, nt.randn([2, 3]), { opset: 9 })).toThrow(/opset must be one of 13/);
    expect(() => nt.onnx.exportModel(lin, nt.randn([2, 3]), { inputNames: ['a', 'b'] })).toThrow(
      /inputNames/,
    );
  });

  it('names the graph input and output as asked, and fixes the batch when asked', async () => {
    const lin = new nn.Linear(3, 2) as nt.nn.Linear & Net;
    await exportAndCheck(lin, [3], { inputNames: ['pixels'], outputNames: ['logits'] });
    const fixed = nt.onnx.decodeModel(
      nt.onnx.exportModel(lin, nt.randn([5, 3]), { dynamicBatch: false }),
    ) as {
      graph: { input: { type: { tensorType: { shape: { dim: { dimValue?: number }[] } } } }[] };
    };
    expect(fixed.graph.input[0].type.tensorType.shape.dim.map((d) => d.dimValue)).toEqual([5, 3]);
  });
});
