// SeparableConv2d, LayerNorm (both opset forms), Embedding on int32 indices and RandWireNet (sigmoid-weighted
// aggregation of a random graph), run in ONNX Runtime against neurite for batches 1 and 7.
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { exportAndCheck, type Net, randomiseNorms, relError, runOrt } from './onnx-helpers.js';

const { nn } = nt;
const gen = () => new nt.Generator(11);
const seq = (...layers: nt.nn.Module[]) => new nn.Sequential(...layers) as nt.nn.Sequential & Net;

describe('onnx export, more layers and RandWireNet', () => {
  it('SeparableConv2d', async () => {
    await exportAndCheck(
      seq(new nn.SeparableConv2d(4, 6, 3, { stride: 2, padding: 1, generator: gen() })),
      [4, 9, 9],
    );
  });

  for (const opset of [13, 17]) {
    it(`LayerNorm over two axes, opset ${opset}`, async () => {
      const ln = new nn.LayerNorm([3, 5]);
      ln.weight?.data.set(nt.rand([3, 5], { generator: gen() }).add(0.5).data);
      ln.bias?.data.set(nt.randn([3, 5], { generator: gen() }).data);
      await exportAndCheck(seq(ln, new nn.Flatten(), new nn.Linear(15, 4, { generator: gen() })), [3, 5], {
        opset,
      });
      await exportAndCheck(seq(new nn.LayerNorm(5, { elementwiseAffine: false })), [3, 5], { opset });
    });
  }

  it('Embedding: int32 indices in, Gather', async () => {
    const m = seq(
      new nn.Embedding(20, 6, { generator: gen() }),
      new nn.Flatten(),
      new nn.Linear(24, 3, { generator: gen() }),
    );
    m.eval();
    const example = nt.randint(0, 20, [2, 4], { dtype: 'int32', generator: gen() });
    const bytes = nt.onnx.exportModel(m, example);
    for (const n of [1, 7]) {
      const x = nt.randint(0, 20, [n, 4], { dtype: 'int32', generator: gen() });
      const want = nt.noGrad(() => m.forward(x));
      const got = await runOrt(bytes, x);
      expect(got.dims).toEqual(want.shape);
      expect(relError(got.data, want.data as Float32Array)).toBeLessThan(1e-5);
    }
  });

  for (const graph of ['ws', 'er', 'ba'] as const) {
    it(`RandWireNet (${graph} graphs)`, async () => {
      const net = new nt.models.RandWireNet({
        graph:
          graph === 'ws'
            ? { type: 'ws', k: 4, p: 0.75 }
            : graph === 'er'
              ? { type: 'er', p: 0.4 }
              : { type: 'ba', m: 2 },
        nodes: 6,
        channels: 8,
        stages: 2,
        inChannels: 1,
        numClasses: 10,
        headChannels: 16,
        seed: 3,
      });
      for (const p of net.parameters())
        if (p.shape.length === 1 && p.shape[0] <= 8) p.data.set(nt.randn(p.shape, { generator: gen() }).data);
      randomiseNorms(net);
      const r = await exportAndCheck(net as typeof net & Net, [1, 28, 28]);
      console.log(
        `RandWireNet ${graph}: ${r.opCount} ops, ${r.bytes} bytes, max error ${r.maxError.toExponential(2)}`,
      );
    });
  }
});

describe('onnx export of preprocessing steps', () => {
  it('PolynomialFeatures (degree 3, with bias; interaction only) as Gather/Mul/Concat nodes', async () => {
    for (const interactionOnly of [false, true]) {
      const x = nt.randn([20, 3]);
      const poly = new nt.data.PolynomialFeatures({ degree: 3, interactionOnly }).fit(x);
      const width = poly.transform(x).shape[1];
      const model = new nt.onnx.WithPreprocessing(new nn.Linear(width, 2, { generator: gen() }), {
        description: 'three numbers',
        steps: [poly.toJSON()],
      });
      await exportAndCheck(model as typeof model & Net, [3]);
    }
  });

  it('a step without ONNX nodes (OneHotEncoder) is refused, naming it', () => {
    const enc = new nt.data.OneHotEncoder().fit(nt.tensor([[0], [1], [2]]));
    const model = new nt.onnx.WithPreprocessing(new nn.Linear(3, 2), {
      description: 'a category',
      steps: [enc.toJSON()],
    });
    expect(() => nt.onnx.exportModel(model, nt.tensor([[1], [2]]))).toThrow(
      /cannot export WithPreprocessing: the preprocessing step OneHotEncoder has no ONNX form/,
    );
  });
});
