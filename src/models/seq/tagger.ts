/**
 * Many-to-many, synchronised: one label per input step (tagging, per-step classification).
 */
import { Dropout } from '../../nn/dropout.js';
import type { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { transposeAxes } from '../../ops/shape.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
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

export interface SequenceTaggerOptions extends SequenceInputOptions {
  /** The recurrent layer (default 'lstm'). */
  cell?: CellType;
  /** Hidden features per direction. */
  hiddenSize: number;
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Labels per step. */
  numTags: number;
  /**
   * Read the sequence both ways (default false): each step's label then depends on the whole sequence, as in
   * part-of-speech tagging; a causal task (a running count, online labelling) keeps it false.
   */
  bidirectional?: boolean;
  /** Dropout between recurrent layers and on the outputs before the classifier (default 0). */
  dropout?: number;
  /** Source of the initial weights and dropout masks (default: the global seeded generator). */
  generator?: Generator;
}

/**
 * Many-to-many synchronised sequence labelling: an RNN, LSTM or GRU reads the sequence and a linear layer,
 * shared by every step, turns each step's output (both directions' side by side when bidirectional) into
 * `numTags` logits: `[N, L, numTags]`, batch first whatever the input layout.
 *
 * Inputs as {@link SequenceClassifier}'s: float features `[N, L, inputSize]` (`[L, N, inputSize]` with
 * `batchFirst: false`) or int32 tokens `[N, L]` with `vocabSize` and `embedDim`. Train it with
 * `sequenceCrossEntropy` and score it with `TokenAccuracy`.
 *
 * ```ts
 * const tagger = new SequenceTagger({ vocabSize: 27, embedDim: 16, hiddenSize: 64, numTags: 2, bidirectional: true });
 * tagger.forward(tokens); // [N, L, 2]
 * ```
 */
export class SequenceTagger extends Module {
  embedding: Embedding | null;
  rnn: RecurrentLayer;
  drop: Dropout;
  fc: Linear;
  readonly cell: CellType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numTags: number;
  readonly bidirectional: boolean;
  readonly batchFirst: boolean;

  constructor(options: SequenceTaggerOptions) {
    super();
    const where = 'SequenceTagger';
    this.cell = checkCell(where, options.cell ?? 'lstm');
    this.hiddenSize = positiveInt(where, 'hiddenSize', options.hiddenSize);
    this.numLayers = positiveInt(where, 'numLayers', options.numLayers ?? 1);
    this.numTags = positiveInt(where, 'numTags', options.numTags);
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
    this.fc = new Linear(this.hiddenSize * (this.bidirectional ? 2 : 1), this.numTags, { generator });
  }

  /** Logits `[N, L, numTags]`. */
  forward(x: Tensor, state?: RecurrentState): Tensor {
    const input = readSequence('SequenceTagger', this.embedding, this.inputSize, this.batchFirst, x);
    let [out] = runRecurrent(this.rnn, input, state);
    if (!this.rnn.batchFirst) out = transposeAxes(out, 0, 1);
    return this.fc.forward(this.drop.forward(out));
  }
}
