/**
 * Many-to-one: a recurrent network reads a whole sequence and one linear layer classifies its last hidden state.
 */
import { Dropout } from '../../nn/dropout.js';
import type { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { concat, select } from '../../ops/shape.js';
import type { Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import {
  type CellType,
  checkCell,
  makeRecurrent,
  positiveInt,
  probability,
  type RecurrentLayer,
  type RecurrentState,
  readSequence,
  runRecurrent,
  type SequenceInputOptions,
  sequenceInput,
} from './common.js';

export interface SequenceClassifierOptions extends SequenceInputOptions {
  /** The recurrent layer (default 'lstm'). */
  cell?: CellType;
  /** Hidden features per direction. */
  hiddenSize: number;
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Output classes. */
  numClasses: number;
  /** Read the sequence both ways and classify both final states side by side (default false). */
  bidirectional?: boolean;
  /** Dropout between recurrent layers and on the final state before the classifier (default 0). */
  dropout?: number;
  /** Source of the initial weights and dropout masks (default: the global seeded generator). */
  generator?: Generator;
}

/**
 * Many-to-one sequence classification: an RNN, LSTM or GRU reads the sequence; its last layer's final hidden
 * state (the forward direction's after the last step and, when bidirectional, the backward direction's after
 * the first step) goes through dropout into a linear layer giving `numClasses` logits.
 *
 * Inputs are float features `[N, L, inputSize]` (`[L, N, inputSize]` with `batchFirst: false`) or, with
 * `vocabSize` and `embedDim`, int32 tokens `[N, L]`. State-dict keys: `embedding.weight` (tokens only),
 * `rnn.weight_ih_l0`, …, `fc.weight`, `fc.bias`.
 *
 * ```ts
 * // MNIST rows as 28 time steps of 28 pixels
 * const model = new SequenceClassifier({ cell: 'lstm', inputSize: 28, hiddenSize: 128, numClasses: 10 });
 * const logits = model.forward(data.sequentialMnist(images)); // [N, 10]
 * ```
 */
export class SequenceClassifier extends Module {
  embedding: Embedding | null;
  rnn: RecurrentLayer;
  drop: Dropout;
  fc: Linear;
  readonly cell: CellType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numClasses: number;
  readonly bidirectional: boolean;
  readonly batchFirst: boolean;

  constructor(options: SequenceClassifierOptions) {
    super();
    const where = 'SequenceClassifier';
    this.cell = checkCell(where, options.cell ?? 'lstm');
    this.hiddenSize = positiveInt(where, 'hiddenSize', options.hiddenSize);
    this.numLayers = positiveInt(where, 'numLayers', options.numLayers ?? 1);
    this.numClasses = positiveInt(where, 'numClasses', options.numClasses);
    this.bidirectional = options.bidirectional ?? false;
    this.batchFirst = options.batchFirst ?? true;
    const dropout = probability(where, 'dropout', options.dropout ?? 0);
    const generator = options.generator;
    const { embedding, inputSize } = sequenceInput(where, options, generator);
    this.inputSize = inputSize;
    this.embedding = embedding;
    this.rnn = makeRecurrent(this.cell, inputSize, this.hiddenSize, {
      numLayers: this.numLayers,
      bidirectional: this.bidirectional,
      dropout,
      batchFirst: embedding !== null || this.batchFirst,
      generator,
    });
    this.drop = new Dropout(dropout, { generator });
    this.fc = new Linear(this.hiddenSize * (this.bidirectional ? 2 : 1), this.numClasses, { generator });
  }

  /** The last layer's final hidden state `[N, dirs·hiddenSize]`: what the classifier reads. */
  features(x: Tensor, state?: RecurrentState): Tensor {
    const input = readSequence('SequenceClassifier', this.embedding, this.inputSize, this.batchFirst, x);
    const [, final] = runRecurrent(this.rnn, input, state);
    const h = final instanceof Tensor ? final : final[0];
    const dirs = this.rnn.numDirections;
    const top = (this.numLayers - 1) * dirs;
    return dirs === 1 ? select(h, 0, top) : concat([select(h, 0, top), select(h, 0, top + 1)], 1);
  }

  /** Logits `[N, numClasses]`. */
  forward(x: Tensor, state?: RecurrentState): Tensor {
    return this.fc.forward(this.drop.forward(this.features(x, state)));
  }
}
