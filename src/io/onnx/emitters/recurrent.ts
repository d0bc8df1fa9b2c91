/**
 * RNN, LSTM and GRU as ONNX's RNN/LSTM/GRU operators, one node per layer (both directions in one), and the
 * sequence models built on them (SequenceClassifier, SequenceTagger). ONNX orders the gate blocks differently:
 * LSTM i,o,f,c where PyTorch has i,f,g,o; GRU z,r,h where PyTorch has r,z,n (and PyTorch's GRU applies the reset
 * gate after the hidden projection: linear_before_reset = 1). The weights are reordered once, here.
 */

import { SequenceClassifier } from '../../../models/seq/classifier.js';
import { runRecurrent } from '../../../models/seq/common.js';
import { SequenceTagger } from '../../../models/seq/tagger.js';
import { GRU, LSTM, RNN, type RNNBase } from '../../../nn/rnn.js';
import { type Emitter, type Entry, type ExportContext, entry, join, unsupported } from '../context.js';
import { type Attr, int, ints, str, strs, type Value } from '../graph.js';

/** PyTorch's gate block order → ONNX's: which PyTorch block each ONNX block takes. */
const BLOCKS: Record<string, number[]> = { LSTM: [0, 3, 1, 2], GRU: [1, 0, 2], RNN: [0] };

function reorder(
  data: ArrayLike<number>,
  blocks: number[],
  rowsPerBlock: number,
  cols: number,
  out: Float32Array,
  at: number,
) {
  const size = rowsPerBlock * cols;
  blocks.forEach((src, dst) => {
    for (let i = 0; i < size; i++) out[at + dst * size + i] = data[src * size + i];
  });
}

export interface RecurrentValues {
  /** The top layer's outputs, [L, N, dirs·H] (time-major). */
  output: string;
  /** Final hidden state of every layer and direction, [layers·dirs, N, H]. */
  hN: string;
  /** An LSTM's final cell state, [layers·dirs, N, H] (null for RNN and GRU). */
  cN: string | null;
}

/** What a recurrent layer may start from besides its input: the graph values of each (all optional). */
export interface RecurrentStart {
  /** int32 [N]: the steps each sequence has (ONNX's sequence_lens); the rest of its input is ignored. */
  seqLens?: string;
  /** The initial hidden state of every layer and direction, [layers·dirs, N, H] (zeros when left out). */
  h0?: string;
  /** An LSTM's initial cell state, [layers·dirs, N, H]. */
  c0?: string;
}

/** The nodes of `rnn` on a time-major input `x` ([L, N, in]). */
export function recurrentNodes(
  ctx: ExportContext,
  rnn: RNNBase,
  x: string,
  path: string,
  start: RecurrentStart = {},
): RecurrentValues {
  const g = ctx.g;
  const kind = rnn instanceof LSTM ? 'LSTM' : rnn instanceof GRU ? 'GRU' : rnn instanceof RNN ? 'RNN' : null;
  if (!kind) throw unsupported(path, rnn, 'only RNN, LSTM and GRU have ONNX forms');
  const blocks = BLOCKS[kind];
  const gates = blocks.length;
  const H = rnn.hiddenSize;
  const dirs = rnn.numDirections;
  const weights = rnn.allWeights;
  const hs: string[] = [];
  const cs: string[] = [];
  // layer k's rows of a [layers·dirs, N, H] state
  const rows = (state: string | undefined, layer: number, name: string) =>
    state === undefined
      ? ''
      : g.op(
          'Gather',
          [
            state,
            g.int64s(
              'rows',
              Array.from({ length: dirs }, (_, d) => layer * dirs + d),
            ),
          ],
          { axis: int(0) },
          join(path, `${name}_l${layer}`),
        );
  let input = x;
  for (let layer = 0; layer < rnn.numLayers; layer++) {
    const inSize = layer === 0 ? rnn.inputSize : H * dirs;
    const W = new Float32Array(dirs * gates * H * inSize);
    const R = new Float32Array(dirs * gates * H * H);
    const B = new Float32Array(dirs * 2 * gates * H);
    for (let d = 0; d < dirs; d++) {
      const [wIh, wHh, bIh, bHh] = weights[layer * dirs + d];
      reorder(wIh.data, blocks, H, inSize, W, d * gates * H * inSize);
      reorder(wHh.data, blocks, H, H, R, d * gates * H * H);
      if (bIh && bHh) {
        reorder(bIh.data, blocks, H, 1, B, d * 2 * gates * H);
        reorder(bHh.data, blocks, H, 1, B, d * 2 * gates * H + gates * H);
      }
    }
    const suffix = `l${layer}`;
    const inputs = [
      input,
      g.weight(join(path, `W_${suffix}`), W, [dirs, gates * H, inSize]),
      g.weight(join(path, `R_${suffix}`), R, [dirs, gates * H, H]),
    ];
    inputs.push(rnn.bias ? g.weight(join(path, `B_${suffix}`), B, [dirs, 2 * gates * H]) : '');
    inputs.push(start.seqLens ?? '', rows(start.h0, layer, 'h0'));
    if (kind === 'LSTM') inputs.push(rows(start.c0, layer, 'c0'));
    // optional inputs left out at the end are dropped, not named ''
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const attrs: Record<string, Attr> = {
      hidden_size: int(H),
      direction: str(dirs === 2 ? 'bidirectional' : 'forward'),
    };
    if (kind === 'GRU') attrs.linear_before_reset = int(1);
    if (kind === 'RNN') {
      const act = (rnn as RNN).nonlinearity === 'relu' ? 'Relu' : 'Tanh';
      attrs.activations = strs(new Array<string>(dirs).fill(act));
    }
    const [y, yH, yC] = g.node(kind, inputs, attrs, join(path, suffix), kind === 'LSTM' ? 3 : 2);
    hs.push(yH);
    if (yC) cs.push(yC);
    // Y is [L, dirs, N, H]; the next layer (and the model) reads [L, N, dirs·H]
    const perm = g.op('Transpose', [y], { perm: ints([0, 2, 1, 3]) });
    input = g.op('Reshape', [perm, g.int64s('shape', [0, 0, -1])], {}, join(path, `out_${suffix}`));
  }
  const hN = hs.length === 1 ? hs[0] : g.op('Concat', hs, { axis: int(0) }, join(path, 'h_n'));
  const cN =
    cs.length === 0
      ? null
      : cs.length === 1
        ? cs[0]
        : g.op('Concat', cs, { axis: int(0) }, join(path, 'c_n'));
  return { output: input, hN, cN };
}

/** Embedding or the float input, then time-major. */
function readInput(
  ctx: ExportContext,
  m: SequenceClassifier | SequenceTagger,
  x: Value,
  path: string,
): string {
  const seq = m.embedding ? ctx.child(m, 'embedding', x, path) : x;
  return m.rnn.batchFirst ? ctx.g.op('Transpose', [seq.name], { perm: ints([1, 0, 2]) }) : seq.name;
}

const emitClassifier: Emitter<SequenceClassifier> = (ctx, m, x, path) => {
  const g = ctx.g;
  const t = ctx.run(() => m.forward(x.t), path, m);
  const { hN } = recurrentNodes(ctx, m.rnn, readInput(ctx, m, x, path), join(path, 'rnn'));
  const dirs = m.rnn.numDirections;
  const top = (m.numLayers - 1) * dirs;
  const pick = (i: number) => g.op('Gather', [hN, g.int64s('layer', [i])], { axis: int(0) });
  const last = dirs === 1 ? pick(top) : g.op('Concat', [pick(top), pick(top + 1)], { axis: int(2) });
  // [1, N, dirs·H] → [N, dirs·H]
  const features = g.op('Squeeze', [last, g.int64s('axes', [0])]);
  return { name: ctx.child(m, 'fc', { name: features, t: m.features(x.t) }, path).name, t };
};

const emitTagger: Emitter<SequenceTagger> = (ctx, m, x, path) => {
  const t = ctx.run(() => m.forward(x.t), path, m);
  const input = m.embedding ? m.embedding.forward(x.t) : x.t;
  const [out] = runRecurrent(m.rnn, input);
  const { output } = recurrentNodes(ctx, m.rnn, readInput(ctx, m, x, path), join(path, 'rnn'));
  // the tagger's outputs are batch-first [N, L, tags] whatever the layer's layout
  const name = ctx.g.op('Transpose', [output], { perm: ints([1, 0, 2]) });
  const y = ctx.child(m, 'fc', { name, t: m.rnn.batchFirst ? out : out.transpose(0, 1) }, path);
  return { name: y.name, t };
};

export const recurrentEmitters: Entry[] = [
  entry(SequenceClassifier, emitClassifier),
  entry(SequenceTagger, emitTagger),
];
