import { FormatError, positiveInt, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import type { BaseHyper, Optimizer, ParamGroup, ParamState } from './optimizer.js';

/** Any optimiser, as schedulers see it: groups with a mutable `lr`. */
export type AnyOptimizer = Optimizer<BaseHyper, ParamState>;

/** A scheduler's state in PyTorch's layout (`base_lrs`, `last_epoch`, `_step_count`, …). */
export type SchedulerStateDict = Record<string, unknown>;

/** A group that may carry momentum (SGD, RMSprop) or betas (Adam); OneCycleLR cycles either. */
type MomentumGroup = ParamGroup & { momentum?: number; betas?: [number, number] };

function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
  }
  return v;
}

function perGroup(where: string, what: string, v: number | readonly number[], n: number): number[] {
  if (typeof v === 'number') return new Array(n).fill(v);
  if (v.length !== n)
    throw new ValueError(`${where}: expected ${n} values for ${what} (one per group), got ${v.length}`);
  return [...v];
}

/**
 * The base of the epoch-based learning-rate schedulers, with PyTorch 1.13's semantics: constructing one records
 * each group's `initialLr` (unless set already) and performs the initial step, which sets the learning rate of
 * step 0. Call `step()` after each `optimizer.step()`. Most schedules are chainable: they compute the next rate
 * from the group's current one, exactly as PyTorch does, so their values equal PyTorch's to the last bit.
 *
 * A subclass sets its own fields, then calls `initialStep()` at the end of its constructor (TypeScript fields
 * are not there yet while the base constructor runs); it names the fields that go into the state dict in
 * `stateKeys`.
 */
export abstract class LRScheduler {
  /** Each group's learning rate at the start (its `initialLr`). */
  baseLrs: number[];
  /** The number of steps taken; -1 before the initial step. */
  lastEpoch = -1;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  constructor(readonly optimizer: AnyOptimizer) {
    for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
  }

  /** The learning rate of each group for the step `lastEpoch`, computed when `step()` has advanced it. */
  protected abstract getLr(): number[];

  /** PyTorch's name of each state-dict entry of the subclass, mapped to the property that holds it. */
  protected stateKeys(): Record<string, string> {
    return {};
  }

  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Advances the schedule by one step and sets every group's learning rate. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rate of each group as last set by this scheduler. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state under PyTorch's names. Restore the optimiser's state too when resuming. */
  stateDict(): SchedulerStateDict {
    const self = this as unknown as Record<string, unknown>;
    const out: SchedulerStateDict = {
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      _step_count: this.stepCount,
      _last_lr: [...this.lastLr],
    };
    for (const [key, prop] of Object.entries(this.stateKeys())) out[key] = copy(self[prop]);
    return out;
  }

  /** Restores a state made by {@link stateDict}. */
  loadStateDict(state: SchedulerStateDict): void {
    const self = this as unknown as Record<string, unknown>;
    const name = this.constructor.name;
    if (state === null || typeof state !== 'object')
      throw new FormatError(`${name}.loadStateDict: not an object`);
    const numbers = (key: string): number[] => {
      const v = state[key];
      if (!Array.isArray(v) || v.length !== this.optimizer.paramGroups.length) {
        throw new FormatError(
          `${name}.loadStateDict: '${key}' should list ${this.optimizer.paramGroups.length} numbers (one per group)`,
        );
      }
      return v.map(Number);
    };
    this.baseLrs = numbers('base_lrs');
    this.lastLr = numbers('_last_lr');
    if (typeof state.last_epoch !== 'number')
      throw new FormatError(`${name}.loadStateDict: 'last_epoch' is missing`);
    this.lastEpoch = state.last_epoch;
    if (typeof state._step_count === 'number') this.stepCount = state._step_count;
    for (const [key, prop] of Object.entries(this.stateKeys())) {
      if (key in state) self[prop] = copy(state[key]);
    }
  }
}

/** Multiplies the learning rate by `gamma` every `stepSize` steps. */
export class StepLR extends LRScheduler {
  readonly gamma: number;

  constructor(
    optimizer: AnyOptimizer,
    readonly stepSize: number,
    { gamma = 0.1 }: { gamma?: number } = {},
  ) {
    super(optimizer);
    positiveInt('StepLR', 'stepSize', stepSize);
    this.gamma = gamma;
    this.initialStep();
  }

  protected override stateKeys(): Record<string, string> {
    return { step_size: 'stepSize', gamma: 'gamma' };
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }
}

/** Multiplies the learning rate by `gamma` at each milestone (a milestone listed twice applies γ twice). */
export class MultiStepLR extends LRScheduler {
  /** How many times each milestone was listed, as PyTorch's Counter. */
  milestones: Record<string, number> = {};
  readonly gamma: number;

  constructor(
    optimizer: AnyOptimizer,
    milestones: readonly number[],
    { gamma = 0.1 }: { gamma?: number } = {},
  ) {
    super(optimizer);
    for (const m of milestones) {
      if (!Number.isInteger(m) || m < 0)
        throw new ValueError(`MultiStepLR: milestones must be integers >= 0, got ${m}`);
      this.milestones[m] = (this.milestones[m] ?? 0) + 1;
    }
    this.gamma = gamma;
    this.initialStep();
  }

  protected override stateKeys(): Record<string, string> {
    return { milestones: 'milestones', gamma: 'gamma' };
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const count = this.milestones[this.lastEpoch];
    if (!count) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma ** count);
  }
}

/** Multiplies the learning rate by `gamma` every step. */
export class ExponentialLR extends LRScheduler {
  constructor(
    optimizer: AnyOptimizer,
    readonly gamma: number,
  ) {
    super(optimizer);
    this.initialStep();
  }

  protected override stateKeys(): Record<string, string> {
    return { gamma: 'gamma' };
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }
}

/**
 * Cosine annealing from the initial rate down to `etaMin` over `tMax` steps (and back up, periodically, after
 * that), in PyTorch's recursive form.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly etaMin: number;

  constructor(
    optimizer: AnyOptimizer,
    readonly tMax: number,
    { etaMin = 0 }: { etaMin?: number } = {},
  ) {
    super(optimizer);
    positiveInt('CosineAnnealingLR', 'tMax', tMax);
    this.etaMin = etaMin;
    this.initialStep();
  }

  protected override stateKeys(): Record<string, string> {
    return { T_max: 'tMax', eta_min: 'etaMin' };
  }

  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    const groups = this.optimizer.paramGroups;
    if (e === 0) return groups.map((g) => g.lr);
    if ((e - 1 - T) % (2 * T) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T));
    return groups.map((g) => ratio * (g.lr - etaMin) + etaMin);
  }
}

export interface LinearLROptions {
  /** Factor of the initial rate at step 0 (default 1/3), in (0, 1]. */
  startFactor?: number;
  /** Factor reached after `totalIters` steps (default 1), in [0, 1]. */
  endFactor?: number;
  /** Steps of the linear ramp (default 5). */
  totalIters?: number;
}

/** Scales the learning rate linearly from `startFactor` to `endFactor` of its initial value over `totalIters` steps. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(
    optimizer: AnyOptimizer,
    { startFactor = 1 / 3, endFactor = 1, totalIters = 5 }: LinearLROptions = {},
  ) {
    super(optimizer);
    // PyTorch 1.13 accepts a start factor of 0 and then divides by zero on the second step
    if (!(startFactor > 0 && startFactor <= 1)) {
      throw new ValueError(`LinearLR: startFactor must be in (0, 1], got ${startFactor}`);
    }
    if (!(endFactor >= 0 && endFactor <= 1)) {
      throw new ValueError(`LinearLR: endFactor must be in [0, 1], got ${endFactor}`);
    }
    positiveInt('LinearLR', 'totalIters', totalIters);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  protected override stateKeys(): Record<string, string> {
    return { start_factor: 'startFactor', end_factor: 'endFactor', total_iters: 'totalIters' };
  }

  protected getLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    const groups = this.optimizer.paramGroups;
    if (e === 0) return groups.map((g) => g.lr * s);
    if (e > n) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
}

/**
 * Sets each group's learning rate to its initial rate times `lrLambda(step)` (one function for all groups, or
 * one per group). The functions are not part of the state dict.
 */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: ((step: number) => number)[];

  constructor(
    optimizer: AnyOptimizer,
    lrLambda: ((step: number) => number) | readonly ((step: number) => number)[],
  ) {
    super(optimizer);
    const n = optimizer.paramGroups.length;
    if (typeof lrLambda === 'function') this.lrLambdas = new Array(n).fill(lrLambda);
    else if (lrLambda.length !== n)
      throw new ValueError(`LambdaLR: expected ${n} lrLambdas, got ${lrLambda.length}`);
    else this.lrLambdas = [...lrLambda];
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((lr, i) => lr * this.lrLambdas[i](this.lastEpoch));
  }
}

export interface OneCycleLROptions {
  /** Peak learning rate, for all groups or per group. */
  maxLr: number | readonly number[];
  /** Length of the cycle in steps; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the rate (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear' annealing. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or Adam's β₁) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  /** Lowest momentum, at the peak rate (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** Highest momentum, at the start and end (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** Initial rate = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** Final rate = initial rate / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Use a third phase that anneals below the initial rate, as in fast.ai (default false). */
  threePhase?: boolean;
}

/** One phase of the 1cycle schedule, with PyTorch's keys; the rates and momenta name fields of each group. */
interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

/**
 * The 1cycle policy (Smith & Topin): the rate rises from maxLr/divFactor to maxLr over `pctStart` of the cycle,
 * then anneals to a rate far below the initial one, while momentum (Adam: β₁) moves the opposite way. Step it
 * after every batch; it allows exactly `totalSteps` rates.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: 'cos' | 'linear';
  readonly cycleMomentum: boolean;
  /** Whether momentum is cycled through Adam's β₁ rather than a `momentum` hyperparameter. */
  readonly useBeta1: boolean;
  private phases: Phase[];

  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    super(optimizer);
    const where = 'OneCycleLR';
    const { totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = 'cos' } = options;
    const { cycleMomentum = true, divFactor = 25, finalDivFactor = 1e4, threePhase = false } = options;
    if (totalSteps !== undefined) {
      positiveInt(where, 'totalSteps', totalSteps);
      this.totalSteps = totalSteps;
    } else if (epochs !== undefined && stepsPerEpoch !== undefined) {
      positiveInt(where, 'epochs', epochs);
      positiveInt(where, 'stepsPerEpoch', stepsPerEpoch);
      this.totalSteps = epochs * stepsPerEpoch;
    } else {
      throw new ValueError(`${where}: give either totalSteps or both epochs and stepsPerEpoch`);
    }
    if (!(pctStart >= 0 && pctStart <= 1))
      throw new ValueError(`${where}: pctStart must be in [0, 1], got ${pctStart}`);
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new ValueError(`${where}: annealStrategy must be 'cos' or 'linear', got '${annealStrategy}'`);
    }
    this.annealStrategy = annealStrategy;
    const n = this.totalSteps;
    this.phases = threePhase
      ? [
          phase(pctStart * n - 1, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
          phase(2 * pctStart * n - 2, 'max_lr', 'initial_lr', 'base_momentum', 'max_momentum'),
          phase(n - 1, 'initial_lr', 'min_lr', 'max_momentum', 'max_momentum'),
        ]
      : [
          phase(pctStart * n - 1, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
          phase(n - 1, 'max_lr', 'min_lr', 'base_momentum', 'max_momentum'),
        ];

    const groups = optimizer.paramGroups as MomentumGroup[];
    const maxLrs = perGroup(where, 'maxLr', options.maxLr, groups.length);
    groups.forEach((g, i) => {
      g.initialLr = maxLrs[i] / divFactor;
      g.maxLr = maxLrs[i];
      g.minLr = g.initialLr / finalDivFactor;
    });
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum) {
      if (!('momentum' in optimizer.defaults) && !this.useBeta1) {
        throw new ValueError(
          `${where}: cycleMomentum needs an optimiser with momentum or betas (${optimizer.name} has neither)`,
        );
      }
      const maxMomenta = perGroup(where, 'maxMomentum', options.maxMomentum ?? 0.95, groups.length);
      const baseMomenta = perGroup(where, 'baseMomentum', options.baseMomentum ?? 0.85, groups.length);
      groups.forEach((g, i) => {
        this.setMomentum(g, maxMomenta[i]);
        g.maxMomentum = maxMomenta[i];
        g.baseMomentum = baseMomenta[i];
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr!);
    this.initialStep();
  }

  protected override stateKeys(): Record<string, string> {
    return {
      total_steps: 'totalSteps',
      anneal_strategy: 'annealStrategy',
      cycle_momentum: 'cycleMomentum',
      use_beta1: 'useBeta1',
      _schedule_phases: 'phases',
    };
  }

  private setMomentum(g: MomentumGroup, m: number): void {
    if (this.useBeta1) g.betas = [m, g.betas![1]];
    else g.momentum = m;
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new ValueError(
        `OneCycleLR: tried to step ${stepNum + 1} times; the schedule has ${this.totalSteps} steps`,
      );
    }
    return (this.optimizer.paramGroups as MomentumGroup[]).map((g) => {
      const field = (key: string) => (g as unknown as Record<string, number>)[toCamel(key)];
      let startStep = 0;
      for (const [i, ph] of this.phases.entries()) {
        if (stepNum <= ph.end_step || i === this.phases.length - 1) {
          const pct = (stepNum - startStep) / (ph.end_step - startStep);
          if (this.cycleMomentum) {
            this.setMomentum(g, this.anneal(field(ph.start_momentum), field(ph.end_momentum), pct));
          }
          return this.anneal(field(ph.start_lr), field(ph.end_lr), pct);
        }
        startStep = ph.end_step;
      }
      throw new Error('unreachable: the last phase always matches');
    });
  }
}

function phase(
  endStep: number,
  startLr: string,
  endLr: string,
  startMomentum: string,
  endMomentum: string,
): Phase {
  return {
    end_step: endStep,
    start_lr: startLr,
    end_lr: endLr,
    start_momentum: startMomentum,
    end_momentum: endMomentum,
  };
}

const toCamel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export interface ReduceLROnPlateauOptions {
  /** 'min' (default): the metric should fall, as a loss; 'max': it should rise, as an accuracy. */
  mode?: 'min' | 'max';
  /** The rate is multiplied by this on a plateau (default 0.1); must be < 1. */
  factor?: number;
  /** Steps without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** The smallest change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): relative to the best value; 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps to wait after a reduction before counting bad steps again (default 0). */
  cooldown?: number;
  /** Lower bound of the rate, for all groups or per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the learning rate by `factor` when a metric has stopped improving for `patience` steps, as PyTorch
 * 1.13's ReduceLROnPlateau. Call `step(metric)` after each validation.
 */
export class ReduceLROnPlateau {
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  /** The best metric so far (±Infinity before the first step). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(
    readonly optimizer: AnyOptimizer,
    options: ReduceLROnPlateauOptions = {},
  ) {
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel' } = options;
    const where = 'ReduceLROnPlateau';
    if (!(factor < 1)) throw new ValueError(`${where}: factor must be < 1, got ${factor}`);
    if (mode !== 'min' && mode !== 'max')
      throw new ValueError(`${where}: mode must be 'min' or 'max', got '${mode}'`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') {
      throw new ValueError(`${where}: thresholdMode must be 'rel' or 'abs', got '${thresholdMode}'`);
    }
    if (!Number.isInteger(patience) || patience < 0) {
      throw new ValueError(`${where}: patience must be an integer >= 0, got ${patience}`);
    }
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = options.cooldown ?? 0;
    this.minLrs = perGroup(where, 'minLr', options.minLr ?? 0, optimizer.paramGroups.length);
    this.eps = options.eps ?? 1e-8;
    this.best = this.modeWorse;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** The worst possible metric value for the mode, which any first metric improves on. */
  get modeWorse(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min')
      return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (1 + this.threshold) : a > best + this.threshold;
  }

  /** Records the metric of one step (a number or a one-element tensor) and reduces the rate on a plateau. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== 'number')
      throw new ValueError(`ReduceLROnPlateau.step: expected a number, got ${typeof current}`);
    this.lastEpoch++;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0; // bad steps during the cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
      if (g.lr - newLr > this.eps) g.lr = newLr;
    });
  }

  /** The learning rate of each group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state under PyTorch's names. */
  stateDict(): SchedulerStateDict {
    return {
      factor: this.factor,
      min_lrs: [...this.minLrs],
      patience: this.patience,
      cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter,
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      best: this.best,
      num_bad_epochs: this.numBadEpochs,
      mode_worse: this.modeWorse,
      eps: this.eps,
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
    };
  }

  /** Restores a state made by {@link stateDict}; a `best` lost to JSON (±Infinity becomes null) is restored too. */
  loadStateDict(state: SchedulerStateDict): void {
    if (state === null || typeof state !== 'object')
      throw new FormatError('ReduceLROnPlateau.loadStateDict: not an object');
    const self = this as unknown as Record<string, unknown>;
    const keys: Record<string, string> = {
      factor: 'factor',
      min_lrs: 'minLrs',
      patience: 'patience',
      cooldown: 'cooldown',
      cooldown_counter: 'cooldownCounter',
      mode: 'mode',
      threshold: 'threshold',
      threshold_mode: 'thresholdMode',
      best: 'best',
      num_bad_epochs: 'numBadEpochs',
      eps: 'eps',
      last_epoch: 'lastEpoch',
      _last_lr: 'lastLr',
    };
    for (const [key, prop] of Object.entries(keys)) if (key in state) self[prop] = copy(state[key]);
    if (typeof this.best !== 'number') this.best = this.modeWorse;
  }
}
