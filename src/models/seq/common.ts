/**
 * What the sequence models share: choosing and running a recurrent layer (RNN, LSTM or GRU) whatever its state
 * looks like, masking the state updates of padding steps, step-by-step token decoding (teacher forcing, scheduled
 * sampling, greedy or temperature sampling), and the per-token loss and accuracies that sequence outputs need.
 */
import { noGrad } from '../../autograd/engine.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import { Embedding } from '../../nn/embedding.js';
import type { Linear } from '../../nn/linear.js';
import type { Module } from '../../nn/module.js';
import { GRU, LSTM, RNN, type RNNBaseOptions } from '../../nn/rnn.js';
import { where } from '../../ops/elementwise.js';
import { crossEntropy, type Reduction } from '../../ops/loss.js';
import { concat, narrow, reshape } from '../../ops/shape.js';
import { zeros } from '../../tensor/creation.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';

/** Which recurrent layer a model is built on. */
export type CellType = 'rnn' | 'lstm' | 'gru';

/** A multi-layer recurrent layer of any kind. */
export type RecurrentLayer = RNN | LSTM | GRU;

/** The state a recurrent layer carries: h `[layers·dirs, N, H]`, or `[h, c]` for an LSTM. */
export type RecurrentState = Tensor | readonly [Tensor, Tensor];

export function positiveInt(where: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new ValueError(`${where}: ${name} must be a positive integer, got ${v}`);
  return v;
}

export function probability(where: string, name: string, v: number): number {
  if (!(v >= 0 && v <= 1)) throw new ValueError(`${where}: ${name} must be in [0, 1], got ${v}`);
  return v;
}

export function checkCell(
  where: string,
  cell: string,
  allowed: readonly CellType[] = ['rnn', 'lstm', 'gru'],
): CellType {
  if (!(allowed as readonly string[]).includes(cell)) {
    throw new ValueError(
      `${where}: cell must be ${allowed.map((c) => `'${c}'`).join(', ')}, got ${JSON.stringify(cell)}`,
    );
  }
  return cell as CellType;
}

/** `new nn.RNN | nn.LSTM | nn.GRU(inputSize, hiddenSize, options)` by name (the RNN uses tanh). */
export function makeRecurrent(
  cell: CellType,
  inputSize: number,
  hiddenSize: number,
  options: RNNBaseOptions,
): RecurrentLayer {
  if (cell === 'lstm') return new LSTM(inputSize, hiddenSize, options);
  if (cell === 'gru') return new GRU(inputSize, hiddenSize, options);
  return new RNN(inputSize, hiddenSize, options);
}

/** Runs any recurrent layer: `[output, final state]`, the state as that layer takes it. */
export function runRecurrent(
  rnn: RecurrentLayer,
  x: Tensor,
  state?: RecurrentState,
): [Tensor, RecurrentState] {
  if (rnn instanceof LSTM) {
    if (state !== undefined && state instanceof Tensor) {
      throw new ValueError(`${rnn.constructor.name}: an LSTM's state is a pair [h, c], got one tensor`);
    }
    return rnn.forward(x, state as readonly [Tensor, Tensor] | undefined);
  }
  if (state !== undefined && !(state instanceof Tensor)) {
    throw new ValueError(`${rnn.constructor.name}: this layer's state is one tensor h, got a pair`);
  }
  return rnn.forward(x, state as Tensor | undefined);
}

/** A zero state for `batch` sequences. */
export function zeroState(rnn: RecurrentLayer, batch: number): RecurrentState {
  const shape = [rnn.numLayers * rnn.numDirections, batch, rnn.hiddenSize];
  return rnn instanceof LSTM ? [zeros(shape), zeros(shape)] : zeros(shape);
}

/** Applies `fn` to every tensor of a state (h, or h and c). */
export function mapState(state: RecurrentState, fn: (t: Tensor) => Tensor): RecurrentState {
  return state instanceof Tensor ? fn(state) : [fn(state[0]), fn(state[1])];
}

/** The state cut from the autograd graph: what truncated backpropagation through time carries to the next chunk. */
export function detachState(state: RecurrentState): RecurrentState {
  return mapState(state, (t) => t.detach());
}

/** 1 where int32 tokens `[N, L]` are not `padId`, 0 where they are (row-major). */
export function tokenMask(tokens: Tensor, padId: number): Uint8Array {
  const mask = new Uint8Array(tokens.size);
  for (let i = 0; i < mask.length; i++) mask[i] = tokens.data[i] !== padId ? 1 : 0;
  return mask;
}

/**
 * Runs a unidirectional recurrent layer over batch-first inputs `[N, L, features]`, keeping each sequence's state
 * unchanged at the steps where `mask` (`[N·L]`, row-major) is 0, so a padded sequence ends in the state its last
 * real step left, as PyTorch's packed sequences give. Without padding it is one call over the whole sequence.
 */
export function encodeMasked(
  rnn: RecurrentLayer,
  x: Tensor,
  mask: Uint8Array | null,
  state?: RecurrentState,
): RecurrentState {
  return encodeMaskedSteps(rnn, x, mask, state, false)[1];
}

/**
 * {@link encodeMasked}, also returning the top layer's outputs `[N, L, H]` at every step (what an attention
 * mechanism reads; the outputs at padding steps are whatever the layer gave and are meant to be masked).
 */
export function encodeMaskedWithOutputs(
  rnn: RecurrentLayer,
  x: Tensor,
  mask: Uint8Array | null,
  state?: RecurrentState,
): [Tensor, RecurrentState] {
  return encodeMaskedSteps(rnn, x, mask, state, true) as [Tensor, RecurrentState];
}

function encodeMaskedSteps(
  rnn: RecurrentLayer,
  x: Tensor,
  mask: Uint8Array | null,
  state: RecurrentState | undefined,
  keepOutputs: boolean,
): [Tensor | null, RecurrentState] {
  const [n, steps] = x.shape;
  if (mask === null || mask.every((m) => m === 1)) return runRecurrent(rnn, x, state);
  let s = state ?? zeroState(rnn, n);
  const outputs: Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const active = new Uint8Array(n);
    for (let i = 0; i < n; i++) active[i] = mask[i * steps + t];
    if (active.every((m) => m === 0)) {
      if (keepOutputs) outputs.push(zeros([n, 1, rnn.hiddenSize * rnn.numDirections]));
      continue;
    }
    const [out, next] = runRecurrent(rnn, narrow(x, 1, t, 1), s);
    if (keepOutputs) outputs.push(out);
    if (active.every((m) => m === 1)) {
      s = next;
      continue;
    }
    const keep = new Tensor(active, [1, n, 1]);
    const old = s instanceof Tensor ? [s] : s;
    const blended = (next instanceof Tensor ? [next] : next).map((t, k) => where(keep, t, old[k]));
    s = blended.length === 1 ? blended[0] : [blended[0], blended[1]];
  }
  return [keepOutputs ? concat(outputs, 1) : null, s];
}

/** Checks that `t` holds int32 token ids `[N, L]` within a vocabulary. */
export function checkTokens(where: string, what: string, t: Tensor, vocabSize: number): void {
  if (t.dtype !== 'int32') throw new DTypeError(`${where}: ${what} must be int32 token ids, got ${t.dtype}`);
  if (t.ndim !== 2)
    throw new ShapeError(`${where}: expected ${what} [N, L] of token ids, got ${fmtShape(t.shape)}`);
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    if (v < 0 || v >= vocabSize) {
      throw new ValueError(`${where}: ${what} holds token ${v}, outside the vocabulary 0…${vocabSize - 1}`);
    }
  }
}

/**
 * Draws one id from `logits` (`V` values) at `temperature`: softmax(logits / temperature), sampled with the
 * generator; a temperature of 0 takes the argmax (the first one on ties), the limit of low temperatures.
 */
export function sampleLogits(
  logits: ArrayLike<number>,
  temperature: number,
  generator: Generator = defaultGenerator,
): number {
  let best = 0;
  for (let j = 1; j < logits.length; j++) if (logits[j] > logits[best]) best = j;
  if (temperature === 0) return best;
  // float64 and the maximum subtracted, so that very low temperatures neither overflow nor lose the argmax
  const p = new Float64Array(logits.length);
  let total = 0;
  for (let j = 0; j < p.length; j++) {
    p[j] = Math.exp((logits[j] - logits[best]) / temperature);
    total += p[j];
  }
  let u = generator.random() * total;
  for (let j = 0; j < p.length; j++) {
    u -= p[j];
    if (u < 0) return j;
  }
  return best;
}

export function checkTemperature(where: string, temperature: number): number {
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new ValueError(`${where}: temperature must be a finite number ≥ 0, got ${temperature}`);
  }
  return temperature;
}

/** The layers of a token decoder: embedding → recurrent layer (batch first) → linear output over the vocabulary. */
export interface DecoderParts {
  embedding: Embedding;
  rnn: RecurrentLayer;
  fc: Linear;
  /**
   * Replaces the plain recurrent step when set (an attention decoder): the features `[N, T, fc.inFeatures]` that
   * `fc` reads, and the new state, for embedded inputs `[N, T, E]` from `state`.
   */
  decode?: (embedded: Tensor, state: RecurrentState) => [Tensor, RecurrentState];
}

/** The decoder's features and new state for embedded inputs: its `decode`, or the recurrent layer alone. */
function decodeFeatures(
  parts: DecoderParts,
  embedded: Tensor,
  state: RecurrentState,
): [Tensor, RecurrentState] {
  return parts.decode ? parts.decode(embedded, state) : runRecurrent(parts.rnn, embedded, state);
}

/**
 * The decoder's inputs for a target `[N, T]`: `bos`, then the target shifted one step right. Whatever follows
 * `eos` in the target is padding the loss ignores, so its inputs do not matter.
 */
export function shiftRight(target: Tensor, bosId: number): Tensor {
  const [n, steps] = target.shape;
  const out = new Int32Array(n * steps);
  for (let i = 0; i < n; i++) {
    out[i * steps] = bosId;
    for (let t = 1; t < steps; t++) out[i * steps + t] = target.data[i * steps + t - 1];
  }
  return new Tensor(out, [n, steps]);
}

/**
 * Logits `[N, T, V]` for decoder inputs `[N, T]` (starting with bos) from `state`. With `ratio` 1 (teacher
 * forcing) every step reads its true previous token and the whole sequence runs in one call; with a smaller
 * ratio each sequence reads, at every step after the first, its true previous token with probability `ratio`
 * and otherwise its own previous prediction (scheduled sampling, Bengio et al. 2015), one draw per token.
 */
export function decodeTeacherForced(
  parts: DecoderParts,
  state: RecurrentState,
  inputs: Tensor,
  ratio: number,
  generator: Generator = defaultGenerator,
): Tensor {
  if (ratio >= 1) {
    const [out] = decodeFeatures(parts, parts.embedding.forward(inputs), state);
    return parts.fc.forward(out);
  }
  const [n, steps] = inputs.shape;
  const vocab = parts.fc.outFeatures;
  const logits: Tensor[] = [];
  let s = state;
  let previous: Int32Array | null = null;
  for (let t = 0; t < steps; t++) {
    const tokens = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const truth = inputs.data[i * steps + t];
      tokens[i] = previous === null || generator.random() < ratio ? truth : previous[i];
    }
    let out: Tensor;
    [out, s] = decodeFeatures(parts, parts.embedding.forward(new Tensor(tokens, [n, 1])), s);
    const step = parts.fc.forward(out); // [N, 1, V]
    logits.push(step);
    const d = step.data;
    previous = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < vocab; j++) if (d[i * vocab + j] > d[i * vocab + best]) best = j;
      previous[i] = best;
    }
  }
  // the [N, 1, V] steps joined along time
  return logits.length === 1 ? logits[0] : concat(logits, 1);
}

export interface DecodeOptions {
  /** The most tokens to emit per sequence, eos included. */
  maxLength: number;
  /** 0 (default): greedy, the most likely token at every step; above 0, sample from softmax(logits / temperature). */
  temperature?: number;
  /** Where sampled tokens come from (default: the global seeded generator). */
  generator?: Generator;
}

/**
 * Emits tokens one step at a time from `state`, feeding each choice back as the next input, until every
 * sequence has produced eos or `maxLength` tokens. Returns int32 `[N, T]` (T ≤ maxLength, the longest output):
 * each row's tokens, its eos, then padding. Runs without gradients.
 */
export function decodeGreedy(
  parts: DecoderParts,
  state: RecurrentState,
  batch: number,
  ids: { padId: number; bosId: number; eosId: number },
  options: DecodeOptions,
): Tensor {
  const { maxLength, temperature = 0, generator = defaultGenerator } = options;
  const vocab = parts.fc.outFeatures;
  return noGrad(() => {
    const rows: Int32Array[] = [];
    const done = new Uint8Array(batch);
    let tokens = new Int32Array(batch).fill(ids.bosId);
    let s = state;
    for (let t = 0; t < maxLength && !done.every((d) => d === 1); t++) {
      let out: Tensor;
      [out, s] = decodeFeatures(parts, parts.embedding.forward(new Tensor(tokens, [batch, 1])), s);
      const d = parts.fc.forward(out).data;
      const next = new Int32Array(batch);
      for (let i = 0; i < batch; i++) {
        if (done[i]) {
          next[i] = ids.padId;
          continue;
        }
        next[i] = sampleLogits(d.subarray(i * vocab, (i + 1) * vocab), temperature, generator);
        if (next[i] === ids.eosId) done[i] = 1;
      }
      rows.push(next);
      tokens = next;
    }
    const steps = rows.length;
    const out = new Int32Array(batch * steps);
    rows.forEach((r, t) => {
      for (let i = 0; i < batch; i++) out[i * steps + t] = r[i];
    });
    return new Tensor(out, [batch, steps]);
  });
}

export interface SequenceLossOptions {
  /** Targets equal to this are left out of the loss (default -100; pass the padding id). */
  ignoreIndex?: number;
  /** 'mean' (default): over the tokens that count; 'sum'; 'none': `[N, T]`. */
  reduction?: Reduction;
  /** Label smoothing in [0, 1] (default 0). */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of per-step logits `[N, T, C]` against int32 targets `[N, T]`, every step a classification
 * (the mean runs over the tokens that are not ignored). Pass it to `fit` as
 * `loss: (out, y) => sequenceCrossEntropy(out, y, { ignoreIndex: 0 })`.
 */
export function sequenceCrossEntropy(
  logits: Tensor,
  target: Tensor,
  options: SequenceLossOptions = {},
): Tensor {
  if (
    logits.ndim !== 3 ||
    target.ndim !== 2 ||
    logits.shape[0] !== target.shape[0] ||
    logits.shape[1] !== target.shape[1]
  ) {
    throw new ShapeError(
      `sequenceCrossEntropy: expected logits [N, T, C] and targets [N, T], got ${fmtShape(logits.shape)} and ${fmtShape(target.shape)}`,
    );
  }
  const [n, steps, classes] = logits.shape;
  const loss = crossEntropy(reshape(logits, [n * steps, classes]), reshape(target, [n * steps]), {
    ignoreIndex: options.ignoreIndex,
    reduction: options.reduction,
    labelSmoothing: options.labelSmoothing,
  });
  return options.reduction === 'none' ? reshape(loss, [n, steps]) : loss;
}

/** Per-token predictions from logits `[N, T, C]` (their argmax), or int32 predictions `[N, T′]` as they are. */
function tokenPredictions(output: Tensor, where: string): { pred: ArrayLike<number>; steps: number } {
  if (output.dtype === 'int32' && output.ndim === 2) return { pred: output.data, steps: output.shape[1] };
  if (output.dtype !== 'float32' || output.ndim !== 3) {
    throw new ShapeError(
      `${where}: expected logits [N, T, C] or int32 predictions [N, T], got ${output.dtype} ${fmtShape(output.shape)}`,
    );
  }
  const [n, steps, c] = output.shape;
  const pred = new Int32Array(n * steps);
  const d = output.data;
  for (let r = 0; r < n * steps; r++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (d[r * c + j] > d[r * c + best]) best = j;
    pred[r] = best;
  }
  return { pred, steps };
}

export interface TokenAccuracyOptions {
  /** Target tokens equal to this (padding) are not scored (default: none). */
  ignoreIndex?: number;
}

/**
 * Compares per-step predictions with targets `[N, T]`, skipping ignored target tokens. Predictions are
 * logits `[N, T, C]` or int32 tokens `[N, T′]` of any length (generated sequences): a target step beyond the
 * predicted length counts as wrong.
 */
abstract class SequenceScore {
  readonly higherIsBetter = true;
  protected hits = 0;
  protected total = 0;
  protected readonly ignoreIndex: number | null;

  constructor(options: TokenAccuracyOptions = {}) {
    this.ignoreIndex = options.ignoreIndex ?? null;
  }

  reset(): void {
    this.hits = 0;
    this.total = 0;
  }

  compute(): number {
    return this.total === 0 ? 0 : this.hits / this.total;
  }

  /** Calls `row(correct, counted)` once per sequence with its count of correct and of scored steps. */
  protected compare(
    output: Tensor,
    target: Tensor,
    where: string,
    row: (correct: number, counted: number) => void,
  ): void {
    if (target.ndim !== 2 || target.dtype !== 'int32') {
      throw new ShapeError(
        `${where}: expected int32 targets [N, T], got ${target.dtype} ${fmtShape(target.shape)}`,
      );
    }
    const { pred, steps } = tokenPredictions(output, where);
    const [n, tSteps] = target.shape;
    if (output.shape[0] !== n) {
      throw new ShapeError(`${where}: ${output.shape[0]} predicted sequences but ${n} targets`);
    }
    for (let i = 0; i < n; i++) {
      let correct = 0;
      let counted = 0;
      for (let t = 0; t < tSteps; t++) {
        const y = target.data[i * tSteps + t];
        if (y === this.ignoreIndex) continue;
        counted++;
        if (t < steps && pred[i * steps + t] === y) correct++;
      }
      row(correct, counted);
    }
  }
}

/**
 * The fraction of target tokens predicted right (per-step accuracy of a tagger, token accuracy of a decoder).
 * A streaming metric with the shape `nt.train.fit` expects (`reset` / `update` / `compute`).
 */
export class TokenAccuracy extends SequenceScore {
  readonly name = 'tokenAccuracy';

  update(output: Tensor, target: Tensor): void {
    this.compare(output, target, 'TokenAccuracy', (correct, counted) => {
      this.hits += correct;
      this.total += counted;
    });
  }
}

/** The fraction of sequences whose every scored target token is predicted right (exact match). */
export class SequenceAccuracy extends SequenceScore {
  readonly name = 'sequenceAccuracy';

  update(output: Tensor, target: Tensor): void {
    this.compare(output, target, 'SequenceAccuracy', (correct, counted) => {
      if (correct === counted) this.hits++;
      this.total++;
    });
  }
}

/** Runs `fn` without gradients and with `module` in evaluation mode (no dropout), then puts the modes back. */
export function inference<T>(module: Module, fn: () => T): T {
  const modes = module.modules().map((m) => [m, m.training] as const);
  module.eval();
  try {
    return noGrad(fn);
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}

/** The input side of the sequence models that read features or tokens at every step. */
export interface SequenceInputOptions {
  /** Features per time step of float inputs. Give this, or `vocabSize` and `embedDim` for token inputs. */
  inputSize?: number;
  /** Token inputs: int32 ids `[N, L]` in 0…vocabSize−1, looked up in an embedding of `embedDim` features. */
  vocabSize?: number;
  /** Size of the token embedding (with `vocabSize`). */
  embedDim?: number;
  /** An embedding row that stays zero and untrained (with `vocabSize`; default none). */
  paddingIdx?: number;
  /** Float inputs are `[N, L, inputSize]` (default true) rather than `[L, N, inputSize]`; tokens are always `[N, L]`. */
  batchFirst?: boolean;
}

/** Resolves the embedding and the recurrent layer's input size from {@link SequenceInputOptions}. */
export function sequenceInput(
  where: string,
  options: SequenceInputOptions,
  generator: Generator | undefined,
): { embedding: Embedding | null; inputSize: number } {
  if (options.vocabSize !== undefined) {
    if (options.inputSize !== undefined) {
      throw new ValueError(
        `${where}: give inputSize (float features) or vocabSize and embedDim (tokens), not both`,
      );
    }
    const vocab = positiveInt(where, 'vocabSize', options.vocabSize);
    const dim = positiveInt(where, 'embedDim', options.embedDim ?? Number.NaN);
    return {
      embedding: new Embedding(vocab, dim, { paddingIdx: options.paddingIdx, generator }),
      inputSize: dim,
    };
  }
  if (options.inputSize === undefined) {
    throw new ValueError(`${where}: give inputSize (float features) or vocabSize and embedDim (tokens)`);
  }
  return { embedding: null, inputSize: positiveInt(where, 'inputSize', options.inputSize) };
}

/** Embeds token inputs, or checks float inputs; returns what the recurrent layer reads. */
export function readSequence(
  where: string,
  embedding: Embedding | null,
  inputSize: number,
  batchFirst: boolean,
  x: Tensor,
): Tensor {
  if (embedding) {
    if (x.dtype !== 'int32' || x.ndim !== 2) {
      throw new DTypeError(`${where}: expected int32 token ids [N, L], got ${x.dtype} ${fmtShape(x.shape)}`);
    }
    return embedding.forward(x);
  }
  if (x.dtype !== 'float32' || x.ndim !== 3 || x.shape[2] !== inputSize) {
    const layout = batchFirst ? 'N, L' : 'L, N';
    throw new ShapeError(
      `${where}: expected float32 input [${layout}, ${inputSize}], got ${x.dtype} ${fmtShape(x.shape)}`,
    );
  }
  return x;
}

/** Ids of the special tokens; the defaults match the sequence tasks of `data` (`<pad>`, `<bos>`, `<eos>`). */
export interface SpecialTokenIds {
  /** Padding: ignored by the encoder and the loss (default 0). */
  padId?: number;
  /** Begin of sequence: the decoder's first input (default 1). */
  bosId?: number;
  /** End of sequence: the decoder's last output (default 2). */
  eosId?: number;
}

/** The options that every model decoding tokens step by step (SequenceGenerator, Seq2Seq) reads alike. */
export interface DecoderModelOptions extends SpecialTokenIds {
  cell?: CellType;
  vocabSize: number;
  embedDim: number;
  hiddenSize: number;
  numLayers?: number;
  teacherForcingRatio?: number;
  dropout?: number;
  generator?: Generator;
}

/** {@link DecoderModelOptions} checked, with their defaults filled in. */
export interface DecoderSettings {
  cell: CellType;
  vocabSize: number;
  embedDim: number;
  hiddenSize: number;
  numLayers: number;
  padId: number;
  bosId: number;
  eosId: number;
  teacherForcingRatio: number;
  dropout: number;
  generator: Generator | undefined;
}

/** Checks a decoding model's options, naming the model (`where`) in any error. */
export function decoderSettings(
  where: string,
  options: DecoderModelOptions,
  defaultCell: CellType,
): DecoderSettings {
  const cell = checkCell(where, options.cell ?? defaultCell);
  const vocabSize = positiveInt(where, 'vocabSize', options.vocabSize);
  const embedDim = positiveInt(where, 'embedDim', options.embedDim);
  const hiddenSize = positiveInt(where, 'hiddenSize', options.hiddenSize);
  const numLayers = positiveInt(where, 'numLayers', options.numLayers ?? 1);
  const [padId, bosId, eosId] = specialIds(where, options, vocabSize);
  return {
    cell,
    vocabSize,
    embedDim,
    hiddenSize,
    numLayers,
    padId,
    bosId,
    eosId,
    teacherForcingRatio: probability(where, 'teacherForcingRatio', options.teacherForcingRatio ?? 1),
    dropout: probability(where, 'dropout', options.dropout ?? 0),
    generator: options.generator,
  };
}

/** Validates the special ids: distinct, inside the vocabulary. */
export function specialIds(
  where: string,
  options: SpecialTokenIds,
  vocabSize: number,
): [number, number, number] {
  const ids: [number, number, number] = [options.padId ?? 0, options.bosId ?? 1, options.eosId ?? 2];
  const names = ['padId', 'bosId', 'eosId'];
  ids.forEach((id, k) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new ValueError(`${where}: ${names[k]} ${id} is outside the vocabulary 0…${vocabSize - 1}`);
    }
  });
  if (new Set(ids).size !== 3)
    throw new ValueError(`${where}: padId, bosId and eosId must differ, got ${ids.join(', ')}`);
  return ids;
}
