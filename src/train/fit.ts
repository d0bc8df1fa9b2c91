/**
 * The training loop: one `fit` for every model, with `evaluate` and `predict` beside it.
 *
 * ```ts
 * nt.manualSeed(0); // before building the model, so that its initial weights repeat too
 * const model = new nt.nn.Sequential(new nt.nn.Linear(4, 16), new nt.nn.ReLU(), new nt.nn.Linear(16, 3));
 * const history = await nt.train.fit(model, { x, y }, {
 *   epochs: 20, batchSize: 16, loss: 'crossEntropy', metrics: ['accuracy'], validationSplit: 0.2,
 * });
 * const { metrics } = await nt.train.evaluate(model, { x: xTest, y: yTest }, { metrics: ['accuracy'] });
 * ```
 */
import { noGrad } from '../autograd/engine.js';
import { fmtShape, NeuriteError, positiveInt, ShapeError, ValueError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { concat, narrow } from '../ops/shape.js';
import { Adam } from '../optim/adam.js';
import { clipGradNorm } from '../optim/clip.js';
import type { AnyOptimizer } from '../optim/lr_scheduler.js';
import { manualSeed } from '../tensor/random.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import {
  type BatchLog,
  type Callback,
  type EpochLog,
  type History,
  LRSchedulerCallback,
  type Scheduler,
  type TrainingContext,
} from './callbacks.js';
import { type Checkpoint, createCheckpoint, loadCheckpoint, restoreCheckpoint } from './checkpoint.js';
import {
  type BatchSource,
  batchSize,
  batchSource,
  splitBatch,
  splitValidation,
  type TrainData,
} from './data.js';
import { getLoss, type LossFn, type LossName, type ResolvedLoss } from './losses.js';
import { getMetric, type Metric, type MetricName } from './metrics.js';
import type { Verbosity } from './platform.js';
import { createReporter } from './progress.js';

/** Runs the model on a batch's inputs; the targets are passed too, for models that need them (teacher forcing). */
export type ForwardFn<M extends Module = Module> = (model: M, x: Tensor, y?: Tensor) => Tensor;

/** Thrown when the training loss becomes NaN or infinite; the weights are left as they were before that batch. */
export class NonFiniteLossError extends NeuriteError {
  constructor(
    message: string,
    readonly epoch: number,
    readonly batch: number,
    readonly value: number,
  ) {
    super(message);
  }
}

export interface FitOptions<M extends Module = Module> {
  /** The epoch to train up to, counting from 1 (default 1); a resumed fit continues from its checkpoint's epoch. */
  epochs?: number;
  /** Samples per batch for tensors and datasets (default 32); a DataLoader keeps its own. */
  batchSize?: number;
  /** Shuffle tensors and datasets every epoch (default true), drawing from the seeded default generator. */
  shuffle?: boolean;
  /** The optimiser (default: Adam with lr 1e-3 over the model's trainable parameters). */
  optimizer?: AnyOptimizer;
  /** A loss name or a function (output, target) → scalar (default 'crossEntropy'). */
  loss?: LossName | LossFn;
  /** Metrics reported for training and validation: names (`'accuracy'`, `'f1'`, `'top5Accuracy'`, …) or objects. */
  metrics?: readonly (MetricName | Metric)[];
  /** Data evaluated after every epoch. */
  validationData?: TrainData;
  /** Instead of validationData: the last fraction of the training samples (taken before shuffling, as Keras). */
  validationSplit?: number;
  /** Batch size for validation (default: batchSize). */
  validationBatchSize?: number;
  /**
   * A learning-rate scheduler, stepped after every epoch (OneCycleLR: after every batch); ReduceLROnPlateau
   * receives `schedulerMonitor`.
   */
  scheduler?: Scheduler;
  /** Override when the scheduler steps. */
  schedulerInterval?: 'epoch' | 'batch';
  /** What ReduceLROnPlateau watches (default 'valLoss' with validation, else 'loss'). */
  schedulerMonitor?: string;
  callbacks?: readonly Callback[];
  /** Clip the gradients' joint L2 norm to this before each step; a non-finite norm stops training. */
  clipGradNorm?: number;
  /**
   * Seeds the default generator at the start (shuffling, dropout). Build the model after `nt.manualSeed(seed)`
   * for its initial weights to repeat too. Ignored when resuming: the checkpoint's generator state is restored.
   */
  seed?: number;
  /**
   * 'auto' (default): a live bar on a terminal, one line per epoch otherwise; 'bar', 'lines', or 'silent'.
   */
  verbose?: Verbosity;
  /** A progress reporter replacing the one `verbose` chooses. */
  reporter?: Callback;
  /** How to call the model (default `model.forward(x)`). */
  forward?: ForwardFn<M>;
  /**
   * Continue from a checkpoint (its path, or one loaded): weights and buffers, optimiser, scheduler, the default
   * generator, history and callback states, from the epoch after the checkpoint's. Give the same data, options and
   * callbacks as the interrupted fit; the losses then continue exactly (as long as shuffling draws from the
   * default generator, as it does unless a DataLoader was given its own).
   */
  resumeFrom?: string | Checkpoint;
}

export interface EvaluateOptions<M extends Module = Module> {
  /** The loss to report (none by default). */
  loss?: LossName | LossFn;
  /** Metric names or objects; named ones read outputs as logits, or as probabilities when `loss` is 'bce'. */
  metrics?: readonly (MetricName | Metric)[];
  /** Samples per batch for tensors and datasets (default 32). */
  batchSize?: number;
  forward?: ForwardFn<M>;
}

export interface EvaluateResult {
  loss?: number;
  metrics: Record<string, number>;
}

export interface PredictOptions<M extends Module = Module> {
  /** Samples per forward pass (default 32). */
  batchSize?: number;
  forward?: ForwardFn<M>;
}

function defaultForward(model: Module, x: Tensor): Tensor {
  return (model as unknown as { forward(x: Tensor): Tensor }).forward(x);
}

function checkOutput(out: unknown, where: string): Tensor {
  if (!isTensor(out)) {
    throw new ValueError(
      `${where}: the model returned ${out === null ? 'null' : Array.isArray(out) ? 'an array' : typeof out}, not a Tensor; ` +
        'pass a forward option that picks the output, e.g. forward: (m, x) => m.forward(x)[0]',
    );
  }
  return out;
}

/** Keeps each module's training flag, to put back after fit / evaluate / predict change them. */
function saveModes(model: Module): () => void {
  const modes = model.modules().map((m) => [m, m.training] as const);
  return () => {
    for (const [m, t] of modes) m.training = t;
  };
}

/**
 * Gives the event loop a turn every ~50 ms, so progress bars redraw and a browser page stays responsive, at a
 * cost of one macrotask per 50 ms rather than per batch.
 */
function yielder(): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < 50) return undefined;
    last = now;
    return new Promise<void>((resolve) => setTimeout(resolve, 0));
  };
}

function resolveMetrics(
  specs: readonly (MetricName | Metric)[],
  loss: ResolvedLoss,
  where: string,
): Metric[] {
  if (!Array.isArray(specs))
    throw new ValueError(`${where}: metrics must be an array of names or Metric objects`);
  const metrics = specs.map((s) => getMetric(s, { fromLogits: !loss.probabilities }));
  const names = new Set<string>();
  for (const m of metrics) {
    if (names.has(m.name)) throw new ValueError(`${where}: metric '${m.name}' is listed twice`);
    names.add(m.name);
  }
  return metrics;
}

function scalarLoss(value: Tensor, where: string): Tensor {
  if (!isTensor(value) || value.size !== 1) {
    throw new ShapeError(
      `${where}: the loss must be a scalar, got ${isTensor(value) ? `shape ${fmtShape(value.shape)}` : typeof value} ` +
        "(reduce it with 'mean')",
    );
  }
  return value;
}

/** Runs the model over the batches in evaluation mode without gradients; the loss is averaged over samples. */
async function runEvaluation<M extends Module>(
  model: M,
  source: BatchSource,
  loss: ResolvedLoss | null,
  metrics: readonly Metric[],
  forward: ForwardFn<M>,
  where: string,
): Promise<EvaluateResult> {
  const restore = saveModes(model);
  const pause = yielder();
  model.eval();
  for (const m of metrics) m.reset();
  let lossSum = 0;
  let samples = 0;
  try {
    for (const batch of source.batches()) {
      const { x, y } = splitBatch(batch, where);
      const n = batchSize(y);
      noGrad(() => {
        const out = checkOutput(forward(model, x, y), where);
        if (loss) lossSum += scalarLoss(loss.fn(out, y), where).item() * n;
        for (const m of metrics) m.update(out, y);
      });
      samples += n;
      const p = pause();
      if (p) await p;
    }
  } finally {
    restore();
  }
  const result: EvaluateResult = { metrics: Object.fromEntries(metrics.map((m) => [m.name, m.compute()])) };
  if (loss) result.loss = samples === 0 ? Number.NaN : lossSum / samples;
  return result;
}

/**
 * Evaluates a model on data (tensors `{ x, y }`, a Dataset or a DataLoader) in evaluation mode, without
 * gradients: the mean loss over the samples (when `loss` is given) and the metrics, accumulated over batches.
 */
export async function evaluate<M extends Module>(
  model: M,
  data: TrainData,
  options: EvaluateOptions<M> = {},
): Promise<EvaluateResult> {
  const where = 'evaluate';
  const loss = options.loss === undefined ? null : getLoss(options.loss);
  const metrics = resolveMetrics(options.metrics ?? [], loss ?? getLoss(undefined), where);
  const source = batchSource(data, options.batchSize ?? 32, false, where);
  return runEvaluation(model, source, loss, metrics, options.forward ?? defaultForward, where);
}

/**
 * The model's outputs for `x`, computed in batches in evaluation mode without gradients and joined along the
 * first axis.
 */
export function predict<M extends Module>(model: M, x: Tensor, options: PredictOptions<M> = {}): Tensor {
  const where = 'predict';
  if (!isTensor(x) || x.ndim === 0) throw new ValueError(`${where}: expected a tensor of samples [N, …]`);
  const size = options.batchSize ?? 32;
  positiveInt(where, 'batchSize', size);
  const forward = options.forward ?? defaultForward;
  const restore = saveModes(model);
  model.eval();
  try {
    return noGrad(() => {
      const n = x.shape[0];
      const outs: Tensor[] = [];
      for (let start = 0; start < n; start += size) {
        const xb = n <= size ? x : narrow(x, 0, start, Math.min(size, n - start));
        outs.push(checkOutput(forward(model, xb), where));
      }
      return outs.length === 1 ? outs[0] : concat(outs, 0);
    });
  } finally {
    restore();
  }
}

/** Calls a hook on every callback in order, awaiting only the ones that return a promise. */
async function call(
  callbacks: readonly Callback[],
  hook: (cb: Callback) => void | Promise<void> | undefined,
): Promise<void> {
  for (const cb of callbacks) {
    const r = hook(cb);
    if (r) await r;
  }
}

const stateKey = (index: number, cb: Callback) => `${index}:${cb.constructor.name}`;

/**
 * Trains `model` on `data` (tensors `{ x, y }`, a Dataset of `[x, y]` samples, or a DataLoader of `[x, y]`
 * batches) and returns the history of its epochs. Each batch: forward, loss, backward, optional gradient
 * clipping, optimiser step, scheduler step (OneCycleLR), callbacks. After each epoch: validation, the scheduler's
 * step, callbacks (early stopping, checkpoints, logs) and the progress line.
 *
 * The model is in training mode while it trains and in evaluation mode while it is validated. When fit returns
 * (or throws), the model is left in **evaluation mode**: training is over, and what follows — `evaluate`,
 * `predict` or a plain `model.forward` — should be deterministic (Dropout off, BatchNorm on its running
 * statistics), as after a PyTorch loop that ends with `model.eval()`. Call `model.train()` to train by hand again;
 * another `fit` switches to training mode itself. (`evaluate` and `predict` put the modes back as they found them.) With a `seed` (and a model built after `nt.manualSeed`), the same backend gives the same
 * losses, and a fit resumed from a checkpoint gives the losses the uninterrupted one would have.
 *
 * A loss that becomes NaN or infinite stops training with a {@link NonFiniteLossError} naming the epoch and
 * batch, before that batch changes the weights.
 */
export async function fit<M extends Module>(
  model: M,
  data: TrainData,
  options: FitOptions<M> = {},
): Promise<History> {
  const where = 'fit';
  const { epochs, size, verbose } = checkFitOptions(model, options, where);
  const forward = options.forward ?? defaultForward;
  const loss = getLoss(options.loss);
  const metrics = resolveMetrics(options.metrics ?? [], loss, where);
  const { train, val } = prepareData(data, options, size, where);

  const optimizer = options.optimizer ?? defaultOptimizer(model, where);
  const scheduler = options.scheduler ?? null;
  const userCallbacks = [...(options.callbacks ?? [])];
  const reporter = options.reporter ?? createReporter(verbose);
  const { initialEpoch, history } = await resume(
    options.resumeFrom,
    model,
    optimizer,
    scheduler,
    userCallbacks,
    where,
  );
  const ordered = orderCallbacks(scheduler, options, userCallbacks, reporter);

  const progress = { completedEpoch: initialEpoch };
  const ctx: TrainingContext = {
    model,
    optimizer,
    scheduler,
    epochs,
    initialEpoch,
    batchesPerEpoch: train.numBatches,
    samplesPerEpoch: train.numSamples,
    history,
    metrics,
    hasValidation: val !== null,
    resumed: options.resumeFrom !== undefined,
    stopTraining: false,
    checkpoint: (extras = {}) =>
      createCheckpoint({
        model,
        optimizer,
        scheduler,
        epoch: progress.completedEpoch,
        history,
        callbacks: Object.fromEntries(
          userCallbacks.flatMap((cb, i) => (cb.stateDict ? [[stateKey(i, cb), cb.stateDict()]] : [])),
        ),
        preprocessing: extras.preprocessing,
        extra: extras.extra,
      }),
  };

  const loop: EpochLoop<M> = {
    model,
    train,
    val,
    loss,
    forward,
    optimizer,
    clip: options.clipGradNorm,
    params: optimizer.paramGroups.flatMap((g) => g.params),
    ordered,
    ctx,
    where,
    pause: yielder(),
  };
  try {
    await call(ordered, (cb) => cb.onTrainBegin?.(ctx));
    for (let epoch = initialEpoch + 1; epoch <= epochs && !ctx.stopTraining; epoch++) {
      await call(ordered, (cb) => cb.onEpochBegin?.(epoch, ctx));
      const log = await trainEpoch(loop, epoch);
      history.epochs.push(log);
      progress.completedEpoch = epoch;
      await call(ordered, (cb) => cb.onEpochEnd?.(epoch, log, ctx));
    }
    if (ctx.stopReason) history.stopReason = ctx.stopReason;
    await call(ordered, (cb) => cb.onTrainEnd?.(history, ctx));
  } catch (e) {
    abortCallbacks(ordered, e, ctx);
    throw e;
  } finally {
    model.eval();
  }
  return history;
}

/** The options fit checks before it touches anything: epochs, batch size, clipping, verbosity. */
function checkFitOptions(
  model: Module,
  options: FitOptions<never>,
  where: string,
): { epochs: number; size: number; verbose: Verbosity } {
  if (!model || typeof (model as Module).parameters !== 'function') {
    throw new ValueError(`${where}: expected a Module as the model`);
  }
  const epochs = options.epochs ?? 1;
  positiveInt(where, 'epochs', epochs);
  const size = options.batchSize ?? 32;
  positiveInt(where, 'batchSize', size);
  if (options.clipGradNorm !== undefined && !(options.clipGradNorm > 0)) {
    throw new ValueError(`${where}: clipGradNorm must be > 0, got ${options.clipGradNorm}`);
  }
  const verbose = options.verbose ?? 'auto';
  if (!['auto', 'bar', 'lines', 'silent'].includes(verbose)) {
    throw new ValueError(
      `${where}: verbose must be 'auto', 'bar', 'lines' or 'silent', got '${String(verbose)}'`,
    );
  }
  return { epochs, size, verbose };
}

/**
 * The training and validation batches: the validation split taken off first (before any shuffling), then the
 * seed applied (unless resuming, which restores the generator), then the batch sources.
 */
function prepareData(
  data: TrainData,
  options: FitOptions<never>,
  size: number,
  where: string,
): { train: BatchSource; val: BatchSource | null } {
  let trainData = data;
  let valData = options.validationData;
  if (options.validationSplit !== undefined) {
    if (valData !== undefined) {
      throw new ValueError(`${where}: give either validationData or validationSplit, not both`);
    }
    ({ train: trainData, val: valData } = splitValidation(data, options.validationSplit, where));
  }
  if (options.seed !== undefined && options.resumeFrom === undefined) manualSeed(options.seed);
  const train = batchSource(trainData, size, options.shuffle ?? true, where);
  const val =
    valData === undefined
      ? null
      : batchSource(valData, options.validationBatchSize ?? size, false, `${where} (validation)`);
  return { train, val };
}

/**
 * Restores a checkpoint into the model, optimiser, scheduler and callbacks when `resumeFrom` is given: the epoch
 * to continue from and the history so far (empty and 0 for a fresh fit).
 */
async function resume(
  resumeFrom: string | Checkpoint | undefined,
  model: Module,
  optimizer: AnyOptimizer,
  scheduler: Scheduler | null,
  userCallbacks: readonly Callback[],
  where: string,
): Promise<{ initialEpoch: number; history: History }> {
  const history: History = { epochs: [] };
  if (resumeFrom === undefined) return { initialEpoch: 0, history };
  const checkpoint = typeof resumeFrom === 'string' ? await loadCheckpoint(resumeFrom) : resumeFrom;
  if (checkpoint.scheduler && !scheduler) {
    throw new ValueError(
      `${where}: the checkpoint was trained with a ${checkpoint.scheduler.type}; pass one as the scheduler to resume`,
    );
  }
  restoreCheckpoint(checkpoint, { model, optimizer, scheduler });
  history.epochs.push(...(checkpoint.history?.epochs ?? []));
  const states = checkpoint.callbacks ?? {};
  userCallbacks.forEach((cb, i) => {
    const s = states[stateKey(i, cb)];
    if (s !== undefined && cb.loadStateDict) cb.loadStateDict(s);
  });
  return { initialEpoch: checkpoint.epoch, history };
}

/** The order hooks run in: the scheduler, the user's callbacks, the reporter, then the `runsLast` ones. */
function orderCallbacks(
  scheduler: Scheduler | null,
  options: FitOptions<never>,
  userCallbacks: readonly Callback[],
  reporter: Callback | null,
): Callback[] {
  const ordered: Callback[] = [];
  if (scheduler) {
    ordered.push(
      new LRSchedulerCallback(scheduler, {
        interval: options.schedulerInterval,
        monitor: options.schedulerMonitor,
      }),
    );
  }
  ordered.push(...userCallbacks.filter((c) => !c.runsLast));
  if (reporter) ordered.push(reporter);
  ordered.push(...userCallbacks.filter((c) => c.runsLast));
  return ordered;
}

/** What one epoch of fit works with. */
interface EpochLoop<M extends Module> {
  model: M;
  train: BatchSource;
  val: BatchSource | null;
  loss: ResolvedLoss;
  forward: ForwardFn<M>;
  optimizer: AnyOptimizer;
  /** Clip the gradients of `params` to this joint norm before each step. */
  clip?: number;
  params: Tensor[];
  ordered: readonly Callback[];
  ctx: TrainingContext;
  where: string;
  /** Yields to the event loop now and then (see {@link yielder}). */
  pause: () => Promise<void> | undefined;
}

/** One epoch: every training batch in turn (with its onBatchEnd hooks), then validation; the epoch's log. */
async function trainEpoch<M extends Module>(loop: EpochLoop<M>, epoch: number): Promise<EpochLog> {
  const { model, train, val, optimizer, ordered, ctx, where } = loop;
  const metrics = ctx.metrics;
  const start = performance.now();
  model.train();
  for (const m of metrics) m.reset();
  let lossSum = 0;
  let samples = 0;
  let b = 0;
  for (const batch of train.batches()) {
    b++;
    const { x, y } = splitBatch(batch, where);
    const n = batchSize(y);
    const { out, value } = trainStep(loop, x, y, epoch, b);
    for (const m of metrics) m.update(out, y);
    lossSum += value * n;
    samples += n;
    const batchLog: BatchLog = {
      batch: b,
      batches: train.numBatches,
      size: n,
      samples,
      loss: value,
      meanLoss: lossSum / samples,
      metrics: () => Object.fromEntries(metrics.map((m) => [m.name, m.compute()])),
      seconds: (performance.now() - start) / 1000,
    };
    await call(ordered, (cb) => cb.onBatchEnd?.(b, batchLog, ctx));
    const p = loop.pause();
    if (p) await p;
  }
  const log: EpochLog = {
    epoch,
    loss: samples === 0 ? Number.NaN : lossSum / samples,
    metrics: Object.fromEntries(metrics.map((m) => [m.name, m.compute()])),
    lr: optimizer.paramGroups[0].lr,
    seconds: 0,
  };
  if (val) {
    const result = await runEvaluation(model, val, loop.loss, metrics, loop.forward, `${where} (validation)`);
    log.valLoss = result.loss;
    log.valMetrics = result.metrics;
  }
  log.seconds = (performance.now() - start) / 1000;
  return log;
}

/**
 * One optimisation step on batch `b`: forward, loss, backward, optional clipping, the optimiser's step. A
 * non-finite loss or gradient norm throws before the step, so the weights stay as they were.
 */
function trainStep<M extends Module>(
  loop: EpochLoop<M>,
  x: Tensor,
  y: Tensor,
  epoch: number,
  b: number,
): { out: Tensor; value: number } {
  const { model, optimizer, where } = loop;
  const batches = loop.train.numBatches;
  optimizer.zeroGrad();
  const out = checkOutput(loop.forward(model, x, y), where);
  const lossTensor = scalarLoss(loop.loss.fn(out, y), where);
  const value = lossTensor.item();
  if (!Number.isFinite(value)) {
    throw new NonFiniteLossError(
      `${where}: the loss became ${value} at epoch ${epoch}, batch ${b} of ${batches}; training stopped ` +
        'before this batch changed the weights. Check the data for NaN or Infinity, lower the learning rate, ' +
        'or clip gradients (clipGradNorm).',
      epoch,
      b,
      value,
    );
  }
  lossTensor.backward();
  if (loop.clip !== undefined) {
    const norm = clipGradNorm(loop.params, loop.clip);
    if (!Number.isFinite(norm)) {
      throw new NonFiniteLossError(
        `${where}: the gradient norm became ${norm} at epoch ${epoch}, batch ${b} of ${batches} ` +
          `(loss ${value}); training stopped before this batch changed the weights`,
        epoch,
        b,
        value,
      );
    }
  }
  optimizer.step();
  return { out, value };
}

/** Tells every callback that training failed; their own errors are dropped, the training error is the one to report. */
function abortCallbacks(ordered: readonly Callback[], error: unknown, ctx: TrainingContext): void {
  for (const cb of ordered) {
    try {
      cb.onTrainAbort?.(error, ctx);
    } catch {
      // the training error is the one to report
    }
  }
}

function defaultOptimizer(model: Module, where: string): AnyOptimizer {
  const params = model.parameters().filter((p) => p.requiresGrad);
  if (params.length === 0) throw new ValueError(`${where}: the model has no trainable parameters`);
  return new Adam(params, { lr: 1e-3 }) as unknown as AnyOptimizer;
}
