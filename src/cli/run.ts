/**
 * Runs: what `neurite train` writes into its output folder and what the other commands read back. The recipe
 * (preset and options, or the config) travels in the checkpoint's `extra`, the fitted preprocessing in its
 * `preprocessing`, so a checkpoint alone rebuilds its experiment.
 */
import { existsSync, statSync } from 'node:fs';
import * as nt from '../node.js';
import { CliError, usageError } from './common.js';
import {
  buildConfigExperiment,
  type Config,
  type LoadedConfig,
  loadConfig,
  validateConfig,
} from './config.js';
import type { Experiment, Restored, TrainingSettings } from './experiment.js';
import { findPreset, PRESET_NAMES, presetOptions } from './presets/index.js';

const RECIPE = 'neurite-cli-run';

/** How a run was made: stored in its checkpoint. */
export interface Recipe {
  kind: typeof RECIPE;
  version: 1;
  /** The preset's name, or null for a config. */
  preset: string | null;
  /** The preset's options (defaults filled in). */
  options: Record<string, unknown>;
  /** The validated config, or null for a preset. */
  config: Config | null;
  /** The config file as given, and its folder (CSV paths resolve against it). */
  configFile: string | null;
  baseDir: string | null;
  training: TrainingSettings;
  /** The neurite version that trained it. */
  neurite: string;
  /** Facts about the data the rebuild needs (feature columns, classes), written with the checkpoint. */
  info?: Record<string, unknown>;
}

/** Whether a train/summary target names a config file rather than a preset. */
export function isConfigTarget(target: string): boolean {
  if (target.toLowerCase().endsWith('.json')) return true;
  return !PRESET_NAMES.includes(target) && existsSync(target) && statSync(target).isFile();
}

/** Builds the experiment of a recipe (with fitted state from a checkpoint when rebuilding). */
export function buildExperiment(recipe: Recipe, restored?: Restored): Experiment {
  if (recipe.preset !== null) {
    const preset = findPreset(recipe.preset);
    const options = presetOptions(preset, recipe.options);
    return preset.build({ options, training: recipe.training, restored });
  }
  const loaded: LoadedConfig = {
    config: recipe.config as Config,
    file: recipe.configFile ?? 'config',
    baseDir: recipe.baseDir ?? process.cwd(),
  };
  return buildConfigExperiment(loaded, recipe.training, restored);
}

/** The display name of a run: the preset, or the config file. */
export function runName(recipe: Recipe): string {
  return recipe.preset ?? recipe.configFile ?? 'config';
}

/** A recipe for a preset target or a config file, with the training settings resolved. */
export function recipeFor(
  target: string,
  presetFlags: Record<string, unknown>,
  overrides: Partial<TrainingSettings>,
  version: string,
): { recipe: Recipe; loaded?: LoadedConfig } {
  if (isConfigTarget(target)) {
    if (Object.keys(presetFlags).length > 0) {
      const flag = Object.keys(presetFlags)[0];
      throw usageError(
        `preset options such as --${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} do not apply to a config file; set them in ${target}`,
      );
    }
    const loaded = loadConfig(target);
    const c = loaded.config;
    const training: TrainingSettings = {
      epochs: overrides.epochs ?? c.training.epochs,
      batchSize: overrides.batchSize ?? c.training.batchSize,
      lr: overrides.lr ?? c.optimizer.lr ?? defaultLr(c.optimizer.type),
      seed: overrides.seed ?? c.training.seed,
      limit: overrides.limit,
    };
    return {
      recipe: {
        kind: RECIPE,
        version: 1,
        preset: null,
        options: {},
        config: c,
        configFile: target,
        baseDir: loaded.baseDir,
        training,
        neurite: version,
      },
      loaded,
    };
  }
  const preset = findPreset(target);
  const options = presetOptions(preset, presetFlags);
  return {
    recipe: {
      kind: RECIPE,
      version: 1,
      preset: preset.name,
      options,
      config: null,
      configFile: null,
      baseDir: null,
      training: {
        epochs: overrides.epochs ?? preset.defaults.epochs,
        batchSize: overrides.batchSize ?? preset.defaults.batchSize,
        lr: overrides.lr ?? preset.defaults.lr,
        seed: overrides.seed ?? 0,
        limit: overrides.limit,
      },
      neurite: version,
    },
  };
}

function defaultLr(optimizer: string): number {
  return optimizer === 'sgd' ? 0.01 : optimizer === 'adagrad' ? 0.01 : 1e-3;
}

/** The recipe in a checkpoint's extra, checked. */
export function recipeOf(checkpoint: nt.train.Checkpoint, source: string): Recipe {
  const r = checkpoint.extra as Partial<Recipe> | null;
  if (!r || typeof r !== 'object' || r.kind !== RECIPE) {
    throw new CliError(
      `${source}: this checkpoint was not written by neurite train (it has no recipe to rebuild the model from)`,
    );
  }
  if (r.version !== 1 || !r.training || (r.preset === null && !r.config)) {
    throw new CliError(`${source}: the checkpoint's recipe is incomplete or from a newer neurite`);
  }
  if (r.config) r.config = validateConfig(r.config, `${source} (its stored config)`);
  return r as Recipe;
}

/** Loads a checkpoint, turning file problems into one-line errors. */
export async function readCheckpoint(path: string): Promise<nt.train.Checkpoint> {
  if (!existsSync(path))
    throw new CliError(`${path}: no such checkpoint (give the run folder or its checkpoint.json)`);
  try {
    return await nt.train.loadCheckpoint(path);
  } catch (e) {
    if (e instanceof nt.NeuriteError) throw new CliError(e.message);
    throw e;
  }
}

/** A trained run: the checkpoint, its recipe, and the experiment rebuilt with the trained weights. */
export interface LoadedRun {
  checkpoint: nt.train.Checkpoint;
  recipe: Recipe;
  experiment: Experiment;
}

/** Loads a checkpoint written by `neurite train` and rebuilds its experiment with the trained weights. */
export async function loadRun(path: string): Promise<LoadedRun> {
  const checkpoint = await readCheckpoint(path);
  const recipe = recipeOf(checkpoint, path);
  const restored: Restored = {
    preprocessing: checkpoint.preprocessing ?? {},
    info: recipe.info ?? {},
  };
  const experiment = buildExperiment(recipe, restored);
  try {
    nt.train.restoreCheckpoint(checkpoint, { model: experiment.model, rng: false });
  } catch (e) {
    if (e instanceof nt.NeuriteError)
      throw new CliError(`${path}: the weights do not fit the model of its recipe: ${e.message}`);
    throw e;
  }
  return { checkpoint, recipe, experiment };
}
