/**
 * The RNN page's models as the CLI's presets build them, so a page model saves as a `neurite train` run and a run
 * opens in the page: the many-to-one rows task is `lstm-seqmnist` / `gru-seqmnist` (a one-layer, one-way
 * SequenceClassifier over 28 rows of 28 standardised pixels), reverse and sort are `seq2seq-reverse` (a Seq2Seq
 * without attention over the digits' fixed vocabulary). The speller, the spaces tagger and a plain-RNN rows model
 * have no preset: the page says why it cannot save them.
 */
import type { RnnSettings } from './protocol.js';
import { DEFAULT_EMBED, TASK_DEFAULTS } from './settings.js';

/** MNIST's pixel mean and standard deviation, as the CLI's MNIST presets record them. */
const MEAN = 0.1307;
const STD = 0.3081;

/** Why these settings' model cannot be saved for the CLI, or null when it can. */
export function unsavableReason(s: RnnSettings): string | null {
  if (s.task === 'speller') {
    return 'The digit speller is a small wrapper (a dense layer before a SequenceGenerator) that no neurite train preset builds, so the CLI could not run its checkpoint.';
  }
  if (s.task === 'spaces') {
    return 'No neurite train preset builds the space-restoring SequenceTagger, so the CLI could not run its checkpoint.';
  }
  if (s.task === 'rows' && s.cell === 'rnn') {
    return 'The CLI reads MNIST rows with lstm-seqmnist or gru-seqmnist only: choose the LSTM or GRU cell to save.';
  }
  return null;
}

/** The architecture record, preprocessing and `neurite train` recipe of a page model (one the CLI builds). */
export function describeForCli(
  s: RnnSettings,
  epochs: number,
  vocab: unknown,
  version: string,
): {
  architecture: { type: string; options: Record<string, unknown> };
  preprocessing: Record<string, unknown>;
  recipe: Record<string, unknown>;
} {
  const reason = unsavableReason(s);
  if (reason) throw new Error(reason);
  const recipe = (preset: string, options: Record<string, unknown>) => ({
    kind: 'neurite-cli-run',
    version: 1,
    preset,
    options,
    config: null,
    configFile: null,
    baseDir: null,
    training: { epochs, batchSize: s.batchSize, lr: s.lr, seed: s.seed },
    neurite: version,
    trainedIn: 'neurite studio',
  });
  if (s.task === 'rows') {
    return {
      architecture: {
        type: 'SequenceClassifier',
        options: {
          cell: s.cell,
          inputSize: 28,
          hiddenSize: s.hidden,
          numLayers: 1,
          bidirectional: false,
          numClasses: 10,
        },
      },
      preprocessing: {
        input: {
          description:
            'MNIST digits: 784 pixels 0–255 per sample (0 = background), as [N, 784], [N, 28, 28] or [N, 1, 28, 28]',
          steps: [
            { type: 'normalize', divide: 255, mean: MEAN, std: STD },
            { type: 'reshape', shape: [28, 28] },
          ],
        },
      },
      recipe: recipe(`${s.cell}-seqmnist`, { hiddenSize: s.hidden, layers: 1, bidirectional: false }),
    };
  }
  const embedDim = s.embed ?? DEFAULT_EMBED;
  return {
    architecture: {
      type: 'Seq2Seq',
      options: { cell: s.cell, vocabSize: 13, embedDim, hiddenSize: s.hidden },
    },
    preprocessing: { vocab },
    recipe: recipe('seq2seq-reverse', {
      task: s.task,
      cell: s.cell,
      hiddenSize: s.hidden,
      embedDim,
      attention: 'none',
    }),
  };
}

interface CheckpointLike {
  architecture: { type: string; options: unknown } | null;
  extra: unknown;
}

/**
 * The page settings that rebuild a checkpoint's model, from its architecture record (or, failing that, its
 * recipe); an Error naming the model when the page has no task for it. Training settings come from the recipe
 * when the page offers them, else from the task's defaults; `current` gives the seed when the recipe has none.
 */
export function settingsForCheckpoint(
  ckpt: CheckpointLike,
  source: string,
  current: RnnSettings,
): RnnSettings {
  const recipe = (ckpt.extra ?? {}) as {
    preset?: string;
    options?: Record<string, unknown>;
    training?: { lr?: unknown; batchSize?: unknown; seed?: unknown };
  };
  const preset = typeof recipe.preset === 'string' ? recipe.preset : null;
  let type = ckpt.architecture?.type;
  let o = (ckpt.architecture?.options ?? {}) as Record<string, unknown>;
  if (!ckpt.architecture && preset) {
    const p = recipe.options ?? {};
    if (preset === 'lstm-seqmnist' || preset === 'gru-seqmnist') {
      type = 'SequenceClassifier';
      o = { cell: preset.slice(0, 3), inputSize: 28, numClasses: 10, numLayers: p.layers ?? 1, ...p };
    } else if (preset === 'seq2seq-reverse') {
      type = 'Seq2Seq';
      o = { vocabSize: 13, cell: 'lstm', hiddenSize: 128, embedDim: 32, ...p };
    }
  }
  const what = type
    ? `a ${type}${preset ? ` (neurite train ${preset})` : ''}`
    : 'a model the page cannot identify (no architecture recorded)';
  const offered =
    'the RNN page opens the SequenceClassifier of lstm-seqmnist and gru-seqmnist and the Seq2Seq of seq2seq-reverse';
  const cell = o.cell ?? 'lstm';
  const hidden = Number(o.hiddenSize);
  const validSize = (n: number) => Number.isInteger(n) && n >= 1 && n <= 1024;
  if (cell !== 'lstm' && cell !== 'gru' && cell !== 'rnn') {
    throw new Error(`${source} holds ${what} with cell ${JSON.stringify(cell)}; ${offered}`);
  }
  const training = recipe.training ?? {};
  const base = (task: RnnSettings['task']): RnnSettings => {
    const d = TASK_DEFAULTS[task];
    const seed = Number(training.seed);
    return {
      ...d,
      cell,
      hidden,
      seed: Number.isInteger(seed) && seed >= 0 ? seed : current.seed,
    };
  };
  if (type === 'SequenceClassifier') {
    const layers = o.numLayers ?? 1;
    if (o.inputSize !== 28 || o.numClasses !== 10) {
      throw new Error(
        `${source} holds ${what} reading ${String(o.inputSize)} inputs per step into ${String(o.numClasses)} classes; the page's many-to-one model reads MNIST rows (28 pixels per step, 10 classes)`,
      );
    }
    if (layers !== 1 || o.bidirectional === true) {
      throw new Error(
        `${source} holds ${what} with ${String(layers)} layer${layers === 1 ? '' : 's'}${o.bidirectional ? ', reading both ways' : ''}; the page's many-to-one model is one layer reading one way`,
      );
    }
    if (!validSize(hidden))
      throw new Error(`${source}: hiddenSize ${String(o.hiddenSize)} is not a size the page can build`);
    return base('rows');
  }
  if (type === 'Seq2Seq') {
    if (o.vocabSize !== 13) {
      throw new Error(
        `${source} holds ${what} over ${String(o.vocabSize)} tokens; the page's encoder–decoder reads the 13 tokens of digit strings`,
      );
    }
    if (o.attention !== undefined && o.attention !== 'none') {
      throw new Error(
        `${source} holds ${what} with ${String(o.attention)} attention; the page's encoder–decoder has no attention`,
      );
    }
    if ((o.numLayers ?? 1) !== 1) {
      throw new Error(
        `${source} holds ${what} with ${String(o.numLayers)} layers; the page's encoder–decoder has one`,
      );
    }
    const embed = Number(o.embedDim ?? 32);
    if (!validSize(hidden) || !validSize(embed)) {
      throw new Error(
        `${source}: sizes ${String(o.hiddenSize)} / ${String(o.embedDim)} are not sizes the page can build`,
      );
    }
    const task = recipe.options?.task === 'sort' ? 'sort' : 'reverse';
    return { ...base(task), embed };
  }
  throw new Error(`${source} holds ${what}; ${offered}`);
}
