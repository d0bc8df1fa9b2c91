/**
 * `neurite predict <checkpoint> <input>`: the model's predictions for new samples — classes with their
 * probabilities, regression values, or generated sequences.
 */
import { Command } from 'commander';
import * as nt from '../node.js';
import { CliError, fmtNumber, Output, parse } from './common.js';
import type { Prediction } from './experiment.js';
import { loadRun, runName } from './run.js';

interface PredictOptions {
  batchSize: number;
  top: number;
  json?: boolean;
  verbose?: boolean;
}

/** The k most likely classes of a row, most likely first, with their names when the data names them. */
function ranked(p: Prediction, k: number): { class: number; label?: string; probability: number }[] {
  return (p.probabilities ?? [])
    .map((probability, c) => ({ class: c, probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k)
    .map((r) => (p.classNames?.[r.class] !== undefined ? { ...r, label: p.classNames[r.class] } : r));
}

/** A row for --json: the class names go once at the top, the top-k list (with names) into each row. */
function jsonRow(p: Prediction, top: number): Record<string, unknown> {
  const { classNames: _, ...row } = p;
  return p.probabilities === undefined ? row : { ...row, top: ranked(p, top) };
}

function line(p: Prediction, top: number): string {
  if (typeof p.prediction === 'string')
    return `${p.index}: ${p.input !== undefined ? `${p.input} → ` : ''}${p.prediction}`;
  if (Array.isArray(p.prediction)) return `${p.index}: ${p.prediction.map(fmtNumber).join(', ')}`;
  if (p.probabilities === undefined) return `${p.index}: ${fmtNumber(p.prediction)}`;
  const head =
    p.label !== undefined && p.label !== String(p.prediction)
      ? `${p.label} (class ${p.prediction}, p = ${fmtNumber(p.probability ?? 0)})`
      : `${p.prediction} (p = ${fmtNumber(p.probability ?? 0)})`;
  if (top <= 1) return `${p.index}: ${head}`;
  const next = ranked(p, top)
    .slice(1)
    .map(
      (r) =>
        `${r.label !== undefined && r.label !== String(r.class) ? `${r.label} (class ${r.class})` : r.class} ${fmtNumber(r.probability)}`,
    );
  return `${p.index}: ${head}${next.length ? `  next: ${next.join(', ')}` : ''}`;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description("print a trained model's predictions for new samples")
    .argument('<checkpoint>', 'a run folder written by neurite train (or its checkpoint.json)')
    .argument(
      '<input>',
      "a file (CSV, JSON, or a PGM or PNG digit image), inline JSON such as '[[5.1, 3.5, 1.4, 0.2]]', or - for stdin",
    )
    .option('--top <k>', 'also show the next most likely classes, up to k in all', parse.positiveInt, 1)
    .option('--batch-size <n>', 'samples per forward pass', parse.positiveInt, 256)
    .option(
      '--json',
      'print one JSON object: {"labels": [class names], "predictions": [{"index", "prediction", "label", "probability", "probabilities", "top": [{"class", "label", "probability"}, …]}, …]}',
    )
    .option('--verbose', 'show stack traces of errors')
    .addHelpText(
      'after',
      `
Inputs by kind of model:
  tables (linreg, logreg, mlp-digits, CSV configs)  CSV rows of the feature columns (header with their names, or
                                                    the values in order), or JSON rows: [values] or {"column": value}
  MNIST models                                      a PGM (P2/P5) or PNG image 28×28, or JSON / CSV of 784 pixels
                                                    0–255 (0 = background, 255 = ink; values all within 0–1 are read
                                                    as 0–1; a dark digit on white is inverted, with a note)
  seq2seq-reverse                                   strings of digits: JSON ["3141", "27"] or one per line

Examples:
  neurite predict runs/logreg-breast-cancer-<time> rows.csv
  neurite predict runs/cnn-mnist-<time> digit.pgm --top 3
  neurite predict runs/seq2seq-reverse-<time> '["12345", "907"]' --json`,
    )
    .action(async (checkpoint: string, input: string, opts: PredictOptions) => {
      const out = new Output(opts.json === true);
      const { recipe, experiment: exp } = await loadRun(checkpoint);
      if (!exp.io) throw new CliError(`${runName(recipe)} does not take inputs to predict`);
      const { x, inputs } = exp.io.readInputs(input);
      const output = exp.io.run
        ? exp.io.run(exp.model, x, opts.batchSize)
        : nt.train.predict(exp.model, x, { batchSize: opts.batchSize, forward: exp.forward });
      const rows = exp.io.describe(output, inputs);
      if (opts.json) {
        const labels = rows.find((r) => r.classNames)?.classNames;
        out.result({
          checkpoint,
          preset: runName(recipe),
          ...(labels ? { labels } : {}),
          predictions: rows.map((r) => jsonRow(r, opts.top)),
        });
      } else for (const r of rows) out.say(line(r, opts.top));
    });
}
