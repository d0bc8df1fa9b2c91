/** `neurite sample <charrnn checkpoint>`: text written by a trained character-level language model. */
import { Command } from 'commander';
import { CliError, Output, parse } from './common.js';
import { loadRun, runName } from './run.js';

interface SampleOptions {
  temperature: number;
  length: number;
  prime?: string;
  seed: number;
  json?: boolean;
  verbose?: boolean;
}

export function sampleCommand(): Command {
  return new Command('sample')
    .description('write text with a trained char-RNN checkpoint')
    .argument('<checkpoint>', 'a run folder of the charrnn preset (or its checkpoint.json)')
    .option(
      '--temperature <t>',
      'softmax temperature: lower is safer, 0 always takes the likeliest character',
      parse.nonNegativeNumber,
      0.8,
    )
    .option('--length <n>', 'characters to write after the prime', parse.nonNegativeInt, 500)
    .option('--prime <text>', 'text the model reads before writing (default: a line break)')
    .option('--seed <n>', 'seed of the sampling', parse.nonNegativeInt, 0)
    .option('--json', 'print one JSON object: {"text": …}')
    .option('--verbose', 'show stack traces of errors')
    .addHelpText(
      'after',
      `
Example:
  neurite sample runs/charrnn-20250101-120000 --prime "It is a truth" --length 300 --temperature 0.6`,
    )
    .action(async (checkpoint: string, opts: SampleOptions) => {
      const out = new Output(opts.json === true);
      const { recipe, experiment: exp } = await loadRun(checkpoint);
      if (!exp.sample) {
        throw new CliError(`${checkpoint} is a run of ${runName(recipe)}; sample needs a charrnn checkpoint`);
      }
      const text = exp.sample({
        prime: opts.prime,
        length: opts.length,
        temperature: opts.temperature,
        seed: opts.seed,
      });
      if (opts.json)
        out.result({
          checkpoint,
          prime: opts.prime ?? '\n',
          temperature: opts.temperature,
          seed: opts.seed,
          text,
        });
      else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
}
