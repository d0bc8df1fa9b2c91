import { enableGrad } from '../autograd/engine.js';
import { positiveInt, ValueError } from '../errors.js';
import { peekGrad, type Tensor } from '../tensor/tensor.js';
import {
  checkNonNegative,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
} from './optimizer.js';

/** L-BFGS's hyperparameters (torch.optim.LBFGS's, in camelCase). */
export interface LBFGSOptions {
  /** Step length multiplier (default 1). */
  lr: number;
  /** Most iterations per `step()` call (default 20). */
  maxIter: number;
  /** Most closure evaluations per `step()` call (default ⌊maxIter · 5/4⌋). */
  maxEval: number;
  /** Stop when the largest gradient component is at most this (default 1e-7). */
  toleranceGrad: number;
  /** Stop when the loss or the step changes by less than this (default 1e-9). */
  toleranceChange: number;
  /** How many curvature pairs to remember (default 100). */
  historySize: number;
  /** `'strong_wolfe'` for a line search meeting the strong Wolfe conditions, or null for fixed steps. */
  lineSearchFn: 'strong_wolfe' | null;
}

/** What the closure given to {@link LBFGS.step} returns: the loss, as a tensor or a number. */
export type LossClosure = () => Tensor | number;

type LBFGSState = { func_evals: number; n_iter: number };

const toNumber = (loss: Tensor | number): number => (typeof loss === 'number' ? loss : loss.item());

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Axpy in place: y += alpha · x. */
function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/** Minimiser of the cubic through two points with their slopes, clamped to the bounds (minFunc's polyinterp). */
function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  bounds?: [number, number],
): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (d2Square < 0) return (lo + hi) / 2;
  const d2 = Math.sqrt(d2Square);
  const minPos =
    x1 <= x2
      ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
      : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return Math.min(Math.max(minPos, lo), hi);
}

type Evaluate = (t: number) => [number, Float64Array];

/**
 * The strong-Wolfe line search of torch.optim.LBFGS (ported there from torch7's lswolfe.lua): bracket a step
 * satisfying both Wolfe conditions, then zoom in by cubic interpolation. Returns [loss, grad, t, evaluations].
 */
function strongWolfe(
  evaluate: Evaluate,
  t0: number,
  d: Float64Array,
  f: number,
  g: Float64Array,
  gtd: number,
  toleranceChange: number,
  c1 = 1e-4,
  c2 = 0.9,
  maxLs = 25,
): [number, Float64Array, number, number] {
  let t = t0;
  const dNorm = maxAbs(d);
  let [fNew, gNew] = evaluate(t);
  let evals = 1;
  let gtdNew = dot(gNew, d);

  let tPrev = 0;
  let fPrev = f;
  let gPrev = g;
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [];
  let bracketF: number[] = [];
  let bracketG: Float64Array[] = [];
  let bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      [bracket, bracketF, bracketG, bracketGtd] = [
        [tPrev, t],
        [fPrev, fNew],
        [gPrev, gNew],
        [gtdPrev, gtdNew],
      ];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bracketF, bracketG, bracketGtd] = [
        [tPrev, t],
        [fPrev, fNew],
        [gPrev, gNew],
        [gtdPrev, gtdNew],
      ];
      break;
    }
    // extrapolate, at least 1% beyond the current step and at most 10 times it
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew;
    gtdPrev = gtdNew;
    [fNew, gNew] = evaluate(t);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) {
    [bracket, bracketF, bracketG] = [
      [0, t],
      [f, fNew],
      [g, gNew],
    ];
  }

  // zoom: shrink the bracket until a point satisfies both conditions or the bracket is negligible
  let insufficientProgress = false;
  let [lowPos, highPos] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    const bMax = Math.max(bracket[0], bracket[1]);
    const bMin = Math.min(bracket[0], bracket[1]);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      // a point hugging the bracket's end makes little progress: move it a tenth of the bracket inside
      if (insufficientProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    [fNew, gNew] = evaluate(t);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
    if (fNew > f + c1 * t * gtd || fNew >= bracketF[lowPos]) {
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew;
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        done = true;
      } else if (gtdNew * (bracket[highPos] - bracket[lowPos]) >= 0) {
        bracket[highPos] = bracket[lowPos];
        bracketF[highPos] = bracketF[lowPos];
        bracketG[highPos] = bracketG[lowPos];
        bracketGtd[highPos] = bracketGtd[lowPos];
      }
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew;
      bracketGtd[lowPos] = gtdNew;
    }
  }
  return [bracketF[lowPos], bracketG[lowPos], bracket[lowPos], evals];
}

/**
 * Limited-memory BFGS, the algorithm of torch.optim.LBFGS (after minFunc): each `step(closure)` runs up to
 * `maxIter` quasi-Newton iterations on the full objective, with fixed steps of `lr` or a strong-Wolfe line
 * search. Suited to deterministic, full-batch problems (logistic regression, small networks), not to
 * mini-batches.
 *
 * The closure clears the gradients, computes the loss, calls `backward()` and returns the loss; it may be
 * called several times per step. As in PyTorch there is a single parameter group.
 *
 * The directions and curvature pairs are kept in float64. The state dict holds the counters (`func_evals`,
 * `n_iter`) but not the curvature history, so an optimiser restored from one starts its history afresh with a
 * gradient step.
 *
 * ```ts
 * const opt = new optim.LBFGS(model.parameters(), { lineSearchFn: 'strong_wolfe', maxIter: 100 });
 * opt.step(() => {
 *   opt.zeroGrad();
 *   const loss = nt.mseLoss(model.forward(x), y);
 *   loss.backward();
 *   return loss;
 * });
 * ```
 */
export class LBFGS extends Optimizer<LBFGSOptions, LBFGSState> {
  private _params: Tensor[];
  private _numel: number;
  // the curvature history and the last direction, carried from one step() call to the next
  private _d: Float64Array | null = null;
  private _t = 0;
  private _oldDirs: Float64Array[] = [];
  private _oldStps: Float64Array[] = [];
  private _ro: number[] = [];
  private _hDiag = 1;
  private _prevFlatGrad: Float64Array | null = null;
  private _prevLoss = 0;

  constructor(params: Params<LBFGSOptions>, options: Partial<LBFGSOptions> = {}) {
    const maxIter = options.maxIter ?? 20;
    super('LBFGS', params, {
      lr: 1,
      maxIter,
      maxEval: Math.floor((maxIter * 5) / 4),
      toleranceGrad: 1e-7,
      toleranceChange: 1e-9,
      historySize: 100,
      lineSearchFn: null,
      ...options,
    });
    if (this.paramGroups.length !== 1) {
      throw new ValueError(
        `LBFGS: does not support parameter groups (got ${this.paramGroups.length}); pass one list of parameters`,
      );
    }
    this._params = this.paramGroups[0].params;
    this._numel = this._params.reduce((n, p) => n + p.size, 0);
  }

  protected validateGroup(g: ParamGroup<LBFGSOptions>, where: string): void {
    checkNonNegative(where, 'learning rate', g.lr);
    checkNonNegative(where, 'tolerance_grad', g.toleranceGrad);
    checkNonNegative(where, 'tolerance_change', g.toleranceChange);
    for (const [name, v] of [
      ['max_iter', g.maxIter],
      ['max_eval', g.maxEval],
      ['history_size', g.historySize],
    ] as const) {
      positiveInt(where, name, v);
    }
    if (g.lineSearchFn !== null && g.lineSearchFn !== 'strong_wolfe') {
      throw new ValueError(
        `${where}: line_search_fn must be 'strong_wolfe' or null, got '${g.lineSearchFn}'`,
      );
    }
  }

  /** L-BFGS keeps one joint history over all its parameters, so it has exactly one group. */
  override addParamGroup(group: ParamGroupInput<LBFGSOptions>): void {
    if (this.paramGroups.length > 0) {
      throw new ValueError('LBFGS: does not support parameter groups; pass one list of parameters');
    }
    super.addParamGroup(group);
  }

  protected initState(): LBFGSState {
    return { func_evals: 0, n_iter: 0 };
  }

  /** Never called: L-BFGS moves all parameters along one joint direction in {@link step}. */
  protected update(): void {
    throw new ValueError('LBFGS: parameters are updated jointly by step(closure), not one by one');
  }

  private gatherFlatGrad(): Float64Array {
    const flat = new Float64Array(this._numel);
    let offset = 0;
    for (const p of this._params) {
      const g = peekGrad(p);
      if (g) flat.set(g.data, offset);
      offset += p.size;
    }
    return flat;
  }

  private addToParams(stepSize: number, direction: Float64Array): void {
    let offset = 0;
    for (const p of this._params) {
      const v = p.data;
      for (let i = 0; i < v.length; i++) v[i] += stepSize * direction[offset + i];
      offset += p.size;
    }
  }

  /**
   * Runs up to `maxIter` iterations and returns the loss the closure gave at the starting point (as PyTorch
   * does).
   */
  override step(closure?: LossClosure): Tensor | number {
    if (typeof closure !== 'function') {
      throw new ValueError(
        'LBFGS.step: needs a closure that clears the gradients, computes the loss, calls backward() and returns the loss',
      );
    }
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn } = group;
    const first = this._params[0];
    let state = this.state.get(first);
    if (state === undefined) {
      state = this.initState();
      this.state.set(first, state);
    }
    const evaluate = () => enableGrad(closure);

    const origLoss = evaluate();
    let loss = toNumber(origLoss);
    let currentEvals = 1;
    state.func_evals += 1;
    let flatGrad = this.gatherFlatGrad();
    if (maxAbs(flatGrad) <= toleranceGrad) return origLoss;

    let nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      state.n_iter++;

      let d: Float64Array;
      if (this._d === null || this._prevFlatGrad === null) {
        d = flatGrad.map((v) => -v);
        this._oldDirs = [];
        this._oldStps = [];
        this._ro = [];
        this._hDiag = 1;
      } else {
        const y = flatGrad.map((v, i) => v - (this._prevFlatGrad as Float64Array)[i]);
        const s = this._d.map((v) => v * this._t);
        const ys = dot(y, s);
        // skip pairs with too little curvature: they would make the inverse Hessian indefinite
        if (ys > 1e-10) {
          if (this._oldDirs.length === historySize) {
            this._oldDirs.shift();
            this._oldStps.shift();
            this._ro.shift();
          }
          this._oldDirs.push(y);
          this._oldStps.push(s);
          this._ro.push(1 / ys);
          this._hDiag = ys / dot(y, y);
        }
        // two-loop recursion: d = -H·g with H the L-BFGS inverse Hessian
        const m = this._oldDirs.length;
        const al = new Array<number>(m);
        const q = flatGrad.map((v) => -v);
        for (let i = m - 1; i >= 0; i--) {
          al[i] = dot(this._oldStps[i], q) * this._ro[i];
          axpy(-al[i], this._oldDirs[i], q);
        }
        d = q.map((v) => v * this._hDiag);
        for (let i = 0; i < m; i++) {
          const be = dot(this._oldDirs[i], d) * this._ro[i];
          axpy(al[i] - be, this._oldStps[i], d);
        }
      }
      this._prevFlatGrad = flatGrad.slice();
      this._prevLoss = loss;

      // the first step ever is scaled down so that it moves by at most lr in total
      let t = state.n_iter === 1 || this._d === null ? Math.min(1, 1 / sumAbs(flatGrad)) * lr : lr;
      this._d = d;
      const gtd = dot(flatGrad, d);
      if (gtd > -toleranceChange) {
        this._t = t;
        break;
      }

      let lsEvals = 0;
      let optCond = false;
      if (lineSearchFn === 'strong_wolfe') {
        const x0 = this._params.map((p) => p.data.slice());
        const directional: Evaluate = (step) => {
          this.addToParams(step, d);
          const f = toNumber(evaluate());
          const g = this.gatherFlatGrad();
          for (const [i, p] of this._params.entries()) p.data.set(x0[i]);
          return [f, g];
        };
        [loss, flatGrad, t, lsEvals] = strongWolfe(directional, t, d, loss, flatGrad, gtd, toleranceChange);
        this.addToParams(t, d);
        optCond = maxAbs(flatGrad) <= toleranceGrad;
      } else {
        this.addToParams(t, d);
        if (nIter !== maxIter) {
          // in a stochastic setting the last evaluation would be wasted, so it is skipped as in PyTorch
          loss = toNumber(evaluate());
          flatGrad = this.gatherFlatGrad();
          optCond = maxAbs(flatGrad) <= toleranceGrad;
          lsEvals = 1;
        }
      }
      this._t = t;
      currentEvals += lsEvals;
      state.func_evals += lsEvals;

      if (nIter === maxIter || currentEvals >= maxEval || optCond) break;
      if (maxAbs(d) * Math.abs(t) <= toleranceChange) break;
      if (Math.abs(loss - this._prevLoss) < toleranceChange) break;
    }
    return origLoss;
  }

  /** Total closure evaluations and iterations so far (PyTorch's `func_evals` and `n_iter`). */
  get counters(): { funcEvals: number; nIter: number } {
    const s = this.state.get(this._params[0]);
    return { funcEvals: s?.func_evals ?? 0, nIter: s?.n_iter ?? 0 };
  }
}

function sumAbs(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return s;
}
