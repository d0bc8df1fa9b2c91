/**
 * `neurite eval <checkpoint> [--data FILE]`: the test metrics of a trained run, on its own test split or on
 * labelled data from a file.
 */
import { Command } from 'commander';
import * as nt from '../node.js';
import { CliError, fmtCount, fmtMetrics, Output, parse } from './common.js';
import { loadRun, runName } from './run.js';

interface EvalOptions {
  data?: string;
  batchSize: number;
  threads?: number;
  json?: boolean;
  verbose?: boolean;
}

export function evalCommand(): Command {
  return new Command('eval')
    .description('evaluate a trained checkpoint on its test split, or on labelled data from a file')
    .argument('<checkpoint>', 'a run folder written by neurite train (or its checkpoint.json)')
    .option(
      '--data <file>',
      'labelled data instead of the test split: a CSV with the feature columns and the target (images: 784 ' +
        'pixels 0–255 and a label column; seq2seq-reverse: input,output lines; charrnn: a text file)',
    )
    .option('--batch-size <n>', 'samples per forward pass', parse.positiveInt, 500)
    .option('--threads <n>', 'threads of the native backend', parse.positiveInt)
    .option(
      '--json',
      'print one JSON object: {"checkpoint", "preset", "epoch", "data", "samples", "metrics"}',
    )
    .option('--verbose', 'show stack traces of errors')
    .addHelpText(
      'after',
      `
Examples:
  neurite eval runs/cnn-mnist-20250101-120000
  neurite eval runs/my-table --data new-rows.csv --json`,
    )
    .action(async (checkpoint: string, opts: EvalOptions) => {
      const out = new Output(opts.json === true);
      if (opts.threads !== undefined) nt.setNumThreads(opts.threads);
      const { checkpoint: ckpt, recipe, experiment: exp } = await loadRun(checkpoint);
      let data: nt.train.XY;
      let samples: number;
      if (opts.data !== undefined) {
        if (!exp.io) throw new CliError(`${runName(recipe)} cannot read --data files`);
        data = exp.io.readLabelled(opts.data);
        samples = exp.task === 'language-model' ? data.x.size : data.x.shape[0];
      } else {
        const splits = exp.data();
        data = splits.test;
        samples = splits.testSize;
      }
      const metrics = await exp.evaluate(data, opts.batchSize);
      const what = opts.data ?? 'the test split';
      const unit = exp.task === 'language-model' ? 'characters' : samples === 1 ? 'sample' : 'samples';
      out.say(
        `${runName(recipe)} (epoch ${ckpt.epoch}) on ${what}: ${fmtMetrics(metrics)}  (${fmtCount(samples)} ${unit})`,
      );
      if (opts.json) {
        out.result({
          checkpoint,
          preset: runName(recipe),
          epoch: ckpt.epoch,
          data: opts.data ?? 'test',
          samples,
          metrics,
        });
      }
    });
}
