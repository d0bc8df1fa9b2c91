/**
 * Named configs: a preset that a JSON config can express is one — its options (the preset's flags) give a config
 * object, which is validated by the config schema and built by {@link buildConfigExperiment}, exactly as a user's
 * `neurite train file.json` is. Only the sequence presets (sequence.ts) build their experiments in code.
 */
import type { z } from 'zod';
import { buildConfigExperiment, type Config, type ConfigInput, validateConfig } from '../config.js';
import type { Preset } from './types.js';

export interface NamedConfigSpec<O> {
  name: string;
  /** One line for `neurite train --help` and error messages. */
  description: string;
  /** The preset's options, keyed as the flags' camelCase names (`hiddenSize` for `--hidden-size`). */
  options: z.ZodType<O>;
  /**
   * The config the options name, as a user would write it: model, data, optimizer (with the default `lr`),
   * scheduler, training (the default `epochs` and `batchSize`, `clipGradNorm`) and metrics.
   */
  config(options: O): ConfigInput;
  /** What `train` shows: more than the config's `model.type on dataset`. */
  title(options: O): string;
}

/** A preset that is a named config: its {@link Preset.build} goes through the config builder. */
export interface NamedConfigPreset<O> extends Preset<O> {
  /** The validated config these options name (what `neurite train` would read from a file). */
  config(options: O): Config;
}

/** The preset of a named config; its defaults (epochs, batch size, learning rate) are the config's. */
export function namedConfig<O>(spec: NamedConfigSpec<O>): NamedConfigPreset<O> {
  const config = (options: O): Config => {
    const c = validateConfig(spec.config(options), `preset ${spec.name}`);
    // neurite train reads these from a config file's recipe only, never from a preset's
    if (c.training.validationSplit !== undefined || c.training.earlyStopping !== undefined) {
      throw new Error(`preset ${spec.name}: a named config cannot hold validationSplit or earlyStopping`);
    }
    return c;
  };
  const defaults = config(spec.options.parse({}));
  if (defaults.optimizer.lr === undefined) {
    throw new Error(`preset ${spec.name}: its config must give optimizer.lr (the preset's default)`);
  }
  return {
    name: spec.name,
    description: spec.description,
    defaults: {
      epochs: defaults.training.epochs,
      batchSize: defaults.training.batchSize,
      lr: defaults.optimizer.lr,
    },
    options: spec.options,
    config,
    build: ({ options, training, restored }) =>
      buildConfigExperiment(
        { config: config(options), file: spec.name, baseDir: process.cwd() },
        training,
        restored,
        { title: spec.title(options) },
      ),
  };
}
