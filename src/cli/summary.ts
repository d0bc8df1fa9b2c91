/**
 * `neurite summary <preset | config.json | checkpoint>`: a Keras-like table of the model's layers, output shapes
 * and parameter counts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import * as nt from '../node.js';
import { Output } from './common.js';
import type { Experiment } from './experiment.js';
import { addPresetFlags, givenPresetFlags } from './presets/index.js';
import { buildExperiment, loadRun, recipeFor } from './run.js';

/** Whether a path is a checkpoint (a run folder, or a manifest whose format says so) rather than a config. */
function isCheckpoint(path: string): boolean {
  if (!existsSync(path)) return false;
  if (statSync(path).isDirectory()) return existsSync(join(path, 'checkpoint.json'));
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown }).format === 'neurite-checkpoint';
  } catch {
    return false;
  }
}

export function summaryCommand(): Command {
  const cmd = new Command('summary')
    .description("print a model's layers, output shapes and parameter counts")
    .argument('<target>', 'a preset name, a JSON config file, or a checkpoint (run folder)')
    .option('--json', 'print the summary as one JSON object')
    .option('--verbose', 'show stack traces of errors');
  addPresetFlags(cmd);
  cmd.addHelpText(
    'after',
    `
Preset options (as for neurite train) change the model: neurite summary randwire-mnist --graph ba --nodes 16`,
  );
  cmd.action(async (target: string, opts: { json?: boolean }, command: Command) => {
    const out = new Output(opts.json === true);
    let exp: Experiment;
    let name: string;
    if (isCheckpoint(target)) {
      exp = (await loadRun(target)).experiment;
      name = target;
    } else {
      const { recipe } = recipeFor(target, givenPresetFlags(command), {}, '');
      nt.manualSeed(recipe.training.seed);
      exp = buildExperiment(recipe);
      name = target;
    }
    const { shape, dtype, forward } = exp.summaryInput;
    const options = { dtype, forward: forward as ((m: nt.nn.Module, x: nt.Tensor) => unknown) | undefined };
    if (opts.json) {
      out.result({ target: name, title: exp.title, ...nt.train.modelSummary(exp.model, shape, options) });
    } else {
      out.say(`${name}: ${exp.title}`);
      out.say(nt.train.summary(exp.model, shape, options));
    }
  });
  return cmd;
}
