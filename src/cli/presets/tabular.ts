/**
 * Presets on tables: linear regression on diabetes, logistic regression on breast cancer and on XOR (with and
 * without feature crosses), an MLP on the 8×8 digits.
 */
import { z } from 'zod';
import * as nt from '../../node.js';
import { fmtCount } from '../common.js';
import {
  type DataSplits,
  type Experiment,
  evaluateWith,
  head,
  makeOptimizer,
  makeScheduler,
  type OptimizerSpec,
  type Restored,
  type TrainingSettings,
} from '../experiment.js';
import { TabularPipeline, tabularIO, tabularLoss, tabularMetrics } from '../tabular.js';
import { lazy, type Preset } from './types.js';

type Module = nt.nn.Module;
type Task = 'classification' | 'binary' | 'regression';

interface Table {
  x: nt.Tensor;
  y: nt.Tensor;
  featureNames: string[];
  targetNames?: string[];
}

interface TableRecipe {
  title: string;
  dataset: string;
  task: Task;
  numClasses: number;
  load: () => Table;
  /** Fraction of the rows held out for testing, drawn with a fixed seed (stratified for classes). */
  testSize: number;
  degree: number;
  makeModel(inFeatures: number): Module;
  optimizer: OptimizerSpec;
  /** The closed-form or full-batch solver, when chosen instead of gradient descent. */
  solver?: (model: Module, x: nt.Tensor, y: nt.Tensor) => void;
  training: TrainingSettings;
  restored?: Restored;
}

/** The split of a built-in table is fixed (seed 0), so test figures compare across runs and seeds. */
const SPLIT_SEED = 0;

function tableExperiment(r: TableRecipe): Experiment {
  const table = lazy(r.load);
  const pipeline = new TabularPipeline({ degree: r.degree, standardize: true });
  const split = lazy(() => {
    const t = table();
    return nt.data.trainTestSplit(t.x, t.y, {
      testSize: r.testSize,
      seed: SPLIT_SEED,
      stratify: r.task !== 'regression',
    });
  });
  const restoredPipeline = r.restored?.preprocessing.pipeline as Record<string, unknown> | undefined;
  if (restoredPipeline) pipeline.restore(restoredPipeline);
  const data = lazy((): DataSplits => {
    const s = split();
    const xTrain = restoredPipeline ? pipeline.transform(s.xTrain) : pipeline.fitTransform(s.xTrain);
    const train = head({ x: xTrain, y: s.yTrain }, r.training.limit);
    const test = head({ x: pipeline.transform(s.xTest), y: s.yTest }, r.training.limit);
    return {
      train,
      trainSize: train.x.shape[0],
      test,
      testSize: test.x.shape[0],
      description: `${r.dataset} (${fmtCount(train.x.shape[0])} train / ${fmtCount(test.x.shape[0])} test rows)`,
    };
  });
  const t = table();
  const inFeatures = pipeline.outFeatures(t.x.shape[1]);
  const model = r.makeModel(inFeatures);
  const loss = tabularLoss(r.task);
  const exp: Experiment = {
    title: r.title,
    task: r.task,
    model,
    loss,
    metrics: () => tabularMetrics(r.task),
    makeOptimizer: (lr) => makeOptimizer(model, r.optimizer, lr),
    // annealing the rate to zero lets mini-batch descent settle on the minimum instead of hovering around it
    makeScheduler: (opt, epochs) => makeScheduler(opt, { type: 'cosine' }, epochs),
    data,
    preprocessing: () => ({ pipeline: pipeline.toJSON(), input: pipeline.inputSpec(t.featureNames, []) }),
    info: () => ({}),
    evaluate: (d, batchSize) => evaluateWith(exp, d, batchSize),
    io: tabularIO({
      schema: {
        columns: t.featureNames,
        target: 'target',
        categorical: [],
        categoricalTarget: false,
        encoders: {},
      },
      pipeline,
      task: r.task,
      numClasses: r.numClasses,
      classNames: t.targetNames,
    }),
    summaryInput: { shape: [1, inFeatures] },
  };
  if (r.solver) {
    const solver = r.solver;
    exp.solve = async () => {
      const { train } = data();
      const xy = train as nt.train.XY;
      solver(model, xy.x, xy.y);
    };
  }
  return exp;
}

// ---------------------------------------------------------------------------------------------------------------

const linregOptions = z.strictObject({
  solver: z.enum(['gd', 'exact']).default('gd'),
});

export const linregDiabetes: Preset<z.infer<typeof linregOptions>> = {
  name: 'linreg-diabetes',
  description: 'linear regression on the diabetes data (442 patients, 10 features); --solver gd|exact',
  defaults: { epochs: 100, batchSize: 32, lr: 0.01 },
  options: linregOptions,
  build: ({ options, training, restored }) =>
    tableExperiment({
      title: `linear regression (${options.solver === 'exact' ? 'exact least squares' : 'gradient descent'}) on diabetes`,
      dataset: 'diabetes',
      task: 'regression',
      numClasses: 0,
      load: () => nt.loadDiabetes(),
      testSize: 0.2,
      degree: 1,
      makeModel: (f) => nt.train.buildModel('LinearRegression', { inFeatures: f, outFeatures: 1 }),
      optimizer: { type: 'sgd', momentum: 0.9 },
      solver:
        options.solver === 'exact' ? (m, x, y) => (m as nt.models.LinearRegression).fit(x, y) : undefined,
      training,
      restored,
    }),
};

const logregOptions = z.strictObject({
  solver: z.enum(['gd', 'lbfgs']).default('gd'),
});

const lbfgs = (m: Module, x: nt.Tensor, y: nt.Tensor) => {
  (m as nt.models.LogisticRegression).fit(x, y);
};

export const logregBreastCancer: Preset<z.infer<typeof logregOptions>> = {
  name: 'logreg-breast-cancer',
  description:
    'logistic regression on breast cancer (569 tumours, 30 features, standardised); --solver gd|lbfgs',
  defaults: { epochs: 50, batchSize: 32, lr: 0.01 },
  options: logregOptions,
  build: ({ options, training, restored }) =>
    tableExperiment({
      title: `logistic regression (${options.solver === 'lbfgs' ? 'L-BFGS' : 'gradient descent'}) on breast cancer`,
      dataset: 'breast cancer',
      task: 'binary',
      numClasses: 2,
      load: () => nt.loadBreastCancer(),
      testSize: 0.2,
      degree: 1,
      makeModel: (f) => nt.train.buildModel('LogisticRegression', { inFeatures: f, numClasses: 2 }),
      optimizer: { type: 'adam' },
      solver: options.solver === 'lbfgs' ? lbfgs : undefined,
      training,
      restored,
    }),
};

const xorOptions = z
  .strictObject({
    crosses: z.boolean().default(false),
    degree: z.number().int().min(1).max(8).optional(),
    solver: z.enum(['gd', 'lbfgs']).default('gd'),
  })
  .transform((o) => ({ ...o, degree: o.degree ?? (o.crosses ? 2 : 1) }));

/** XOR points: 1,000 in [−1, 1]², a little noise, 800 to train and 200 to test. */
function loadXor(): Table {
  const { x, y } = nt.data.makeXor({ n: 1000, noise: 0.05, seed: 0 });
  return { x, y, featureNames: ['x0', 'x1'], targetNames: ['same sign', 'opposite signs'] };
}

export const logregXor: Preset<z.infer<typeof xorOptions>> = {
  name: 'logreg-xor',
  description: 'logistic regression on XOR: fails on the raw inputs, solves it with --crosses (--degree N)',
  defaults: { epochs: 30, batchSize: 32, lr: 0.05 },
  options: xorOptions,
  build: ({ options, training, restored }) =>
    tableExperiment({
      title:
        options.degree > 1
          ? `logistic regression on XOR with degree-${options.degree} feature crosses`
          : 'logistic regression on raw XOR inputs (no crosses)',
      dataset: 'XOR',
      task: 'binary',
      numClasses: 2,
      load: loadXor,
      testSize: 0.2,
      degree: options.degree,
      makeModel: (f) => nt.train.buildModel('LogisticRegression', { inFeatures: f, numClasses: 2 }),
      optimizer: { type: 'adam' },
      solver: options.solver === 'lbfgs' ? lbfgs : undefined,
      training,
      restored,
    }),
};

const mlpDigitsOptions = z.strictObject({
  hidden: z.array(z.number().int().positive()).min(1).default([64]),
  activation: z.enum(['relu', 'tanh', 'sigmoid', 'gelu', 'leakyRelu']).default('relu'),
  dropout: z.number().min(0).lt(1).default(0),
});

export const mlpDigits: Preset<z.infer<typeof mlpDigitsOptions>> = {
  name: 'mlp-digits',
  description: 'an MLP on the 8×8 digits (1,797 images, standardised); --hidden 64,32 --activation --dropout',
  defaults: { epochs: 30, batchSize: 32, lr: 1e-3 },
  options: mlpDigitsOptions,
  build: ({ options, training, restored }) =>
    tableExperiment({
      title: `MLP 64-${options.hidden.join('-')}-10 (${options.activation}) on the 8×8 digits`,
      dataset: '8×8 digits',
      task: 'classification',
      numClasses: 10,
      load: () => nt.loadDigits(),
      testSize: 0.2,
      degree: 1,
      makeModel: (f) =>
        nt.train.buildModel('MLP', {
          sizes: [f, ...options.hidden, 10],
          activation: options.activation,
          dropout: options.dropout,
          init: options.activation === 'relu' || options.activation === 'leakyRelu' ? 'he' : 'xavier',
        }),
      optimizer: { type: 'adam' },
      training,
      restored,
    }),
};
