import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { noGrad } from '../autograd/engine.js';
import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import type { LoadOptions, LoadResult, StateDict } from '../nn/module.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { add, mul } from '../ops/elementwise.js';
import { indexSelect } from '../ops/indexing.js';
import { mseLoss } from '../ops/loss.js';
import { matmul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { reshape, transpose } from '../ops/shape.js';
import { cast } from '../ops/util.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { randperm } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** How {@link LinearRegression} finds its coefficients. */
export type RegressionMethod = 'exact' | 'gd';

/** Options of {@link LinearRegression}. */
export interface LinearRegressionOptions {
  /** Learn an intercept (default true); without one the fit goes through the origin. */
  fitIntercept?: boolean;
  /** Ridge (L2) penalty α on the coefficients, never on the intercept (default 0: ordinary least squares). */
  alpha?: number;
  /** `'exact'`: least squares by QR decomposition (default); `'gd'`: gradient descent on the mean squared error. */
  method?: RegressionMethod;
  /** Number of input features, to create the parameters before `fit` (for `loadStateDict`); else taken from the data. */
  inFeatures?: number;
  /** Number of targets, to create the parameters before `fit`; else taken from the data. */
  outFeatures?: number;
  /** Gradient descent only: `'sgd'` (default), `'adam'`, or a function making any optimiser for the parameters. */
  optimizer?: 'sgd' | 'adam' | ((params: Parameter[]) => Optimizer);
  /** Gradient descent only: learning rate of the built-in optimisers (default 0.01). */
  lr?: number;
  /** Gradient descent only: passes over the data (default 1000). */
  epochs?: number;
  /** Gradient descent only: rows per step (default: every row, i.e. full-batch gradient descent). */
  batchSize?: number;
  /**
   * Gradient descent only: stop once an epoch lowers the loss by less than `tol` times the previous loss
   * (default 0: run every epoch).
   */
  tol?: number;
  /** Gradient descent only: where the mini-batch shuffles come from (default: the global seeded generator). */
  generator?: Generator;
}

/** Throws unless x is [N, F] float32 and y is [N] or [N, T] with the same N; names both shapes. */
export function checkXY(where: string, x: Tensor, y: Tensor, yRanks: readonly number[] = [1, 2]): void {
  if (x.ndim !== 2) {
    throw new ShapeError(
      `${where}: expected x of shape [N, features], got ${fmtShape(x.shape)}` +
        (x.ndim === 1 ? ' (for a single feature, reshape it to [N, 1])' : ''),
    );
  }
  if (!yRanks.includes(y.ndim)) {
    const want = yRanks.length === 1 ? '[N]' : '[N] or [N, targets]';
    throw new ShapeError(`${where}: expected y of shape ${want}, got ${fmtShape(y.shape)}`);
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new ShapeError(
      `${where}: x has ${x.shape[0]} rows (${fmtShape(x.shape)}) but y has ${y.shape[0]} (${fmtShape(y.shape)})`,
    );
  }
  if (x.shape[0] === 0) throw new ValueError(`${where}: no rows to fit (x is ${fmtShape(x.shape)})`);
}

/** Float64 copy of a tensor's values as a rows × cols matrix. */
function toMatrix(t: Tensor, rows: number, cols: number): Matrix {
  return Matrix.from1DArray(rows, cols, Float64Array.from(t.data));
}

/**
 * Least-squares solution of A·W ≈ B (A m×n, B m×t) by Householder QR; when A is rank-deficient or has fewer
 * rows than columns, the minimum-norm solution by SVD (what numpy's and sklearn's lstsq return).
 */
export function leastSquares(a: Matrix, b: Matrix): Matrix {
  if (a.rows >= a.columns && a.columns > 0) {
    const qr = new QrDecomposition(a);
    const r = qr.upperTriangularMatrix;
    let largest = 0;
    for (let i = 0; i < a.columns; i++) largest = Math.max(largest, Math.abs(r.get(i, i)));
    // the same relative cut-off as LAPACK's rank decisions: below it a column is numerically dependent
    const cutoff = largest * Math.max(a.rows, a.columns) * Number.EPSILON;
    let fullRank = largest > 0;
    for (let i = 0; i < a.columns && fullRank; i++) fullRank = Math.abs(r.get(i, i)) > cutoff;
    if (fullRank) return qr.solve(b);
  }
  return new SingularValueDecomposition(a, { autoTranspose: true }).solve(b);
}

/** Per-target R² (1 − SS_res/SS_tot) averaged over targets, as sklearn's `r2_score`. */
export function r2Score(
  pred: Float32Array | Float64Array,
  target: ArrayLike<number>,
  targets: number,
): number {
  const n = pred.length / targets;
  let total = 0;
  for (let j = 0; j < targets; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += target[i * targets + j];
    mean /= n;
    let ssRes = 0;
    let ssTot = 0;
    for (let i = 0; i < n; i++) {
      const t = target[i * targets + j];
      ssRes += (t - pred[i * targets + j]) ** 2;
      ssTot += (t - mean) ** 2;
    }
    // a constant target: perfect predictions score 1, anything else 0 (sklearn's force_finite)
    total += ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
  }
  return total / targets;
}

/**
 * Linear regression, y = x·Wᵀ + b, as a Module with nn.Linear's parameters (`weight` [targets, features],
 * `bias` [targets]) so it saves, loads and composes like any layer.
 *
 * `fit` solves least squares exactly by a QR decomposition in float64 (ridge through the augmented system
 * [X; √α·I], the intercept by centring so that it is never penalised, as sklearn's Ridge), or trains by
 * gradient descent on the mean squared error. One or many inputs, one or many targets.
 *
 * ```ts
 * const model = new models.LinearRegression();
 * model.fit(xTrain, yTrain);            // x [N, F], y [N] or [N, T]
 * const r2 = model.score(xTest, yTest); // coefficient of determination
 * ```
 */
export class LinearRegression extends Module {
  weight: Parameter | null = null;
  bias: Parameter | null = null;
  readonly fitIntercept: boolean;
  readonly alpha: number;
  readonly method: RegressionMethod;
  /** The mean squared error after each epoch of the last gradient-descent fit (empty for exact fits). */
  lossHistory: number[] = [];
  /** Epochs the last gradient-descent fit ran (0 for exact fits). */
  nIter = 0;
  private _options: LinearRegressionOptions;
  // predictions come back as [N] when the model was fitted on a 1-D target, as sklearn does
  private _vectorTarget = true;

  constructor(options: LinearRegressionOptions = {}) {
    super();
    this._options = { ...options };
    this.fitIntercept = options.fitIntercept ?? true;
    this.alpha = options.alpha ?? 0;
    this.method = options.method ?? 'exact';
    if (!(this.alpha >= 0) || !Number.isFinite(this.alpha)) {
      throw new ValueError(`LinearRegression: alpha must be a finite number >= 0, got ${options.alpha}`);
    }
    if (this.method !== 'exact' && this.method !== 'gd') {
      throw new ValueError(`LinearRegression: method must be 'exact' or 'gd', got '${options.method}'`);
    }
    const { epochs = 1000, lr = 0.01, batchSize, tol = 0 } = options;
    positiveInt('LinearRegression', 'epochs', epochs);
    if (!(lr > 0)) throw new ValueError(`LinearRegression: lr must be > 0, got ${lr}`);
    if (batchSize !== undefined) positiveInt('LinearRegression', 'batchSize', batchSize);
    if (!(tol >= 0)) throw new ValueError(`LinearRegression: tol must be >= 0, got ${tol}`);
    if (options.inFeatures !== undefined || options.outFeatures !== undefined) {
      this.ensureParameters(options.inFeatures ?? 1, options.outFeatures ?? 1);
      this._vectorTarget = (options.outFeatures ?? 1) === 1;
    }
  }

  /** Number of input features (known once fitted or given). */
  get inFeatures(): number | null {
    return this.weight ? this.weight.shape[1] : null;
  }

  /** Number of targets (known once fitted or given). */
  get outFeatures(): number | null {
    return this.weight ? this.weight.shape[0] : null;
  }

  /** Creates the parameters, or keeps the existing ones when their shapes already fit. */
  private ensureParameters(features: number, targets: number): void {
    for (const [name, v] of [
      ['inFeatures', features],
      ['outFeatures', targets],
    ] as const) {
      positiveInt('LinearRegression', name, v);
    }
    if (!this.weight || this.weight.shape[0] !== targets || this.weight.shape[1] !== features) {
      this.weight = new Parameter(new Float32Array(targets * features), [targets, features]);
    }
    if (!this.fitIntercept) this.bias = null;
    else if (!this.bias || this.bias.shape[0] !== targets) {
      this.bias = new Parameter(new Float32Array(targets), [targets]);
    }
  }

  /** x·Wᵀ + b for x [..., F]; returns [..., T]. */
  forward(x: Tensor): Tensor {
    const w = this.requireWeight('forward');
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== w.shape[1]) {
      throw new ShapeError(
        `LinearRegression(${w.shape[1]} -> ${w.shape[0]}): expected input [..., ${w.shape[1]}], got ${fmtShape(x.shape)}`,
      );
    }
    const y = matmul(cast(x, 'float32'), transpose(w));
    return this.bias ? add(y, this.bias) : y;
  }

  /**
   * The weight, or an error before there is one. A model built with `inFeatures` has (zero) coefficients from
   * the start, like any layer, so that the training loop or `loadStateDict` can set them.
   */
  private requireWeight(op: string): Parameter {
    if (!this.weight) {
      throw new ValueError(
        `LinearRegression.${op}: the model is not fitted yet; call fit(x, y) first (or give inFeatures and train or load it)`,
      );
    }
    return this.weight;
  }

  /**
   * Fits the coefficients to x [N, F] and y [N] or [N, T] and returns the model. Exact fits solve in float64;
   * gradient-descent fits start from zero weights and run `epochs` passes (see {@link LinearRegressionOptions}).
   */
  fit(x: Tensor, y: Tensor): this {
    checkXY('LinearRegression.fit', x, y);
    const [n, f] = x.shape;
    const t = y.ndim === 2 ? y.shape[1] : 1;
    this.ensureParameters(f, t);
    this._vectorTarget = y.ndim === 1;
    if (this.method === 'exact') this.fitExact(x, y, n, f, t);
    else this.fitGradientDescent(x, y.ndim === 1 ? reshape(y, [n, 1]) : y, n);
    return this;
  }

  private fitExact(x: Tensor, y: Tensor, n: number, f: number, t: number): void {
    const a = toMatrix(x, n, f);
    const b = toMatrix(y, n, t);
    const xMean = new Float64Array(f);
    const yMean = new Float64Array(t);
    if (this.fitIntercept) {
      // centring takes the intercept out of the problem (and out of the penalty) and improves conditioning
      for (let j = 0; j < f; j++) xMean[j] = a.getColumnVector(j).mean();
      for (let j = 0; j < t; j++) yMean[j] = b.getColumnVector(j).mean();
      a.subRowVector(xMean);
      b.subRowVector(yMean);
    }
    let lhs = a;
    let rhs = b;
    if (this.alpha > 0) {
      // ridge as ordinary least squares on [X; √α·I] and [Y; 0], never via the squared-up normal equations
      lhs = Matrix.zeros(n + f, f);
      lhs.setSubMatrix(a, 0, 0);
      for (let j = 0; j < f; j++) lhs.set(n + j, j, Math.sqrt(this.alpha));
      rhs = Matrix.zeros(n + f, t);
      rhs.setSubMatrix(b, 0, 0);
    }
    const coef = leastSquares(lhs, rhs); // [F, T]
    const w = this.weight as Parameter;
    for (let k = 0; k < t; k++) for (let j = 0; j < f; j++) w.data[k * f + j] = coef.get(j, k);
    if (this.bias) {
      for (let k = 0; k < t; k++) {
        let dotMean = 0;
        for (let j = 0; j < f; j++) dotMean += xMean[j] * coef.get(j, k);
        this.bias.data[k] = yMean[k] - dotMean;
      }
    }
    this.lossHistory = [];
    this.nIter = 0;
  }

  private fitGradientDescent(x: Tensor, y: Tensor, n: number): void {
    const o = this._options;
    const w = this.weight as Parameter;
    w.data.fill(0);
    this.bias?.data.fill(0);
    const params = this.parameters();
    const lr = o.lr ?? 0.01;
    const optimizer =
      typeof o.optimizer === 'function'
        ? o.optimizer(params)
        : o.optimizer === 'adam'
          ? new Adam(params, { lr })
          : new SGD(params, { lr });
    const epochs = o.epochs ?? 1000;
    const batchSize = Math.min(o.batchSize ?? n, n);
    const tol = o.tol ?? 0;
    const xf = cast(x, 'float32');
    const yf = cast(y, 'float32');
    // the penalty α‖W‖² is spread over the N·T squared errors so that the minimiser is the exact ridge solution
    const penalty = this.alpha / y.size;
    this.lossHistory = [];
    this.nIter = 0;
    this.train();
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = batchSize < n ? (randperm(n, { generator: o.generator }).data as Int32Array) : null;
      for (let start = 0; start < n; start += batchSize) {
        let xb = xf;
        let yb = yf;
        if (order) {
          const idx = new Tensor(order.slice(start, Math.min(start + batchSize, n)), [
            Math.min(batchSize, n - start),
          ]);
          xb = indexSelect(xf, 0, idx);
          yb = indexSelect(yf, 0, idx);
        }
        let loss = mseLoss(this.forward(xb), yb);
        if (penalty > 0) loss = add(loss, mul(sum(mul(w, w)), penalty));
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
      }
      const epochLoss = noGrad(() => mseLoss(this.forward(xf), yf).item());
      if (!Number.isFinite(epochLoss)) {
        throw new ValueError(
          `LinearRegression.fit (gradient descent): the loss diverged to ${epochLoss} at epoch ${epoch + 1}; lower lr (${lr}) or standardise the features`,
        );
      }
      const previous = this.lossHistory[this.lossHistory.length - 1];
      this.lossHistory.push(epochLoss);
      this.nIter = epoch + 1;
      if (tol > 0 && previous !== undefined && previous - epochLoss < tol * previous) break;
    }
    this.eval();
  }

  /** Predictions for x [N, F], without gradients: [N] for a model fitted on a 1-D target, else [N, T]. */
  predict(x: Tensor): Tensor {
    const w = this.requireWeight('predict');
    if (x.ndim !== 2) {
      throw new ShapeError(
        `LinearRegression.predict: expected x of shape [N, ${w.shape[1]}], got ${fmtShape(x.shape)}`,
      );
    }
    const out = noGrad(() => this.forward(x));
    return this._vectorTarget && w.shape[0] === 1 ? reshape(out, [x.shape[0]]) : out;
  }

  /** Predictions and targets as matching flat arrays, checked for shape. */
  private paired(op: string, x: Tensor, y: Tensor): [Float32Array, Float32Array, number] {
    const w = this.requireWeight(op);
    checkXY(`LinearRegression.${op}`, x, y);
    const t = y.ndim === 2 ? y.shape[1] : 1;
    if (t !== w.shape[0]) {
      throw new ShapeError(
        `LinearRegression.${op}: the model predicts ${w.shape[0]} target(s) but y has shape ${fmtShape(y.shape)}`,
      );
    }
    const pred = noGrad(() => this.forward(x)).data as Float32Array;
    return [pred, cast(y, 'float32').data as Float32Array, t];
  }

  /** Coefficient of determination R² on (x, y), averaged over targets (sklearn's `score`). */
  score(x: Tensor, y: Tensor): number {
    const [pred, target, t] = this.paired('score', x, y);
    return r2Score(pred, target, t);
  }

  /** Mean squared error of the predictions on (x, y), over every row and target. */
  mse(x: Tensor, y: Tensor): number {
    const [pred, target] = this.paired('mse', x, y);
    let s = 0;
    for (let i = 0; i < pred.length; i++) s += (pred[i] - target[i]) ** 2;
    return s / pred.length;
  }

  /** Mean absolute error of the predictions on (x, y), over every row and target. */
  mae(x: Tensor, y: Tensor): number {
    const [pred, target] = this.paired('mae', x, y);
    let s = 0;
    for (let i = 0; i < pred.length; i++) s += Math.abs(pred[i] - target[i]);
    return s / pred.length;
  }

  /** Loads coefficients; a model still without parameters first takes the shapes of the state's. */
  override loadStateDict(state: StateDict, options?: LoadOptions): LoadResult {
    const weight = state.weight;
    if (!this.weight && weight && weight.ndim === 2) this.ensureParameters(weight.shape[1], weight.shape[0]);
    return super.loadStateDict(state, options);
  }

  protected override extraRepr(): string {
    const dims = this.weight
      ? `inFeatures=${this.weight.shape[1]}, outFeatures=${this.weight.shape[0]}, `
      : '';
    return `${dims}fitIntercept=${this.fitIntercept}, alpha=${this.alpha}, method=${this.method}`;
  }
}
