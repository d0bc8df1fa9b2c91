/**
 * The shapes that the training loop, its callbacks, checkpoints and the host platform share: what an epoch and a
 * batch report, the history, the context and hooks of a callback, a checkpoint in memory. Types only, kept apart
 * so that callbacks.ts, checkpoint.ts and platform.ts can all use them without importing one another in a circle.
 */
import type { Module, StateDict } from '../nn/module.js';
import type { AnyOptimizer, LRScheduler, ReduceLROnPlateau } from '../optim/lr_scheduler.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import type { Architecture } from './architecture.js';
import type { Metric } from './metrics.js';

/** A learning-rate scheduler that fit can step: any epoch-based scheduler, OneCycleLR, or ReduceLROnPlateau. */
export type Scheduler = LRScheduler | ReduceLROnPlateau;

/** What one epoch gave. Epochs count from 1. */
export interface EpochLog {
  epoch: number;
  /** The mean training loss over the epoch's samples. */
  loss: number;
  /** Training metrics, computed on the batches as they were trained (model in training mode). */
  metrics: Record<string, number>;
  valLoss?: number;
  valMetrics?: Record<string, number>;
  /** The learning rate of the first parameter group at the end of the epoch, before the scheduler's step. */
  lr: number;
  /** Wall-clock time of the epoch, validation included. */
  seconds: number;
}

/** What fit returns: one log per epoch (including the epochs before a resume). */
export interface History {
  epochs: EpochLog[];
  /** Why training ended before `epochs` (early stopping), if it did. */
  stopReason?: string;
}

/** What one training batch gave. Batches count from 1 within their epoch. */
export interface BatchLog {
  batch: number;
  /** Batches in an epoch. */
  batches: number;
  /** Samples in this batch. */
  size: number;
  /** Samples trained on so far in this epoch. */
  samples: number;
  /** This batch's loss. */
  loss: number;
  /** The mean loss of the epoch so far. */
  meanLoss: number;
  /** The running training metrics of the epoch (computed when called). */
  metrics(): Record<string, number>;
  /** Seconds since the epoch began. */
  seconds: number;
}

/** The state of a fit, shared with every callback. */
export interface TrainingContext {
  readonly model: Module;
  readonly optimizer: AnyOptimizer;
  readonly scheduler: Scheduler | null;
  /** The last epoch that will run (counting from 1). */
  readonly epochs: number;
  /** Epochs completed before this fit began: 0, or the checkpoint's epoch when resuming. */
  readonly initialEpoch: number;
  readonly batchesPerEpoch: number;
  readonly samplesPerEpoch: number;
  readonly history: History;
  /** The training metrics; validation uses the same objects after a reset. */
  readonly metrics: readonly Metric[];
  readonly hasValidation: boolean;
  /** True when this fit continues from a checkpoint. */
  readonly resumed: boolean;
  /** Set to true to end training after the current epoch; say why in `stopReason`. */
  stopTraining: boolean;
  stopReason?: string;
  /** A snapshot of everything needed to resume after the current epoch, for checkpointing callbacks. */
  checkpoint(extras?: { preprocessing?: Record<string, unknown>; extra?: unknown }): Checkpoint;
}

type MaybePromise = void | Promise<void>;

/** Hooks of the training loop; implement the ones you need. */
export interface Callback {
  onTrainBegin?(ctx: TrainingContext): MaybePromise;
  onTrainEnd?(history: History, ctx: TrainingContext): MaybePromise;
  onEpochBegin?(epoch: number, ctx: TrainingContext): MaybePromise;
  onEpochEnd?(epoch: number, log: EpochLog, ctx: TrainingContext): MaybePromise;
  onBatchEnd?(batch: number, log: BatchLog, ctx: TrainingContext): MaybePromise;
  /** Training failed with `error` (which fit rethrows); release what onTrainBegin took (timers, terminals). */
  onTrainAbort?(error: unknown, ctx: TrainingContext): void;
  /** Run this callback's hooks after the others' (checkpointing callbacks do). */
  readonly runsLast?: boolean;
  /** State saved in checkpoints so that a resumed fit continues the callback too (JSON-serialisable). */
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
}

/** A checkpoint in memory, as {@link loadCheckpoint} returns it and fit's `resumeFrom` accepts it. */
export interface Checkpoint {
  format: 'neurite-checkpoint';
  version: number;
  epoch: number;
  /** The model's state dict (copies). */
  model: StateDict;
  /** The optimiser's class name and state dict, or null. */
  optimizer: { type: string; state: OptimizerStateDict } | null;
  /** The scheduler's class name and state dict, or null. */
  scheduler: { type: string; state: Record<string, unknown> } | null;
  /** The default generator's state after the epoch, or null. */
  rng: number[] | null;
  history: History | null;
  callbacks: Record<string, unknown> | null;
  /**
   * The preprocessing as JSON (rebuild objects with their `fromJSON`). Its `input` entry, when present, is an
   * {@link InputSpec}: how raw inputs become the model's inputs, which {@link loadModel} turns into a function.
   */
  preprocessing: Record<string, unknown> | null;
  extra: unknown;
  /** The model's type and options, from which {@link loadModel} rebuilds it; null when not recorded. */
  architecture: Architecture | null;
}
