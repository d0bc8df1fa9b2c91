// TransformerEncoderLayer and TransformerEncoder exported to ONNX and run in ONNX Runtime against neurite (batches
// of 1 and 7; time-major layers get sequences of 1 and 7 instead); MultiheadAttention alone is refused by name.
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { exportAndCheck, type Net } from './onnx-helpers.js';

const { nn } = nt;
const gen = (seed = 11) => new nt.Generator(seed);

/** Spreads the LayerNorms' scales and shifts so that a swapped norm would show. */
function spreadNorms(m: nt.nn.Module): void {
  for (const [name, p] of m.namedParameters()) {
    if (/norm\d?\.weight$/.test(name)) p.data.set(nt.rand(p.shape, { generator: gen(3) }).add(0.5).data);
    if (/norm\d?\.bias$/.test(name)) p.data.set(nt.randn(p.shape, { generator: gen(4) }).mul(0.3).data);
  }
}

describe('onnx export of the transformer encoder', () => {
  for (const opset of [13, 17]) {
    for (const [label, options] of [
      ['post-norm relu, batch first', { batchFirst: true }],
      ['pre-norm gelu, time-major', { activation: 'gelu', normFirst: true }],
    ] as const) {
      it(`TransformerEncoderLayer, ${label}, opset ${opset}`, async () => {
        const layer = new nn.TransformerEncoderLayer(8, 2, {
          dimFeedforward: 16,
          generator: gen(),
          ...options,
        });
        spreadNorms(layer);
        const r = await exportAndCheck(layer as typeof layer & Net, [5, 8], { opset });
        expect(r.ops.Softmax).toBe(1);
      });
    }
  }

  it('TransformerEncoder: 3 layers with weights of their own and a final LayerNorm', async () => {
    const layer = new nn.TransformerEncoderLayer(12, 3, {
      dimFeedforward: 20,
      batchFirst: true,
      generator: gen(),
    });
    const encoder = new nn.TransformerEncoder(layer, 3, { norm: new nn.LayerNorm(12) });
    // the copies start equal: make them differ, so that a layer emitted twice would show
    for (const p of encoder.parameters())
      p.data.set(nt.randn(p.shape, { generator: gen(p.size) }).mul(0.3).data);
    spreadNorms(encoder);
    const r = await exportAndCheck(encoder as typeof encoder & Net, [6, 12]);
    expect(r.ops.Softmax).toBe(3);
  });

  it('refuses a self-attention with addBiasKv or addZeroAttn rather than export it wrong', () => {
    for (const options of [{ addBiasKv: true }, { addZeroAttn: true }]) {
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 8 });
      layer.self_attn = new nn.MultiheadAttention(8, 2, options);
      expect(() => nt.onnx.exportModel(layer, nt.randn([3, 2, 8]))).toThrow(
        /cannot export 'self_attn' \(MultiheadAttention\): its addBiasKv and addZeroAttn options have no ONNX form/,
      );
    }
  });

  it('refuses MultiheadAttention alone, saying why and what to export instead', () => {
    const mha = new nn.MultiheadAttention(8, 2);
    expect(() => nt.onnx.exportModel(mha, nt.randn([2, 3, 8]))).toThrow(
      /onnx.exportModel: cannot export MultiheadAttention: MultiheadAttention takes a query, a key and a value .* such as TransformerEncoderLayer/,
    );
  });
});
