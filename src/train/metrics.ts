/**
 * Metrics for classification and regression, as streaming accumulators (`reset` / `update` per batch /
 * `compute`) and as one-shot functions built on them. Sums are kept in float64 and merged exactly (counts,
 * confusion matrices) or with Chan's pairwise update (R²), so that evaluating batch by batch gives the value the
 * whole set gives at once.
 *
 * Outputs are what a model returns. For classification that is either
 * - `[N, C]` scores (logits or probabilities: the prediction is the argmax either way),
 * - `[N]` or `[N, 1]` binary scores, thresholded at `threshold` (default 0 for logits, 0.5 with
 *   `fromLogits: false`), or
 * - `[N]` int32 class predictions, used as they are.
 *
 * Targets are int32 class indices `[N]` (or `[N, 1]`), 0/1 floats for binary problems, or `[N, C]` one-hot /
 * probability rows (their argmax is the class). The definitions follow scikit-learn's.
 */
import { DTypeError, fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * A metric accumulated over batches: `reset()` at the start, `update(output, target)` per batch, `compute()` at
 * the end. Custom metrics implement this interface.
 */
export interface Metric {
  /** The key under which the value is logged (`accuracy`, `f1`, …); validation values get a `val` prefix. */
  readonly name: string;
  /** Whether larger values are better (early stopping and checkpoints use it to pick 'min' or 'max'). */
  readonly higherIsBetter: boolean;
  reset(): void;
  update(output: Tensor, target: Tensor): void;
  compute(): number;
}

/** How model outputs are read. */
export interface ScoreOptions {
  /** Outputs are logits (default true); false means probabilities. */
  fromLogits?: boolean;
  /** Binary outputs above this are class 1 (default 0 for logits, 0.5 for probabilities). */
  threshold?: number;
}

/** Which average {@link precisionRecallF1} reports. */
export type Average = 'macro' | 'micro' | 'weighted' | 'binary';

export interface ClassificationOptions extends ScoreOptions {
  /**
   * The number of classes, fixing the size of the confusion matrix (default: the largest label or prediction
   * seen, plus one). Labels outside [0, numClasses) are an error.
   */
  numClasses?: number;
}

export interface PrecisionRecallF1Options extends ClassificationOptions {
  /**
   * 'macro' (default): the unweighted mean over the classes that occur in the targets or the predictions,
   * as scikit-learn; 'micro': from the pooled counts (equals accuracy for single-label data); 'weighted': the
   * mean weighted by each class's support; 'binary': the values of class 1.
   */
  average?: Average;
}

/** Precision, recall and F1 under the chosen average, and per class. */
export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
  perClass: {
    precision: number[];
    recall: number[];
    f1: number[];
    /** How many targets belong to each class. */
    support: number[];
  };
}

// ---------------------------------------------------------------------------------------------------------------
// reading outputs and targets

function rows(t: Tensor, where: string): number {
  if (t.ndim === 0) throw new ShapeError(`${where}: expected a batch of samples, got a scalar`);
  return t.shape[0];
}

function argmaxRows(data: TypedArray, n: number, c: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestValue = data[i * c];
    for (let j = 1; j < c; j++) {
      const v = data[i * c + j];
      // the first maximum wins, as numpy's and PyTorch's argmax; NaN counts as the maximum, as there
      if (v > bestValue || (Number.isNaN(v) && !Number.isNaN(bestValue))) {
        best = j;
        bestValue = v;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Class predictions from model outputs (see the module documentation for the accepted layouts). */
export function predictClasses(
  output: Tensor,
  options: ScoreOptions = {},
  where = 'predictClasses',
): Int32Array {
  const n = rows(output, where);
  const binary = output.ndim === 1 || (output.ndim === 2 && output.shape[1] === 1);
  if (output.dtype === 'int32' && binary) return output.data as Int32Array;
  if (output.dtype !== 'float32') {
    throw new DTypeError(
      `${where}: outputs must be float32 scores or int32 class predictions [N], got ${output.dtype} ${fmtShape(output.shape)}`,
    );
  }
  if (binary) {
    const threshold = options.threshold ?? (options.fromLogits === false ? 0.5 : 0);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = output.data[i] > threshold ? 1 : 0;
    return out;
  }
  if (output.ndim !== 2) {
    throw new ShapeError(
      `${where}: expected outputs [N, C], [N] or [N, 1], got ${fmtShape(output.shape)}; reshape them first`,
    );
  }
  return argmaxRows(output.data, n, output.shape[1]);
}

/** Class labels from targets: int32 or 0/1 floats `[N]` / `[N, 1]`, or `[N, C]` one-hot / probability rows. */
export function targetClasses(target: Tensor, n: number, where = 'targetClasses'): Int32Array {
  const m = rows(target, where);
  if (m !== n) {
    throw new ShapeError(`${where}: ${n} outputs but ${m} targets (target shape ${fmtShape(target.shape)})`);
  }
  const column = target.ndim === 1 || (target.ndim === 2 && target.shape[1] === 1);
  if (column) {
    if (target.dtype === 'int32') return target.data as Int32Array;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = target.data[i];
      if (!Number.isInteger(v)) {
        throw new ValueError(`${where}: target ${i} is ${v}, not a class label (an integer such as 0 or 1)`);
      }
      out[i] = v;
    }
    return out;
  }
  if (target.ndim === 2 && target.dtype === 'float32') return argmaxRows(target.data, n, target.shape[1]);
  throw new ShapeError(
    `${where}: expected targets [N] (class indices) or [N, C] (one-hot), got ${target.dtype} ${fmtShape(target.shape)}`,
  );
}

/** Float values of `t` with its sample count, checked against the output's size for regression metrics. */
function regressionPair(output: Tensor, target: Tensor, where: string): { n: number; cols: number } {
  const n = rows(output, where);
  if (output.size !== target.size || rows(target, where) !== n) {
    throw new ShapeError(
      `${where}: output ${fmtShape(output.shape)} and target ${fmtShape(target.shape)} hold different numbers of values`,
    );
  }
  return { n, cols: n === 0 ? 1 : output.size / n };
}

// ---------------------------------------------------------------------------------------------------------------
// classification

/** The fraction of samples whose predicted class equals the target's. */
export class Accuracy implements Metric {
  readonly name = 'accuracy';
  readonly higherIsBetter = true;
  private correct = 0;
  private total = 0;

  constructor(private readonly options: ScoreOptions = {}) {}

  reset(): void {
    this.correct = 0;
    this.total = 0;
  }

  update(output: Tensor, target: Tensor): void {
    const pred = predictClasses(output, this.options, 'Accuracy');
    const truth = targetClasses(target, pred.length, 'Accuracy');
    for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) this.correct++;
    this.total += pred.length;
  }

  compute(): number {
    return this.total === 0 ? 0 : this.correct / this.total;
  }
}

/**
 * The fraction of samples whose target class is among the `k` highest scores. A target tied with others
 * counts as found when fewer than `k` classes score strictly higher.
 */
export class TopKAccuracy implements Metric {
  readonly name: string;
  readonly higherIsBetter = true;
  private correct = 0;
  private total = 0;

  constructor(readonly k = 5) {
    positiveInt('TopKAccuracy', 'k', k);
    this.name = `top${k}Accuracy`;
  }

  reset(): void {
    this.correct = 0;
    this.total = 0;
  }

  update(output: Tensor, target: Tensor): void {
    const where = this.constructor.name;
    if (output.ndim !== 2 || output.dtype !== 'float32') {
      throw new ShapeError(
        `${where}: expected float32 scores [N, C], got ${output.dtype} ${fmtShape(output.shape)}`,
      );
    }
    const [n, c] = output.shape;
    const truth = targetClasses(target, n, where);
    const s = output.data;
    for (let i = 0; i < n; i++) {
      const t = truth[i];
      if (t < 0 || t >= c)
        throw new ValueError(`${where}: target class ${t} is out of range for ${c} classes`);
      const score = s[i * c + t];
      let higher = 0;
      for (let j = 0; j < c; j++) if (s[i * c + j] > score) higher++;
      if (higher < this.k) this.correct++;
    }
    this.total += n;
  }

  compute(): number {
    return this.total === 0 ? 0 : this.correct / this.total;
  }
}

/**
 * Counts of (target class, predicted class) pairs, rows by target as scikit-learn's `confusion_matrix`. It grows
 * to fit the labels it sees unless `numClasses` fixes its size.
 */
export class ConfusionMatrix {
  private size: number;
  private counts: Float64Array;

  constructor(private readonly options: ClassificationOptions = {}) {
    const c = options.numClasses;
    if (c !== undefined) positiveInt('ConfusionMatrix', 'numClasses', c);
    this.size = c ?? 0;
    this.counts = new Float64Array(this.size * this.size);
  }

  reset(): void {
    this.size = this.options.numClasses ?? 0;
    this.counts = new Float64Array(this.size * this.size);
  }

  /** Adds a batch: model outputs (or int32 predictions) and targets. */
  update(output: Tensor, target: Tensor, where = 'ConfusionMatrix'): void {
    const pred = predictClasses(output, this.options, where);
    const truth = targetClasses(target, pred.length, where);
    let largest = -1;
    for (let i = 0; i < pred.length; i++) {
      for (const v of [pred[i], truth[i]]) {
        if (v < 0) throw new ValueError(`${where}: class labels must be >= 0, got ${v} (sample ${i})`);
        if (v > largest) largest = v;
      }
    }
    const fixed = this.options.numClasses;
    if (fixed !== undefined && largest >= fixed) {
      throw new ValueError(`${where}: class ${largest} is out of range for numClasses ${fixed}`);
    }
    if (largest >= this.size) this.grow(largest + 1);
    const c = this.size;
    for (let i = 0; i < pred.length; i++) this.counts[truth[i] * c + pred[i]]++;
  }

  private grow(size: number): void {
    const next = new Float64Array(size * size);
    for (let i = 0; i < this.size; i++) {
      for (let j = 0; j < this.size; j++) next[i * size + j] = this.counts[i * this.size + j];
    }
    this.size = size;
    this.counts = next;
  }

  /** The matrix: `m[i][j]` samples of class i predicted as class j. */
  compute(): number[][] {
    const c = this.size;
    return Array.from({ length: c }, (_, i) => Array.from(this.counts.subarray(i * c, (i + 1) * c)));
  }

  /** Precision, recall and F1 from the counts so far. */
  scores(average: Average = 'macro'): PrecisionRecallF1 {
    return scoresFromMatrix(this.compute(), average);
  }
}

function ratio(a: number, b: number): number {
  // scikit-learn's zero_division default: an undefined score counts as 0
  return b === 0 ? 0 : a / b;
}

function scoresFromMatrix(m: number[][], average: Average): PrecisionRecallF1 {
  const c = m.length;
  const tp = m.map((row, i) => row[i]);
  const actual = m.map((row) => row.reduce((s, v) => s + v, 0));
  const predicted = Array.from({ length: c }, (_, j) => m.reduce((s, row) => s + row[j], 0));
  const precision = tp.map((t, i) => ratio(t, predicted[i]));
  const recall = tp.map((t, i) => ratio(t, actual[i]));
  // F1 from the counts, 2tp / (2tp + fp + fn), as scikit-learn computes it
  const f1 = tp.map((t, i) => ratio(2 * t, actual[i] + predicted[i]));
  const perClass = { precision, recall, f1, support: actual };
  const present = Array.from({ length: c }, (_, i) => i).filter((i) => actual[i] > 0 || predicted[i] > 0);
  const total = actual.reduce((s, v) => s + v, 0);
  const mean = (v: number[]) =>
    present.length === 0 ? 0 : present.reduce((s, i) => s + v[i], 0) / present.length;
  const weighted = (v: number[]) =>
    ratio(
      present.reduce((s, i) => s + v[i] * actual[i], 0),
      total,
    );
  switch (average) {
    case 'macro':
      return { precision: mean(precision), recall: mean(recall), f1: mean(f1), perClass };
    case 'weighted':
      return { precision: weighted(precision), recall: weighted(recall), f1: weighted(f1), perClass };
    case 'micro': {
      const hits = tp.reduce((s, v) => s + v, 0);
      const acc = ratio(hits, total);
      return { precision: acc, recall: acc, f1: acc, perClass };
    }
    case 'binary': {
      if (c > 2) {
        throw new ValueError(
          `precisionRecallF1: average 'binary' needs labels 0 and 1 only, but class ${c - 1} occurs; use 'macro'`,
        );
      }
      const at = (v: number[]) => v[1] ?? 0;
      return { precision: at(precision), recall: at(recall), f1: at(f1), perClass };
    }
    default:
      throw new ValueError(
        `precisionRecallF1: average must be 'macro', 'micro', 'weighted' or 'binary', got '${String(average)}'`,
      );
  }
}

/** Precision, recall or F1 (macro-averaged by default) accumulated over batches through a confusion matrix. */
abstract class ConfusionScore implements Metric {
  abstract readonly name: string;
  readonly higherIsBetter = true;
  private readonly matrix: ConfusionMatrix;
  private readonly average: Average;

  constructor(options: PrecisionRecallF1Options = {}) {
    this.matrix = new ConfusionMatrix(options);
    this.average = options.average ?? 'macro';
  }

  reset(): void {
    this.matrix.reset();
  }

  update(output: Tensor, target: Tensor): void {
    this.matrix.update(output, target, this.constructor.name);
  }

  protected scores(): PrecisionRecallF1 {
    return this.matrix.scores(this.average);
  }

  abstract compute(): number;
}

/** Precision, tp / (tp + fp), averaged over classes as chosen (macro by default). */
export class Precision extends ConfusionScore {
  readonly name = 'precision';
  compute(): number {
    return this.scores().precision;
  }
}

/** Recall, tp / (tp + fn), averaged over classes as chosen (macro by default). */
export class Recall extends ConfusionScore {
  readonly name = 'recall';
  compute(): number {
    return this.scores().recall;
  }
}

/** F1, the harmonic mean of precision and recall, averaged over classes as chosen (macro by default). */
export class F1Score extends ConfusionScore {
  readonly name = 'f1';
  compute(): number {
    return this.scores().f1;
  }
}

export interface LogLossOptions {
  /** Outputs are logits (default true); false means probabilities, clipped to [eps, 1 - eps]. */
  fromLogits?: boolean;
  /** The clipping of probabilities (default 1e-15). */
  eps?: number;
}

const log1pExp = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/**
 * The mean negative log-likelihood of the targets (scikit-learn's `log_loss`): binary outputs `[N]` / `[N, 1]`
 * against 0/1 targets, or `[N, C]` outputs against class indices or probability rows. From logits it is computed
 * stably through log-sigmoid / log-softmax; probabilities are clipped and each row renormalised, as scikit-learn
 * does.
 */
export class LogLoss implements Metric {
  readonly name = 'logLoss';
  readonly higherIsBetter = false;
  private sum = 0;
  private count = 0;

  constructor(private readonly options: LogLossOptions = {}) {}

  reset(): void {
    this.sum = 0;
    this.count = 0;
  }

  update(output: Tensor, target: Tensor): void {
    const where = 'LogLoss';
    const n = rows(output, where);
    if (output.dtype !== 'float32')
      throw new DTypeError(`${where}: outputs must be float32, got ${output.dtype}`);
    const fromLogits = this.options.fromLogits ?? true;
    const eps = this.options.eps ?? 1e-15;
    const x = output.data;
    if (output.ndim === 1 || (output.ndim === 2 && output.shape[1] === 1)) {
      if (target.size !== n) {
        throw new ShapeError(
          `${where}: binary outputs ${fmtShape(output.shape)} need ${n} targets, got ${fmtShape(target.shape)}`,
        );
      }
      for (let i = 0; i < n; i++) {
        const y = target.data[i];
        if (fromLogits) {
          this.sum += y * log1pExp(-x[i]) + (1 - y) * log1pExp(x[i]);
        } else {
          const p = Math.min(Math.max(x[i], eps), 1 - eps);
          this.sum -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
        }
      }
      this.count += n;
      return;
    }
    if (output.ndim !== 2)
      throw new ShapeError(`${where}: expected outputs [N, C], [N] or [N, 1], got ${fmtShape(output.shape)}`);
    const c = output.shape[1];
    const logp = new Float64Array(c);
    const soft = target.ndim === 2 && target.shape[1] === c && target.dtype === 'float32' && c > 1;
    const labels = soft ? null : targetClasses(target, n, where);
    if (soft && target.shape[0] !== n)
      throw new ShapeError(`${where}: ${n} outputs but ${target.shape[0]} targets`);
    for (let i = 0; i < n; i++) {
      const row = i * c;
      if (fromLogits) {
        let m = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < c; j++) m = Math.max(m, x[row + j]);
        let z = 0;
        for (let j = 0; j < c; j++) z += Math.exp(x[row + j] - m);
        const lz = m + Math.log(z);
        for (let j = 0; j < c; j++) logp[j] = x[row + j] - lz;
      } else {
        let z = 0;
        for (let j = 0; j < c; j++) z += Math.min(Math.max(x[row + j], eps), 1 - eps);
        for (let j = 0; j < c; j++) logp[j] = Math.log(Math.min(Math.max(x[row + j], eps), 1 - eps) / z);
      }
      if (labels) {
        const t = labels[i];
        if (t < 0 || t >= c)
          throw new ValueError(`${where}: target class ${t} is out of range for ${c} classes`);
        this.sum -= logp[t];
      } else {
        for (let j = 0; j < c; j++) this.sum -= target.data[row + j] * logp[j];
      }
    }
    this.count += n;
  }

  compute(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// regression

/** The mean of a per-element error over every output value (uniform over outputs, as scikit-learn). */
abstract class MeanError implements Metric {
  abstract readonly name: string;
  readonly higherIsBetter = false;
  private sum = 0;
  private count = 0;

  protected abstract error(d: number): number;

  reset(): void {
    this.sum = 0;
    this.count = 0;
  }

  update(output: Tensor, target: Tensor): void {
    regressionPair(output, target, this.constructor.name);
    const a = output.data;
    const b = target.data;
    for (let i = 0; i < a.length; i++) this.sum += this.error(a[i] - b[i]);
    this.count += a.length;
  }

  compute(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}

/** Mean squared error. */
export class MeanSquaredError extends MeanError {
  readonly name = 'mse';
  protected error(d: number): number {
    return d * d;
  }
}

/** Mean absolute error. */
export class MeanAbsoluteError extends MeanError {
  readonly name = 'mae';
  protected error(d: number): number {
    return Math.abs(d);
  }
}

/**
 * The coefficient of determination, 1 − SS_res / SS_tot, per output column and averaged uniformly (scikit-learn's
 * `r2_score`): a constant target gives 1 when predicted exactly and 0 otherwise. Means and sums of squares of the
 * targets merge batch by batch with Chan's update, so no pass over the whole set is needed.
 */
export class R2Score implements Metric {
  readonly name = 'r2';
  readonly higherIsBetter = true;
  private n = 0;
  private mean: Float64Array = new Float64Array(0);
  private m2: Float64Array = new Float64Array(0);
  private ssRes: Float64Array = new Float64Array(0);

  reset(): void {
    this.n = 0;
    this.mean = new Float64Array(0);
    this.m2 = new Float64Array(0);
    this.ssRes = new Float64Array(0);
  }

  update(output: Tensor, target: Tensor): void {
    const { n, cols } = regressionPair(output, target, 'R2Score');
    if (n === 0) return;
    if (this.n === 0) {
      this.mean = new Float64Array(cols);
      this.m2 = new Float64Array(cols);
      this.ssRes = new Float64Array(cols);
    } else if (cols !== this.mean.length) {
      throw new ShapeError(`R2Score: batches have ${this.mean.length} outputs per sample, this one ${cols}`);
    }
    const y = target.data;
    const p = output.data;
    for (let j = 0; j < cols; j++) {
      let bMean = 0;
      for (let i = 0; i < n; i++) bMean += y[i * cols + j];
      bMean /= n;
      let bM2 = 0;
      let res = 0;
      for (let i = 0; i < n; i++) {
        const d = y[i * cols + j] - bMean;
        bM2 += d * d;
        const r = y[i * cols + j] - p[i * cols + j];
        res += r * r;
      }
      const total = this.n + n;
      const delta = bMean - this.mean[j];
      this.mean[j] += (delta * n) / total;
      this.m2[j] += bM2 + (delta * delta * this.n * n) / total;
      this.ssRes[j] += res;
    }
    this.n += n;
  }

  compute(): number {
    const cols = this.mean.length;
    if (cols === 0) return 0;
    let s = 0;
    for (let j = 0; j < cols; j++) {
      if (this.m2[j] === 0) s += this.ssRes[j] === 0 ? 1 : 0;
      else s += 1 - this.ssRes[j] / this.m2[j];
    }
    return s / cols;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// names and one-shot functions

/** Metric names that fit and evaluate understand; `top3Accuracy` and so on for any k. */
export type MetricName =
  | 'accuracy'
  | 'precision'
  | 'recall'
  | 'f1'
  | 'mse'
  | 'mae'
  | 'r2'
  | 'logLoss'
  | `top${number}Accuracy`;

/**
 * The metric for a name, reading outputs as `scores` says (fit passes `fromLogits: false` when the loss is 'bce',
 * whose model outputs are probabilities). A Metric object is returned as it is.
 */
export function getMetric(spec: MetricName | Metric, scores: ScoreOptions = {}): Metric {
  if (typeof spec !== 'string') {
    if (spec && typeof spec.update === 'function' && typeof spec.compute === 'function') return spec;
    throw new ValueError(`getMetric: expected a metric name or a Metric object, got ${String(spec)}`);
  }
  const topK = /^top(\d+)Accuracy$/.exec(spec);
  if (topK) return new TopKAccuracy(Number(topK[1]));
  switch (spec) {
    case 'accuracy':
      return new Accuracy(scores);
    case 'precision':
      return new Precision(scores);
    case 'recall':
      return new Recall(scores);
    case 'f1':
      return new F1Score(scores);
    case 'mse':
      return new MeanSquaredError();
    case 'mae':
      return new MeanAbsoluteError();
    case 'r2':
      return new R2Score();
    case 'logLoss':
      return new LogLoss({ fromLogits: scores.fromLogits });
    default:
      throw new ValueError(
        `unknown metric '${spec}' (known: accuracy, topKAccuracy as top5Accuracy, precision, recall, f1, mse, mae, r2, logLoss)`,
      );
  }
}

function once<M extends { reset(): void; update(o: Tensor, t: Tensor): void }>(
  m: M,
  output: Tensor,
  target: Tensor,
): M {
  m.reset();
  m.update(output, target);
  return m;
}

/** The fraction of correctly classified samples. */
export function accuracy(output: Tensor, target: Tensor, options: ScoreOptions = {}): number {
  return once(new Accuracy(options), output, target).compute();
}

/** The fraction of samples whose target is among the `k` highest of their `[N, C]` scores. */
export function topKAccuracy(output: Tensor, target: Tensor, k = 5): number {
  return once(new TopKAccuracy(k), output, target).compute();
}

/** Precision, recall and F1 per class and averaged (macro by default, as scikit-learn's `average='macro'`). */
export function precisionRecallF1(
  output: Tensor,
  target: Tensor,
  options: PrecisionRecallF1Options = {},
): PrecisionRecallF1 {
  const m = once(new ConfusionMatrix(options), output, target);
  return m.scores(options.average ?? 'macro');
}

/** The confusion matrix, `m[i][j]` = samples of class i predicted as class j. */
export function confusionMatrix(
  output: Tensor,
  target: Tensor,
  options: ClassificationOptions = {},
): number[][] {
  return once(new ConfusionMatrix(options), output, target).compute();
}

/** Mean squared error over every value. */
export function mse(output: Tensor, target: Tensor): number {
  return once(new MeanSquaredError(), output, target).compute();
}

/** Mean absolute error over every value. */
export function mae(output: Tensor, target: Tensor): number {
  return once(new MeanAbsoluteError(), output, target).compute();
}

/** R², uniformly averaged over output columns. */
export function r2(output: Tensor, target: Tensor): number {
  return once(new R2Score(), output, target).compute();
}

/** Mean log-loss (cross-entropy) of the targets; outputs are logits unless `fromLogits: false`. */
export function logLoss(output: Tensor, target: Tensor, options: LogLossOptions = {}): number {
  return once(new LogLoss(options), output, target).compute();
}
