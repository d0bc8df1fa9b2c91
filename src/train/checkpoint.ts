/**
 * Training checkpoints: everything needed to use a model later or to resume its training exactly. Tensors
 * (model weights and buffers, optimiser state) go into one safetensors file; everything else (epoch, optimiser
 * hyperparameters, scheduler state, the random generator's state, history, callback states, preprocessing,
 * extra) into a JSON manifest that names the weights file and its hash. The manifest is written last, atomically,
 * so a crash at any moment leaves the previous checkpoint or the new one, never a mix (see the Node part).
 *
 * This file is browser-safe: it turns checkpoints into tensors + JSON and back. Reading and writing files is
 * the host's (`neurite/node` registers it).
 */
import { FormatError, ValueError } from '../errors.js';
import type { TensorDict } from '../io/safetensors.js';
import type { Module, StateDict } from '../nn/module.js';
import type { AnyOptimizer } from '../optim/lr_scheduler.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import { defaultGenerator } from '../tensor/random.js';
import { isTensor, Tensor } from '../tensor/tensor.js';
import { type Architecture, architectureOf } from './architecture.js';
import { platformService } from './platform.js';
import type { Checkpoint, History, Scheduler } from './types.js';

export type { Checkpoint } from './types.js';

const FORMAT: Checkpoint['format'] = 'neurite-checkpoint';
const VERSION = 1;

/** What to put in a checkpoint. */
export interface CheckpointState {
  model: Module;
  optimizer?: AnyOptimizer | null;
  scheduler?: Scheduler | null;
  /** Epochs completed (default 0). */
  epoch?: number;
  /** Fitted preprocessing objects (anything JSON-serialisable; objects with `toJSON` are stored through it). */
  preprocessing?: Record<string, unknown>;
  /** Anything else JSON-serialisable: a model config, a preset name, notes. */
  extra?: unknown;
  /** The model's type and options (default: what {@link buildModel} recorded for the model, if it built it). */
  architecture?: Architecture | null;
  /** The random generator's state to store (default: the default generator's, which resuming restores). */
  rng?: readonly number[] | null;
  history?: History | null;
  /** Callback states by position in fit's callback list. */
  callbacks?: Record<string, unknown> | null;
}

// ---------------------------------------------------------------------------------------------------------------
// JSON with non-finite numbers (a scheduler's best of Infinity, the generator's NaN spare) kept exact

function toJson(value: unknown, what: string): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value, (key, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    if (isTensor(v)) {
      throw new ValueError(
        `checkpoint: ${what}${key ? `.${key}` : ''} is a Tensor; store tensors through the model, or convert it with toArray()`,
      );
    }
    if (typeof v === 'bigint') return Number(v);
    return v;
  });
  return text === undefined ? null : JSON.parse(text);
}

function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$number' && typeof o.$number === 'string') return Number(o.$number);
    return Object.fromEntries(keys.map((k) => [k, fromJson(o[k])]));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// making and applying checkpoints

function isCheckpoint(v: unknown): v is Checkpoint {
  return v !== null && typeof v === 'object' && (v as Checkpoint).format === FORMAT;
}

/** A snapshot of the state (tensors copied), ready to be saved or kept in memory. */
export function createCheckpoint(state: CheckpointState): Checkpoint {
  if (!state || typeof state.model?.stateDict !== 'function') {
    throw new ValueError(
      'createCheckpoint: expected { model, optimizer?, scheduler?, epoch?, … } with a Module as model',
    );
  }
  const epoch = state.epoch ?? 0;
  if (!Number.isInteger(epoch) || epoch < 0)
    throw new ValueError(`createCheckpoint: epoch must be an integer >= 0, got ${epoch}`);
  const model: StateDict = {};
  for (const [k, t] of Object.entries(state.model.stateDict())) model[k] = t.clone();
  const rng =
    state.rng === undefined ? defaultGenerator.getState() : state.rng === null ? null : [...state.rng];
  return {
    format: FORMAT,
    version: VERSION,
    epoch,
    model,
    optimizer: state.optimizer
      ? { type: state.optimizer.constructor.name, state: state.optimizer.stateDict() }
      : null,
    scheduler: state.scheduler
      ? {
          type: state.scheduler.constructor.name,
          state: toJson(state.scheduler.stateDict(), 'scheduler') as Record<string, unknown>,
        }
      : null,
    rng,
    history: state.history ? (toJson(state.history, 'history') as History) : null,
    callbacks: state.callbacks ? (toJson(state.callbacks, 'callbacks') as Record<string, unknown>) : null,
    preprocessing: state.preprocessing
      ? (toJson(state.preprocessing, 'preprocessing') as Record<string, unknown>)
      : null,
    extra: toJson(state.extra, 'extra'),
    architecture: (toJson(state.architecture ?? architectureOf(state.model), 'architecture') ??
      null) as Architecture | null,
  };
}

export interface RestoreOptions {
  model: Module;
  optimizer?: AnyOptimizer | null;
  scheduler?: Scheduler | null;
  /** Put the default random generator back where it was (default true), so shuffling and dropout continue. */
  rng?: boolean;
}

/**
 * Loads a checkpoint into a model (strictly: keys and shapes must match), and into an optimiser and a scheduler
 * of the same classes when given. Throws before changing anything the checkpoint does not fit.
 */
export function restoreCheckpoint(checkpoint: Checkpoint, target: RestoreOptions): void {
  const where = 'restoreCheckpoint';
  if (!isCheckpoint(checkpoint)) throw new FormatError(`${where}: not a neurite checkpoint`);
  const { optimizer, scheduler } = target;
  if (optimizer && checkpoint.optimizer && optimizer.constructor.name !== checkpoint.optimizer.type) {
    throw new FormatError(
      `${where}: the checkpoint's optimiser is ${checkpoint.optimizer.type}, the one given is ${optimizer.constructor.name}`,
    );
  }
  if (scheduler && checkpoint.scheduler && scheduler.constructor.name !== checkpoint.scheduler.type) {
    throw new FormatError(
      `${where}: the checkpoint's scheduler is ${checkpoint.scheduler.type}, the one given is ${scheduler.constructor.name}`,
    );
  }
  if (scheduler && !checkpoint.scheduler) {
    throw new FormatError(
      `${where}: a ${scheduler.constructor.name} was given but the checkpoint has no scheduler state`,
    );
  }
  target.model.loadStateDict(checkpoint.model);
  if (optimizer && checkpoint.optimizer) optimizer.loadStateDict(checkpoint.optimizer.state);
  if (scheduler && checkpoint.scheduler) scheduler.loadStateDict(checkpoint.scheduler.state);
  if ((target.rng ?? true) && checkpoint.rng) defaultGenerator.setState(checkpoint.rng);
}

// ---------------------------------------------------------------------------------------------------------------
// tensors + manifest

const MODEL_PREFIX = 'model.';
const OPTIMIZER_PREFIX = 'optimizer.';

/**
 * Splits a checkpoint into the tensors of its safetensors file (`model.<key>`, `optimizer.<param>.<state>`)
 * and its JSON manifest (which lists the model keys in order and points at the optimiser's tensors).
 */
export function encodeCheckpoint(checkpoint: Checkpoint): {
  tensors: TensorDict;
  manifest: Record<string, unknown>;
} {
  const tensors: TensorDict = {};
  for (const [k, t] of Object.entries(checkpoint.model)) tensors[MODEL_PREFIX + k] = t;
  let optimizer: unknown = null;
  if (checkpoint.optimizer) {
    const state: Record<string, Record<string, unknown>> = {};
    for (const [index, entry] of Object.entries(checkpoint.optimizer.state.state)) {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(entry)) {
        if (v instanceof Tensor) {
          const name = `${OPTIMIZER_PREFIX}${index}.${k}`;
          tensors[name] = v;
          packed[k] = { $tensor: name };
        } else {
          packed[k] = v;
        }
      }
      state[index] = packed;
    }
    optimizer = {
      type: checkpoint.optimizer.type,
      param_groups: toJson(checkpoint.optimizer.state.param_groups, 'optimizer.param_groups'),
      state: toJson(state, 'optimizer.state'),
    };
  }
  const manifest: Record<string, unknown> = {
    format: FORMAT,
    version: VERSION,
    epoch: checkpoint.epoch,
    model: Object.keys(checkpoint.model),
    optimizer,
    scheduler: toJson(checkpoint.scheduler, 'scheduler'),
    rng: toJson(checkpoint.rng, 'rng'),
    history: toJson(checkpoint.history, 'history'),
    callbacks: toJson(checkpoint.callbacks, 'callbacks'),
    preprocessing: toJson(checkpoint.preprocessing, 'preprocessing'),
    extra: toJson(checkpoint.extra, 'extra'),
    architecture: toJson(checkpoint.architecture, 'architecture'),
  };
  return { tensors, manifest };
}

/** Rebuilds a checkpoint from its tensors and manifest; `source` names the file in errors. */
export function decodeCheckpoint(
  tensors: TensorDict,
  manifest: Record<string, unknown>,
  source = 'decodeCheckpoint',
): Checkpoint {
  const fail = (msg: string): never => {
    throw new FormatError(`${source}: ${msg}`);
  };
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== FORMAT) {
    fail(`not a neurite checkpoint manifest (no "format": "${FORMAT}")`);
  }
  if (typeof manifest.version !== 'number' || manifest.version > VERSION) {
    fail(`checkpoint version ${String(manifest.version)} is newer than this neurite reads (${VERSION})`);
  }
  const epoch = manifest.epoch;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0)
    fail(`invalid epoch ${String(epoch)}`);
  const keys = manifest.model;
  if (!Array.isArray(keys)) fail('the manifest does not list the model keys');
  const model: StateDict = {};
  for (const k of keys as unknown[]) {
    const t = tensors[MODEL_PREFIX + String(k)];
    if (!t) fail(`model tensor '${String(k)}' is missing from the weights file`);
    model[String(k)] = t;
  }
  let optimizer: Checkpoint['optimizer'] = null;
  const opt = manifest.optimizer as { type?: unknown; param_groups?: unknown; state?: unknown } | null;
  if (opt) {
    if (
      typeof opt.type !== 'string' ||
      !Array.isArray(opt.param_groups) ||
      opt.state === null ||
      typeof opt.state !== 'object'
    ) {
      fail('malformed optimizer entry (expected type, param_groups and state)');
    }
    const state: OptimizerStateDict['state'] = {};
    for (const [index, entry] of Object.entries(opt.state as Record<string, Record<string, unknown>>)) {
      const unpacked: Record<string, Tensor | number | null> = {};
      for (const [k, v] of Object.entries(entry)) {
        if (v !== null && typeof v === 'object' && '$tensor' in v) {
          const name = String((v as { $tensor: unknown }).$tensor);
          const t = tensors[name];
          if (!t) fail(`optimizer tensor '${name}' is missing from the weights file`);
          unpacked[k] = t;
        } else {
          unpacked[k] = fromJson(v) as number | null;
        }
      }
      state[index] = unpacked;
    }
    optimizer = {
      type: opt.type as string,
      state: { state, param_groups: fromJson(opt.param_groups) as Record<string, unknown>[] },
    };
  }
  const rng = fromJson(manifest.rng);
  if (rng !== null && (!Array.isArray(rng) || rng.length !== 5))
    fail('malformed rng state (expected 5 numbers)');
  return {
    format: FORMAT,
    version: manifest.version as number,
    epoch: epoch as number,
    model,
    optimizer,
    scheduler: fromJson(manifest.scheduler) as Checkpoint['scheduler'],
    rng: rng as number[] | null,
    history: fromJson(manifest.history) as History | null,
    callbacks: fromJson(manifest.callbacks) as Record<string, unknown> | null,
    preprocessing: fromJson(manifest.preprocessing) as Record<string, unknown> | null,
    extra: fromJson(manifest.extra),
    // checkpoints written before architectures were recorded have none
    architecture: (fromJson(manifest.architecture ?? null) as Architecture | null) ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// files (through the host)

/**
 * Saves a checkpoint atomically to `path`: a directory (holding `checkpoint.json` and a content-addressed
 * `weights-<hash>.safetensors`) or a `.json` manifest path (the weights file goes next to it). Takes the state
 * (`{ model, optimizer, scheduler, epoch, preprocessing, extra }`) or a Checkpoint. Returns the manifest's path.
 * Needs file access (Node).
 *
 * ```ts
 * await nt.train.saveCheckpoint('runs/mnist', { model, optimizer, epoch: 5, preprocessing: { scaler } });
 * ```
 */
export async function saveCheckpoint(path: string, state: CheckpointState | Checkpoint): Promise<string> {
  const write = platformService('writeCheckpoint', 'saveCheckpoint');
  const checkpoint = isCheckpoint(state) ? state : createCheckpoint(state);
  const { tensors, manifest } = encodeCheckpoint(checkpoint);
  return write(path, tensors, manifest);
}

/**
 * Loads a checkpoint saved by {@link saveCheckpoint} (a directory or its `.json` manifest). A damaged or
 * incomplete checkpoint is a FormatError naming the file. Apply it with {@link restoreCheckpoint} or pass it
 * to fit's `resumeFrom`. Needs file access (Node).
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const read = platformService('readCheckpoint', 'loadCheckpoint');
  const { tensors, manifest, source } = await read(path);
  return decodeCheckpoint(tensors, manifest, source);
}
