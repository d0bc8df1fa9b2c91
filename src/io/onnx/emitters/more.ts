/**
 * Emitters of SeparableConv2d, LayerNorm (LayerNormalization from opset 17, its composition before) and Embedding
 * (Gather on int32 indices), and of RandWireNet, whose nodes add their inputs weighted by sigmoid(w): in
 * evaluation mode those weights are constants, folded into the graph.
 */

import { RandWireNet, type RandWireNode, RandWireStage } from '../../../models/randwire/network.js';
import { Embedding } from '../../../nn/embedding.js';
import { LayerNorm } from '../../../nn/norm.js';
import { SeparableConv2d } from '../../../nn/separable.js';
import { sigmoid as sigmoidOp } from '../../../ops/activation.js';
import { div as divOp } from '../../../ops/elementwise.js';
import { type Emitter, type Entry, type ExportContext, entry, join, unsupported } from '../context.js';
import { float, int, ints, type Value } from '../graph.js';
import { add, flatten, relu } from './functional.js';

const emitSeparable: Emitter<SeparableConv2d> = (ctx, m, x, path) =>
  ctx.child(m, 'pointwise', ctx.child(m, 'depthwise', x, path), path);

const emitLayerNorm: Emitter<LayerNorm> = (ctx, m, x, path) => {
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  const k = m.normalizedShape.length;
  const shape = m.normalizedShape;
  const size = shape.reduce((a, b) => a * b, 1);
  const out = join(path, 'out');
  const scale = m.weight ? g.tensor(join(path, 'weight'), m.weight) : null;
  const bias = m.bias ? g.tensor(join(path, 'bias'), m.bias) : null;
  if (g.opset >= 17) {
    const inputs = [x.name, scale ?? g.weight(join(path, 'weight'), new Float32Array(size).fill(1), shape)];
    if (bias) inputs.push(bias);
    return { name: g.op('LayerNormalization', inputs, { axis: int(-k), epsilon: float(m.eps) }, out), t };
  }
  const axes = Array.from({ length: k }, (_, i) => x.t.ndim - k + i);
  const mean = g.op('ReduceMean', [x.name], { axes: ints(axes), keepdims: int(1) });
  const centred = g.op('Sub', [x.name, mean]);
  const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred])], {
    axes: ints(axes),
    keepdims: int(1),
  });
  const std = g.op('Sqrt', [g.op('Add', [variance, g.scalar('eps', m.eps)])]);
  let y = g.op('Div', [centred, std]);
  if (scale) y = g.op('Mul', [y, scale]);
  if (bias) y = g.op('Add', [y, bias], {}, out);
  return { name: y, t };
};

const emitEmbedding: Emitter<Embedding> = (ctx, m, x, path) => {
  if (x.t.dtype !== 'int32') {
    throw unsupported(
      path,
      m,
      `it takes int32 indices, and here gets ${x.t.dtype} (export with int32 example input)`,
    );
  }
  const t = ctx.run(() => m.forward(x.t), path, m);
  const w = ctx.g.tensor(join(path, 'weight'), m.weight);
  return { name: ctx.g.op('Gather', [w, x.name], { axis: int(0) }, join(path, 'out')), t };
};

/** A RandWire node on its inputs: Σ sigmoid(wᵢ)·xᵢ → ReLU → separable conv → BN. */
function emitRandWireNode(ctx: ExportContext, m: RandWireNode, inputs: Value[], path: string): Value {
  const g = ctx.g;
  const w = sigmoidOp(m.weight).data;
  let sum: Value | null = null;
  inputs.forEach((x, i) => {
    const weighted: Value = {
      name: g.op('Mul', [x.name, g.scalar(join(path, `edge${i}`), w[i])]),
      t: x.t.mul(w[i]),
    };
    sum = sum ? add(g, sum, weighted) : weighted;
  });
  // neurite's own sum for the exact value (mul by a tensor of one element and by a number agree in float32)
  const y = relu(g, sum as unknown as Value);
  return ctx.child(m, 'bn', ctx.child(m, 'conv', y, path), path);
}

const emitRandWireStage: Emitter<RandWireStage> = (ctx, m, x, path) => {
  const graph = m.graph;
  const outs: (Value | null)[] = new Array(graph.numNodes).fill(null);
  for (let v = 0; v < graph.numNodes; v++) {
    const preds = graph.predecessors(v);
    const inputs = preds.length === 0 ? [x] : preds.map((u) => outs[u] as Value);
    outs[v] = emitRandWireNode(ctx, m.nodes.at(v) as RandWireNode, inputs, join(path, `nodes.${v}`));
  }
  const sinks = graph.outputs();
  let y = outs[sinks[0]] as Value;
  for (let i = 1; i < sinks.length; i++) y = add(ctx.g, y, outs[sinks[i]] as Value);
  if (sinks.length === 1) return y;
  return {
    name: ctx.g.op('Div', [y.name, ctx.g.scalar('outputs', sinks.length)]),
    t: divOp(y.t, sinks.length),
  };
};

const emitRandWireNet: Emitter<RandWireNet> = (ctx, m, x, path) => {
  let h = ctx.child(m, 'conv2', ctx.child(m, 'conv1', x, path), path);
  m.stages.namedChildren().forEach(([name, stage]) => {
    h = ctx.emit(stage, h, join(path, `stages.${name}`));
  });
  h = flatten(ctx.g, ctx.child(m, 'pool', ctx.child(m, 'head', h, path), path), 1);
  return ctx.child(m, 'fc', ctx.child(m, 'dropout', h, path), path);
};

export const moreEmitters: Entry[] = [
  entry(SeparableConv2d, emitSeparable),
  entry(LayerNorm, emitLayerNorm),
  entry(Embedding, emitEmbedding),
  entry(RandWireStage, emitRandWireStage),
  entry(RandWireNet, emitRandWireNet),
];
