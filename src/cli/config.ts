/**
 * JSON configs for `neurite train config.json`: the user's own experiments — a model, data (a built-in dataset
 * or their own CSV file), an optimiser, a schedule and training settings — validated with zod, so that a mistake
 * is reported with the file and the JSON path of the bad field (`exp.json: model.sizes[1]: must be > 0, got -3`).
 * The README's "Command line" section documents the format.
 *
 * Most presets are named configs (presets/named.ts): they go through {@link buildConfigExperiment} too, so data
 * loading and model building live here only.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import * as nt from '../node.js';
import { CliError, fmtCount, formatZodError, readJson } from './common.js';
import {
  classLabels,
  type DataSplits,
  type Experiment,
  type ExperimentIO,
  evaluateWith,
  head,
  lazy,
  makeOptimizer,
  makeScheduler,
  OPTIMIZERS,
  type Restored,
  type TableSchema,
  type TrainingSettings,
} from './experiment.js';
import { type MnistLayout, mnistInput, mnistIO } from './mnist-io.js';
import { TabularPipeline, tabularIO, tabularLoss, tabularMetrics } from './tabular.js';

type Tensor = nt.Tensor;
type Module = nt.nn.Module;

// ---------------------------------------------------------------------------------------------------------------
// schema

const positiveInt = z.number().int().positive();
const probability = z.number().min(0).lt(1);
const activation = z.enum(['relu', 'tanh', 'sigmoid', 'gelu', 'leakyRelu']);

const graphSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('ws'),
    k: positiveInt.default(4),
    p: z.number().min(0).max(1).default(0.75),
  }),
  z.strictObject({ type: z.literal('er'), p: z.number().min(0).max(1).default(0.2) }),
  z.strictObject({ type: z.literal('ba'), m: positiveInt.default(5) }),
]);

const recurrent = {
  hiddenSize: positiveInt.default(128),
  layers: positiveInt.max(8).default(1),
  bidirectional: z.boolean().default(false),
  dropout: probability.default(0),
};

export const modelSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('linear'),
    // least squares in closed form: gradient descent with default settings stops far short on unscaled targets
    solver: z.enum(['gd', 'exact']).default('exact'),
    alpha: z.number().min(0).default(0),
  }),
  z.strictObject({
    type: z.literal('logistic'),
    solver: z.enum(['gd', 'lbfgs']).default('gd'),
    C: z.number().positive().default(1),
  }),
  z.strictObject({
    type: z.literal('mlp'),
    hidden: z.array(positiveInt).optional(),
    sizes: z.array(positiveInt).min(2).optional(),
    activation: activation.default('relu'),
    batchNorm: z.boolean().default(false),
    dropout: probability.default(0),
    init: z.enum(['he', 'xavier', 'default']).default('he'),
  }),
  z.strictObject({
    type: z.literal('lenet5'),
    activation: z.enum(['tanh', 'relu']).default('tanh'),
    pooling: z.enum(['avg', 'max']).default('avg'),
  }),
  z.strictObject({
    type: z.literal('resnet'),
    depth: z.union([z.literal(18), z.literal(34), z.literal(50)]).default(18),
    widthMultiplier: z.number().positive().max(4).default(0.25),
  }),
  z.strictObject({
    type: z.literal('randwire'),
    graph: graphSchema.default({ type: 'ws', k: 4, p: 0.75 }),
    nodes: positiveInt.min(2).max(64).default(8),
    channels: positiveInt.min(2).default(16),
    stages: positiveInt.max(5).default(3),
    headChannels: positiveInt.default(256),
    // strides of the stem's two convolutions: 2,1 quarters the work of the first stage on 28×28 digits
    stemStrides: z
      .tuple([z.union([z.literal(1), z.literal(2)]), z.union([z.literal(1), z.literal(2)])])
      .default([1, 1]),
  }),
  z.strictObject({ type: z.literal('lstm-classifier'), ...recurrent }),
  z.strictObject({ type: z.literal('gru-classifier'), ...recurrent }),
  z.strictObject({ type: z.literal('rnn-classifier'), ...recurrent }),
]);

const BUILTIN_TABLES = ['iris', 'wine', 'breast-cancer', 'diabetes', 'digits'] as const;
const TOY_SETS = ['xor', 'circles', 'moons', 'spirals', 'blobs'] as const;

const tableOptions = {
  testSize: z.number().gt(0).lt(1).default(0.2),
  standardize: z.boolean().default(true),
  degree: positiveInt.max(8).default(1),
  splitSeed: z.number().int().min(0).default(0),
};

export const dataSchema = z.union([
  z.strictObject({
    dataset: z.literal('mnist'),
    shift: z.number().int().min(0).max(8).default(0),
  }),
  z.strictObject({ dataset: z.enum(BUILTIN_TABLES), ...tableOptions }),
  z.strictObject({
    dataset: z.enum(TOY_SETS),
    n: positiveInt.min(10).default(1000),
    noise: z.number().min(0).default(0.1),
    seed: z.number().int().min(0).default(0),
    ...tableOptions,
  }),
  z.strictObject({
    csv: z.string().min(1),
    target: z.union([z.string().min(1), z.number().int().min(0)]),
    columns: z
      .array(z.union([z.string().min(1), z.number().int().min(0)]))
      .min(1)
      .optional(),
    categorical: z.array(z.union([z.string().min(1), z.number().int().min(0)])).optional(),
    task: z.enum(['classification', 'regression']).optional(),
    test: z.string().min(1).optional(),
    delimiter: z.string().length(1).default(','),
    imageShape: z.tuple([positiveInt, positiveInt, positiveInt]).optional(),
    ...tableOptions,
  }),
]);

const earlyStoppingSchema = z.strictObject({
  monitor: z.string().min(1).default('valLoss'),
  patience: z.number().int().min(0).default(3),
  minDelta: z.number().min(0).default(0),
  restoreBestWeights: z.boolean().default(false),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    model: modelSchema,
    data: dataSchema,
    optimizer: z
      .strictObject({
        type: z.enum(OPTIMIZERS).default('adam'),
        lr: z.number().positive().optional(),
        weightDecay: z.number().min(0).optional(),
        momentum: z.number().min(0).lt(1).optional(),
        nesterov: z.boolean().optional(),
      })
      .default({ type: 'adam' }),
    scheduler: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('cosine'), etaMin: z.number().min(0).optional() }),
        z.strictObject({
          type: z.literal('step'),
          stepSize: positiveInt,
          gamma: z.number().positive().lt(1).optional(),
        }),
        z.strictObject({ type: z.literal('exponential'), gamma: z.number().positive().max(1) }),
        z.strictObject({
          type: z.literal('plateau'),
          factor: z.number().positive().lt(1).optional(),
          patience: z.number().int().min(0).optional(),
        }),
      ])
      .nullable()
      .default(null),
    training: z
      .strictObject({
        epochs: positiveInt.default(10),
        batchSize: positiveInt.default(32),
        seed: z.number().int().min(0).default(0),
        validationSplit: z.number().gt(0).lt(1).optional(),
        earlyStopping: earlyStoppingSchema.optional(),
        clipGradNorm: z.number().positive().optional(),
      })
      .default({ epochs: 10, batchSize: 32, seed: 0 }),
    loss: z.enum(['crossEntropy', 'mse', 'mae', 'huber', 'smoothL1', 'bceWithLogits']).optional(),
    metrics: z
      .array(
        z
          .string()
          .regex(/^(accuracy|precision|recall|f1|mse|mae|r2|logLoss|top\d+Accuracy)$/, 'unknown metric'),
      )
      .optional(),
  })
  .superRefine((c, ctx) => {
    const t = c.training as { earlyStopping?: unknown; validationSplit?: number };
    if (
      t.earlyStopping &&
      t.validationSplit === undefined &&
      /^val/.test((t.earlyStopping as { monitor: string }).monitor)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'earlyStopping'],
        message: 'watches a validation value: give training.validationSplit too (e.g. 0.1)',
      });
    }
    if (c.model.type === 'mlp' && c.model.hidden && c.model.sizes) {
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'sizes'],
        message: 'give either sizes or hidden, not both',
      });
    }
    if (c.scheduler?.type === 'plateau' && t.validationSplit === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['scheduler'],
        message: 'plateau watches the validation loss: give training.validationSplit too',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
/** A config as written, before defaults are filled in (what a preset's named config gives). */
export type ConfigInput = z.input<typeof configSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type DataConfig = z.infer<typeof dataSchema>;

/** A validated config and where it came from (CSV paths resolve against its folder). */
export interface LoadedConfig {
  config: Config;
  /** The file as given. */
  file: string;
  /** Its folder, absolute. */
  baseDir: string;
}

/** Validates a parsed config; errors name `source` and the JSON path. */
export function validateConfig(raw: unknown, source: string): Config {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CliError(
      `${source}: a config is a JSON object with "model" and "data" (see neurite train --help)`,
    );
  }
  const r = configSchema.safeParse(raw);
  if (!r.success) throw new CliError(formatZodError(r.error, raw, source));
  return r.data;
}

/** Reads and validates a config file. */
export function loadConfig(file: string): LoadedConfig {
  const config = validateConfig(readJson(file, 'config file'), file);
  return { config, file, baseDir: dirname(resolve(file)) };
}

// ---------------------------------------------------------------------------------------------------------------
// data

/** How a model reads a sample: flat features, an image, or a sequence of steps. */
type Layout = 'flat' | 'image' | 'rows' | 'steps';

function layoutOf(model: ModelConfig): Layout {
  switch (model.type) {
    case 'lenet5':
    case 'resnet':
    case 'randwire':
      return 'image';
    case 'lstm-classifier':
    case 'gru-classifier':
    case 'rnn-classifier':
      return 'rows';
    default:
      return 'flat';
  }
}

/** What the data of a config turned into, before the model is built. */
interface Prepared {
  task: 'classification' | 'binary' | 'regression';
  numClasses: number;
  classNames?: string[];
  /** Features per sample after encoding (before crosses). */
  rawFeatures: number;
  /** Image shape [C, H, W] when the samples are images. */
  imageShape?: [number, number, number];
  schema?: TableSchema;
  pipeline?: TabularPipeline;
  /** Train and test `{ x, y }` (loaded lazily). */
  splits: () => { train: nt.train.XY; test: nt.train.XY; description: string };
  /** Why the task was chosen, when it was inferred from the data (shown when training starts). */
  taskNote?: string;
}

/** Most classes a whole-number target may have to be read as class labels when no task is given. */
const MAX_INFERRED_CLASSES = 20;
/** Most classes a target may have when the config says it is classification. */
const MAX_CLASSES = 10_000;

/** The task a CSV target suggests, with the reason in the config's terms. */
function inferTask(
  y: Tensor,
  categoricalTarget: boolean,
  target: string,
  model: ModelConfig['type'],
): { task: 'classification' | 'regression'; note: string } {
  const change = (other: string) => `set data.task to "${other}" to change it`;
  if (categoricalTarget) {
    return { task: 'classification', note: `classification: the target "${target}" holds text labels` };
  }
  // the model type decides when it can only do one of the two
  if (model === 'linear') {
    return { task: 'regression', note: `regression: model.type "linear" predicts a number` };
  }
  let whole = true;
  let min = Infinity;
  let max = -Infinity;
  const seen = new Set<number>();
  for (const v of y.data) {
    if (!Number.isInteger(v)) whole = false;
    min = Math.min(min, v);
    max = Math.max(max, v);
    if (seen.size <= MAX_INFERRED_CLASSES) seen.add(v);
  }
  if (whole && min >= 0 && max < MAX_INFERRED_CLASSES && seen.size >= 2) {
    return {
      task: 'classification',
      note: `classification: the target "${target}" holds ${seen.size} whole numbers (${min}…${max}), read as class labels; ${change('regression')}`,
    };
  }
  const why = whole
    ? min < 0
      ? `whole numbers down to ${min}`
      : `whole numbers up to ${max}, more than ${MAX_INFERRED_CLASSES} classes`
    : 'fractional numbers';
  return {
    task: 'regression',
    note: `regression: the target "${target}" holds ${why}; ${change('classification')}`,
  };
}

/** A target the config calls classification must hold class labels: say so in the config's terms if not. */
function checkClassTarget(y: Tensor, target: string, source: string): void {
  let max = 0;
  for (const v of y.data) {
    if (!Number.isInteger(v) || v < 0) {
      throw new CliError(
        `${source}: data.task is "classification" but the target "${target}" holds numbers such as ${fmtValue(v)}; ` +
          'classes are text labels or whole numbers 0, 1, 2, …; leave data.task out or set it to "regression"',
      );
    }
    max = Math.max(max, v);
  }
  if (max >= MAX_CLASSES) {
    throw new CliError(
      `${source}: data.task is "classification" but the target "${target}" holds whole numbers up to ${max}, ` +
        `which would make ${max + 1} classes; set data.task to "regression" to predict it as a number`,
    );
  }
}

function fmtValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

const toyLoaders: Record<
  (typeof TOY_SETS)[number],
  (o: { n: number; noise: number; seed: number }) => nt.data.ToyDataset
> = {
  xor: (o) => nt.data.makeXor(o),
  circles: (o) => nt.data.makeCircles(o),
  moons: (o) => nt.data.makeMoons(o),
  spirals: (o) => nt.data.makeSpirals(o),
  blobs: (o) => nt.data.makeBlobs({ n: o.n, seed: o.seed }),
};

function tableLoad(data: DataConfig): {
  x: Tensor;
  y: Tensor;
  featureNames: string[];
  targetNames?: string[];
} {
  if ('dataset' in data) {
    switch (data.dataset) {
      case 'iris':
        return nt.loadIris();
      case 'wine':
        return nt.loadWine();
      case 'breast-cancer':
        return nt.loadBreastCancer();
      case 'diabetes':
        return nt.loadDiabetes();
      case 'digits':
        return nt.loadDigits();
      case 'mnist':
        break;
      default: {
        const d = data as { dataset: (typeof TOY_SETS)[number]; n: number; noise: number; seed: number };
        const { x, y } = toyLoaders[d.dataset](d);
        return {
          x,
          y,
          featureNames: Array.from({ length: x.shape[1] }, (_, i) => `x${i}`),
          // makeXor's class 1 is the quadrants where the coordinates' signs differ
          targetNames: d.dataset === 'xor' ? ['same sign', 'opposite signs'] : undefined,
        };
      }
    }
  }
  throw new Error('tableLoad: not a table');
}

/** The built-in datasets as a person writes them. */
const DATASET_NAMES: Record<string, string> = {
  mnist: 'MNIST',
  'breast-cancer': 'breast cancer',
  digits: '8×8 digits',
  xor: 'XOR',
};

function datasetName(dataset: string): string {
  return DATASET_NAMES[dataset] ?? dataset;
}

/** `diabetes (353 train / 89 test rows)`, with a note such as `random shifts up to 2 px`. */
function describeSplit(name: string, train: number, test: number, unit: string, note = ''): string {
  return `${name} (${fmtCount(train)} train / ${fmtCount(test)} test ${unit}${note ? `, ${note}` : ''})`;
}

function numClassesOf(y: Tensor): number {
  let max = -1;
  for (const v of y.data) max = Math.max(max, v);
  return Math.max(2, max + 1);
}

type CsvData = Extract<DataConfig, { csv: string }>;
type TableData = Exclude<DataConfig, CsvData | { dataset: 'mnist' }>;
type Limit = (xy: nt.train.XY) => nt.train.XY;
type Encoder = nt.data.OneHotEncoder | nt.data.LabelEncoder;

/** What a CSV holds for the model, established on its first read or, when resuming, taken from the checkpoint. */
interface CsvFacts {
  columns: string[];
  categorical: string[];
  categoricalTarget: boolean;
  classNames?: string[];
  numClasses: number;
  rawFeatures: number;
  task: Prepared['task'];
}

/** The data of a config, ready for the model: MNIST, a built-in or toy table, or the user's CSV. */
function prepare(
  loaded: LoadedConfig,
  training: TrainingSettings,
  restored: Restored | undefined,
  layout: Layout,
): Prepared {
  const data = loaded.config.data;
  const limit: Limit = (xy) => head(xy, training.limit);
  if ('dataset' in data && data.dataset === 'mnist') return prepareMnist(layout, data.shift, limit);

  const pipeline = new TabularPipeline({ degree: data.degree, standardize: data.standardize });
  const savedPipeline = restored?.preprocessing.pipeline as Record<string, unknown> | undefined;
  if (savedPipeline) pipeline.restore(savedPipeline);
  // a restored pipeline keeps its fitted statistics: the training split is transformed, not fitted again
  const fitOn = (x: Tensor) => (savedPipeline ? pipeline.transform(x) : pipeline.fitTransform(x));
  if ('dataset' in data) return prepareTable(data, pipeline, fitOn, limit);
  return prepareCsv(loaded, data, restored, pipeline, fitOn, limit);
}

/**
 * MNIST, standardised, as flat rows, images or rows-as-steps for the model's layout (the random shifts of the
 * training images are applied by the experiment's data).
 */
function prepareMnist(layout: Layout, shift: number, limit: Limit): Prepared {
  const flatten = layout === 'flat';
  return {
    task: 'classification',
    numClasses: 10,
    classNames: Array.from({ length: 10 }, (_, d) => String(d)),
    rawFeatures: 784,
    imageShape: [1, 28, 28],
    splits: lazy(() => {
      const arrange = (x: Tensor) => (layout === 'rows' ? nt.data.sequentialMnist(x) : x);
      const tr = nt.loadMnist({ split: 'train', normalize: 'standard', flatten });
      const te = nt.loadMnist({ split: 'test', normalize: 'standard', flatten });
      const train = limit({ x: arrange(tr.images), y: tr.labels });
      const test = limit({ x: arrange(te.images), y: te.labels });
      const note = shift > 0 && layout === 'image' ? `random shifts up to ${shift} px` : '';
      const description = describeSplit('MNIST', train.x.shape[0], test.x.shape[0], 'digits', note);
      return { train, test, description };
    }),
  };
}

/** A built-in or toy table, split (stratified for classification) and run through the pipeline. */
function prepareTable(
  data: TableData,
  pipeline: TabularPipeline,
  fitOn: (x: Tensor) => Tensor,
  limit: Limit,
): Prepared {
  const table = tableLoad(data);
  const task = data.dataset === 'diabetes' ? 'regression' : 'classification';
  const numClasses = task === 'regression' ? 0 : (table.targetNames?.length ?? numClassesOf(table.y));
  return {
    task,
    numClasses,
    classNames: table.targetNames,
    rawFeatures: table.x.shape[1],
    imageShape: data.dataset === 'digits' ? [1, 8, 8] : undefined,
    schema: {
      columns: table.featureNames,
      target: 'target',
      categorical: [],
      categoricalTarget: false,
      encoders: {},
    },
    pipeline,
    splits: lazy(() => {
      const s = nt.data.trainTestSplit(table.x, table.y, {
        testSize: data.testSize,
        seed: data.splitSeed,
        stratify: task === 'classification',
      });
      const train = limit({ x: fitOn(s.xTrain), y: s.yTrain });
      const test = limit({ x: pipeline.transform(s.xTest), y: s.yTest });
      const name = datasetName(data.dataset);
      return { train, test, description: describeSplit(name, train.x.shape[0], test.x.shape[0], 'rows') };
    }),
  };
}

/**
 * The user's CSV (and its separate test file, if any): the task and columns from the first read or the checkpoint,
 * the encoders, and splits read lazily.
 */
function prepareCsv(
  loaded: LoadedConfig,
  data: CsvData,
  restored: Restored | undefined,
  pipeline: TabularPipeline,
  fitOn: (x: Tensor) => Tensor,
  limit: Limit,
): Prepared {
  const csvPath = isAbsolute(data.csv) ? data.csv : resolve(loaded.baseDir, data.csv);
  const testPath =
    data.test === undefined
      ? undefined
      : isAbsolute(data.test)
        ? data.test
        : resolve(loaded.baseDir, data.test);
  const read = (path: string, encoders?: Record<string, Encoder>) => readCsv(data, path, encoders);
  const encoders: Record<string, Encoder> = {};
  const savedEncoders = restored?.preprocessing.encoders as Record<string, { type: string }> | undefined;
  for (const [k, v] of Object.entries(savedEncoders ?? {})) {
    encoders[k] = nt.data.preprocessorFromJSON(v as nt.data.PreprocessorJSON) as Encoder;
  }
  const first = lazy(() => {
    if (!existsSync(csvPath)) throw new CliError(`${loaded.file}: data.csv: no such file ${csvPath}`);
    if (testPath !== undefined && !existsSync(testPath))
      throw new CliError(`${loaded.file}: data.test: no such file ${testPath}`);
    return read(csvPath, savedEncoders ? encoders : undefined);
  });
  let facts: CsvFacts;
  let taskNote: string | undefined;
  const info = restored?.info as CsvFacts | undefined;
  if (info) {
    facts = info;
  } else {
    const csv = first();
    ({ facts, taskNote } = csvFacts(csv, data, loaded));
    Object.assign(encoders, csv.encoders);
  }
  if (data.imageShape && data.imageShape.reduce((a, b) => a * b, 1) !== facts.rawFeatures) {
    throw new CliError(
      `${loaded.file}: data.imageShape [${data.imageShape.join(', ')}] holds ${data.imageShape.reduce((a, b) => a * b, 1)} values but ${data.csv} has ${facts.rawFeatures} feature columns`,
    );
  }
  const targetName = typeof data.target === 'number' ? String(data.target) : data.target;
  return {
    taskNote,
    task: facts.task,
    numClasses: facts.numClasses,
    classNames: facts.classNames,
    rawFeatures: facts.rawFeatures,
    imageShape: data.imageShape,
    schema: {
      columns: facts.columns,
      target: targetName,
      categorical: facts.categorical,
      categoricalTarget: facts.categoricalTarget,
      encoders,
    },
    pipeline,
    splits: lazy(() => {
      const csv = first();
      const labels = (y: Tensor, source: string) =>
        facts.task === 'classification' ? classLabels(y, facts.numClasses, source) : y;
      let xTrain: Tensor;
      let yTrain: Tensor;
      let xTest: Tensor;
      let yTest: Tensor;
      if (testPath) {
        const test = read(testPath, encoders);
        [xTrain, yTrain, xTest, yTest] = [
          csv.x,
          labels(csv.y as Tensor, csvPath),
          test.x,
          labels(test.y as Tensor, testPath),
        ];
      } else {
        const y = labels(csv.y as Tensor, csvPath);
        const s = nt.data.trainTestSplit(csv.x, y, {
          testSize: data.testSize,
          seed: data.splitSeed,
          stratify: facts.task === 'classification',
        });
        [xTrain, yTrain, xTest, yTest] = [s.xTrain, s.yTrain, s.xTest, s.yTest];
      }
      if (xTest.shape[1] !== xTrain.shape[1]) {
        throw new CliError(
          `${testPath}: ${xTest.shape[1]} feature columns after encoding, the training file has ${xTrain.shape[1]}`,
        );
      }
      const train = limit({ x: fitOn(xTrain), y: yTrain });
      const test = limit({ x: pipeline.transform(xTest), y: yTest });
      return { train, test, description: describeSplit(data.csv, train.x.shape[0], test.x.shape[0], 'rows') };
    }),
  };
}

/** Reads one CSV file of the config; loadCsv's errors become CLI errors without their "loadCsv: " prefix. */
function readCsv(data: CsvData, path: string, encoders?: Record<string, Encoder>) {
  try {
    return nt.loadCsv(path, {
      target: data.target,
      columns: data.columns,
      categorical: data.categorical,
      delimiter: data.delimiter,
      encoders,
    });
  } catch (e) {
    if (e instanceof nt.NeuriteError) throw new CliError(e.message.replace(/^loadCsv: /, ''));
    throw e;
  }
}

/** The task (given, checked, or inferred with a note saying why), columns and classes of a CSV's first read. */
function csvFacts(
  csv: ReturnType<typeof readCsv>,
  data: CsvData,
  loaded: LoadedConfig,
): { facts: CsvFacts; taskNote?: string } {
  const y = csv.y as Tensor;
  const targetName = typeof data.target === 'number' ? csv.columnNames[data.target] : data.target;
  const categoricalTarget = y.dtype === 'int32' && csv.targetNames !== undefined;
  let task: 'classification' | 'regression';
  let taskNote: string | undefined;
  if (data.task) {
    task = data.task;
    if (task === 'classification' && !categoricalTarget) checkClassTarget(y, String(targetName), loaded.file);
  } else {
    const inferred = inferTask(y, categoricalTarget, String(targetName), loaded.config.model.type);
    task = inferred.task;
    taskNote = inferred.note;
  }
  const features = (data.columns ?? csv.columnNames.filter((c) => c !== targetName)).map((c) =>
    typeof c === 'number' ? csv.columnNames[c] : c,
  );
  const categorical = (data.categorical ?? [])
    .map((c) => (typeof c === 'number' ? csv.columnNames[c] : c))
    .filter((c) => c !== targetName);
  let numClasses = 0;
  if (task === 'classification') numClasses = csv.targetNames?.length ?? numClassesOf(y);
  const facts: CsvFacts = {
    columns: features,
    categorical,
    categoricalTarget,
    classNames:
      csv.targetNames ??
      (task === 'classification' ? Array.from({ length: numClasses }, (_, i) => String(i)) : undefined),
    numClasses,
    rawFeatures: csv.x.shape[1],
    task,
  };
  return { facts, taskNote };
}

// ---------------------------------------------------------------------------------------------------------------
// the experiment

function buildModel(
  model: ModelConfig,
  p: Prepared,
  inFeatures: number,
  seed: number,
  source: string,
): Module {
  const out = p.task === 'regression' ? 1 : p.numClasses;
  const needsImages = (what: string) => {
    if (!p.imageShape) {
      throw new CliError(
        `${source}: model.type "${what}" reads images: use data.dataset "mnist" or "digits", or give data.imageShape for a CSV`,
      );
    }
    return p.imageShape;
  };
  switch (model.type) {
    case 'linear':
      if (p.task !== 'regression')
        throw new CliError(`${source}: model.type "linear" is for regression; use "logistic" to classify`);
      return nt.train.buildModel('LinearRegression', { inFeatures, outFeatures: 1, alpha: model.alpha });
    case 'logistic':
      if (p.task === 'regression')
        throw new CliError(`${source}: model.type "logistic" classifies; use "linear" for a numeric target`);
      return nt.train.buildModel('LogisticRegression', { inFeatures, numClasses: p.numClasses, C: model.C });
    case 'mlp': {
      const sizes = model.sizes ?? [inFeatures, ...(model.hidden ?? [64]), out];
      if (sizes[0] !== inFeatures)
        throw new CliError(
          `${source}: model.sizes[0] is ${sizes[0]} but the data has ${inFeatures} features`,
        );
      if (sizes[sizes.length - 1] !== out) {
        throw new CliError(
          `${source}: model.sizes[${sizes.length - 1}] is ${sizes[sizes.length - 1]} but the task needs ${out} output${out === 1 ? '' : 's'}`,
        );
      }
      return nt.train.buildModel('MLP', {
        sizes,
        activation: model.activation,
        batchNorm: model.batchNorm,
        dropout: model.dropout,
        init: model.init,
      });
    }
    case 'lenet5': {
      const [c, h, w] = needsImages('lenet5');
      if (h > 32 || w > 32)
        throw new CliError(`${source}: LeNet-5 reads images up to 32×32; data.imageShape is ${h}×${w}`);
      return nt.train.buildModel('LeNet5', {
        numClasses: out,
        inChannels: c,
        activation: model.activation,
        pooling: model.pooling,
      });
    }
    case 'resnet': {
      const [c] = needsImages('resnet');
      return nt.train.buildModel('resnetMini', {
        depth: model.depth,
        widthMultiplier: model.widthMultiplier,
        numClasses: out,
        inChannels: c,
      });
    }
    case 'randwire': {
      const [c] = needsImages('randwire');
      return nt.train.buildModel('RandWireNet', {
        graph: model.graph,
        nodes: model.nodes,
        channels: model.channels,
        stages: model.stages,
        headChannels: model.headChannels,
        numClasses: out,
        inChannels: c,
        stemStrides: model.stemStrides,
        seed,
      });
    }
    default: {
      const cell =
        model.type === 'lstm-classifier' ? 'lstm' : model.type === 'gru-classifier' ? 'gru' : 'rnn';
      if (p.task === 'regression')
        throw new CliError(`${source}: model.type "${model.type}" classifies; the data's target is numeric`);
      const inputSize = p.imageShape ? p.imageShape[2] * p.imageShape[0] : 1;
      return nt.train.buildModel('SequenceClassifier', {
        cell,
        inputSize,
        hiddenSize: model.hiddenSize,
        numLayers: model.layers,
        bidirectional: model.bidirectional,
        dropout: model.dropout,
        numClasses: out,
      });
    }
  }
}

/** Features `[N, F]` in the layout the model reads. */
function arrange(x: Tensor, layout: Layout, imageShape: [number, number, number] | undefined): Tensor {
  if (x.ndim !== 2) return x;
  const n = x.shape[0];
  if (layout === 'image' && imageShape) return nt.reshape(x, [n, ...imageShape]);
  if (layout === 'rows') {
    if (imageShape) {
      const [c, h, w] = imageShape;
      // each image row is one time step of C·W values
      return c === 1
        ? nt.reshape(x, [n, h, w])
        : nt.reshape(nt.permute(nt.reshape(x, [n, c, h, w]), [0, 2, 1, 3]), [n, h, c * w]);
    }
    return nt.reshape(x, [n, x.shape[1], 1]);
  }
  return x;
}

/** What a preset adds to the config it names (presets/named.ts). */
export interface PresetOrigin {
  /** The preset's title, which says more than the config's `model.type on dataset`. */
  title: string;
}

/**
 * Builds the experiment a config describes: a user's config file, or a preset's named config (`preset` then gives
 * its title, and messages name the preset's flags instead of config keys). `restored` (from a checkpoint) supplies
 * the fitted encoders, scaler and facts about the data, so a trained experiment is rebuilt without re-reading the
 * training file.
 */
export function buildConfigExperiment(
  loaded: LoadedConfig,
  training: TrainingSettings,
  restored?: Restored,
  preset?: PresetOrigin,
): Experiment {
  const { config, file } = loaded;
  const layout = layoutOf(config.model);
  const p = prepare(loaded, training, restored, layout);
  const isMnist = 'dataset' in config.data && config.data.dataset === 'mnist';
  const isCsv = 'csv' in config.data;
  if (layout === 'image' && !p.imageShape) {
    throw new CliError(
      `${file}: model.type "${config.model.type}" reads images: use data.dataset "mnist" or "digits", or give data.imageShape for a CSV`,
    );
  }
  const inFeatures = p.pipeline ? p.pipeline.outFeatures(p.rawFeatures) : p.rawFeatures;
  if (layout !== 'flat' && p.pipeline && p.pipeline.options.degree > 1) {
    throw new CliError(
      `${file}: data.degree (feature crosses) only suits flat models (linear, logistic, mlp)`,
    );
  }
  const model = buildModel(config.model, p, inFeatures, training.seed, file);
  const binary = config.model.type === 'logistic' && p.numClasses === 2;
  const task = binary ? 'binary' : p.task;
  const loss = config.loss ?? tabularLoss(task);
  const metrics = (config.metrics ?? tabularMetrics(task)) as nt.train.MetricName[];
  // MNIST arrives in the model's layout already; a CSV of images or the 8×8 digits are rows to reshape
  const imageShape = isMnist ? undefined : p.imageShape;
  const shift = 'dataset' in config.data && config.data.dataset === 'mnist' ? config.data.shift : 0;
  const data = lazy((): DataSplits => {
    const { train, test, description } = p.splits();
    const trainXY = { x: arrange(train.x, layout, imageShape), y: train.y };
    return {
      train:
        shift > 0 && layout === 'image'
          ? new nt.data.ShiftedImages(trainXY.x, trainXY.y, shift, {
              background: (0 - nt.MNIST_MEAN) / nt.MNIST_STD,
            })
          : trainXY,
      trainSize: train.x.shape[0],
      test: { x: arrange(test.x, layout, imageShape), y: test.y },
      testSize: test.x.shape[0],
      description,
    };
  });
  const opt = config.optimizer;
  const sched = config.scheduler;
  const exp: Experiment = {
    title:
      preset?.title ??
      `${config.name ? `${config.name}: ` : ''}${config.model.type} on ${dataName(config.data)}`,
    task,
    model,
    loss,
    metrics: () => metrics,
    clipGradNorm: config.training.clipGradNorm,
    makeOptimizer: (lr) => makeOptimizer(model, opt, lr),
    makeScheduler: sched ? (o, epochs) => makeScheduler(o, sched, epochs) : undefined,
    data,
    preprocessing: () => configPreprocessing(p, layout, imageShape, inFeatures, isMnist, isCsv),
    // what prepareCsv reads back when the run is rebuilt; a built-in table is loaded again instead
    info: () =>
      p.schema && isCsv
        ? {
            columns: p.schema.columns,
            categorical: p.schema.categorical,
            categoricalTarget: p.schema.categoricalTarget,
            classNames: p.classNames,
            numClasses: p.numClasses,
            rawFeatures: p.rawFeatures,
            task: p.task,
          }
        : {},
    evaluate: (d, batchSize) => evaluateWith(exp, d, batchSize),
    io: isMnist ? mnistIO(mnistLayout(layout)) : configIO(p, task, layout, imageShape),
    summaryInput: { shape: summaryShape(p, layout, inFeatures) },
  };
  const m = config.model;
  if (m.type === 'randwire') exp.onStart = (dir) => writeGraphs(model as nt.models.RandWireNet, m.graph, dir);
  const notes: string[] = [];
  if (p.taskNote) notes.push(`task: ${p.taskNote}`);
  const solver = solverOf(config.model, model, () => data().train as nt.train.XY, preset !== undefined);
  if (solver.note) notes.push(solver.note);
  if (solver.solve) exp.solve = solver.solve;
  if (solver.checkFit) exp.checkFit = solver.checkFit;
  Object.assign(exp, { notes });
  return exp;
}

/** How the model is trained when not by epochs of gradient descent, and what is said about it. */
function solverOf(
  config: ModelConfig,
  model: Module,
  train: () => nt.train.XY,
  isPreset: boolean,
): { solve?: () => Promise<void>; note?: string; checkFit?: Experiment['checkFit'] } {
  if (config.type === 'linear' && config.solver === 'exact') {
    return {
      solve: async () => {
        const { x, y } = train();
        (model as nt.models.LinearRegression).fit(x, y);
      },
      // the config's default, so it is said; a preset's title says it already
      note: isPreset
        ? undefined
        : 'solver: exact least squares (model "solver": "gd" trains by gradient descent instead)',
    };
  }
  if (config.type === 'linear') {
    const advice = isPreset
      ? 'use --solver exact, or train longer (--epochs) with a higher --lr'
      : 'set model "solver": "exact", or train longer (training.epochs) with a higher optimizer.lr';
    return {
      checkFit: (xy) => linearUnderfit(model as nt.models.LinearRegression, config.alpha, xy, advice),
    };
  }
  if (config.type === 'logistic' && config.solver === 'lbfgs') {
    return {
      solve: async () => {
        const { x, y } = train();
        (model as nt.models.LogisticRegression).fit(x, y);
      },
    };
  }
  return {};
}

/** Reading tables (a CSV's rows or a built-in table's) for `predict` and `eval --data`, in the model's layout. */
function configIO(
  p: Prepared,
  task: Prepared['task'],
  layout: Layout,
  imageShape: [number, number, number] | undefined,
): ExperimentIO | undefined {
  if (!p.schema || !p.pipeline) return undefined;
  const base = tabularIO({
    schema: p.schema,
    pipeline: p.pipeline,
    task,
    numClasses: p.numClasses,
    classNames: p.classNames,
  });
  return {
    ...base,
    readInputs: (input) => ({ x: arrange(base.readInputs(input).x, layout, imageShape) }),
    readLabelled: (path) => {
      const xy = base.readLabelled(path);
      return { x: arrange(xy.x, layout, imageShape), y: xy.y };
    },
  };
}

/** The fitted preprocessing for the checkpoint: the pipeline, the encoders, and the input spec of loadModel. */
function configPreprocessing(
  p: Prepared,
  layout: Layout,
  imageShape: [number, number, number] | undefined,
  inFeatures: number,
  isMnist: boolean,
  isCsv: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (p.pipeline) out.pipeline = p.pipeline.toJSON();
  if (p.schema && isCsv)
    out.encoders = Object.fromEntries(Object.entries(p.schema.encoders).map(([k, v]) => [k, v.toJSON()]));
  if (isMnist) out.input = mnistInput(mnistLayout(layout));
  else if (p.pipeline && p.schema) {
    // the rows a model reads, as arrange() lays them out (channels interleaved by a permute: not a reshape)
    const input = p.pipeline.inputSpec(p.schema.columns, p.schema.categorical);
    const shape =
      layout === 'image'
        ? imageShape
        : layout === 'rows'
          ? imageShape
            ? imageShape[0] === 1
              ? [imageShape[1], imageShape[2]]
              : undefined
            : [inFeatures, 1]
          : [];
    if (shape?.length) input.steps.push({ type: 'reshape', shape: [...shape] });
    if (shape) out.input = input;
  }
  return out;
}

/** The input shape `summary` feeds the model (one sample). */
function summaryShape(p: Prepared, layout: Layout, inFeatures: number): number[] {
  if (layout === 'image' && p.imageShape) return [1, ...p.imageShape];
  if (layout === 'rows') {
    return p.imageShape ? [1, p.imageShape[1], p.imageShape[0] * p.imageShape[2]] : [1, inFeatures, 1];
  }
  return [1, inFeatures];
}

/** A RandWire network's random graphs, as `graphs/stage<i>.dot` (draw with `dot -Tsvg`) and `.json`. */
function writeGraphs(model: nt.models.RandWireNet, graph: nt.models.randwire.GraphSpec, dir: string): void {
  const graphs = join(dir, 'graphs');
  mkdirSync(graphs, { recursive: true });
  const name = graphName(graph);
  model.graphs().forEach((g, i) => {
    writeFileSync(join(graphs, `stage${i}.dot`), g.toDot({ name: `${name} stage ${i}` }));
    writeFileSync(join(graphs, `stage${i}.json`), `${JSON.stringify(g.toJSON())}\n`);
  });
}

/** `WS(4, 0.75)`, `ER(0.2)`, `BA(5)`. */
export function graphName(g: nt.models.randwire.GraphSpec): string {
  return g.type === 'ws' ? `WS(${g.k}, ${g.p})` : g.type === 'er' ? `ER(${g.p})` : `BA(${g.m})`;
}

/** R² below the least-squares optimum by more than this on the training data counts as underfitting. */
const UNDERFIT_GAP = 0.05;

/**
 * Gradient descent on a linear model can stop far from the least-squares fit (few epochs, a small learning rate,
 * an unscaled target); the exact fit of the same training data says how far, at the cost of one QR solve.
 */
function linearUnderfit(
  model: nt.models.LinearRegression,
  alpha: number,
  train: nt.train.XY,
  advice: string,
): string | undefined {
  const reached = model.score(train.x, train.y);
  const best = new nt.models.LinearRegression({ alpha }).fit(train.x, train.y).score(train.x, train.y);
  if (!(best - reached > UNDERFIT_GAP)) return undefined;
  return `the model underfits: train R² ${reached.toFixed(3)} where the least-squares fit reaches ${best.toFixed(3)}; ${advice}`;
}

function dataName(data: DataConfig): string {
  return 'dataset' in data ? data.dataset : data.csv;
}

/** The MNIST layout of a model's layout: images, flat rows, or rows as time steps. */
function mnistLayout(layout: Layout): MnistLayout {
  return layout === 'flat' ? 'flat' : layout === 'rows' ? 'rows' : 'image';
}
