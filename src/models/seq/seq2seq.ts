/**
 * Many-to-many with an encoder and a decoder (Sutskever, Vinyals & Le, 2014): the encoder reads the source into
 * its final state, the decoder starts from that state and writes the target one token at a time.
 */
import { fmtShape, ShapeError } from '../../errors.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  type CellType,
  checkTemperature,
  checkTokens,
  type DecoderParts,
  decodeGreedy,
  decoderSettings,
  decodeTeacherForced,
  encodeMasked,
  inference,
  makeRecurrent,
  positiveInt,
  probability,
  type RecurrentLayer,
  type RecurrentState,
  type SpecialTokenIds,
  shiftRight,
  tokenMask,
} from './common.js';

export interface Seq2SeqOptions extends SpecialTokenIds {
  /** The recurrent layers of encoder and decoder (default 'lstm'). */
  cell?: CellType;
  /** Tokens of the (shared) source and target vocabulary. */
  vocabSize: number;
  /** Size of the token embedding (shared by encoder and decoder). */
  embedDim: number;
  /** Hidden features of encoder and decoder. */
  hiddenSize: number;
  /** Stacked layers in the encoder and in the decoder (default 1). */
  numLayers?: number;
  /** Dropout between stacked recurrent layers (default 0). */
  dropout?: number;
  /**
   * Probability that a decoder step reads the true previous token during training (default 1: teacher forcing);
   * below 1 it otherwise reads its own previous prediction (scheduled sampling).
   */
  teacherForcingRatio?: number;
  /** Source of the initial weights, dropout masks and scheduled-sampling draws (default: the global generator). */
  generator?: Generator;
}

export interface Seq2SeqForwardOptions {
  /** Overrides the model's teacher-forcing ratio for this call (training mode only; evaluation always uses 1). */
  teacherForcingRatio?: number;
}

export interface GenerateOptions {
  /** The most tokens per output, eos included (default: the source width + 1). */
  maxLength?: number;
  /** 0 (default): greedy decoding; above 0: sample from softmax(logits / temperature). */
  temperature?: number;
  /** Where sampled tokens come from (default: the global seeded generator). */
  generator?: Generator;
}

/**
 * Sequence-to-sequence encoder–decoder: a shared `embedding`, an `encoder` and a `decoder` recurrent layer
 * (RNN, LSTM or GRU, batch first, same sizes) and a linear output layer `fc` over the vocabulary.
 *
 * The encoder reads the int32 source `[N, S]`; padding tokens leave its state unchanged, so each sequence is
 * summarised by the state after its last real token (what PyTorch's packed sequences give). The decoder starts
 * from that state. `forward(src, target)` trains it: the decoder reads `bos` then the target shifted right
 * (teacher forcing, or scheduled sampling with a ratio below 1) and returns logits `[N, T, vocabSize]` for the
 * target `[N, T]` (tokens, `eos`, padding). `generate(src)` decodes greedily until `eos`.
 *
 * ```ts
 * const task = data.makeReverseTask({ n: 4000, length: [3, 8], seed: 0 });
 * const model = new Seq2Seq({ cell: 'lstm', vocabSize: task.vocab.size, embedDim: 32, hiddenSize: 128 });
 * await train.fit(model, { x: task.src, y: task.tgtOut }, {
 *   forward: (m, x, y) => m.forward(x, y!),
 *   loss: (out, y) => sequenceCrossEntropy(out, y, { ignoreIndex: 0 }),
 * });
 * task.vocab.decode(model.generate(task.src).data.subarray(0, 9)); // the first reversed string
 * ```
 */
export class Seq2Seq extends Module {
  embedding: Embedding;
  encoder: RecurrentLayer;
  decoder: RecurrentLayer;
  fc: Linear;
  readonly cell: CellType;
  readonly vocabSize: number;
  readonly embedDim: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly padId: number;
  readonly bosId: number;
  readonly eosId: number;
  teacherForcingRatio: number;
  private _generator: Generator | undefined;

  constructor(options: Seq2SeqOptions) {
    super();
    const s = decoderSettings('Seq2Seq', options, 'lstm');
    const { dropout, generator } = s;
    ({
      cell: this.cell,
      vocabSize: this.vocabSize,
      embedDim: this.embedDim,
      hiddenSize: this.hiddenSize,
    } = s);
    ({ numLayers: this.numLayers, padId: this.padId, bosId: this.bosId, eosId: this.eosId } = s);
    this.teacherForcingRatio = s.teacherForcingRatio;
    this._generator = generator;
    this.embedding = new Embedding(this.vocabSize, this.embedDim, { paddingIdx: this.padId, generator });
    const rnn = { numLayers: this.numLayers, dropout, batchFirst: true, generator };
    this.encoder = makeRecurrent(this.cell, this.embedDim, this.hiddenSize, rnn);
    this.decoder = makeRecurrent(this.cell, this.embedDim, this.hiddenSize, rnn);
    this.fc = new Linear(this.hiddenSize, this.vocabSize, { generator });
  }

  private get parts(): DecoderParts {
    return { embedding: this.embedding, rnn: this.decoder, fc: this.fc };
  }

  /** The encoder's final state for int32 sources `[N, S]`: the decoder's initial state. */
  encode(src: Tensor): RecurrentState {
    checkTokens('Seq2Seq', 'the source', src, this.vocabSize);
    return encodeMasked(this.encoder, this.embedding.forward(src), tokenMask(src, this.padId));
  }

  /** Logits `[N, T, vocabSize]` for each step of the target `[N, T]`, the decoder reading bos + the shifted target. */
  forward(src: Tensor, target: Tensor, options: Seq2SeqForwardOptions = {}): Tensor {
    checkTokens('Seq2Seq', 'the target', target, this.vocabSize);
    if (target.shape[0] !== src.shape[0]) {
      throw new ShapeError(
        `Seq2Seq: ${src.shape[0]} sources but ${target.shape[0]} targets (source ${fmtShape(src.shape)}, target ${fmtShape(target.shape)})`,
      );
    }
    const ratio = this.training
      ? probability('Seq2Seq', 'teacherForcingRatio', options.teacherForcingRatio ?? this.teacherForcingRatio)
      : 1;
    const state = this.encode(src);
    return decodeTeacherForced(this.parts, state, shiftRight(target, this.bosId), ratio, this._generator);
  }

  /**
   * Decodes without a target, in evaluation mode and without gradients: int32 `[N, T]`, each row the output tokens, `eos`, then
   * padding (T is the longest output, at most `maxLength`). `vocab.decode(row)` turns a row back into text.
   */
  generate(src: Tensor, options: GenerateOptions = {}): Tensor {
    const maxLength = positiveInt('Seq2Seq.generate', 'maxLength', options.maxLength ?? src.shape[1] + 1);
    const temperature = checkTemperature('Seq2Seq.generate', options.temperature ?? 0);
    return inference(this, () =>
      decodeGreedy(this.parts, this.encode(src), src.shape[0], this, {
        maxLength,
        temperature,
        generator: options.generator,
      }),
    );
  }
}
