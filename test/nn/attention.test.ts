import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';
import { attentionFixture, fromJson, type Json, values } from '../helpers/attention-fixture.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

const { nn } = nt;

interface MhaCase {
  name: string;
  embedDim: number;
  numHeads: number;
  options: nt.nn.MultiheadAttentionOptions;
  state: Record<string, Json>;
  selfAttention: boolean;
  query: Json;
  key: Json | null;
  value: Json | null;
  keyPaddingMask: Json | null;
  attnMask: Json | null;
  needWeights: boolean;
  averageAttnWeights: boolean;
  w: Json;
  u: Json | null;
  out: Json;
  weights: Json | null;
  dquery: Json;
  dkey: Json | null;
  dvalue: Json | null;
  grads: Record<string, Json>;
}

interface EncoderCase {
  name: string;
  kind: 'layer' | 'encoder';
  dModel: number;
  nhead: number;
  options: nt.nn.TransformerEncoderLayerOptions;
  numLayers: number | null;
  finalNorm: boolean;
  state: Record<string, Json>;
  src: Json;
  srcMask: Json | null;
  srcKeyPaddingMask: Json | null;
  w: Json;
  out: Json;
  dsrc: Json;
  grads: Record<string, Json>;
}

const fixtures = attentionFixture<{ mha: MhaCase[]; encoders: EncoderCase[] }>();
const tol = { atol: 3e-5, rtol: 2e-4 };
const randn = (shape: number[], seed: number) => nt.randn(shape, { generator: new nt.Generator(seed) });
const stateOf = (s: Record<string, Json>) =>
  Object.fromEntries(Object.entries(s).map(([k, j]) => [k, fromJson(j)]));

function checkGrads(m: nt.nn.Module, grads: Record<string, Json>, name: string): void {
  const params = Object.fromEntries(m.namedParameters());
  expect(Object.keys(params).sort()).toEqual(Object.keys(grads).sort());
  for (const [k, g] of Object.entries(grads))
    expectClose(params[k].grad!.data, values(g), tol, `${name}: d${k}`);
}

function checkMha(c: MhaCase): void {
  const m = new nn.MultiheadAttention(c.embedDim, c.numHeads, c.options);
  expect(Object.keys(m.stateDict()), `${c.name}: state-dict keys`).toEqual(Object.keys(c.state));
  m.loadStateDict(stateOf(c.state));
  m.eval();
  const q = fromJson(c.query).requiresGrad_();
  const k = c.selfAttention ? q : fromJson(c.key!).requiresGrad_();
  const v = c.selfAttention ? q : fromJson(c.value!).requiresGrad_();
  const [out, weights] = m.forward(q, k, v, {
    keyPaddingMask: c.keyPaddingMask ? fromJson(c.keyPaddingMask) : null,
    attnMask: c.attnMask ? fromJson(c.attnMask) : null,
    needWeights: c.needWeights,
    averageAttnWeights: c.averageAttnWeights,
  });
  expect(out.shape).toEqual(c.out.shape);
  expectClose(out.data, values(c.out), tol, `${c.name}: output`);
  let objective = out.mul(fromJson(c.w)).sum();
  if (c.weights) {
    expect(weights!.shape).toEqual(c.weights.shape);
    expectClose(weights!.data, values(c.weights), tol, `${c.name}: weights`);
    objective = objective.add(weights!.mul(fromJson(c.u!)).sum());
  } else {
    expect(weights).toBeNull();
  }
  objective.backward();
  expectClose(q.grad!.data, values(c.dquery), tol, `${c.name}: dquery`);
  if (!c.selfAttention) {
    expectClose(k.grad!.data, values(c.dkey!), tol, `${c.name}: dkey`);
    expectClose(v.grad!.data, values(c.dvalue!), tol, `${c.name}: dvalue`);
  }
  checkGrads(m, c.grads, c.name);
}

function checkEncoder(c: EncoderCase): void {
  const layer = new nn.TransformerEncoderLayer(c.dModel, c.nhead, c.options);
  const m =
    c.kind === 'layer'
      ? layer
      : new nn.TransformerEncoder(layer, c.numLayers!, {
          norm: c.finalNorm ? new nn.LayerNorm(c.dModel) : null,
        });
  expect(Object.keys(m.stateDict()), `${c.name}: state-dict keys`).toEqual(Object.keys(c.state));
  m.loadStateDict(stateOf(c.state));
  m.eval();
  const src = fromJson(c.src).requiresGrad_();
  const out = m.forward(src, {
    srcMask: c.srcMask ? fromJson(c.srcMask) : null,
    srcKeyPaddingMask: c.srcKeyPaddingMask ? fromJson(c.srcKeyPaddingMask) : null,
  });
  expect(out.shape).toEqual(c.out.shape);
  expectClose(out.data, values(c.out), tol, `${c.name}: output`);
  out.mul(fromJson(c.w)).sum().backward();
  expectClose(src.grad!.data, values(c.dsrc), tol, `${c.name}: dsrc`);
  checkGrads(m, c.grads, c.name);
}

forEachBackend('MultiheadAttention against PyTorch', (_b, it) => {
  for (const c of fixtures.mha) it(c.name, () => checkMha(c));
});

forEachBackend('TransformerEncoderLayer and TransformerEncoder against PyTorch (eval mode)', (_b, it) => {
  for (const c of fixtures.encoders) it(c.name, () => checkEncoder(c));
});

forEachBackend('MultiheadAttention', (_b, it) => {
  it('passes gradcheck (query, key, value) with key padding, per-head weights', () => {
    const m = new nn.MultiheadAttention(4, 2, { kdim: 3, batchFirst: true, generator: new nt.Generator(1) });
    const kpm = nt.tensor([[false, false, true]]);
    gradcheck(
      (q, k, v) => {
        const [out, w] = m.forward(q, k, v, { keyPaddingMask: kpm, averageAttnWeights: false });
        return nt.concat([out.reshape([-1]), w!.reshape([-1])]);
      },
      [randn([1, 2, 4], 2), randn([1, 3, 3], 3), randn([1, 3, 4], 4)],
    );
  });

  it('passes gradcheck on its parameters, with addBiasKv and a causal mask', () => {
    const m = new nn.MultiheadAttention(4, 2, { addBiasKv: true, generator: new nt.Generator(5) });
    const x = randn([3, 1, 4], 6);
    // the parameters themselves are the inputs: gradcheck perturbs them in place
    gradcheck(() => m.forward(x, x, x, { isCausal: true, needWeights: false })[0], m.parameters());
  });

  it("initialises as PyTorch: xavier-uniform projections, zero biases, PyTorch's names and shapes", () => {
    const m = new nn.MultiheadAttention(16, 4, { generator: new nt.Generator(0) });
    const shapes = Object.entries(m.stateDict()).map(([k, t]) => `${k} ${t.shape.join('x')}`);
    expect(shapes).toEqual([
      'in_proj_weight 48x16',
      'in_proj_bias 48',
      'out_proj.weight 16x16',
      'out_proj.bias 16',
    ]);
    const bound = Math.sqrt(6 / (16 + 48));
    const w = Array.from(m.in_proj_weight!.data);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(Array.from(m.in_proj_bias!.data).every((x) => x === 0)).toBe(true);
    expect(Array.from(m.out_proj.bias!.data).every((x) => x === 0)).toBe(true);
    const separate = new nn.MultiheadAttention(6, 3, { kdim: 4, vdim: 5, bias: false, addBiasKv: true });
    expect(Object.entries(separate.stateDict()).map(([k, t]) => `${k} ${t.shape.join('x')}`)).toEqual([
      'q_proj_weight 6x6',
      'k_proj_weight 6x4',
      'v_proj_weight 6x5',
      'bias_k 1x1x6',
      'bias_v 1x1x6',
      'out_proj.weight 6x6',
    ]);
  });

  it('isCausal without a mask equals the causal float mask; a float key padding mask is added', () => {
    const m = new nn.MultiheadAttention(4, 2, { generator: new nt.Generator(7) });
    const x = randn([3, 2, 4], 8);
    const causal = nt.tensor([
      [0, -Infinity, -Infinity],
      [0, 0, -Infinity],
      [0, 0, 0],
    ]);
    const [a] = m.forward(x, x, x, { isCausal: true });
    const [b] = m.forward(x, x, x, { attnMask: causal });
    expectClose(a.data, b.data, { atol: 0, rtol: 0 }, 'causal');
    const [c] = m.forward(x, x, x, {
      keyPaddingMask: nt.tensor([
        [false, false, true],
        [false, true, false],
      ]),
    });
    const [d] = m.forward(x, x, x, {
      keyPaddingMask: nt.tensor([
        [0, 0, -Infinity],
        [0, -Infinity, 0],
      ]),
    });
    expectClose(c.data, d.data, { atol: 0, rtol: 0 }, 'key padding');
  });

  it('drops attention weights in training mode only, from its generator', () => {
    const m = new nn.MultiheadAttention(4, 2, { dropout: 0.5, generator: new nt.Generator(9) });
    const x = randn([3, 2, 4], 10);
    const [evalOut, evalW] = m.eval().forward(x, x, x);
    const [trainOut, trainW] = m.train().forward(x, x, x, { averageAttnWeights: false });
    expect(Array.from(trainOut.data)).not.toEqual(Array.from(evalOut.data));
    expect(Array.from(trainW!.data).some((v) => v === 0)).toBe(true);
    expect(Array.from(evalW!.data).every((v) => v > 0)).toBe(true);
  });

  it('names the layer and the shapes in its errors', () => {
    expect(() => new nn.MultiheadAttention(10, 3)).toThrow(
      /MultiheadAttention: embedDim 10 is not divisible by numHeads 3/,
    );
    expect(() => new nn.MultiheadAttention(8, 2, { dropout: 1.5 })).toThrow(/dropout must be in \[0, 1\]/);
    expect(() => new nn.MultiheadAttention(8, 2, { kDim: 3 } as never)).toThrow(/unknown option 'kDim'/);
    const m = new nn.MultiheadAttention(8, 2);
    const x = randn([4, 2, 8], 1);
    expect(() => m.forward(x, randn([5, 2, 6], 2), randn([5, 2, 8], 3))).toThrow(
      /MultiheadAttention\(8, 2\): expected the key \[S, N, 8\], got \[5, 2, 6\]/,
    );
    expect(() => m.forward(x, x, x, { attnMask: nt.ones([4, 5], { dtype: 'bool' }) })).toThrow(
      /attnMask must be \[L, S\] = \[4, 4\] or \[N·numHeads, L, S\] = \[4, 4, 4\], got \[4, 5\]/,
    );
    expect(() => m.forward(x, x, x, { keyPaddingMask: nt.ones([4, 2], { dtype: 'bool' }) })).toThrow(
      /keyPaddingMask must be \[N, S\] = \[2, 4\], got \[4, 2\]/,
    );
    expect(() => m.forward(randn([2, 4, 2, 8], 1), x, x)).toThrow(ShapeError);
    expect(() => m.forward(x, x, x, { padMask: null } as never)).toThrow(ValueError);
    expect(() => (m.forward as (q: nt.Tensor) => unknown)(x)).toThrow(
      /forward\(query, key, value\) needs the key as a tensor, got undefined/,
    );
  });
});

forEachBackend('TransformerEncoderLayer', (_b, it) => {
  it('clones the layer for each of the encoder’s layers (same start, separate weights)', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, {
      dimFeedforward: 16,
      generator: new nt.Generator(1),
    });
    const enc = new nn.TransformerEncoder(layer, 2);
    const keys = Object.keys(enc.stateDict());
    expect(keys[0]).toBe('layers.0.self_attn.in_proj_weight');
    expect(keys).toContain('layers.1.norm2.bias');
    const [l0, l1] = [...enc.layers] as nt.nn.TransformerEncoderLayer[];
    expect(Array.from(l0.linear1.weight.data)).toEqual(Array.from(layer.linear1.weight.data));
    expect(l0.linear1.weight).not.toBe(l1.linear1.weight);
  });

  it('passes gradcheck in eval mode, pre-norm gelu, causal', () => {
    const layer = new nn.TransformerEncoderLayer(4, 2, {
      dimFeedforward: 6,
      activation: 'gelu',
      normFirst: true,
      batchFirst: true,
      generator: new nt.Generator(2),
    }).eval();
    gradcheck((x) => layer.forward(x, { isCausal: true }), [randn([2, 3, 4], 3)]);
  });

  it('names the layer and the value in its errors', () => {
    expect(() => new nn.TransformerEncoderLayer(10, 4)).toThrow(/dModel 10 is not divisible by nhead 4/);
    expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as never })).toThrow(
      /TransformerEncoderLayer: option 'activation' must be one of 'relu', 'gelu', got 'tanh'/,
    );
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 8 });
    expect(() => layer.forward(randn([3, 2, 6], 1))).toThrow(
      /expected src \[L, N, 8\] or unbatched \[L, 8\], got \[3, 2, 6\]/,
    );
    expect(() => new nn.TransformerEncoder(layer, 0)).toThrow(/numLayers must be a positive integer, got 0/);
  });
});

forEachBackend('the documentation examples of the attention layers', (_b, it) => {
  it('scaledDotProductAttention, MultiheadAttention and TransformerEncoderLayer run as documented', () => {
    const q = nt.randn([2, 4, 5, 8]);
    const kv = nt.randn([2, 4, 7, 8]);
    expect(nt.scaledDotProductAttention(q, kv, kv, { isCausal: true }).shape).toEqual([2, 4, 5, 8]);
    const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
    const x = nt.randn([2, 5, 16]);
    const padding = nt.tensor([
      [false, false, false, true, true],
      [false, false, false, false, false],
    ]);
    const [out, weights] = mha.forward(x, x, x, { keyPaddingMask: padding });
    expect(out.shape).toEqual([2, 5, 16]);
    expect(weights!.shape).toEqual([2, 5, 5]);
    const w = weights!.toArray() as number[][][];
    for (const row of w[0]) expect(row.slice(3)).toEqual([0, 0]);
    const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
    expect(layer.eval().forward(nt.randn([2, 10, 32]), { isCausal: true }).shape).toEqual([2, 10, 32]);
  });
});
