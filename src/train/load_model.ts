/**
 * One call from a checkpoint to a ready model: {@link loadModel} rebuilds the architecture the checkpoint records,
 * loads the weights, switches to evaluation mode and gives back the preprocessing the inputs need.
 *
 * Browser-safe; reading the checkpoint from a path needs file access (Node), a loaded checkpoint does not.
 */

import { type PreprocessorJSON, preprocessorFromJSON } from '../data/preprocessing.js';
import { FormatError, ValueError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { reshape } from '../ops/shape.js';
import { isTensor, Tensor } from '../tensor/tensor.js';
import { buildArchitecture } from './architecture.js';
import { type Checkpoint, loadCheckpoint, restoreCheckpoint } from './checkpoint.js';

/**
 * One step from raw inputs towards the model's inputs:
 * - `normalize`: `((x / divide) − mean) / std`, as torchvision's `ToTensor` + `Normalize` (MNIST: divide 255,
 *   mean 0.1307, std 0.3081);
 * - `reshape`: each sample to `shape` (e.g. `[1, 28, 28]`), the batch axis kept;
 * - a fitted preprocessor's JSON (`StandardScaler`, `MinMaxScaler`, `PolynomialFeatures`), applied with its
 *   `transform`.
 */
export type InputStep =
  | { type: 'normalize'; divide: number; mean: number; std: number }
  | { type: 'reshape'; shape: number[] }
  | PreprocessorJSON;

/** How raw inputs become the model's inputs, stored as a checkpoint's `preprocessing.input`. */
export interface InputSpec {
  /** The raw inputs in words, e.g. `MNIST digits: 784 pixels 0–255 (0 = background) per sample`. */
  description: string;
  steps: InputStep[];
}

/** What {@link loadModel} gives back. */
export interface LoadedModel<M extends Module = Module> {
  /** The model with the checkpoint's weights, in evaluation mode. */
  model: M;
  /** Raw inputs `[N, …]` (as `input.description` says) → the model's inputs; the identity when none recorded. */
  preprocess: (x: Tensor) => Tensor;
  /** The recorded preprocessing, or null when the checkpoint holds none. */
  input: InputSpec | null;
  checkpoint: Checkpoint;
}

function isInputSpec(v: unknown): v is InputSpec {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as InputSpec).description === 'string' &&
    Array.isArray((v as InputSpec).steps)
  );
}

/** The function an {@link InputSpec} describes; `source` names the checkpoint in errors. */
export function inputTransform(spec: InputSpec, source = 'inputTransform'): (x: Tensor) => Tensor {
  const steps = spec.steps.map((step): ((x: Tensor) => Tensor) => {
    switch (step?.type) {
      case 'normalize': {
        const { divide, mean, std } = step as Extract<InputStep, { type: 'normalize' }>;
        return (x) => {
          const out = new Float32Array(x.size);
          const d = x.data;
          for (let i = 0; i < out.length; i++) out[i] = (d[i] / divide - mean) / std;
          return new Tensor(out, [...x.shape]);
        };
      }
      case 'reshape': {
        const { shape } = step as Extract<InputStep, { type: 'reshape' }>;
        return (x) => reshape(x, [x.shape[0], ...shape]);
      }
      default: {
        let p: { transform(x: Tensor): Tensor };
        try {
          p = preprocessorFromJSON(step as PreprocessorJSON) as { transform(x: Tensor): Tensor };
        } catch (e) {
          throw new FormatError(
            `${source}: preprocessing step ${JSON.stringify(step?.type)}: ${(e as Error).message}`,
          );
        }
        if (typeof p.transform !== 'function')
          throw new FormatError(`${source}: preprocessing step ${step.type} does not transform inputs`);
        return (x) => p.transform(x);
      }
    }
  });
  return (x: Tensor) => {
    if (!isTensor(x) || x.ndim === 0)
      throw new ValueError(`preprocess: expected a tensor of samples [N, …] (${spec.description})`);
    return steps.reduce((t, f) => f(t), x);
  };
}

/**
 * Loads a checkpoint (a run folder of `neurite train`, a folder or manifest of `saveCheckpoint`, or a loaded
 * checkpoint) into a ready model: the architecture the checkpoint records is rebuilt, the weights loaded, and the
 * model put in evaluation mode. `preprocess` turns raw inputs into what the model was trained on (for the CLI's
 * MNIST presets: pixels 0–255 → standardised, in the model's layout), so that
 * `model.forward(preprocess(x))` reproduces `neurite eval`.
 *
 * ```ts
 * const { model, preprocess } = await nt.train.loadModel('runs/cnn-mnist-20261204-141502-123');
 * const { images } = nt.loadMnist({ split: 'test', normalize: 'none' });
 * const digits = nt.train.predict(model, preprocess(images)).argmax(1);
 * ```
 *
 * A checkpoint that does not record its architecture (written before neurite recorded them, or of a model not
 * built with `nt.train.buildModel`) is a FormatError saying how to load it by hand.
 */
export async function loadModel<M extends Module = Module>(
  checkpoint: string | Checkpoint,
): Promise<LoadedModel<M>> {
  const source = typeof checkpoint === 'string' ? checkpoint : 'loadModel';
  const ckpt = typeof checkpoint === 'string' ? await loadCheckpoint(checkpoint) : checkpoint;
  if (!ckpt.architecture) {
    throw new FormatError(
      `${source}: the checkpoint does not record its model's architecture (it predates neurite's architecture ` +
        'records, or the model was not built with nt.train.buildModel); build the model in code and load the ' +
        'weights with nt.train.restoreCheckpoint(await nt.train.loadCheckpoint(path), { model })',
    );
  }
  const model = buildArchitecture(ckpt.architecture, source);
  restoreCheckpoint(ckpt, { model, rng: false });
  model.eval();
  const input = ckpt.preprocessing?.input;
  if (input !== undefined && !isInputSpec(input)) {
    throw new FormatError(
      `${source}: preprocessing.input is not an input description ({ description, steps })`,
    );
  }
  const spec = input ?? null;
  return {
    model: model as M,
    preprocess: spec ? inputTransform(spec, source) : (x) => x,
    input: spec,
    checkpoint: ckpt,
  };
}
