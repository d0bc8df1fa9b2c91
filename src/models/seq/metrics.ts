/**
 * The per-token loss and the token and sequence accuracies that sequence outputs need.
 */
import { fmtShape, ShapeError } from '../../errors.js';
import { crossEntropy, type Reduction } from '../../ops/loss.js';
import { reshape } from '../../ops/shape.js';
import type { Tensor } from '../../tensor/tensor.js';

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
