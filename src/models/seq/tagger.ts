/**
 * Many-to-many, synchronised: one label per input step (tagging, per-step classification).
 */
import { transposeAxes } from '../../ops/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { positiveInt, type RecurrentState, runRecurrent } from './common.js';
import { RecurrentReadout, type RecurrentReadoutOptions } from './readout.js';

export interface SequenceTaggerOptions extends RecurrentReadoutOptions {
  /** Labels per step. */
  numTags: number;
  /**
   * Read the sequence both ways (default false): each step's label then depends on the whole sequence, as in
   * part-of-speech tagging; a causal task (a running count, online labelling) keeps it false.
   */
  bidirectional?: boolean;
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
export class SequenceTagger extends RecurrentReadout {
  readonly numTags: number;

  constructor(options: SequenceTaggerOptions) {
    const numTags = positiveInt('SequenceTagger', 'numTags', options.numTags);
    super('SequenceTagger', options, numTags);
    this.numTags = numTags;
  }

  /** Logits `[N, L, numTags]`. */
  forward(x: Tensor, state?: RecurrentState): Tensor {
    const input = this.readInput(x);
    let [out] = runRecurrent(this.rnn, input, state);
    if (!this.rnn.batchFirst) out = transposeAxes(out, 0, 1);
    return this.fc.forward(this.drop.forward(out));
  }
}
