/**
 * The body that the many-to-one classifier and the synced many-to-many tagger share: an optional token
 * embedding, a recurrent layer, dropout, and one linear layer from the recurrent features to the outputs.
 */
import { Dropout } from '../../nn/dropout.js';
import type { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  type CellType,
  checkCell,
  makeRecurrent,
  positiveInt,
  probability,
  type RecurrentLayer,
  readSequence,
  type SequenceInputOptions,
  sequenceInput,
} from './common.js';

export interface RecurrentReadoutOptions extends SequenceInputOptions {
  /** The recurrent layer (default 'lstm'). */
  cell?: CellType;
  /** Hidden features per direction. */
  hiddenSize: number;
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Read the sequence both ways (default false); the read-out sees both directions side by side. */
  bidirectional?: boolean;
  /** Dropout between recurrent layers and on the features before the read-out (default 0). */
  dropout?: number;
  /** Source of the initial weights and dropout masks (default: the global seeded generator). */
  generator?: Generator;
}

/**
 * An optional `embedding` (token inputs), the recurrent layer `rnn`, dropout `drop` and the linear read-out
 * `fc` from `dirs·hiddenSize` features to `outputs` values; state-dict keys `embedding.weight`, `rnn.*`,
 * `fc.weight`, `fc.bias`, as PyTorch would name the same attributes.
 */
export abstract class RecurrentReadout extends Module {
  embedding: Embedding | null;
  rnn: RecurrentLayer;
  drop: Dropout;
  fc: Linear;
  readonly cell: CellType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly batchFirst: boolean;

  protected constructor(
    protected readonly where: string,
    options: RecurrentReadoutOptions,
    outputs: number,
  ) {
    super();
    this.cell = checkCell(where, options.cell ?? 'lstm');
    this.hiddenSize = positiveInt(where, 'hiddenSize', options.hiddenSize);
    this.numLayers = positiveInt(where, 'numLayers', options.numLayers ?? 1);
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
    this.fc = new Linear(this.hiddenSize * (this.bidirectional ? 2 : 1), outputs, { generator });
  }

  /** The input as the recurrent layer takes it: embedded tokens, or the features checked against inputSize. */
  protected readInput(x: Tensor): Tensor {
    return readSequence(this.where, this.embedding, this.inputSize, this.batchFirst, x);
  }
}
