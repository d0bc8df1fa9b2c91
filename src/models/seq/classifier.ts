/**
 * Many-to-one: a recurrent network reads a whole sequence and one linear layer classifies its last hidden state.
 */
import { concat, select } from '../../ops/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { positiveInt, type RecurrentState, runRecurrent } from './common.js';
import { RecurrentReadout, type RecurrentReadoutOptions } from './readout.js';

export interface SequenceClassifierOptions extends RecurrentReadoutOptions {
  /** Output classes. */
  numClasses: number;
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
export class SequenceClassifier extends RecurrentReadout {
  readonly numClasses: number;

  constructor(options: SequenceClassifierOptions) {
    const numClasses = positiveInt('SequenceClassifier', 'numClasses', options.numClasses);
    super('SequenceClassifier', options, numClasses);
    this.numClasses = numClasses;
  }

  /** The last layer's final hidden state `[N, dirs·hiddenSize]`: what the classifier reads. */
  features(x: Tensor, state?: RecurrentState): Tensor {
    const input = this.readInput(x);
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
