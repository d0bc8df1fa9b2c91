/**
 * One-to-many: a single input (a feature vector, or a class) sets the initial state of a recurrent decoder,
 * which then writes a sequence one token at a time, each choice fed back as the next input.
 */
import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { tanh } from '../../ops/activation.js';
import { reshape, select, transposeAxes } from '../../ops/shape.js';
import type { Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import {
  type CellType,
  checkTemperature,
  checkTokens,
  type DecoderParts,
  decodeGreedy,
  decoderSettings,
  decodeTeacherForced,
  inference,
  makeRecurrent,
  positiveInt,
  type RecurrentLayer,
  type RecurrentState,
  type SpecialTokenIds,
  shiftRight,
} from './common.js';
import type { GenerateOptions } from './seq2seq.js';

export interface SequenceGeneratorOptions extends SpecialTokenIds {
  /** The decoder's recurrent layer (default 'gru'). */
  cell?: CellType;
  /**
   * Size of the conditioning input: features `[N, conditionSize]`, or the number of classes when the condition is
   * given as int32 class ids `[N]`.
   */
  conditionSize: number;
  /** Tokens of the output vocabulary. */
  vocabSize: number;
  /** Size of the token embedding the decoder reads. */
  embedDim: number;
  /** Hidden features of the decoder. */
  hiddenSize: number;
  /** Stacked decoder layers (default 1). */
  numLayers?: number;
  /** Dropout between stacked decoder layers (default 0). */
  dropout?: number;
  /** Probability of reading the true previous token in training (default 1); see {@link Seq2SeqOptions}. */
  teacherForcingRatio?: number;
  /** Source of the initial weights, dropout masks and scheduled-sampling draws (default: the global generator). */
  generator?: Generator;
}

export interface SequenceGeneratorGenerateOptions extends GenerateOptions {
  /** The most tokens per output, eos included (default 32). */
  maxLength?: number;
}

/**
 * One-to-many sequence generation ("show and tell" in miniature): a linear map `init` turns the condition into
 * the decoder's initial state (tanh(W·x + b) for h of every layer; an LSTM's c from a second block, without the
 * tanh), and a recurrent `decoder` with its own `embedding` and output layer `fc` emits tokens until `eos`.
 *
 * The condition is float features `[N, conditionSize]` (an image, an encoder's output) or int32 class ids `[N]`
 * (one-hot, so `init` acts as a learnt state per class). `forward(condition, target)` gives the logits
 * `[N, T, vocabSize]` for a target `[N, T]` of tokens, `eos`, padding (teacher forcing); `generate(condition)`
 * decodes greedily (or by sampling, with a temperature).
 *
 * ```ts
 * const gen = new SequenceGenerator({ conditionSize: 784, vocabSize: vocab.size, embedDim: 16, hiddenSize: 128 });
 * const tokens = gen.generate(images, { maxLength: 8 }); // int32 [N, ≤ 8]
 * ```
 */
export class SequenceGenerator extends Module {
  init: Linear;
  embedding: Embedding;
  decoder: RecurrentLayer;
  fc: Linear;
  readonly cell: CellType;
  readonly conditionSize: number;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly padId: number;
  readonly bosId: number;
  readonly eosId: number;
  teacherForcingRatio: number;
  private _generator: Generator | undefined;

  constructor(options: SequenceGeneratorOptions) {
    super();
    const where = 'SequenceGenerator';
    this.conditionSize = positiveInt(where, 'conditionSize', options.conditionSize);
    const s = decoderSettings(where, options, 'gru');
    const { embedDim, dropout, generator } = s;
    ({
      cell: this.cell,
      vocabSize: this.vocabSize,
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
    } = s);
    ({
      padId: this.padId,
      bosId: this.bosId,
      eosId: this.eosId,
      teacherForcingRatio: this.teacherForcingRatio,
    } = s);
    this._generator = generator;
    const blocks = this.cell === 'lstm' ? 2 : 1;
    this.init = new Linear(this.conditionSize, blocks * this.numLayers * this.hiddenSize, { generator });
    this.embedding = new Embedding(this.vocabSize, embedDim, { paddingIdx: this.padId, generator });
    this.decoder = makeRecurrent(this.cell, embedDim, this.hiddenSize, {
      numLayers: this.numLayers,
      dropout,
      batchFirst: true,
      generator,
    });
    this.fc = new Linear(this.hiddenSize, this.vocabSize, { generator });
  }

  private get parts(): DecoderParts {
    return { embedding: this.embedding, rnn: this.decoder, fc: this.fc };
  }

  /** The decoder's initial state for a condition: float `[N, conditionSize]` or int32 class ids `[N]`. */
  initialState(condition: Tensor): RecurrentState {
    const x = this.conditionFeatures(condition);
    const n = x.shape[0];
    const [L, H] = [this.numLayers, this.hiddenSize];
    // [N, blocks·L·H] → one [L, N, H] state per block
    const projected = reshape(this.init.forward(x), [n, this.cell === 'lstm' ? 2 : 1, L, H]);
    const block = (k: number) => transposeAxes(select(projected, 1, k), 0, 1);
    if (this.cell === 'lstm') return [tanh(block(0)), block(1)];
    return tanh(block(0));
  }

  private conditionFeatures(condition: Tensor): Tensor {
    const where = 'SequenceGenerator';
    if (condition.dtype === 'int32') {
      if (condition.ndim !== 1) {
        throw new ShapeError(`${where}: expected int32 class ids [N], got ${fmtShape(condition.shape)}`);
      }
      const n = condition.shape[0];
      const oneHot = new Float32Array(n * this.conditionSize);
      for (let i = 0; i < n; i++) {
        const c = condition.data[i];
        if (c < 0 || c >= this.conditionSize) {
          throw new ValueError(`${where}: class ${c} is outside 0…${this.conditionSize - 1} (conditionSize)`);
        }
        oneHot[i * this.conditionSize + c] = 1;
      }
      return new Tensor(oneHot, [n, this.conditionSize]);
    }
    if (condition.dtype !== 'float32') {
      throw new DTypeError(
        `${where}: the condition must be float32 features or int32 class ids, got ${condition.dtype}`,
      );
    }
    if (condition.ndim !== 2 || condition.shape[1] !== this.conditionSize) {
      throw new ShapeError(
        `${where}: expected a condition [N, ${this.conditionSize}], got ${fmtShape(condition.shape)}`,
      );
    }
    return condition;
  }

  /** Logits `[N, T, vocabSize]` for a target `[N, T]` (teacher forcing, or scheduled sampling in training). */
  forward(condition: Tensor, target: Tensor): Tensor {
    checkTokens('SequenceGenerator', 'the target', target, this.vocabSize);
    if (target.shape[0] !== condition.shape[0]) {
      throw new ShapeError(
        `SequenceGenerator: ${condition.shape[0]} conditions but ${target.shape[0]} targets ${fmtShape(target.shape)}`,
      );
    }
    const ratio = this.training ? this.teacherForcingRatio : 1;
    return decodeTeacherForced(
      this.parts,
      this.initialState(condition),
      shiftRight(target, this.bosId),
      ratio,
      this._generator,
    );
  }

  /**
   * Writes a sequence per condition, in evaluation mode and without gradients: int32 `[N, T]`, each row the
   * tokens, `eos`, then padding.
   */
  generate(condition: Tensor, options: SequenceGeneratorGenerateOptions = {}): Tensor {
    const maxLength = positiveInt('SequenceGenerator.generate', 'maxLength', options.maxLength ?? 32);
    const temperature = checkTemperature('SequenceGenerator.generate', options.temperature ?? 0);
    return inference(this, () =>
      decodeGreedy(this.parts, this.initialState(condition), condition.shape[0], this, {
        maxLength,
        temperature,
        generator: options.generator,
      }),
    );
  }
}
