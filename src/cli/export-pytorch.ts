/**
 * `neurite export <checkpoint> --format pytorch [--out DIR]`: a trained checkpoint as a PyTorch folder — model.py,
 * weights.safetensors, preprocessing.json, train_ddp.py (continues training under torchrun), neurite.json and the
 * run's data as data.safetensors — written whole or not at all (nt.pytorch.save).
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as nt from '../node.js';
import { CliError, type Output } from './common.js';
import { loadRun } from './run.js';

export interface PytorchExportFlags {
  out?: string;
  preprocessing: boolean;
  data: boolean;
  json?: boolean;
}

const TASKS = ['classification', 'binary', 'regression'] as const;

async function runFolder(checkpoint: string): Promise<string> {
  const info = await stat(checkpoint).catch(() => null);
  return info?.isDirectory() ? checkpoint : dirname(checkpoint);
}

function isXY(d: unknown): d is nt.train.XY {
  return (
    d !== null &&
    typeof d === 'object' &&
    nt.isTensor((d as nt.train.XY).x) &&
    nt.isTensor((d as nt.train.XY).y)
  );
}

/** The run's training data as tensors: an XY as it is, augmented images without their augmentation. */
function trainTensors(train: unknown): nt.train.XY | null {
  if (isXY(train)) return train;
  if (train instanceof nt.data.ShiftedImages) return { x: train.images, y: train.labels };
  return null;
}

/**
 * The run's test data as train_ddp.py scores it: as it is, except a char-RNN's, which neurite keeps as one stream
 * of ids (scored in bits per character) and which becomes next-character windows like the training data's.
 */
function testTensors(model: nt.nn.Module, train: nt.train.XY, test: nt.train.XY): nt.train.XY {
  if (!(model instanceof nt.models.CharRNN) || test.x.shape[0] !== 1) return test;
  const ids = test.x.data as Int32Array;
  const seqLength = Math.min(train.x.shape[1], ids.length - 1);
  return nt.data.nextTokenWindows(ids, { seqLength });
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export async function exportPytorch(
  checkpoint: string,
  opts: PytorchExportFlags,
  output: Output,
): Promise<void> {
  const { model, input, checkpoint: ckpt } = await nt.train.loadModel(checkpoint);
  if (!nt.pytorch.canExport(model)) {
    throw new CliError(
      `${model.constructor.name} checkpoints have no PyTorch export (the exporter covers neurite's models and layers; this one holds a module it does not know)`,
    );
  }
  const spec = opts.preprocessing ? input : null;
  const step = spec?.steps.find((s) => !nt.pytorch.PYTORCH_INPUT_STEPS.includes(s.type));
  if (step) {
    throw new CliError(
      `the checkpoint's preprocessing step ${step.type} has no PyTorch form in model.py; export with --no-preprocessing and apply ${step.type} to the inputs yourself`,
    );
  }
  // a run of `neurite train` also knows its loss, task, settings and data
  const fromCli = (ckpt.extra as { kind?: unknown } | null)?.kind === 'neurite-cli-run';
  const run = fromCli ? await loadRun(checkpoint) : null;
  const exp = run?.experiment;
  const settings = run?.recipe.training;
  const training: nt.pytorch.PytorchTraining = {
    loss: typeof exp?.loss === 'string' ? exp.loss : undefined,
    task: TASKS.find((t) => t === exp?.task),
    lr: settings?.lr,
    batchSize: settings?.batchSize,
    seed: settings?.seed,
    clipGradNorm: exp?.clipGradNorm,
  };
  let data: nt.pytorch.PytorchExportOptions['data'] = null;
  let note = '';
  if (opts.data && exp) {
    const splits = exp.data();
    const train = trainTensors(splits.train);
    if (train)
      data = { train, test: testTensors(model, train, splits.test), description: splits.description };
    else note = "this run's training data is not a tensor pair; train_ddp.py needs --csv";
  } else if (opts.data) {
    note =
      'the checkpoint was not written by neurite train, so its data is unknown; train_ddp.py needs --csv';
  }
  const out = opts.out ?? join(await runFolder(checkpoint), 'pytorch');
  const result = await nt.pytorch.save(model, out, {
    input: spec,
    training,
    data,
    checkpoint: ckpt,
    source: checkpoint,
    version: run?.recipe.neurite,
  });
  const sizes = Object.entries(result.files).map(([name, content]) => ({
    name,
    bytes: typeof content === 'string' ? new TextEncoder().encode(content).length : content.length,
  }));
  output.say(`wrote ${out}/: a PyTorch module for ${model.constructor.name} and a DDP training script`);
  for (const { name, bytes } of sizes) {
    const what =
      name === 'model.py'
        ? `build_model(), load_model(), preprocess()${result.classes.length ? `; classes ${result.classes.join(', ')}` : ''}`
        : name === 'weights.safetensors'
          ? `${result.keys.length} tensors under neurite's state-dict keys`
          : name === 'data.safetensors' && data
            ? `${data.train.x.shape[0]} train / ${data.test.x.shape[0]} test samples, preprocessed`
            : name === 'preprocessing.json'
              ? 'raw inputs -> model inputs'
              : name === 'vocab.json'
                ? 'the vocabulary: CharVocab.load() encodes and decodes text'
                : name === 'train_ddp.py'
                  ? 'torchrun --nproc_per_node N train_ddp.py'
                  : 'the run: loss, optimiser, settings';
    output.say(`  ${name.padEnd(20)} ${kib(bytes).padStart(11)}  ${what}`);
  }
  if (note) output.say(`  note: ${note}`);
  output.say(`next: cd ${out} && torchrun --nproc_per_node 2 train_ddp.py --epochs 1`);
  if (opts.json) {
    output.result({
      out,
      format: 'pytorch',
      files: Object.fromEntries(sizes.map((s) => [s.name, s.bytes])),
      classes: result.classes,
      keys: result.keys.length,
      data: data ? { train: data.train.x.shape[0], test: data.test.x.shape[0] } : null,
    });
  }
}
