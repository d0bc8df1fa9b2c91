/**
 * nt.pytorch.exportModel: a Module as a folder's worth of files for PyTorch, browser-safe (strings and bytes):
 * `model.py` (a readable nn.Module with neurite's state-dict keys, and a safetensors reader of its own),
 * `weights.safetensors`, `preprocessing.json` (the raw inputs → the model's inputs), `train_ddp.py` (continues
 * training under torchrun with DistributedDataParallel), `neurite.json` (what train_ddp.py needs to know of the
 * run) and, when given, `data.safetensors` (the training data).
 */

import { ValueError } from '../../errors.js';
import { CharRNN } from '../../models/seq/charrnn.js';
import { SequenceGenerator } from '../../models/seq/generator.js';
import { Seq2Seq } from '../../models/seq/seq2seq.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { architectureOf } from '../../train/architecture.js';
import { type Checkpoint, encodeCheckpoint } from '../../train/checkpoint.js';
import type { XY } from '../../train/data.js';
import type { InputSpec } from '../../train/load_model.js';
import type { LossName } from '../../train/losses.js';
import { lookupClass } from '../module-table.js';
import { encodeSafetensors, type TensorDict } from '../safetensors.js';
import { checkpointTable } from '../table-spec.js';
import { PYTHON_CLASSES, PYTHON_GENERATOR_CLASSES } from './classes.js';
import { format } from './python.js';
import { PYTHON_RUNTIME } from './runtime.js';
import { TRAIN_SCRIPT } from './train_script.js';
import { pytorchWriters, WriteContext, type Writer } from './writers.js';

/** The input steps model.py's preprocess() applies; others are refused when exporting. */
export const PYTORCH_INPUT_STEPS: readonly string[] = [
  'normalize',
  'reshape',
  'StandardScaler',
  'MinMaxScaler',
  'PolynomialFeatures',
];

/** data.safetensors above this size is refused (the user's CSV through `train_ddp.py --csv` instead). */
export const MAX_DATA_BYTES = 64 * 1024 * 1024;

/** How train_ddp.py continues the run. */
export interface PytorchTraining {
  /** The loss (default crossEntropy). */
  loss?: LossName;
  /** What the outputs are: 'classification' (class logits), 'binary' (one logit) or 'regression'. */
  task?: 'classification' | 'binary' | 'regression';
  /** The optimiser: its class name and PyTorch-named hyperparameters (a checkpoint's param_groups[0]). */
  optimizer?: { type: string } & Record<string, unknown>;
  /** The learning rate train_ddp.py starts from (default: the optimiser's initial_lr, else its lr). */
  lr?: number;
  /** Samples per step and process (default 32). */
  batchSize?: number;
  clipGradNorm?: number;
  seed?: number;
}

export interface PytorchExportOptions {
  /** How raw inputs become the model's inputs (a checkpoint's `preprocessing.input`), as preprocessing.json. */
  input?: InputSpec | null;
  training?: PytorchTraining;
  /** The data to continue training on, model-ready (after `input`), written as data.safetensors. */
  data?: { train: XY; test: XY; description?: string } | null;
  /** The checkpoint exported: its architecture, preprocessing and recipe travel to train_ddp.py's checkpoint. */
  checkpoint?: Checkpoint | null;
  /** Where the model came from, for model.py's docstring (e.g. the run folder). */
  source?: string;
  /** The neurite version named in the files. */
  version?: string;
  /** Refuse data.safetensors larger than this (default {@link MAX_DATA_BYTES}). */
  maxDataBytes?: number;
}

/** The files of an export, by name, with what they hold. */
export interface PytorchExport {
  files: Record<string, string | Uint8Array>;
  /** model.py's own classes (beyond torch.nn), in order of definition. */
  classes: string[];
  /** The state-dict keys in weights.safetensors. */
  keys: string[];
}

/** Every class the exporter knows, with its writer. */
export { pytorchWriters };

/** Whether the exporter has a writer for `model`'s class (or a class it inherits forward from). */
export function canExport(model: Module): boolean {
  return lookupClass(pytorchWriters(), model)?.sameForward ?? false;
}

function modelSource(model: Module, options: PytorchExportOptions, classes: string[], body: string): string {
  const name = model.constructor.name;
  const from = options.source ? ` from ${options.source}` : '';
  const raw = options.input?.description ?? "the model's inputs";
  const known = { ...PYTHON_CLASSES, ...PYTHON_GENERATOR_CLASSES };
  const defs = classes.map((c) => known[c].trimEnd()).join('\n\n');
  return `"""${name}, a neurite model as a plain PyTorch module.

Exported by neurite${options.version ? ` ${options.version}` : ''}${from}. The state-dict keys are neurite's, which are
PyTorch's, so weights.safetensors loads with load_state_dict(strict=True); the file is read with torch alone.

    from model import load_model, preprocess
    model = load_model()                  # weights.safetensors beside this file, in evaluation mode
    outputs = model(preprocess(raw))      # raw: ${raw}
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
${defs ? `\n${defs}\n` : ''}

def build_model():
    """The architecture of neurite's ${name}, with fresh weights."""
    return ${body}


${PYTHON_RUNTIME.trim()}


if __name__ == "__main__":
    model = load_model()
    print(model)
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
`;
}

function checkXY(xy: XY, what: string): void {
  if (!xy || typeof xy.x?.shape !== 'object' || typeof xy.y?.shape !== 'object')
    throw new ValueError(`pytorch.exportModel: data.${what} must be { x, y } tensors`);
  if (xy.x.shape[0] !== xy.y.shape[0]) {
    throw new ValueError(
      `pytorch.exportModel: data.${what} has ${xy.x.shape[0]} inputs and ${xy.y.shape[0]} targets`,
    );
  }
}

/**
 * How train_ddp.py calls the model on a batch and which target it skips: the encoder-decoders read the target
 * (teacher forcing) and skip their padding token; CharRNN's logits come first of (logits, state).
 */
function trainingCall(model: Module): { call: string; ignoreIndex: number | null } {
  if (model instanceof Seq2Seq || model instanceof SequenceGenerator) {
    return { call: 'model(x, y)', ignoreIndex: model.padId };
  }
  if (model instanceof CharRNN) return { call: 'model(x)[0]', ignoreIndex: null };
  return { call: 'model(x)', ignoreIndex: null };
}

function trainingConfig(model: Module, options: PytorchExportOptions): Record<string, unknown> {
  const t = options.training ?? {};
  const ckpt = options.checkpoint ?? null;
  const group = ckpt?.optimizer?.state.param_groups[0] ?? {};
  const { params: _params, initial_lr: initialLr, ...hyper } = group as Record<string, unknown>;
  const optimizer = t.optimizer ?? (ckpt?.optimizer ? { type: ckpt.optimizer.type, ...hyper } : null);
  const lr =
    t.lr ??
    (typeof initialLr === 'number' ? initialLr : undefined) ??
    (typeof optimizer?.lr === 'number' && optimizer.lr > 0 ? optimizer.lr : undefined);
  const manifest = ckpt ? encodeCheckpoint({ ...ckpt, model: {} }).manifest : null;
  return {
    format: 'neurite-pytorch-export',
    version: 1,
    model: model.constructor.name,
    task: t.task ?? null,
    loss: t.loss ?? null,
    ...trainingCall(model),
    optimizer,
    training: {
      lr: lr ?? null,
      batchSize: t.batchSize ?? 32,
      clipGradNorm: t.clipGradNorm ?? null,
      seed: t.seed ?? 0,
    },
    data: options.data
      ? {
          file: 'data.safetensors',
          train: options.data.train.x.shape[0],
          test: options.data.test.x.shape[0],
          description: options.data.description ?? null,
        }
      : null,
    checkpoint: {
      epoch: manifest?.epoch ?? 0,
      preprocessing: manifest?.preprocessing ?? (options.input ? { input: options.input } : null),
      extra: manifest?.extra ?? null,
      architecture: manifest?.architecture ?? architectureOf(model),
    },
  };
}

/**
 * preprocessing.json: the input steps, and for a CSV run with categorical columns the table's columns (each
 * categorical one with its categories, how it is encoded and what an unknown value does) and a label-encoded
 * target's classes, so that model.py's preprocess() takes raw rows and train_ddp.py --csv reads raw CSV files.
 */
function preprocessingJSON(options: PytorchExportOptions): Record<string, unknown> {
  const table = checkpointTable(options.checkpoint, 'pytorch.exportModel');
  if (!table) return { ...options.input };
  const columns = table.columns.map((name) => {
    const e = table.encoders[name];
    if (!e) return { name };
    return e.type === 'OneHotEncoder'
      ? { name, encoding: 'onehot', categories: e.categories[0], handleUnknown: e.handleUnknown }
      : { name, encoding: 'label', categories: e.classes, handleUnknown: 'error' };
  });
  return { ...options.input, columns, ...(table.target ? { target: table.target } : {}) };
}

/**
 * Exports `model` to the files of a PyTorch folder (see the module's comment), as strings and bytes: nothing is
 * written (in Node, {@link save} writes the folder). A module the exporter cannot spell in PyTorch, or a
 * preprocessing step model.py cannot apply, is a ValueError naming it.
 */
export function exportModel(model: Module, options: PytorchExportOptions = {}): PytorchExport {
  const ctx = new WriteContext(pytorchWriters());
  const body = format(ctx.module(model, ''), 1);
  // a token model's vocabulary (seq2seq-reverse, charrnn) travels as vocab.json, read by model.py's CharVocab
  const vocab = (options.checkpoint?.preprocessing as { vocab?: { type?: unknown } } | null | undefined)
    ?.vocab;
  const withVocab = vocab?.type === 'CharVocab';
  if (withVocab) ctx.classes.push('CharVocab');
  const state = model.stateDict();
  const step = options.input?.steps.find((s) => !PYTORCH_INPUT_STEPS.includes(s.type));
  if (step) {
    throw new ValueError(
      `pytorch.exportModel: the preprocessing step ${step.type} has no PyTorch form in model.py (it knows ${PYTORCH_INPUT_STEPS.join(', ')})`,
    );
  }
  const files: Record<string, string | Uint8Array> = {
    'model.py': modelSource(model, options, ctx.classes, body),
    'weights.safetensors': encodeSafetensors(state, { format: 'pt' }),
    'train_ddp.py': TRAIN_SCRIPT,
    'neurite.json': `${JSON.stringify(trainingConfig(model, options), null, 1)}\n`,
  };
  if (options.input) files['preprocessing.json'] = `${JSON.stringify(preprocessingJSON(options), null, 1)}\n`;
  if (withVocab) files['vocab.json'] = `${JSON.stringify(vocab, null, 1)}\n`;
  if (options.data) {
    checkXY(options.data.train, 'train');
    checkXY(options.data.test, 'test');
    const tensors: TensorDict = {
      x_train: options.data.train.x,
      y_train: options.data.train.y,
      x_test: options.data.test.x,
      y_test: options.data.test.y,
    };
    const bytes = Object.values(tensors).reduce((a, t: Tensor) => a + t.size * 4, 0);
    const limit = options.maxDataBytes ?? MAX_DATA_BYTES;
    if (bytes > limit) {
      throw new ValueError(
        `pytorch.exportModel: the data would take ${(bytes / 2 ** 20).toFixed(1)} MiB, more than the ${(limit / 2 ** 20).toFixed(0)} MiB limit; export without it (neurite export --no-data) and train on a CSV (train_ddp.py --csv)`,
      );
    }
    files['data.safetensors'] = encodeSafetensors(tensors);
  }
  return { files, classes: [...ctx.classes], keys: Object.keys(state) };
}

export type { Writer };
