/**
 * Architectures a checkpoint can name: a model built with {@link buildModel} remembers its type and options, and
 * `createCheckpoint` writes them into the checkpoint, so {@link loadModel} can rebuild the model from the
 * checkpoint alone — no code that knows the model is needed to use it later.
 *
 * ```ts
 * const model = nt.train.buildModel('LeNet5', { activation: 'relu' });
 * // … fit, saveCheckpoint(dir, { model, … }) …
 * const { model: again, preprocess } = await nt.train.loadModel(dir);
 * ```
 *
 * Browser-safe.
 */
import { ValueError } from '../errors.js';
import { AlexNet } from '../models/alexnet.js';
import { GoogLeNetMini } from '../models/inception.js';
import { LeNet5 } from '../models/lenet.js';
import { LogisticRegression } from '../models/logistic.js';
import { MLP } from '../models/mlp.js';
import { RandWireNet } from '../models/randwire/index.js';
import { LinearRegression } from '../models/regression.js';
import { resnetMini } from '../models/resnet.js';
import {
  CharRNN,
  Seq2Seq,
  SequenceClassifier,
  SequenceGenerator,
  SequenceTagger,
} from '../models/seq/index.js';
import { VGG } from '../models/vgg.js';
import type { Module } from '../nn/module.js';

/** A model's type (a key of {@link ARCHITECTURES}) and the JSON options it was built with. */
export interface Architecture {
  type: string;
  options: Record<string, unknown>;
}

/** The models {@link buildModel} builds, by name: each takes its constructor's options object. */
export const ARCHITECTURES = {
  LinearRegression: (o: ConstructorParameters<typeof LinearRegression>[0]) => new LinearRegression(o),
  LogisticRegression: (o: ConstructorParameters<typeof LogisticRegression>[0]) => new LogisticRegression(o),
  MLP: (o: ConstructorParameters<typeof MLP>[0]) => new MLP(o),
  LeNet5: (o: ConstructorParameters<typeof LeNet5>[0]) => new LeNet5(o),
  AlexNet: (o: ConstructorParameters<typeof AlexNet>[0]) => new AlexNet(o),
  VGG: (o: ConstructorParameters<typeof VGG>[0]) => new VGG(o),
  GoogLeNetMini: (o: ConstructorParameters<typeof GoogLeNetMini>[0]) => new GoogLeNetMini(o),
  resnetMini: (o: Parameters<typeof resnetMini>[0]) => resnetMini(o),
  RandWireNet: (o: ConstructorParameters<typeof RandWireNet>[0]) => new RandWireNet(o),
  SequenceClassifier: (o: ConstructorParameters<typeof SequenceClassifier>[0]) => new SequenceClassifier(o),
  SequenceTagger: (o: ConstructorParameters<typeof SequenceTagger>[0]) => new SequenceTagger(o),
  SequenceGenerator: (o: ConstructorParameters<typeof SequenceGenerator>[0]) => new SequenceGenerator(o),
  Seq2Seq: (o: ConstructorParameters<typeof Seq2Seq>[0]) => new Seq2Seq(o),
  CharRNN: (o: ConstructorParameters<typeof CharRNN>[0]) => new CharRNN(o),
} as const;

export type ArchitectureName = keyof typeof ARCHITECTURES;

const recorded = new WeakMap<Module, Architecture>();

function isName(type: string): type is ArchitectureName {
  return Object.hasOwn(ARCHITECTURES, type);
}

/** The options as plain JSON (a copy), or an error naming the option that JSON cannot hold. */
function jsonOptions(type: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValueError(`buildModel('${type}'): options must be an object, got ${JSON.stringify(options)}`);
  }
  const text = JSON.stringify(options, (key, v) => {
    if (typeof v === 'function' || typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v))) {
      throw new ValueError(
        `buildModel('${type}'): option ${key} (${typeof v === 'number' ? v : typeof v}) cannot be stored in a checkpoint; build this model with new and restore it by hand`,
      );
    }
    return v;
  });
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Builds a model by its name in {@link ARCHITECTURES} and remembers the name and options, which checkpoints of
 * the model then record (see {@link loadModel}).
 */
export function buildModel<K extends ArchitectureName>(
  type: K,
  options: Parameters<(typeof ARCHITECTURES)[K]>[0],
): ReturnType<(typeof ARCHITECTURES)[K]> {
  if (!isName(type)) {
    throw new ValueError(
      `buildModel: unknown model type '${String(type)}'; expected one of ${Object.keys(ARCHITECTURES).join(', ')}`,
    );
  }
  const json = jsonOptions(type, options);
  // build from the JSON copy, as loadModel will: an option that does not survive JSON shows up now, not later
  const build = ARCHITECTURES[type] as (o: unknown) => Module;
  const model = build(json);
  recorded.set(model, { type, options: json });
  return model as ReturnType<(typeof ARCHITECTURES)[K]>;
}

/** The architecture a model was built with by {@link buildModel}, or null. */
export function architectureOf(model: Module): Architecture | null {
  const a = recorded.get(model);
  return a ? { type: a.type, options: structuredClone(a.options) } : null;
}

/** Builds the model an architecture record describes (as {@link buildModel} did); `source` names it in errors. */
export function buildArchitecture(architecture: Architecture, source = 'buildArchitecture'): Module {
  const { type, options } = architecture ?? ({} as Architecture);
  if (typeof type !== 'string' || !isName(type)) {
    throw new ValueError(
      `${source}: unknown model type ${JSON.stringify(type)}; this neurite builds ${Object.keys(ARCHITECTURES).join(', ')}`,
    );
  }
  return buildModel(type, options as never);
}
