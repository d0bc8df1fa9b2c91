/**
 * nt.onnx.exportGenerator: the models that write tokens one at a time (Seq2Seq with or without attention,
 * SequenceGenerator, CharRNN) as the graphs one decoding step needs, for ONNX Runtime. A generator's output is a
 * loop over its own choices, and how to choose (greedy, sampling at a temperature, beam search, stopping on eos
 * or streaming) is the deployment's business, so the loop stays outside: each file computes what neurite
 * computes per call, with the recurrent state as explicit inputs and outputs.
 *
 * - Seq2Seq: `encoder.onnx` (src → the decoder's initial state, and with attention the memory it reads) and
 *   `decoder_step.onnx` (previous token, state, memory → next-token logits, new state).
 * - SequenceGenerator: `init.onnx` (condition → initial state) and `decoder_step.onnx`.
 * - Both also get `generate.onnx`: greedy decoding in one call (an ONNX Loop over the step), for deployments that
 *   want `generate()`'s tokens and nothing else.
 * - CharRNN: `model.onnx` (characters [N, T], state → logits [N, T, V], final state): the prime in one call, then
 *   one character per call.
 *
 * The greedy loop that reproduces `generate` token for token: state = encoder(src); token = bos; repeat up to
 * maxLength times: logits, state = decoder_step(token, state, memory); token = argmax(logits) (the first maximum),
 * pad for rows that have already written eos; stop when every row has.
 */

import { noGrad } from '../../autograd/engine.js';
import { ValueError } from '../../errors.js';
import { BahdanauAttention, LuongAttention } from '../../models/seq/attention.js';
import { CharRNN } from '../../models/seq/charrnn.js';
import { SequenceGenerator } from '../../models/seq/generator.js';
import { Seq2Seq } from '../../models/seq/seq2seq.js';
import type { Embedding } from '../../nn/embedding.js';
import type { Linear } from '../../nn/linear.js';
import type { Module } from '../../nn/module.js';
import { LSTM, type RNNBase } from '../../nn/rnn.js';
import { zeros } from '../../tensor/creation.js';
import { ExportContext } from './context.js';
import { linearNodes } from './emitters/layers.js';
import { recurrentNodes } from './emitters/recurrent.js';
import { encodeModel, graphFields, type ValueInfo } from './encode.js';
import { BOOL, FLOAT, float, graph, INT32, INT64, int, ints, type NodeJSON, OnnxGraph } from './graph.js';

/** A model {@link exportGenerator} knows: the ones whose output is a loop over their own tokens. */
export type GeneratorModel = Seq2Seq | SequenceGenerator | CharRNN;

export interface OnnxGeneratorOptions {
  /** The ONNX operator set (default 17; 13–21). */
  opset?: number;
  /** Strings stored in every file's metadata_props (e.g. the vocabulary), besides the model's token ids. */
  metadata?: Record<string, string>;
}

/** One ONNX file of a generator's export. */
export interface OnnxGraphFile {
  /** The file name: encoder.onnx, init.onnx, decoder_step.onnx or model.onnx. */
  name: string;
  bytes: Uint8Array;
  /** Node count per operator type. */
  ops: Record<string, number>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface OnnxGeneratorExport {
  /** The model's class name. */
  model: string;
  files: OnnxGraphFile[];
  /** What every file's metadata_props hold: the model, its token ids and the caller's metadata. */
  metadata: Record<string, string>;
}

/** Whether `model` is one of the generators {@link exportGenerator} writes (exactly those classes' forwards). */
export function isGenerator(model: Module): model is GeneratorModel {
  return (
    (model instanceof Seq2Seq && model.forward === Seq2Seq.prototype.forward) ||
    (model instanceof SequenceGenerator && model.forward === SequenceGenerator.prototype.forward) ||
    (model instanceof CharRNN && model.forward === CharRNN.prototype.forward)
  );
}

const BATCH = 'batch';

/** The graphs' input and output names, kept from the generated names of inner values. */
const IO_NAMES = [
  'src',
  'max_length',
  'token',
  'tokens',
  'condition',
  'h',
  'c',
  'memory',
  'memory_bias',
  'memory_keys',
  'logits',
  'h_out',
  'c_out',
  'tokens_out',
];

/** A value of the given rank for the emitters that read only the rank of their input (linearNodes). */
const rank = (n: number) => ({ name: '', t: zeros(new Array<number>(n).fill(1)) });

/** One graph under construction, with its inputs and outputs declared as they are added. */
class Builder {
  readonly g: OnnxGraph;
  readonly ctx: ExportContext;
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];

  /** A graph; with `parent`, a subgraph (a Loop's body) whose names stay apart from the parent's. */
  constructor(
    readonly name: string,
    opset: number,
    parent?: Builder,
  ) {
    this.g = parent ? parent.g.child() : new OnnxGraph(opset);
    this.ctx = new ExportContext(this.g, new Map());
    if (!parent) for (const n of IO_NAMES) this.g.reserve(n);
  }

  input(name: string, elemType: number, dims: (number | string)[]): string {
    this.inputs.push({ name, elemType, dims });
    return name;
  }

  /** Declares `value` a graph output named `name` (an Identity node gives it that name). */
  output(name: string, value: string, dims: (number | string)[], elemType = FLOAT): void {
    this.g.nodes.push({
      opType: 'Identity',
      name: this.g.fresh(`${name}_node`),
      input: [value],
      output: [name],
      attribute: [],
    });
    this.outputs.push({ name, elemType, dims });
  }

  linear(path: string, x: string, r: number, m: Linear): string {
    return linearNodes(this.g, path, { ...rank(r), name: x }, m.weight, m.bias);
  }

  /** The graph as a GraphProto's fields (a Loop's body attribute). */
  graph(): Record<string, unknown> {
    return graphFields(this.name, this.g.nodes, this.g.initializers, this.inputs, this.outputs);
  }

  file(file: string, graphName: string, opset: number, metadata: Record<string, string>): OnnxGraphFile {
    const json = {
      opset,
      graphName,
      nodes: this.g.nodes,
      initializers: this.g.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
      metadata,
    };
    const ops: Record<string, number> = {};
    // the nodes of subgraphs (a Loop's body) count too
    const count = (nodes: NodeJSON[]) => {
      for (const n of nodes) {
        ops[n.opType] = (ops[n.opType] ?? 0) + 1;
        for (const a of n.attribute) if (a.g) count((a.g as { node: NodeJSON[] }).node);
      }
    };
    count(this.g.nodes);
    return { name: file, bytes: encodeModel(json), ops, inputs: this.inputs, outputs: this.outputs };
  }
}

/** The state inputs (h, and c for an LSTM) of a recurrent layer, [layers, batch, H]. */
function stateInputs(b: Builder, rnn: RNNBase): { h0: string; c0?: string } {
  const dims = [rnn.numLayers * rnn.numDirections, BATCH, rnn.hiddenSize];
  const h0 = b.input('h', FLOAT, dims);
  return rnn instanceof LSTM ? { h0, c0: b.input('c', FLOAT, dims) } : { h0 };
}

/** The state outputs `h_out` (and `c_out`), or `h` and `c` for an encoder. */
function stateOutputs(
  b: Builder,
  rnn: RNNBase,
  values: { hN: string; cN: string | null },
  names: [string, string],
) {
  const dims = [rnn.numLayers * rnn.numDirections, BATCH, rnn.hiddenSize];
  b.output(names[0], values.hN, dims);
  if (values.cN) b.output(names[1], values.cN, dims);
}

/** Token ids (int32, any shape) through the embedding: Gather on its weight. */
function embed(b: Builder, embedding: Embedding, tokens: string): string {
  const w = b.g.tensor('embedding.weight', embedding.weight);
  return b.g.op('Gather', [w, tokens], { axis: int(0) }, 'embedded');
}

/**
 * Seq2Seq's encoder: src int32 [batch, src_len] → h (c) [layers, batch, H], and with attention `memory`
 * [batch, src_len, H], `memory_bias` [batch, 1, src_len] (0, or −∞ past a row's real tokens) and, for Bahdanau's,
 * `memory_keys` (the key projection of the memory, computed once). Padding tokens anywhere in a row are skipped,
 * as neurite's encoder skips them: the real tokens are moved to the front (a stable sort by padding, TopK) and the
 * recurrent layer runs each row for its own count of them (sequence_lens). Attention sums over positions, so the
 * memory's order does not change what the decoder reads.
 */
function seq2seqEncoder(m: Seq2Seq, opset: number, metadata: Record<string, string>): OnnxGraphFile {
  const b = new Builder('encoder', opset);
  const H = m.hiddenSize;
  const enc = encoderNodes(b, m, b.input('src', INT32, [BATCH, 'src_len']));
  stateOutputs(b, m.encoder, enc, ['h', 'c']);
  if (enc.memory) b.output('memory', enc.memory, [BATCH, 'src_len', H]);
  if (enc.bias) b.output('memory_bias', enc.bias, [BATCH, 1, 'src_len']);
  if (enc.keys) b.output('memory_keys', enc.keys, [BATCH, 'src_len', H]);
  return b.file('encoder.onnx', 'Seq2Seq.encoder', opset, metadata);
}

/** What a decoder starts from: its state, and for an attention decoder the memory it reads. */
interface DecoderStart {
  hN: string;
  cN: string | null;
  memory?: string;
  bias?: string;
  keys?: string;
}

/** The encoder's nodes on `src` (see {@link seq2seqEncoder}). */
function encoderNodes(b: Builder, m: Seq2Seq, src: string): DecoderStart {
  const g = b.g;
  const isPad = g.op('Equal', [src, g.int32('pad_id', m.padId)], {}, 'is_pad');
  const real = g.op('Not', [isPad], {}, 'is_real');
  const count = g.op('Cast', [real], { to: int(INT32) });
  const lens = g.op('ReduceSum', [count, g.int64s('axes', [1])], { keepdims: int(0) }, 'src_lengths');
  // key = isPad·S + position, sorted ascending: the real tokens first, each group in its order
  const width = g.op('Gather', [g.op('Shape', [src]), g.int64s('axis1', [1])], { axis: int(0) }, 'width'); // [1]
  const widthF = g.op('Cast', [width], { to: int(FLOAT) });
  const positions = g.op(
    'Range',
    [
      g.op('Constant', [], { value_float: float(0) }),
      g.op('Squeeze', [widthF, g.int64s('axes', [0])]),
      g.op('Constant', [], { value_float: float(1) }),
    ],
    {},
    'positions',
  );
  const key = g.op(
    'Add',
    [g.op('Mul', [g.op('Cast', [isPad], { to: int(FLOAT) }), widthF]), positions],
    {},
    'order_key',
  );
  const [, order] = g.node(
    'TopK',
    [key, width],
    { axis: int(1), largest: int(0), sorted: int(1) },
    'order',
    2,
  );
  const packed = g.op('GatherElements', [src, order], { axis: int(1) }, 'src_packed');
  const embedded = embed(b, m.embedding, packed);
  const x = g.op('Transpose', [embedded], { perm: ints([1, 0, 2]) });
  const enc = recurrentNodes(b.ctx, m.encoder, x, 'encoder', { seqLens: lens });
  const start: DecoderStart = { hN: enc.hN, cN: enc.cN };
  if (m.attention) {
    const memory = g.op('Transpose', [enc.output], { perm: ints([1, 0, 2]) }, 'memory_value');
    start.memory = memory;
    const inRow = g.op('Less', [
      g.op('Unsqueeze', [positions, g.int64s('axes', [0])]),
      g.op('Unsqueeze', [g.op('Cast', [lens], { to: int(FLOAT) }), g.int64s('axes', [1])]),
    ]);
    const bias = g.op('Where', [inRow, g.scalar('zero', 0), g.scalar('minus_inf', Number.NEGATIVE_INFINITY)]);
    start.bias = g.op('Unsqueeze', [bias, g.int64s('axes', [1])], {}, 'bias_value');
    if (m.attention instanceof BahdanauAttention) {
      start.keys = b.linear('attention.key', memory, 3, m.attention.key);
    }
  }
  return start;
}

/** [N, H] → [N, H]: the attentional features tanh(W_c·[context; out]). */
function attentional(b: Builder, linearOut: Linear, context: string, out: string): string {
  const joined = b.g.op('Concat', [context, out], { axis: int(-1) });
  return b.g.op('Tanh', [b.linear('attention.linear_out', joined, 2, linearOut)]);
}

/** softmax(scores [N, 1, S] + bias) · memory → the context [N, H]. */
function context(b: Builder, scores: string, bias: string, memory: string): string {
  const g = b.g;
  const weights = g.op('Softmax', [g.op('Add', [scores, bias])], { axis: int(-1) }, 'attention_weights');
  return g.op('Squeeze', [g.op('MatMul', [weights, memory]), g.int64s('axes', [1])], {}, 'context');
}

/**
 * One decoder step of a Seq2Seq or a SequenceGenerator: `token` int32 [batch], `h` (`c`) [layers, batch, H], and
 * for an attention decoder `memory`, `memory_bias` (`memory_keys`) from the encoder → `logits` [batch, vocab],
 * `h_out` (`c_out`).
 */
function decoderStep(
  m: Seq2Seq | SequenceGenerator,
  opset: number,
  metadata: Record<string, string>,
): OnnxGraphFile {
  const b = new Builder('decoder_step', opset);
  const H = m.hiddenSize;
  const token = b.input('token', INT32, [BATCH]);
  const { h0, c0 } = stateInputs(b, m.decoder);
  const attention = m instanceof Seq2Seq ? m.attention : null;
  const start: DecoderStart = { hN: h0, cN: c0 ?? null };
  if (attention) {
    start.memory = b.input('memory', FLOAT, [BATCH, 'src_len', H]);
    start.bias = b.input('memory_bias', FLOAT, [BATCH, 1, 'src_len']);
    if (attention instanceof BahdanauAttention) {
      start.keys = b.input('memory_keys', FLOAT, [BATCH, 'src_len', H]);
    }
  }
  const step = stepNodes(b, m, token, start);
  b.output('logits', step.logits, [BATCH, m.vocabSize]);
  stateOutputs(b, m.decoder, step, ['h_out', 'c_out']);
  return b.file('decoder_step.onnx', `${m.constructor.name}.decoder_step`, opset, metadata);
}

/** One decoder step's nodes: `token` [N] from `state` (and memory) → logits [N, V] and the new state. */
function stepNodes(
  b: Builder,
  m: Seq2Seq | SequenceGenerator,
  token: string,
  state: DecoderStart,
): { logits: string; hN: string; cN: string | null } {
  const g = b.g;
  const rnn = m.decoder;
  const h0 = state.hN;
  const c0 = state.cN ?? undefined;
  const attention = m instanceof Seq2Seq ? m.attention : null;
  const memory = state.memory ?? '';
  const bias = state.bias ?? '';
  const keys = state.keys ?? '';
  let x = embed(b, m.embedding, token); // [N, E]
  let ctxt = '';
  if (attention instanceof BahdanauAttention) {
    // e_s = vᵀ·tanh(W·s + U·h̄_s) with s the top layer's previous hidden state
    const top = g.op('Squeeze', [
      g.op('Gather', [h0, g.int64s('top', [rnn.numLayers - 1])], { axis: int(0) }),
      g.int64s('axes', [0]),
    ]);
    const query = g.op('Unsqueeze', [
      b.linear('attention.query', top, 2, attention.query),
      g.int64s('axes', [1]),
    ]);
    const energy = g.op('Tanh', [g.op('Add', [query, keys])]); // [N, S, H]
    const scores = g.op('Transpose', [b.linear('attention.v', energy, 3, attention.v)], {
      perm: ints([0, 2, 1]),
    });
    ctxt = context(b, scores, bias, memory);
    x = g.op('Concat', [x, ctxt], { axis: int(-1) }, 'decoder_input');
  }
  const dec = recurrentNodes(b.ctx, rnn, g.op('Unsqueeze', [x, g.int64s('axes', [0])]), 'decoder', {
    h0,
    c0,
  });
  let out = g.op('Squeeze', [dec.output, g.int64s('axes', [0])], {}, 'decoder_output'); // [N, H]
  if (attention instanceof LuongAttention) {
    // score(h_t, h̄_s) = h_tᵀ·W_a·h̄_s: (W_a·h_t) against every memory entry
    const q = g.op('Unsqueeze', [
      b.linear('attention.linear_in', out, 2, attention.linear_in),
      g.int64s('axes', [1]),
    ]);
    const scores = g.op('MatMul', [q, g.op('Transpose', [memory], { perm: ints([0, 2, 1]) })]);
    out = attentional(b, attention.linear_out, context(b, scores, bias, memory), out);
  } else if (attention instanceof BahdanauAttention) {
    out = attentional(b, attention.linear_out, ctxt, out);
  }
  return { logits: b.linear('fc', out, 2, m.fc), hN: dec.hN, cN: dec.cN };
}

/** SequenceGenerator's init: `condition` float [batch, conditionSize] → `h` (`c`) [layers, batch, H]. */
function generatorInit(m: SequenceGenerator, opset: number, metadata: Record<string, string>): OnnxGraphFile {
  const b = new Builder('init', opset);
  const state = initNodes(b, m, b.input('condition', FLOAT, [BATCH, m.conditionSize]));
  stateOutputs(b, m.decoder, state, ['h', 'c']);
  return b.file('init.onnx', 'SequenceGenerator.init', opset, metadata);
}

/** The init's nodes: tanh(W·condition + b) for h of every layer, an LSTM's c from a second block. */
function initNodes(b: Builder, m: SequenceGenerator, cond: string): DecoderStart {
  const g = b.g;
  const L = m.numLayers;
  const H = m.hiddenSize;
  const blocks = m.cell === 'lstm' ? 2 : 1;
  const projected = g.op('Reshape', [
    b.linear('init', cond, 2, m.init),
    g.int64s('blocks', [0, blocks, L, H]),
  ]);
  const block = (k: number) => {
    const picked = g.op('Gather', [projected, g.op('Constant', [], { value_int: int(k) })], { axis: int(1) });
    return g.op('Transpose', [picked], { perm: ints([1, 0, 2]) });
  };
  return { hN: g.op('Tanh', [block(0)], {}, 'h_value'), cN: blocks === 2 ? block(1) : null };
}

/**
 * Greedy decoding in one graph: the encoder (or init), then an ONNX Loop over the decoder step for at most
 * `max_length` steps that stops once every row has written eos; `tokens_out` int32 [batch, steps] is what
 * `generate(x, { maxLength })` gives (each row's tokens, its eos, then padding).
 */
function greedyGraph(
  m: Seq2Seq | SequenceGenerator,
  opset: number,
  metadata: Record<string, string>,
): OnnxGraphFile {
  const b = new Builder('generate', opset);
  const g = b.g;
  const start =
    m instanceof Seq2Seq
      ? encoderNodes(b, m, b.input('src', INT32, [BATCH, 'src_len']))
      : initNodes(b, m, b.input('condition', FLOAT, [BATCH, m.conditionSize]));
  const trips = g.op('Cast', [b.input('max_length', INT32, [])], { to: int(INT64) }, 'trips');
  const batch = g.op('Gather', [g.op('Shape', [start.hN]), g.int64s('axis1', [1])], { axis: int(0) });
  const bos = g.op('Expand', [g.int32('bos_id', m.bosId), batch], {}, 'bos');
  const notDone = g.op('Not', [g.op('Equal', [bos, bos])], {}, 'not_done');
  // the body: one decoder step, the argmax (its first maximum, as neurite's), padding once a row is done
  const body = new Builder('greedy_step', opset, b);
  const bg = body.g;
  const stateDims = [m.numLayers, BATCH, m.hiddenSize];
  body.input(bg.fresh('step'), INT64, []);
  body.input(bg.fresh('going'), BOOL, []);
  const token = body.input(bg.fresh('token_in'), INT32, [BATCH]);
  const h = body.input(bg.fresh('h_in'), FLOAT, stateDims);
  const c = start.cN ? body.input(bg.fresh('c_in'), FLOAT, stateDims) : null;
  const done = body.input(bg.fresh('done_in'), BOOL, [BATCH]);
  const step = stepNodes(body, m, token, { ...start, hN: h, cN: c });
  const best = bg.op('Cast', [bg.op('ArgMax', [step.logits], { axis: int(1), keepdims: int(0) })], {
    to: int(INT32),
  });
  const next = bg.op('Where', [done, bg.int32('pad_id', m.padId), best], {}, 'next');
  const doneOut = bg.op('Or', [done, bg.op('Equal', [next, bg.int32('eos_id', m.eosId)])]);
  const left = bg.op('ReduceMin', [bg.op('Cast', [doneOut], { to: int(INT32) })], { keepdims: int(0) });
  body.output(bg.fresh('going_out'), bg.op('Equal', [left, bg.int32('zero', 0)]), [], BOOL);
  body.output(bg.fresh('token_out'), next, [BATCH], INT32);
  body.output(bg.fresh('h_out'), step.hN, stateDims);
  if (step.cN) body.output(bg.fresh('c_out'), step.cN, stateDims);
  body.output(bg.fresh('done_out'), doneOut, [BATCH], BOOL);
  body.output(bg.fresh('token_scan'), next, [BATCH], INT32);
  const carried = [bos, start.hN, ...(start.cN ? [start.cN] : []), notDone];
  const outs = g.node(
    'Loop',
    [trips, g.bool('going', true), ...carried],
    { body: graph(body.graph()) },
    'greedy',
    carried.length + 1,
  );
  // the scanned tokens [steps, batch] → [batch, steps]
  b.output(
    'tokens_out',
    g.op('Transpose', [outs[outs.length - 1]], { perm: ints([1, 0]) }),
    [BATCH, 'steps'],
    INT32,
  );
  return b.file('generate.onnx', `${m.constructor.name}.generate`, opset, metadata);
}

/** CharRNN: `tokens` int32 [batch, steps], `h` (`c`) → `logits` [batch, steps, vocab], `h_out` (`c_out`). */
function charrnnGraph(m: CharRNN, opset: number, metadata: Record<string, string>): OnnxGraphFile {
  const b = new Builder('model', opset);
  const g = b.g;
  const tokens = b.input('tokens', INT32, [BATCH, 'steps']);
  const { h0, c0 } = stateInputs(b, m.rnn);
  const x = g.op('Transpose', [embed(b, m.embedding, tokens)], { perm: ints([1, 0, 2]) });
  const r = recurrentNodes(b.ctx, m.rnn, x, 'rnn', { h0, c0 });
  // dropout is the identity in evaluation mode
  const out = g.op('Transpose', [r.output], { perm: ints([1, 0, 2]) });
  b.output('logits', b.linear('fc', out, 3, m.fc), [BATCH, 'steps', m.vocabSize]);
  stateOutputs(b, m.rnn, r, ['h_out', 'c_out']);
  return b.file('model.onnx', 'CharRNN', opset, metadata);
}

/**
 * Exports a generator (Seq2Seq, SequenceGenerator or CharRNN; see the module's comment) to the ONNX graphs of
 * its decoding steps, evaluation mode (no dropout). Gives the files' bytes, node counts and declared inputs and
 * outputs; nothing is written (in Node, {@link saveGenerator} writes them).
 */
export function exportGenerator(model: Module, options: OnnxGeneratorOptions = {}): OnnxGeneratorExport {
  if (!isGenerator(model)) {
    throw new ValueError(
      `onnx.exportGenerator: ${model.constructor.name} is not one of the generators (Seq2Seq, SequenceGenerator, CharRNN); export it with onnx.exportModel`,
    );
  }
  const opset = options.opset ?? 17;
  const metadata: Record<string, string> = { 'neurite.model': model.constructor.name };
  if (!(model instanceof CharRNN)) {
    Object.assign(metadata, {
      pad_id: String(model.padId),
      bos_id: String(model.bosId),
      eos_id: String(model.eosId),
    });
  }
  Object.assign(metadata, options.metadata ?? {});
  return noGrad(() => {
    let files: OnnxGraphFile[];
    if (model instanceof Seq2Seq) {
      files = [seq2seqEncoder(model, opset, metadata), decoderStep(model, opset, metadata)];
      files.push(greedyGraph(model, opset, metadata));
    } else if (model instanceof SequenceGenerator) {
      files = [generatorInit(model, opset, metadata), decoderStep(model, opset, metadata)];
      files.push(greedyGraph(model, opset, metadata));
    } else {
      files = [charrnnGraph(model, opset, metadata)];
    }
    return { model: model.constructor.name, files, metadata };
  });
}
