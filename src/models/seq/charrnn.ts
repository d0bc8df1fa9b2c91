/**
 * A character-level language model (Karpathy's char-rnn): it predicts each next character of a text, is scored
 * in bits per character, and writes new text by sampling one character at a time.
 */
import type { CharVocab } from '../../data/vocab.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { crossEntropy } from '../../ops/loss.js';
import { reshape } from '../../ops/shape.js';
import type { Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import {
  type CellType,
  checkCell,
  checkTemperature,
  checkTokens,
  inference,
  makeRecurrent,
  positiveInt,
  probability,
  type RecurrentLayer,
  type RecurrentState,
  runRecurrent,
  sampleLogits,
} from './common.js';

export interface CharRNNOptions {
  /** Characters (tokens) of the vocabulary. */
  vocabSize: number;
  /** Size of the character embedding. */
  embedDim: number;
  /** Hidden features of each recurrent layer. */
  hiddenSize: number;
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** The recurrent layer (default 'lstm'). */
  cell?: CellType;
  /** Dropout on the embeddings, between recurrent layers and before the output layer (default 0; Zaremba et al., 2014). */
  dropout?: number;
  /** Source of the initial weights and dropout masks (default: the global seeded generator). */
  generator?: Generator;
}

export interface BitsPerCharacterOptions {
  /** Parallel streams the text is cut into (default 64). */
  batchSize?: number;
  /** Steps per forward call; the state carries over from call to call (default 256). */
  seqLength?: number;
}

export interface SampleIdsOptions {
  /** Characters to generate after the prime (default 200). */
  length?: number;
  /** Softmax temperature (default 1): lower is more conservative, 0 always takes the most likely character. */
  temperature?: number;
  /** Where the draws come from (default: the global seeded generator); seed one for repeatable text. */
  generator?: Generator;
}

export interface SampleOptions extends SampleIdsOptions {
  /** The text the model reads before it writes (default a line break, the start of a paragraph). */
  prime?: string;
}

/**
 * Character-level language model: `embedding` → RNN/LSTM/GRU `rnn` (batch first) → `fc` over the vocabulary,
 * with dropout between them. `forward(x, state?)` reads int32 characters `[N, T]` and returns the logits of the
 * next character at every step `[N, T, vocabSize]` and the final state, which a following chunk of the same
 * text can start from (truncated backpropagation through time: pass it on detached).
 *
 * ```ts
 * const text = loadTextCorpus();
 * const vocab = data.CharVocab.fromText(text);
 * const model = new CharRNN({ vocabSize: vocab.size, embedDim: 32, hiddenSize: 256, cell: 'lstm' });
 * const { x, y } = data.nextTokenWindows(vocab.encode(text), { seqLength: 100 });
 * await train.fit(model, { x, y }, { forward: (m, xb) => m.forward(xb)[0], loss: (o, t) => sequenceCrossEntropy(o, t) });
 * model.sample(vocab, { prime: 'It is a truth', length: 200, temperature: 0.5 });
 * ```
 */
export class CharRNN extends Module {
  embedding: Embedding;
  rnn: RecurrentLayer;
  drop: Dropout;
  fc: Linear;
  readonly cell: CellType;
  readonly vocabSize: number;
  readonly embedDim: number;
  readonly hiddenSize: number;
  readonly numLayers: number;

  constructor(options: CharRNNOptions) {
    super();
    const where = 'CharRNN';
    this.cell = checkCell(where, options.cell ?? 'lstm');
    this.vocabSize = positiveInt(where, 'vocabSize', options.vocabSize);
    this.embedDim = positiveInt(where, 'embedDim', options.embedDim);
    this.hiddenSize = positiveInt(where, 'hiddenSize', options.hiddenSize);
    this.numLayers = positiveInt(where, 'numLayers', options.numLayers ?? 1);
    const dropout = probability(where, 'dropout', options.dropout ?? 0);
    const generator = options.generator;
    this.embedding = new Embedding(this.vocabSize, this.embedDim, { generator });
    this.rnn = makeRecurrent(this.cell, this.embedDim, this.hiddenSize, {
      numLayers: this.numLayers,
      dropout,
      batchFirst: true,
      generator,
    });
    this.drop = new Dropout(dropout, { generator });
    this.fc = new Linear(this.hiddenSize, this.vocabSize, { generator });
  }

  /** Next-character logits `[N, T, vocabSize]` for characters `[N, T]`, and the final state. */
  forward(x: Tensor, state?: RecurrentState): [Tensor, RecurrentState] {
    checkTokens('CharRNN', 'the input', x, this.vocabSize);
    const [out, next] = runRecurrent(this.rnn, this.drop.forward(this.embedding.forward(x)), state);
    return [this.fc.forward(this.drop.forward(out)), next];
  }

  /**
   * Bits per character on a text (its ids), in evaluation mode: the text is cut into `batchSize` contiguous
   * streams read `seqLength` steps at a time with the state carried along, so every character but each stream's
   * first is predicted from everything before it in its stream. Counts each transition ids[i] → ids[i+1] once
   * (the last ⌊(n−1) mod batchSize⌋ transitions are left out).
   */
  bitsPerCharacter(ids: Tensor | ArrayLike<number>, options: BitsPerCharacterOptions = {}): number {
    const where = 'CharRNN.bitsPerCharacter';
    const values = idValues(where, ids);
    const n = values.length;
    if (n < 2) throw new ValueError(`${where}: a text of ${n} characters has nothing to predict`);
    const streams = Math.min(positiveInt(where, 'batchSize', options.batchSize ?? 64), n - 1);
    const seqLength = positiveInt(where, 'seqLength', options.seqLength ?? 256);
    const perStream = Math.floor((n - 1) / streams);
    return inference(this, () => {
      let state: RecurrentState | undefined;
      let nats = 0;
      for (let start = 0; start < perStream; start += seqLength) {
        const len = Math.min(seqLength, perStream - start);
        const x = new Int32Array(streams * len);
        const y = new Int32Array(streams * len);
        for (let b = 0; b < streams; b++) {
          for (let t = 0; t < len; t++) {
            const i = b * perStream + start + t;
            x[b * len + t] = values[i];
            y[b * len + t] = values[i + 1];
          }
        }
        let logits: Tensor;
        [logits, state] = this.forward(new Tensor(x, [streams, len]), state);
        const flat = reshape(logits, [streams * len, this.vocabSize]);
        nats += crossEntropy(flat, new Tensor(y, [streams * len]), { reduction: 'sum' }).item();
      }
      return nats / (streams * perStream) / Math.LN2;
    });
  }

  /**
   * Generates `length` character ids after reading `prime` (ids, at least one), sampling each from
   * softmax(logits / temperature) with `generator`, in evaluation mode. Returns the generated ids only.
   */
  sampleIds(prime: ArrayLike<number>, options: SampleIdsOptions = {}): Int32Array {
    const where = 'CharRNN.sampleIds';
    const length = options.length ?? 200;
    if (!Number.isInteger(length) || length < 0) {
      throw new ValueError(`${where}: length must be a non-negative integer, got ${length}`);
    }
    const temperature = checkTemperature(where, options.temperature ?? 1);
    if (prime.length === 0) throw new ValueError(`${where}: the prime must hold at least one character`);
    const primeIds = Int32Array.from(prime);
    const out = new Int32Array(length);
    const V = this.vocabSize;
    inference(this, () => {
      let [logits, state] = this.forward(new Tensor(primeIds, [1, primeIds.length]));
      let last = logits.data.subarray((primeIds.length - 1) * V, primeIds.length * V);
      for (let i = 0; i < length; i++) {
        out[i] = sampleLogits(last, temperature, options.generator);
        [logits, state] = this.forward(new Tensor(out.subarray(i, i + 1), [1, 1]), state);
        last = logits.data;
      }
    });
    return out;
  }

  /** The prime followed by `length` sampled characters (see {@link sampleIds}). */
  sample(vocab: CharVocab, options: SampleOptions = {}): string {
    if (vocab.size !== this.vocabSize) {
      throw new ValueError(
        `CharRNN.sample: the vocabulary has ${vocab.size} tokens, the model ${this.vocabSize}`,
      );
    }
    const prime = options.prime ?? (vocab.has('\n') ? '\n' : vocab.chars[0]);
    return prime + vocab.decode(this.sampleIds(vocab.encode(prime), options));
  }
}

function idValues(where: string, ids: Tensor | ArrayLike<number>): ArrayLike<number> {
  if (ids instanceof Tensor) {
    if (ids.dtype !== 'int32') throw new DTypeError(`${where}: expected int32 ids, got ${ids.dtype}`);
    if (ids.ndim !== 1)
      throw new ShapeError(`${where}: expected a 1-D sequence of ids, got ${fmtShape(ids.shape)}`);
    return ids.data;
  }
  return ids;
}

/**
 * Mean cross-entropy in bits of next-character logits (`[N, T, V]` with targets `[N, T]`, or `[N, V]` with
 * `[N]`): −(1/n)·Σ log₂ softmax(logits)[target].
 */
export function bitsPerCharacter(logits: Tensor, target: Tensor): number {
  const classes = logits.shape[logits.ndim - 1];
  if (logits.ndim < 2 || target.size * classes !== logits.size || target.shape[0] !== logits.shape[0]) {
    throw new ShapeError(
      `bitsPerCharacter: expected logits [..., V] and one target per row, got ${fmtShape(logits.shape)} and ${fmtShape(target.shape)}`,
    );
  }
  const flat = reshape(logits, [target.size, classes]);
  return crossEntropy(flat, reshape(target, [target.size])).item() / Math.LN2;
}

export interface BigramOptions {
  /** Added to every bigram count (add-k smoothing; default 1, Laplace's), so unseen pairs keep some probability. */
  smoothing?: number;
}

/**
 * The bigram baseline of a character model: P(b | a) estimated from the transitions a → b of `train` with add-k
 * smoothing, P(b | a) = (count(a, b) + k) / (count(a) + k·V), scored in bits per character on the transitions of
 * `test`. A language model that remembers more than the previous character should beat it clearly.
 */
export function bigramBitsPerCharacter(
  train: Tensor | ArrayLike<number>,
  test: Tensor | ArrayLike<number>,
  vocabSize: number,
  options: BigramOptions = {},
): number {
  const where = 'bigramBitsPerCharacter';
  positiveInt(where, 'vocabSize', vocabSize);
  const k = options.smoothing ?? 1;
  if (!(k > 0) || !Number.isFinite(k)) throw new ValueError(`${where}: smoothing must be > 0, got ${k}`);
  const a = idValues(where, train);
  const b = idValues(where, test);
  if (b.length < 2) throw new ValueError(`${where}: the test text needs at least 2 characters`);
  const check = (v: number) => {
    if (!Number.isInteger(v) || v < 0 || v >= vocabSize) {
      throw new ValueError(`${where}: id ${v} is outside the vocabulary 0…${vocabSize - 1}`);
    }
    return v;
  };
  const pairs = new Float64Array(vocabSize * vocabSize);
  const rows = new Float64Array(vocabSize);
  for (let i = 0; i + 1 < a.length; i++) {
    const p = check(a[i]);
    pairs[p * vocabSize + check(a[i + 1])]++;
    rows[p]++;
  }
  let bits = 0;
  for (let i = 0; i + 1 < b.length; i++) {
    const p = check(b[i]);
    const q = check(b[i + 1]);
    bits -= Math.log2((pairs[p * vocabSize + q] + k) / (rows[p] + k * vocabSize));
  }
  return bits / (b.length - 1);
}
