/**
 * `neurite export <checkpoint> --format onnx [--out FILE]`: a trained checkpoint as an ONNX model for ONNX
 * Runtime, with the checkpoint's input preprocessing as the graph's first nodes (so the file takes the raw inputs
 * the checkpoint describes) unless --no-preprocessing. A generator (seq2seq-reverse, charrnn) becomes the graphs of
 * its decoding steps in a folder (nt.onnx.saveGenerator), the vocabulary in their metadata. `--format pytorch` writes a PyTorch folder instead
 * (export-pytorch.ts).
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import * as nt from '../node.js';
import { CliError, Output, parse } from './common.js';
import { exportPytorch } from './export-pytorch.js';

interface ExportOptions {
  format: (typeof FORMATS)[number];
  out?: string;
  opset: number;
  preprocessing: boolean;
  data: boolean;
  inputShape?: number[];
  staticBatch?: boolean;
  json?: boolean;
  verbose?: boolean;
}

const FORMATS = ['onnx', 'pytorch'] as const;
const CNN_SIDE = 28;

function parseShape(text: string): number[] {
  const dims = text.split(',').map((d) => Number(d.trim()));
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new CliError(
      `--input-shape: expected positive integers separated by commas (e.g. 1,28,28), got '${text}'`,
    );
  }
  return dims;
}

/** One sample's raw shape: from the recorded preprocessing, else from the model's own options. */
function sampleShape(model: nt.nn.Module, input: nt.train.InputSpec | null): number[] | null {
  for (const step of input?.steps ?? []) {
    if (step.type === 'reshape') return [step.shape.reduce((a, b) => a * b, 1)];
    if (step.type === 'StandardScaler') return [(step as { mean: number[] }).mean.length];
    if (step.type === 'MinMaxScaler') return [(step as { scale: number[] }).scale.length];
    if (step.type === 'PolynomialFeatures') return [(step as { nFeaturesIn: number }).nFeaturesIn];
    if (step.type !== 'normalize') return null;
  }
  const { models } = nt;
  if (model instanceof models.MLP) return [model.sizes[0]];
  if (model instanceof models.LinearRegression || model instanceof models.LogisticRegression) {
    return model.weight ? [model.weight.shape[1]] : null;
  }
  const channels = (model as { inChannels?: unknown }).inChannels;
  if (typeof channels === 'number') return [channels, CNN_SIDE, CNN_SIDE];
  return null;
}

async function defaultOut(checkpoint: string): Promise<string> {
  const info = await stat(checkpoint).catch(() => null);
  return join(info?.isDirectory() ? checkpoint : dirname(checkpoint), 'model.onnx');
}

/** The files of a generator's export, in words: what each computes. */
const GENERATOR_FILES: Record<string, string> = {
  'encoder.onnx': 'the source once: the initial state (and the memory attention reads)',
  'init.onnx': 'the condition once: the initial state',
  'decoder_step.onnx': 'one token per call: next-token logits and the new state',
  'generate.onnx': 'greedy decoding in one call (an ONNX Loop): the tokens generate() gives',
  'model.onnx': 'characters and a state in, next-character logits and the new state out',
};

const dims = (d: (number | string)[]) => `[${d.join(', ')}]`;
const elemName = (t: number) => (t === 6 ? 'int32' : 'float32');
/** The nodes of an exported ONNX file, from its count per op type. */
const nodeCount = (ops: Record<string, number>) => Object.values(ops).reduce((a, b) => a + b, 0);

/**
 * A generator (Seq2Seq, CharRNN, SequenceGenerator) as the ONNX graphs of its decoding steps, in a folder: the
 * loop that feeds each token back (greedy, sampling, beam search) is the deployment's (docs/export.md).
 */
async function exportGenerator(
  checkpoint: string,
  model: nt.onnx.GeneratorModel,
  ckpt: nt.train.LoadedModel['checkpoint'],
  opts: ExportOptions,
  output: Output,
): Promise<void> {
  if (opts.inputShape || opts.staticBatch) {
    throw new CliError(
      `--input-shape and --static-batch do not apply to a ${model.constructor.name}: its graphs take token ids (and states) of any batch size`,
    );
  }
  if (opts.out?.endsWith('.onnx')) {
    throw new CliError(
      `a ${model.constructor.name} exports to several ONNX files: give --out a folder, not ${opts.out}`,
    );
  }
  const out = opts.out ?? join(dirname(await defaultOut(checkpoint)), 'onnx');
  const vocab = (ckpt.preprocessing as { vocab?: unknown } | null)?.vocab;
  const result = await nt.onnx.saveGenerator(model, out, {
    opset: opts.opset,
    metadata: vocab ? { vocab: JSON.stringify(vocab) } : {},
  });
  output.say(
    `wrote ${out}/: ${model.constructor.name} as ${result.files.length} ONNX file${result.files.length > 1 ? 's' : ''} (opset ${opts.opset})`,
  );
  for (const f of result.files) {
    const nodes = nodeCount(f.ops);
    output.say(
      `  ${f.name.padEnd(18)} ${nodes} nodes, ${(f.bytes.length / 1024).toFixed(1)} KiB: ${GENERATOR_FILES[f.name]}`,
    );
    for (const v of f.inputs) output.say(`    input  '${v.name}' ${elemName(v.elemType)} ${dims(v.dims)}`);
    for (const v of f.outputs) output.say(`    output '${v.name}' ${elemName(v.elemType)} ${dims(v.dims)}`);
  }
  const ids =
    model instanceof nt.models.CharRNN ? '' : ` (bos ${model.bosId}, eos ${model.eosId}, pad ${model.padId})`;
  output.say(`  token ids${ids}${vocab ? ' and the vocabulary' : ''} are in each file's metadata_props`);
  if (opts.json) {
    output.result({
      out,
      format: opts.format,
      model: result.model,
      files: Object.fromEntries(
        result.files.map((f) => [
          f.name,
          {
            bytes: f.bytes.length,
            ops: f.ops,
            inputs: f.inputs.map((v) => v.name),
            outputs: f.outputs.map((v) => v.name),
          },
        ]),
      ),
      metadata: result.metadata,
    });
  }
}

/**
 * A CSV run with categorical feature columns: the columns, their fitted encoders and the later preprocessing, as
 * `neurite train` records them (extra.info, preprocessing.encoders, preprocessing.input); null for any other run.
 */
function tableOf(
  ckpt: nt.train.LoadedModel['checkpoint'],
  input: nt.train.InputSpec | null,
): nt.onnx.TableSpec | null {
  let table: nt.onnx.CheckpointTable | null;
  try {
    table = nt.onnx.checkpointTable(ckpt, 'export');
  } catch (e) {
    if (e instanceof nt.NeuriteError)
      throw new CliError(`${e.message}; export the bare model with --no-preprocessing`);
    throw e;
  }
  if (!table) return null;
  if (!input) {
    throw new CliError(
      "the checkpoint does not record how its encoded rows become the model's inputs; export the bare model with --no-preprocessing",
    );
  }
  return { columns: table.columns, encoders: table.encoders, input };
}

const typeName = (t: number) => (t === 8 ? 'string' : elemName(t));

/** A table run: raw rows in (the numeric columns, each categorical column on its own), the model's output out. */
async function exportTableRun(
  checkpoint: string,
  model: nt.nn.Module,
  table: nt.onnx.TableSpec,
  opts: ExportOptions,
  output: Output,
): Promise<void> {
  if (opts.inputShape) {
    throw new CliError(
      '--input-shape does not apply to a CSV run with categorical columns: the file takes its columns (see the inputs listed)',
    );
  }
  const out = opts.out ?? (await defaultOut(checkpoint));
  const result = await nt.onnx.saveTable(model, table, out, {
    opset: opts.opset,
    dynamicBatch: opts.staticBatch !== true,
    docString: `input: table rows; ${table.columns.length} columns (${table.columns.join(', ')}), the numeric ones in 'numeric', each categorical one in its own input`,
  });
  const opCount = nodeCount(result.ops);
  const batch = opts.staticBatch ? 1 : 'batch';
  const outShape = [batch, ...result.output.shape.slice(1)];
  output.say(
    `wrote ${out}: ONNX opset ${opts.opset}, ${opCount} nodes, ${(result.bytes.length / 1024).toFixed(1)} KiB; one input per categorical column`,
  );
  const width = Math.max(...result.inputs.map((v) => v.name.length)) + 2;
  const list = (values: (string | number)[]) => {
    const text = values.map(String).join(', ');
    return text.length > 60 ? `${text.slice(0, 57)}…` : text;
  };
  for (const v of result.inputs) {
    const what = v.categories
      ? `${v.categories.length} categories: ${list(v.categories)}`
      : `columns ${list(v.columns)}`;
    output.say(
      `  input  ${`'${v.name}'`.padEnd(width)} ${typeName(v.elemType).padEnd(7)} ${dims(v.dims)} (${what})`,
    );
  }
  output.say(`  output ${"'output'".padEnd(width)} float32 ${dims(outShape)}`);
  if (result.inputs.some((v) => v.categories)) {
    output.say(
      '  a category not seen in training fails the run (Gather index out of range), as neurite predict rejects it',
    );
  }
  if (opts.json) {
    output.result({
      out,
      format: opts.format,
      bytes: result.bytes.length,
      ops: result.ops,
      inputs: result.inputs.map((v) => ({
        name: v.name,
        type: typeName(v.elemType),
        shape: v.dims,
        columns: v.columns,
        ...(v.categories ? { categories: v.categories } : {}),
      })),
      output: outShape,
    });
  }
}

export function exportCommand(): Command {
  return new Command('export')
    .description(
      'export a trained checkpoint: ONNX, for ONNX Runtime (servers, browsers, phones), or a PyTorch module with a script that continues training under torchrun (DistributedDataParallel)',
    )
    .argument('<checkpoint>', 'a run folder written by neurite train (or its checkpoint.json)')
    .option('--format <format>', `what to write: ${FORMATS.join(', ')}`, parse.choice(FORMATS), 'onnx')
    .option(
      '--out <path>',
      'onnx: the file to write (default: model.onnx in the run folder; for seq2seq and charrnn runs a folder, default onnx/); pytorch: the folder (default: pytorch/ in the run folder)',
    )
    .option('--opset <n>', 'onnx: the ONNX operator set, 13 to 21', parse.positiveInt, 17)
    .option(
      '--no-preprocessing',
      "leave the checkpoint's input preprocessing out: the file takes the model's inputs",
    )
    .option(
      '--input-shape <dims>',
      "onnx: one sample's shape when the checkpoint does not tell it, e.g. 1,28,28",
      parseShape,
    )
    .option('--static-batch', 'onnx: fix the batch size to 1 instead of leaving it free')
    .option(
      '--no-data',
      "pytorch: leave out data.safetensors (the run's preprocessed train/test split, at most 64 MiB); train_ddp.py then takes --csv",
    )
    .option(
      '--json',
      'print one JSON object: onnx {"out", "format", "bytes", "ops", "input", "output"} (a CSV run with categorical columns: "inputs", each {"name", "type", "shape", "columns", "categories"}, in place of "input"; generators: {"out", "format", "model", "files", "metadata"}); pytorch {"out", "format", "files", "classes", "keys", "data"}',
    )
    .option('--verbose', 'show stack traces of errors')
    .addHelpText(
      'after',
      `
Examples:
  neurite export runs/cnn-mnist-20250101-120000                 writes runs/cnn-mnist-…/model.onnx
  neurite export runs/my-table --out table.onnx --opset 13
  neurite export runs/seq2seq-reverse-20250101-120000           writes …/onnx/: encoder, decoder_step, generate.onnx
  neurite export runs/cnn-mnist-20250101-120000 --format pytorch --out cnn-pt
  cd cnn-pt && torchrun --nproc_per_node 2 train_ddp.py --epochs 1      then: neurite eval cnn-pt/trained

The PyTorch folder: model.py (a readable torch.nn.Module with neurite's state-dict keys; load_model(),
preprocess(); the generators' generate() and sample_ids()), weights.safetensors, preprocessing.json (or, for
seq2seq-reverse and charrnn, vocab.json), neurite.json (loss, optimiser, settings of the run),
data.safetensors (the run's train/test split, preprocessed; left out above 64 MiB or with --no-data) and
train_ddp.py (DistributedDataParallel, gloo on CPU; --epochs --steps --lr --batch-size --csv --out), which writes a
neurite checkpoint folder that neurite eval / predict and nt.train.loadModel read. Needs PyTorch (1.13 or newer);
no other Python package. Debian 12's torchrun (1.13 on Python 3.11) also needs --redirects 1 --tee 1.`,
    )
    .action(async (checkpoint: string, opts: ExportOptions) => {
      const output = new Output(opts.json === true);
      if (opts.format === 'pytorch') {
        if (opts.inputShape || opts.staticBatch) {
          throw new CliError('--input-shape and --static-batch apply to --format onnx, not pytorch');
        }
        await exportPytorch(checkpoint, opts, output);
        return;
      }
      const { model, input, checkpoint: ckpt } = await nt.train.loadModel(checkpoint);
      if (nt.onnx.isGenerator(model)) {
        await exportGenerator(checkpoint, model, ckpt, opts, output);
        return;
      }
      if (!nt.onnx.canExport(model)) {
        throw new CliError(
          `${model.constructor.name} checkpoints have no ONNX export (the exporter covers neurite's models and layers; this one holds a module it does not know)`,
        );
      }
      const spec = opts.preprocessing ? input : null;
      const table = opts.preprocessing ? tableOf(ckpt, input) : null;
      if (table) {
        await exportTableRun(checkpoint, model, table, opts, output);
        return;
      }
      const step = spec?.steps.find((s) => !nt.onnx.ONNX_INPUT_STEPS.includes(s.type));
      if (step) {
        throw new CliError(
          `the checkpoint's preprocessing step ${step.type} has no ONNX form here; export the bare model with --no-preprocessing and apply ${step.type} to the inputs yourself`,
        );
      }
      const sample = opts.inputShape ?? sampleShape(model, spec);
      if (!sample) {
        throw new CliError(
          `cannot tell the input shape of this ${model.constructor.name} checkpoint; give one sample's shape with --input-shape`,
        );
      }
      const exported = spec ? new nt.onnx.WithPreprocessing(model, spec) : model;
      const out = opts.out ?? (await defaultOut(checkpoint));
      const example = nt.rand([1, ...sample]).mul(spec ? 255 : 1);
      const result = await nt.onnx.save(exported, example, out, {
        opset: opts.opset,
        dynamicBatch: opts.staticBatch !== true,
        docString: spec ? `input: ${spec.description}` : undefined,
      });
      const opCount = nodeCount(result.ops);
      const batch = opts.staticBatch ? '1' : 'batch';
      const inShape = `[${[batch, ...sample].join(', ')}]`;
      const outShape = `[${[batch, ...result.output.shape.slice(1)].join(', ')}]`;
      output.say(
        `wrote ${out}: ONNX opset ${opts.opset}, ${opCount} nodes, ${(result.bytes.length / 1024).toFixed(1)} KiB`,
      );
      const what =
        spec && spec.description.length > 60 ? `${spec.description.slice(0, 57)}…` : spec?.description;
      output.say(`  input  'input'  float32 ${inShape}${what ? ` (${what})` : ''}`);
      output.say(`  output 'output' float32 ${outShape}`);
      if (opts.json) {
        output.result({
          out,
          format: opts.format,
          bytes: result.bytes.length,
          ops: result.ops,
          input: [batch, ...sample],
          output: [batch, ...result.output.shape.slice(1)],
        });
      }
    });
}
