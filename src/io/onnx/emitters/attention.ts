/**
 * Emitters of TransformerEncoderLayer and TransformerEncoder (self-attention without masks, as their forward on
 * one input runs): the heads as Reshape/Transpose, the scores as MatMul and Softmax, the projections as MatMul
 * with transposed weights, LayerNorm and the activation through their own emitters. MultiheadAttention alone takes
 * three inputs, which a one-input export cannot give, so it is refused by name.
 */

import { GELU, ReLU } from '../../../nn/activation.js';
import { MultiheadAttention } from '../../../nn/attention.js';
import { TransformerEncoder, TransformerEncoderLayer } from '../../../nn/transformer.js';
import { add as addOp } from '../../../ops/elementwise.js';
import { narrow } from '../../../ops/shape.js';
import { type Emitter, type Entry, type ExportContext, entry, join, unsupported } from '../context.js';
import { int, ints, type Value } from '../graph.js';
import { linearNodes } from './layers.js';

/** Multi-head self-attention of `x` ([N, L, E] batch first, or [L, N, E]) as ONNX nodes, without masks. */
function selfAttentionNodes(ctx: ExportContext, m: MultiheadAttention, x: Value, path: string): Value {
  if (m.bias_k || m.addZeroAttn) {
    throw unsupported(path, m, 'its addBiasKv and addZeroAttn options have no ONNX form here yet');
  }
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t, x.t, x.t, { needWeights: false })[0], path, m);
  const e = m.embedDim;
  const h = m.numHeads;
  const d = m.headDim;
  // batch first inside: [N, L, E]
  const input = m.batchFirst ? x.name : g.op('Transpose', [x.name], { perm: ints([1, 0, 2]) });
  const inner = { name: input, t: m.batchFirst ? x.t : x.t.transpose(0, 1) };
  const projected = ['q', 'k', 'v'].map((name, i) => {
    const w = m.in_proj_weight
      ? narrow(m.in_proj_weight, 0, i * e, e)
      : [m.q_proj_weight, m.k_proj_weight, m.v_proj_weight][i]!;
    const b = m.in_proj_bias ? narrow(m.in_proj_bias, 0, i * e, e) : null;
    const y = linearNodes(g, join(path, `${name}_proj`), inner, w, b);
    // [N, L, E] → [N, L, H, D] → [N, H, L, D] (k: [N, H, D, L], ready for q·kᵀ)
    const split = g.op('Reshape', [y, g.int64s('heads', [0, 0, h, d])]);
    return g.op('Transpose', [split], { perm: ints(name === 'k' ? [0, 2, 3, 1] : [0, 2, 1, 3]) });
  });
  const [q, k, v] = projected;
  const scaled = g.op('Mul', [q, g.scalar(join(path, 'scale'), 1 / Math.sqrt(d))]);
  const weights = g.op('Softmax', [g.op('MatMul', [scaled, k])], { axis: int(-1) });
  const heads = g.op('Transpose', [g.op('MatMul', [weights, v])], { perm: ints([0, 2, 1, 3]) });
  const joined = g.op('Reshape', [heads, g.int64s('joined', [0, 0, e])]);
  // linearNodes reads only the rank of its input's value ([N, L, E], as `inner`)
  const { weight, bias } = m.out_proj;
  const out = linearNodes(g, join(path, 'out_proj'), { name: joined, t: inner.t }, weight, bias);
  const name = m.batchFirst ? out : g.op('Transpose', [out], { perm: ints([1, 0, 2]) });
  return { name, t };
}

function plus(ctx: ExportContext, a: Value, b: Value): Value {
  return { name: ctx.g.op('Add', [a.name, b.name]), t: addOp(a.t, b.t) };
}

const emitEncoderLayer: Emitter<TransformerEncoderLayer> = (ctx, m, x, path) => {
  if (x.t.ndim !== 3) {
    throw unsupported(path, m, `an unbatched input of rank ${x.t.ndim}: export with a batch axis`);
  }
  const t = ctx.run(() => m.forward(x.t), path, m);
  const activation = m.options.activation === 'gelu' ? new GELU() : new ReLU();
  const attention = (y: Value) => selfAttentionNodes(ctx, m.self_attn, y, join(path, 'self_attn'));
  const feedForward = (y: Value) => {
    const hidden = ctx.emit(activation, ctx.child(m, 'linear1', y, path), join(path, 'activation'));
    return ctx.child(m, 'linear2', hidden, path);
  };
  let y: Value;
  if (m.options.normFirst) {
    y = plus(ctx, x, attention(ctx.child(m, 'norm1', x, path)));
    y = plus(ctx, y, feedForward(ctx.child(m, 'norm2', y, path)));
  } else {
    y = ctx.child(m, 'norm1', plus(ctx, x, attention(x)), path);
    y = ctx.child(m, 'norm2', plus(ctx, y, feedForward(y)), path);
  }
  return { name: y.name, t };
};

const emitEncoder: Emitter<TransformerEncoder> = (ctx, m, x, path) => {
  let y = x;
  m.layers.namedChildren().forEach(([name, layer]) => {
    y = ctx.emit(layer, y, join(path, `layers.${name}`));
  });
  return m.norm ? ctx.child(m, 'norm', y, path) : y;
};

const refuseMultiheadAttention: Emitter<MultiheadAttention> = (_ctx, m, _x, path) => {
  throw unsupported(
    path,
    m,
    'MultiheadAttention takes a query, a key and a value (and masks) and returns [output, weights], while an ONNX export traces a forward of one input to one output; export a module that uses it on one input, such as TransformerEncoderLayer (self-attention without masks)',
  );
};

export const attentionEmitters: Entry[] = [
  entry(MultiheadAttention, refuseMultiheadAttention),
  entry(TransformerEncoderLayer, emitEncoderLayer),
  entry(TransformerEncoder, emitEncoder),
];
