import { noGrad } from '../autograd/engine.js';
import { DTypeError, fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import type { LoadOptions, LoadResult, StateDict } from '../nn/module.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { sigmoid, softmax } from '../ops/activation.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { bceWithLogitsLoss, crossEntropy } from '../ops/loss.js';
import { matmul } from '../ops/matmul.js';
import { argmax, mean, sum } from '../ops/reduce.js';
import { concat, transpose } from '../ops/shape.js';
import { cast } from '../ops/util.js';
import { LBFGS } from '../optim/lbfgs.js';
import { peekGrad, Tensor } from '../tensor/tensor.js';
import { checkXY } from './regression.js';

/** Which model {@link LogisticRegression} fits. */
export type MultiClass = 'auto' | 'binary' | 'multinomial';

/** Options of {@link LogisticRegression}. */
export interface LogisticRegressionOptions {
  /**
   * `'binary'`: one sigmoid output for two classes; `'multinomial'`: one softmax output per class; `'auto'`
   * (default): binary for two classes, multinomial for more (sklearn's choice with the lbfgs solver).
   */
  multiClass?: MultiClass;
  /**
   * Inverse strength of the L2 penalty, as in sklearn (default 1): the fit minimises
   * C·Σᵢ loss(xᵢ, yᵢ) + ½‖W‖². `Infinity` switches the penalty off.
   */
  C?: number;
  /**
   * The L2 penalty as a weight-decay strength instead of `C`: the fit minimises mean loss + (l2/2)·‖W‖², which
   * is C = 1/(l2·N). Give `C` or `l2`, not both.
   */
  l2?: number;
  /** Most L-BFGS iterations (default 100). */
  maxIter?: number;
  /**
   * Stop when the largest component of the gradient of the summed objective (sklearn's scale) is at most
   * `tol` (default 1e-4, sklearn's).
   */
  tol?: number;
  /** Learn an intercept per output (default true); it is never penalised. */
  fitIntercept?: boolean;
  /** Number of input features, to create the parameters before `fit` (for `loadStateDict`). */
  inFeatures?: number;
  /** Number of classes (default: the largest label + 1, at least 2). */
  numClasses?: number;
}

/** Class indices of `y` as int32, checked to be whole numbers in [0, classes) when `classes` is given. */
function labels(where: string, y: Tensor): Int32Array {
  if (y.dtype === 'int32') return y.data as Int32Array;
  if (y.dtype === 'bool') return Int32Array.from(y.data);
  const out = new Int32Array(y.size);
  for (let i = 0; i < y.size; i++) {
    const v = y.data[i];
    if (!Number.isInteger(v)) {
      throw new DTypeError(
        `${where}: labels must be class indices (int32 or whole numbers), found ${v} at row ${i}; encode them with LabelEncoder`,
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Logistic regression as a Module with nn.Linear's parameters: `weight` [1, F] and `bias` [1] for the binary
 * (sigmoid) model, [K, F] and [K] for the multinomial (softmax) one; `forward` gives the logits.
 *
 * `fit` minimises the cross-entropy plus an L2 penalty on the weights (never on the intercept), exactly
 * sklearn's objective, with full-batch L-BFGS and a strong-Wolfe line search from zero weights, so the same
 * data give the same coefficients every time and, to float32 precision, sklearn's.
 *
 * ```ts
 * const clf = new models.LogisticRegression({ C: 1 });
 * clf.fit(xTrain, yTrain);               // x [N, F] float32, y [N] int32 class indices
 * clf.predictProba(xTest);               // [N, K], rows sum to 1
 * const accuracy = clf.score(xTest, yTest);
 * ```
 */
export class LogisticRegression extends Module {
  weight: Parameter | null = null;
  bias: Parameter | null = null;
  readonly multiClass: MultiClass;
  readonly fitIntercept: boolean;
  readonly maxIter: number;
  readonly tol: number;
  /** L-BFGS iterations of the last fit. */
  nIter = 0;
  /** Whether the last fit met `tol` within `maxIter` iterations. */
  converged = false;
  private _C: number | undefined;
  private _l2: number | undefined;
  private _numClasses: number | null;

  constructor(options: LogisticRegressionOptions = {}) {
    super();
    this.multiClass = options.multiClass ?? 'auto';
    this.fitIntercept = options.fitIntercept ?? true;
    this.maxIter = options.maxIter ?? 100;
    this.tol = options.tol ?? 1e-4;
    this._numClasses = options.numClasses ?? null;
    if (!['auto', 'binary', 'multinomial'].includes(this.multiClass)) {
      throw new ValueError(
        `LogisticRegression: multiClass must be 'auto', 'binary' or 'multinomial', got '${options.multiClass}'`,
      );
    }
    if (options.C !== undefined && options.l2 !== undefined) {
      throw new ValueError(
        `LogisticRegression: give C or l2, not both (got C=${options.C}, l2=${options.l2})`,
      );
    }
    if (options.C !== undefined && !(options.C > 0))
      throw new ValueError(`LogisticRegression: C must be > 0 (Infinity for no penalty), got ${options.C}`);
    if (options.l2 !== undefined && !(options.l2 >= 0 && Number.isFinite(options.l2)))
      throw new ValueError(`LogisticRegression: l2 must be a finite number >= 0, got ${options.l2}`);
    this._C = options.l2 === undefined ? (options.C ?? 1) : undefined;
    this._l2 = options.l2;
    positiveInt('LogisticRegression', 'maxIter', this.maxIter);
    if (!(this.tol >= 0)) throw new ValueError(`LogisticRegression: tol must be >= 0, got ${options.tol}`);
    if (this._numClasses !== null && (!Number.isInteger(this._numClasses) || this._numClasses < 2)) {
      throw new ValueError(
        `LogisticRegression: numClasses must be an integer >= 2, got ${options.numClasses}`,
      );
    }
    if (this.multiClass === 'binary' && this._numClasses !== null && this._numClasses !== 2) {
      throw new ValueError(
        `LogisticRegression: multiClass 'binary' needs 2 classes, numClasses is ${this._numClasses}`,
      );
    }
    if (options.inFeatures !== undefined) {
      if (this._numClasses === null) {
        throw new ValueError(
          'LogisticRegression: give numClasses together with inFeatures to create the parameters',
        );
      }
      this.ensureParameters(options.inFeatures, this.outputsFor(this._numClasses));
    }
  }

  /** Number of classes (known once fitted, loaded or given). */
  get numClasses(): number | null {
    return this._numClasses;
  }

  /** True when the model has one sigmoid output for two classes. */
  get isBinary(): boolean {
    return this.weight !== null && this.weight.shape[0] === 1;
  }

  private outputsFor(classes: number): number {
    if (this.multiClass === 'binary') {
      if (classes !== 2) {
        throw new ValueError(
          `LogisticRegression: multiClass 'binary' needs exactly 2 classes, the labels have ${classes}; use 'multinomial'`,
        );
      }
      return 1;
    }
    return this.multiClass === 'auto' && classes === 2 ? 1 : classes;
  }

  private ensureParameters(features: number, outputs: number): void {
    positiveInt('LogisticRegression', 'inFeatures', features);
    if (!this.weight || this.weight.shape[0] !== outputs || this.weight.shape[1] !== features) {
      this.weight = new Parameter(new Float32Array(outputs * features), [outputs, features]);
    }
    if (!this.fitIntercept) this.bias = null;
    else if (!this.bias || this.bias.shape[0] !== outputs) {
      this.bias = new Parameter(new Float32Array(outputs), [outputs]);
    }
  }

  /** Logits x·Wᵀ + b for x [..., F]: [..., 1] for the binary model, [..., K] for the multinomial one. */
  forward(x: Tensor): Tensor {
    const w = this.weight;
    if (!w) {
      throw new ValueError(
        'LogisticRegression.forward: the model has no coefficients yet; call fit(x, y) first (or load a state dict into a model built with inFeatures and numClasses)',
      );
    }
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== w.shape[1]) {
      throw new ShapeError(
        `LogisticRegression(${w.shape[1]} -> ${w.shape[0]}): expected input [..., ${w.shape[1]}], got ${fmtShape(x.shape)}`,
      );
    }
    const z = matmul(cast(x, 'float32'), transpose(w));
    return this.bias ? add(z, this.bias) : z;
  }

  /**
   * Fits x [N, F] to the class indices y [N] and returns the model. Starts from zero weights, so refitting
   * the same data gives the same coefficients.
   */
  fit(x: Tensor, y: Tensor): this {
    checkXY('LogisticRegression.fit', x, y, [1]);
    const [n, f] = x.shape;
    const target = labels('LogisticRegression.fit', y);
    let largest = 0;
    for (let i = 0; i < n; i++) {
      if (target[i] < 0) {
        throw new ValueError(`LogisticRegression.fit: labels must be >= 0, found ${target[i]} at row ${i}`);
      }
      largest = Math.max(largest, target[i]);
    }
    const classes = this._numClasses ?? Math.max(2, largest + 1);
    if (largest >= classes) {
      throw new ValueError(
        `LogisticRegression.fit: label ${largest} is out of range for numClasses ${classes}`,
      );
    }
    this._numClasses = classes;
    this.ensureParameters(f, this.outputsFor(classes));
    const w = this.weight as Parameter;
    w.data.fill(0);
    this.bias?.data.fill(0);

    const xf = cast(x, 'float32');
    const binary = w.shape[0] === 1;
    const yTarget = binary ? new Tensor(Float32Array.from(target), [n, 1]) : new Tensor(target, [n]);
    // sklearn minimises C·Σ loss + ½‖W‖²; dividing by C·N keeps the same minimiser with a mean loss
    const l2 = this._l2 ?? 1 / ((this._C as number) * n);
    const optimizer = new LBFGS(this.parameters(), {
      maxIter: this.maxIter,
      maxEval: this.maxIter * 5,
      // tol applies to the gradient of sklearn's summed objective, which is C·N times ours
      toleranceGrad: l2 > 0 ? this.tol * l2 : this.tol / n,
      toleranceChange: 1e-12,
      historySize: 10,
      lineSearchFn: 'strong_wolfe',
    });
    let gradMax = Infinity;
    const closure = (): number => {
      optimizer.zeroGrad();
      const logits = this.forward(xf);
      const perSample = binary
        ? bceWithLogitsLoss(logits, yTarget, { reduction: 'none' })
        : crossEntropy(logits, yTarget, { reduction: 'none' });
      let loss = mean(perSample);
      if (l2 > 0) loss = add(loss, mul(sum(mul(w, w)), l2 / 2));
      loss.backward();
      gradMax = 0;
      for (const p of this.parameters()) {
        const g = peekGrad(p)?.data ?? [];
        for (let i = 0; i < g.length; i++) gradMax = Math.max(gradMax, Math.abs(g[i]));
      }
      // The line search compares objective values that differ by less than a float32 ulp near the optimum;
      // summed in float64 they keep resolving progress long after float32 sums would stall.
      let total = 0;
      for (let i = 0; i < perSample.size; i++) total += perSample.data[i];
      let squares = 0;
      for (let i = 0; i < w.size; i++) squares += w.data[i] * w.data[i];
      return total / n + (l2 / 2) * squares;
    };
    this.train();
    optimizer.step(closure);
    // the line search leaves the parameters at its best point, not necessarily where it evaluated last
    closure();
    const group = optimizer.paramGroups[0];
    const used = optimizer.counters.nIter;
    if (gradMax > group.toleranceGrad && used < this.maxIter) {
      // Near the optimum the predicted decrease of a step falls below the float32 noise of the loss, and the
      // line search can no longer tell better from worse. The gradient is still accurate there, so quasi-Newton
      // steps of length 1 along the L-BFGS direction (its curvature history kept) finish the job; a phase that
      // makes the gradient larger is undone.
      const before = this.parameters().map((p) => p.data.slice());
      const gradBefore = gradMax;
      group.lineSearchFn = null;
      group.maxIter = this.maxIter - used;
      group.maxEval = group.maxIter + 1;
      optimizer.step(closure);
      closure();
      if (!(gradMax <= gradBefore)) {
        for (const [i, p] of this.parameters().entries()) p.data.set(before[i]);
        closure();
      }
    }
    this.eval();
    this.nIter = optimizer.counters.nIter;
    this.zeroGrad();
    this.converged = gradMax <= group.toleranceGrad;
    return this;
  }

  /** Checks x; a model built with inFeatures has (zero) coefficients from the start, like any layer. */
  private requireFitted(op: string, x: Tensor): Parameter {
    if (!this.weight) {
      throw new ValueError(
        `LogisticRegression.${op}: the model is not fitted yet; call fit(x, y) first (or give inFeatures and numClasses and train or load it)`,
      );
    }
    if (x.ndim !== 2) {
      throw new ShapeError(
        `LogisticRegression.${op}: expected x of shape [N, ${this.weight.shape[1]}], got ${fmtShape(x.shape)}`,
      );
    }
    return this.weight;
  }

  /** Class probabilities [N, K] for x [N, F] (for the binary model the columns are P(0) and P(1)); rows sum to 1. */
  predictProba(x: Tensor): Tensor {
    this.requireFitted('predictProba', x);
    return noGrad(() => {
      const logits = this.forward(x);
      if (!this.isBinary) return softmax(logits, 1);
      const p1 = sigmoid(logits);
      return concat([sub(1, p1), p1], 1);
    });
  }

  /** The most probable class of each row of x [N, F], as int32 [N]. */
  predict(x: Tensor): Tensor {
    this.requireFitted('predict', x);
    return noGrad(() => {
      const logits = this.forward(x);
      if (!this.isBinary) return argmax(logits, 1);
      const out = new Int32Array(x.shape[0]);
      for (let i = 0; i < out.length; i++) out[i] = logits.data[i] > 0 ? 1 : 0;
      return new Tensor(out, [out.length]);
    });
  }

  /** Accuracy: the fraction of rows of x whose predicted class is y's. */
  score(x: Tensor, y: Tensor): number {
    this.requireFitted('score', x);
    checkXY('LogisticRegression.score', x, y, [1]);
    const pred = this.predict(x).data;
    const target = labels('LogisticRegression.score', y);
    let hits = 0;
    for (let i = 0; i < target.length; i++) if (pred[i] === target[i]) hits++;
    return hits / target.length;
  }

  /** Loads coefficients; a model still without parameters first takes the shapes of the state's. */
  override loadStateDict(state: StateDict, options?: LoadOptions): LoadResult {
    const weight = state.weight;
    if (!this.weight && weight && weight.ndim === 2) {
      this.ensureParameters(weight.shape[1], weight.shape[0]);
      this._numClasses = weight.shape[0] === 1 ? 2 : weight.shape[0];
    }
    return super.loadStateDict(state, options);
  }

  protected override extraRepr(): string {
    const dims = this.weight ? `inFeatures=${this.weight.shape[1]}, numClasses=${this._numClasses}, ` : '';
    const penalty = this._l2 !== undefined ? `l2=${this._l2}` : `C=${this._C}`;
    return `${dims}multiClass=${this.multiClass}, ${penalty}, fitIntercept=${this.fitIntercept}`;
  }
}
