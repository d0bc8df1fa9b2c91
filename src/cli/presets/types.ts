/**
 * The shape of a preset: a named, ready-made experiment with defaults that reach the lecture's targets, and
 * the preset-specific flags it accepts. Most presets are named configs (named.ts), built as a user's config is;
 * the sequence presets build their experiments in code (sequence.ts says why).
 */
import type { z } from 'zod';
import type { Experiment, Restored, TrainingSettings } from '../experiment.js';

/** What a preset is built from. */
export interface BuildContext<O> {
  /** The preset's own options (validated, defaults filled in). */
  options: O;
  training: TrainingSettings;
  /** Fitted preprocessing and facts from a checkpoint, when rebuilding a trained experiment. */
  restored?: Restored;
}

export interface Preset<O = Record<string, unknown>> {
  name: string;
  /** One line for `neurite train --help` and error messages. */
  description: string;
  defaults: { epochs: number; batchSize: number; lr: number };
  /** The preset's options, keyed as the flags' camelCase names (`hiddenSize` for `--hidden-size`). */
  options: z.ZodType<O>;
  build(ctx: BuildContext<O>): Experiment;
}

/** A preset flag of `neurite train` / `summary`: shared by every preset that takes it. */
export interface PresetFlag {
  /** The camelCase key commander stores the value under. */
  key: string;
  /** Commander's flag syntax: `--graph <type>`. */
  flags: string;
  description: string;
  /** How the text becomes a value before the preset's schema checks it. */
  kind: 'int' | 'number' | 'string' | 'boolean' | 'ints';
}
