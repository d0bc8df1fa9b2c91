/**
 * The presets of `neurite train`: one per model of the lecture, each a ready experiment with defaults that
 * reach the course's targets, and the preset-specific flags (shared by name across presets).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { didYouMean, formatZodError, usageError } from '../common.js';
import { cnnMnist, dnnMnist, gruSeqMnist, lstmSeqMnist, randwireMnist, resnetMnist } from './mnist.js';
import { charrnn, seq2seqReverse } from './sequence.js';
import { linregDiabetes, logregBreastCancer, logregXor, mlpDigits } from './tabular.js';
import type { Preset, PresetFlag } from './types.js';

export type { BuildContext, Preset, PresetFlag } from './types.js';

/** Every preset, in the lecture's order. */
export const PRESETS: readonly Preset<unknown>[] = [
  linregDiabetes,
  logregBreastCancer,
  logregXor,
  mlpDigits,
  dnnMnist,
  cnnMnist,
  resnetMnist,
  randwireMnist,
  lstmSeqMnist,
  gruSeqMnist,
  seq2seqReverse,
  charrnn,
] as Preset<unknown>[];

export const PRESET_NAMES = PRESETS.map((p) => p.name);

/** The preset of that name, or a usage error suggesting the closest one. */
export function findPreset(name: string): Preset<unknown> {
  const preset = PRESETS.find((p) => p.name === name);
  if (!preset) {
    throw usageError(
      `unknown preset "${name}"${didYouMean(name, PRESET_NAMES)} (presets: ${PRESET_NAMES.join(', ')}; or a config .json file)`,
    );
  }
  return preset;
}

/** The flags presets take; each preset's schema says which of them it accepts and what values are valid. */
export const PRESET_FLAGS: readonly PresetFlag[] = [
  {
    key: 'solver',
    flags: '--solver <name>',
    kind: 'string',
    description: 'linreg: gd | exact (least squares); logreg: gd | lbfgs',
  },
  {
    key: 'crosses',
    flags: '--crosses',
    kind: 'boolean',
    description: 'logreg-xor: add feature crosses (degree 2)',
  },
  {
    key: 'degree',
    flags: '--degree <n>',
    kind: 'int',
    description: 'logreg-xor: degree of the feature crosses (implies --crosses when > 1)',
  },
  {
    key: 'hidden',
    flags: '--hidden <sizes>',
    kind: 'ints',
    description: 'mlp-digits: hidden layer widths, e.g. 64,32',
  },
  {
    key: 'activation',
    flags: '--activation <name>',
    kind: 'string',
    description: 'mlp-digits, dnn-mnist: relu | tanh | sigmoid | gelu | leakyRelu; cnn-mnist: tanh | relu',
  },
  {
    key: 'dropout',
    flags: '--dropout <p>',
    kind: 'number',
    description: 'mlp-digits, dnn-mnist, charrnn: dropout probability',
  },
  {
    key: 'depth',
    flags: '--depth <n>',
    kind: 'int',
    description: 'dnn-mnist: hidden layers (8); resnet-mnist: 18 | 34 | 50',
  },
  { key: 'width', flags: '--width <n>', kind: 'int', description: 'dnn-mnist: units per hidden layer (128)' },
  { key: 'init', flags: '--init <scheme>', kind: 'string', description: 'dnn-mnist: he | xavier | default' },
  {
    key: 'batchNorm',
    flags: '--no-batch-norm',
    kind: 'boolean',
    description: 'dnn-mnist: leave out batch normalisation',
  },
  {
    key: 'shift',
    flags: '--shift <pixels>',
    kind: 'int',
    description: 'image presets: random shifts of the training digits (cnn-mnist: 2)',
  },
  { key: 'pooling', flags: '--pooling <type>', kind: 'string', description: 'cnn-mnist: avg | max' },
  {
    key: 'widthMultiplier',
    flags: '--width-multiplier <x>',
    kind: 'number',
    description: 'resnet-mnist: channels relative to the paper (0.25)',
  },
  {
    key: 'graph',
    flags: '--graph <type>',
    kind: 'string',
    description: 'randwire-mnist: ws (Watts–Strogatz) | er (Erdős–Rényi) | ba (Barabási–Albert)',
  },
  { key: 'k', flags: '--k <n>', kind: 'int', description: 'randwire-mnist, ws: neighbours on the ring (4)' },
  {
    key: 'p',
    flags: '--p <x>',
    kind: 'number',
    description: 'randwire-mnist, ws: rewiring probability (0.75); er: edge probability (0.2)',
  },
  { key: 'm', flags: '--m <n>', kind: 'int', description: 'randwire-mnist, ba: edges of each new node (5)' },
  {
    key: 'nodes',
    flags: '--nodes <n>',
    kind: 'int',
    description: 'randwire-mnist: nodes per random stage (8)',
  },
  { key: 'channels', flags: '--channels <n>', kind: 'int', description: 'randwire-mnist: base width C (16)' },
  {
    key: 'stages',
    flags: '--stages <n>',
    kind: 'int',
    description: 'randwire-mnist: random stages, 1–4, each halving the resolution (3)',
  },
  {
    key: 'stemStrides',
    flags: '--stem-strides <s1,s2>',
    kind: 'ints',
    description: 'randwire-mnist: strides of conv1 and conv2, 1 or 2 each (1,1: 28×28 into the first stage)',
  },
  {
    key: 'headChannels',
    flags: '--head-channels <n>',
    kind: 'int',
    description: "randwire-mnist: channels of the classifier's 1×1 convolution (256)",
  },
  {
    key: 'hiddenSize',
    flags: '--hidden-size <n>',
    kind: 'int',
    description: 'recurrent presets: hidden units (128; charrnn 256)',
  },
  {
    key: 'layers',
    flags: '--layers <n>',
    kind: 'int',
    description: 'recurrent presets: stacked recurrent layers (1)',
  },
  {
    key: 'bidirectional',
    flags: '--bidirectional',
    kind: 'boolean',
    description: 'lstm-seqmnist, gru-seqmnist: read the rows both ways',
  },
  { key: 'task', flags: '--task <name>', kind: 'string', description: 'seq2seq-reverse: reverse | sort' },
  {
    key: 'cell',
    flags: '--cell <type>',
    kind: 'string',
    description: 'seq2seq-reverse, charrnn: lstm | gru | rnn',
  },
  {
    key: 'attention',
    flags: '--attention <type>',
    kind: 'string',
    description: 'seq2seq-reverse: none | luong | bahdanau (the decoder attends over the encoder outputs)',
  },
  {
    key: 'embedDim',
    flags: '--embed-dim <n>',
    kind: 'int',
    description: 'seq2seq-reverse, charrnn: embedding size (32)',
  },
  {
    key: 'corpus',
    flags: '--corpus <name>',
    kind: 'string',
    description: 'charrnn: austen (all six novels) or one novel, e.g. emma (pride-and-prejudice)',
  },
  {
    key: 'seqLength',
    flags: '--seq-length <n>',
    kind: 'int',
    description: 'charrnn: characters per training window (128)',
  },
];

function parseFlagValue(kind: PresetFlag['kind']): ((v: string) => unknown) | undefined {
  const number = (v: string, int: boolean) => {
    const n = Number(v.trim());
    if (v.trim() === '' || !Number.isFinite(n) || (int && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`It must be ${int ? 'an integer' : 'a number'}.`);
    }
    return n;
  };
  switch (kind) {
    case 'int':
      return (v) => number(v, true);
    case 'number':
      return (v) => number(v, false);
    case 'ints':
      return (v) => v.split(',').map((s) => number(s, true));
    default:
      return undefined;
  }
}

/** Adds every preset flag to a command, in a help group of their own. */
export function addPresetFlags(cmd: Command): void {
  for (const f of PRESET_FLAGS) {
    const parser = parseFlagValue(f.kind);
    if (parser) cmd.option(f.flags, f.description, parser);
    else cmd.option(f.flags, f.description);
  }
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `--hidden-size` for `hiddenSize`, `--no-batch-norm` for `batchNorm`. */
export function flagName(key: string): string {
  const f = PRESET_FLAGS.find((p) => p.key === key);
  return f ? f.flags.split(' ')[0] : `--${kebab(key)}`;
}

/** The preset flags given on the command line (not their defaults). */
export function givenPresetFlags(cmd: Command): Record<string, unknown> {
  const opts = cmd.opts();
  const given: Record<string, unknown> = {};
  for (const f of PRESET_FLAGS) {
    if (cmd.getOptionValueSource(f.key) === 'cli') given[f.key] = opts[f.key];
  }
  return given;
}

/** The keys a preset's option schema knows, from its zod shape. */
function presetKeys(preset: Preset<unknown>): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: zod's internal definition differs between object and pipe schemas
  let schema: any = preset.options;
  while (schema && !schema.shape) schema = schema.def?.in ?? schema.def?.schema ?? schema._def?.schema;
  return schema?.shape ? Object.keys(schema.shape) : [];
}

/**
 * Validates preset flags against the preset: a flag the preset does not take, or a value its schema refuses, is
 * a usage error naming the flag. Returns the preset's complete options (defaults filled in).
 */
export function presetOptions(
  preset: Preset<unknown>,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const known = presetKeys(preset);
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      const takes = known.map(flagName);
      throw usageError(
        `${flagName(key)} does not apply to ${preset.name}` +
          (takes.length > 0 ? ` (it takes ${takes.join(', ')})` : ' (it takes no preset options)'),
      );
    }
  }
  const r = preset.options.safeParse(given);
  if (!r.success) {
    throw usageError(
      `${preset.name}: ${formatZodError(r.error, given, '', (path) => flagName(String(path[0] ?? '')))}`,
    );
  }
  return r.data as Record<string, unknown>;
}
