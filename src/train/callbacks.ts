/**
 * Callbacks: code that runs at fixed points of {@link fit} (Keras's and Lightning's idea). The loop calls each
 * hook in the order the callbacks were given, except that callbacks marked `runsLast` (checkpointing) run after
 * the others, so that the state they save includes the others' updates of the same epoch.
 */
import { ValueError } from '../errors.js';
import type { StateDict } from '../nn/module.js';
import { type LRScheduler, OneCycleLR, ReduceLROnPlateau } from '../optim/lr_scheduler.js';
import type { Tensor } from '../tensor/tensor.js';
import { saveCheckpoint } from './checkpoint.js';
import { platformService } from './platform.js';
import type { Callback, EpochLog, History, Scheduler, TrainingContext } from './types.js';

export type { BatchLog, Callback, EpochLog, History, Scheduler, TrainingContext } from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// monitored values

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The value a callback monitors: `loss`, `valLoss` (or Keras's `val_loss`), `lr`, a metric name (`accuracy`)
 * or a validation metric (`valAccuracy`, `val_accuracy`). Undefined when the log does not have it.
 */
export function monitorValue(log: EpochLog, key: string): number | undefined {
  if (key === 'loss') return log.loss;
  if (key === 'valLoss' || key === 'val_loss') return log.valLoss;
  if (key === 'lr') return log.lr;
  if (key in log.metrics) return log.metrics[key];
  const val = /^val_?(.+)$/.exec(key);
  if (val && log.valMetrics) {
    const rest = val[1];
    return log.valMetrics[rest] ?? log.valMetrics[lowerFirst(rest)];
  }
  return undefined;
}

/** The names {@link monitorValue} accepts for a log, for error messages. */
export function monitorKeys(log: EpochLog): string[] {
  const keys = ['loss', ...Object.keys(log.metrics)];
  if (log.valLoss !== undefined) keys.push('valLoss');
  for (const k of Object.keys(log.valMetrics ?? {})) keys.push(`val${upperFirst(k)}`);
  return keys;
}

/** One flat object per epoch: `{ epoch, loss, accuracy, valLoss, valAccuracy, lr, seconds }`. */
export function flattenLog(log: EpochLog): Record<string, number> {
  const out: Record<string, number> = { epoch: log.epoch, loss: log.loss, ...log.metrics };
  if (log.valLoss !== undefined) out.valLoss = log.valLoss;
  for (const [k, v] of Object.entries(log.valMetrics ?? {})) out[`val${upperFirst(k)}`] = v;
  out.lr = log.lr;
  out.seconds = log.seconds;
  return out;
}

export type MonitorMode = 'auto' | 'min' | 'max';

/** 'min' or 'max' for a monitored key: losses fall, metrics go the way their `higherIsBetter` says. */
function resolveMode(mode: MonitorMode, monitor: string, ctx: TrainingContext, where: string): 'min' | 'max' {
  if (mode === 'min' || mode === 'max') return mode;
  if (mode !== 'auto')
    throw new ValueError(`${where}: mode must be 'auto', 'min' or 'max', got '${String(mode)}'`);
  const name = monitor.replace(/^val_?/, '');
  const metric = ctx.metrics.find((m) => m.name === name || m.name === lowerFirst(name));
  return metric?.higherIsBetter ? 'max' : 'min';
}

function requireMonitored(log: EpochLog, monitor: string, where: string): number {
  const v = monitorValue(log, monitor);
  if (v === undefined) {
    throw new ValueError(
      `${where}: monitor '${monitor}' is not in the epoch's logs (available: ${monitorKeys(log).join(', ')})` +
        (monitor.startsWith('val') ? '; pass validationData or validationSplit to fit' : ''),
    );
  }
  return v;
}

/** Tracks the best value of a monitored quantity. */
class Best {
  value = Number.NaN;
  epoch = 0;
  direction: 'min' | 'max' = 'min';

  constructor(private readonly minDelta = 0) {}

  /** Whether `v` improves on the best by more than `minDelta` (the first value always does). */
  improves(v: number): boolean {
    if (Number.isNaN(v)) return false;
    if (Number.isNaN(this.value)) return true;
    return this.direction === 'min' ? v < this.value - this.minDelta : v > this.value + this.minDelta;
  }
}

function cloneState(state: StateDict): StateDict {
  const out: StateDict = {};
  for (const [k, t] of Object.entries(state)) out[k] = (t as Tensor).clone();
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// EarlyStopping

export interface EarlyStoppingOptions {
  /** The value watched (default 'valLoss'; see {@link monitorValue}). */
  monitor?: string;
  /** Epochs without improvement tolerated before stopping (default 0: stop at the first). */
  patience?: number;
  /** The smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** 'min', 'max', or 'auto' (default): 'max' for metrics where higher is better, 'min' for losses. */
  mode?: MonitorMode;
  /** At the end of training, put back the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when the monitored value has not improved for `patience` epochs (Keras's EarlyStopping).
 * With `restoreBestWeights`, the model ends with the weights of its best epoch.
 */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly mode: MonitorMode;
  readonly restoreBestWeights: boolean;
  /** Epochs since the last improvement. */
  wait = 0;
  /** The epoch training stopped after, or 0. */
  stoppedEpoch = 0;
  private readonly best: Best;
  private bestWeights: StateDict | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    const {
      monitor = 'valLoss',
      patience = 0,
      minDelta = 0,
      mode = 'auto',
      restoreBestWeights = false,
    } = options;
    if (!Number.isInteger(patience) || patience < 0) {
      throw new ValueError(`EarlyStopping: patience must be an integer >= 0, got ${patience}`);
    }
    if (!(minDelta >= 0)) throw new ValueError(`EarlyStopping: minDelta must be >= 0, got ${minDelta}`);
    this.monitor = monitor;
    this.patience = patience;
    this.mode = mode;
    this.restoreBestWeights = restoreBestWeights;
    this.best = new Best(minDelta);
  }

  /** The best value seen and its epoch. */
  get bestValue(): number {
    return this.best.value;
  }

  get bestEpoch(): number {
    return this.best.epoch;
  }

  onTrainBegin(ctx: TrainingContext): void {
    this.best.direction = resolveMode(this.mode, this.monitor, ctx, 'EarlyStopping');
  }

  onEpochEnd(epoch: number, log: EpochLog, ctx: TrainingContext): void {
    const v = requireMonitored(log, this.monitor, 'EarlyStopping');
    if (this.best.improves(v)) {
      this.best.value = v;
      this.best.epoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = cloneState(ctx.model.stateDict());
      return;
    }
    this.wait++;
    if (this.wait > this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
      ctx.stopReason =
        `early stopping: ${this.monitor} has not improved for ${this.wait} epoch${this.wait === 1 ? '' : 's'} ` +
        `(best ${this.best.value} at epoch ${this.best.epoch})`;
    }
  }

  onTrainEnd(_history: History, ctx: TrainingContext): void {
    const last = ctx.history.epochs.at(-1)?.epoch;
    if (this.restoreBestWeights && this.bestWeights && last !== this.best.epoch) {
      ctx.model.loadStateDict(this.bestWeights);
    }
  }

  stateDict(): unknown {
    return {
      wait: this.wait,
      best: this.best.value,
      bestEpoch: this.best.epoch,
      stoppedEpoch: this.stoppedEpoch,
    };
  }

  loadStateDict(state: unknown): void {
    const s = state as { wait: number; best: number | null; bestEpoch: number; stoppedEpoch: number };
    this.wait = s.wait;
    this.best.value = s.best ?? Number.NaN;
    this.best.epoch = s.bestEpoch;
    this.stoppedEpoch = s.stoppedEpoch;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// learning-rate schedulers

export interface LRSchedulerCallbackOptions {
  /** When to step: 'epoch', or 'batch' (default: 'batch' for OneCycleLR, 'epoch' for the others). */
  interval?: 'epoch' | 'batch';
  /** The value ReduceLROnPlateau receives (default 'valLoss' with validation, 'loss' without). */
  monitor?: string;
}

/**
 * Steps a learning-rate scheduler: after every epoch, or after every batch for OneCycleLR (whose schedule is in
 * optimiser steps); ReduceLROnPlateau receives the monitored value. fit wraps its `scheduler` option in one.
 */
export class LRSchedulerCallback implements Callback {
  readonly interval: 'epoch' | 'batch';
  private readonly monitorOption: string | undefined;
  private monitor = 'loss';

  constructor(
    readonly scheduler: Scheduler,
    options: LRSchedulerCallbackOptions = {},
  ) {
    this.interval = options.interval ?? (scheduler instanceof OneCycleLR ? 'batch' : 'epoch');
    if (this.interval !== 'epoch' && this.interval !== 'batch') {
      throw new ValueError(
        `LRSchedulerCallback: interval must be 'epoch' or 'batch', got '${String(this.interval)}'`,
      );
    }
    if (scheduler instanceof ReduceLROnPlateau && this.interval === 'batch') {
      throw new ValueError(
        'LRSchedulerCallback: ReduceLROnPlateau steps once per epoch, on the monitored value',
      );
    }
    this.monitorOption = options.monitor;
  }

  onTrainBegin(ctx: TrainingContext): void {
    this.monitor = this.monitorOption ?? (ctx.hasValidation ? 'valLoss' : 'loss');
  }

  onBatchEnd(): void {
    if (this.interval === 'batch') (this.scheduler as LRScheduler).step();
  }

  onEpochEnd(_epoch: number, log: EpochLog): void {
    if (this.interval !== 'epoch') return;
    if (this.scheduler instanceof ReduceLROnPlateau) {
      this.scheduler.step(requireMonitored(log, this.monitor, 'ReduceLROnPlateau'));
    } else {
      this.scheduler.step();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// checkpoints and logs (their files are written by the host: Node)

export interface ModelCheckpointOptions {
  /**
   * A directory (or a `.json` manifest path) to save to; `{epoch}` is replaced by the epoch number, so
   * `runs/ckpt-{epoch}` keeps one checkpoint per epoch.
   */
  path: string;
  /** The value that decides which epoch is best (default 'valLoss'); only used with `saveBestOnly`. */
  monitor?: string;
  /** Save only when the monitored value improves (default false: save after every epoch). */
  saveBestOnly?: boolean;
  /** 'min', 'max', or 'auto' (default): as {@link EarlyStoppingOptions.mode}. */
  mode?: MonitorMode;
  /** Fitted preprocessing (scalers, encoders: anything with toJSON) to store with the weights. */
  preprocessing?: Record<string, unknown>;
  /** Anything else JSON-serialisable to store (a model config, a preset name). */
  extra?: unknown;
}

/**
 * Saves a checkpoint after each epoch (or only after improving ones): model, optimiser, scheduler, the random
 * generator, history and callback states, so that `fit(…, { resumeFrom: path })` continues exactly. Each save is
 * atomic. Needs file access (Node).
 */
export class ModelCheckpoint implements Callback {
  readonly runsLast = true;
  readonly path: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: MonitorMode;
  /** The path of the last checkpoint written, or null. */
  lastSaved: string | null = null;
  private readonly best = new Best();
  private readonly extras: { preprocessing?: Record<string, unknown>; extra?: unknown };

  constructor(options: ModelCheckpointOptions) {
    if (!options || typeof options.path !== 'string' || options.path === '') {
      throw new ValueError('ModelCheckpoint: a path is required');
    }
    this.path = options.path;
    this.monitor = options.monitor ?? 'valLoss';
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.mode = options.mode ?? 'auto';
    this.extras = { preprocessing: options.preprocessing, extra: options.extra };
    platformService('writeCheckpoint', 'ModelCheckpoint');
  }

  onTrainBegin(ctx: TrainingContext): void {
    this.best.direction = resolveMode(this.mode, this.monitor, ctx, 'ModelCheckpoint');
  }

  async onEpochEnd(epoch: number, log: EpochLog, ctx: TrainingContext): Promise<void> {
    if (this.saveBestOnly) {
      const v = requireMonitored(log, this.monitor, 'ModelCheckpoint');
      if (!this.best.improves(v)) return;
      this.best.value = v;
      this.best.epoch = epoch;
    }
    this.lastSaved = await saveCheckpoint(
      this.path.replaceAll('{epoch}', String(epoch)),
      ctx.checkpoint(this.extras),
    );
  }

  stateDict(): unknown {
    return { best: this.best.value, bestEpoch: this.best.epoch };
  }

  loadStateDict(state: unknown): void {
    const s = state as { best: number | null; bestEpoch: number };
    this.best.value = s.best ?? Number.NaN;
    this.best.epoch = s.bestEpoch;
  }
}

export interface JsonLinesLoggerOptions {
  /** Keep the file's lines and add to them (default: only when resuming; a fresh fit starts the file anew). */
  append?: boolean;
}

/**
 * Writes one JSON object per epoch to a file, e.g.
 * `{"epoch":1,"loss":0.51,"accuracy":0.86,"valLoss":0.32,"valAccuracy":0.91,"lr":0.001,"seconds":2.4}`.
 * Non-finite values are written as null. Needs file access (Node).
 */
export class JsonLinesLogger implements Callback {
  private readonly write: (path: string, text: string, append: boolean) => Promise<void>;

  constructor(
    readonly path: string,
    private readonly options: JsonLinesLoggerOptions = {},
  ) {
    if (typeof path !== 'string' || path === '') throw new ValueError('JsonLinesLogger: a path is required');
    this.write = platformService('writeText', 'JsonLinesLogger');
  }

  async onTrainBegin(ctx: TrainingContext): Promise<void> {
    const append = this.options.append ?? ctx.resumed;
    await this.write(this.path, '', append);
  }

  async onEpochEnd(_epoch: number, log: EpochLog): Promise<void> {
    await this.write(this.path, `${JSON.stringify(flattenLog(log))}\n`, true);
  }
}
