/**
 * Presets on the 10,000 MNIST digits shipped with neurite (8,000 train / 2,000 test): a deep MLP, LeNet-5,
 * a ResNet, RandWire networks, and LSTM/GRU classifiers reading the digits row by row.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import * as nt from '../../node.js';
import { CliError, fmtCount } from '../common.js';
import {
  type DataSplits,
  describeClasses,
  type Experiment,
  type ExperimentIO,
  evaluateWith,
  head,
  makeOptimizer,
  makeScheduler,
  type OptimizerSpec,
  readImages,
  type TrainingSettings,
} from '../experiment.js';
import { lazy, type Preset } from './types.js';

type Module = nt.nn.Module;
type Tensor = nt.Tensor;

/** How the digits reach the model: images `[N, 1, 28, 28]`, flat `[N, 784]`, or 28 rows of 28 pixels `[N, 28, 28]`. */
export type Layout = 'image' | 'flat' | 'rows';

const DIGITS = Array.from({ length: 10 }, (_, d) => String(d));
const SIZE = 28;
const PIXELS = SIZE * SIZE;

function shapeOf(layout: Layout, n: number): number[] {
  return layout === 'image' ? [n, 1, SIZE, SIZE] : layout === 'flat' ? [n, PIXELS] : [n, SIZE, SIZE];
}

/** Pixels in 0–1 `[N, 784]` → standardised with MNIST's mean and deviation, in the model's layout. */
function toInput(pixels: Float32Array, n: number, layout: Layout): Tensor {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i] - nt.MNIST_MEAN) / nt.MNIST_STD;
  return new nt.Tensor(out, shapeOf(layout, n));
}

/** The preprocessing above as a checkpoint records it, for `nt.train.loadModel`: raw pixels 0–255 in. */
export function mnistInput(layout: Layout): nt.train.InputSpec {
  return {
    description:
      'MNIST digits: 784 pixels 0–255 per sample (0 = background), as [N, 784], [N, 28, 28] or [N, 1, 28, 28]',
    steps: [
      { type: 'normalize', divide: 255, mean: nt.MNIST_MEAN, std: nt.MNIST_STD },
      { type: 'reshape', shape: shapeOf(layout, 1).slice(1) },
    ],
  };
}

/** Reading digits for `predict` and `eval --data`, and naming the predicted digits. */
export function mnistIO(layout: Layout): ExperimentIO {
  return {
    inputHelp:
      'a PGM (P2/P5) or PNG image 28×28, a .json file or inline JSON (784 numbers, 28 rows of 28, or an array of such images), ' +
      'or a CSV file of 784 pixel values per row (an optional label column); pixels 0–255, 0 = background',
    readInputs(input: string) {
      const { pixels, n } = readImages(input, SIZE, SIZE);
      return { x: toInput(pixels, n, layout) };
    },
    readLabelled(path: string) {
      const { pixels, n, labels, source } = readImages(path, SIZE, SIZE);
      if (!labels)
        throw new CliError(
          `${source}: no labels; give a CSV with a label column (784 pixels, then the digit)`,
        );
      labels.forEach((l, i) => {
        if (l < 0 || l > 9)
          throw new CliError(`${source}: row ${i + 1} has label ${l}; expected a digit 0…9`);
      });
      return { x: toInput(pixels, n, layout), y: new nt.Tensor(labels, [n]) };
    },
    describe: (output: Tensor) => describeClasses(output, DIGITS),
  };
}

interface MnistRecipe {
  title: string;
  layout: Layout;
  model: Module;
  optimizer: OptimizerSpec;
  cosine: boolean;
  clipGradNorm?: number;
  /** Random shifts of the training digits by up to this many pixels (image layout only). */
  shift: number;
  training: TrainingSettings;
  onStart?: (dir: string) => void;
}

function mnistExperiment(r: MnistRecipe): Experiment {
  const data = lazy((): DataSplits => {
    const flatten = r.layout === 'flat';
    const train = nt.loadMnist({ split: 'train', normalize: 'standard', flatten });
    const test = nt.loadMnist({ split: 'test', normalize: 'standard', flatten });
    const arrange = (x: Tensor) => (r.layout === 'rows' ? nt.data.sequentialMnist(x) : x);
    const trainXY = head({ x: arrange(train.images), y: train.labels }, r.training.limit);
    const testXY = head({ x: arrange(test.images), y: test.labels }, r.training.limit);
    const n = trainXY.x.shape[0];
    return {
      train:
        r.shift > 0 && r.layout === 'image'
          ? new nt.data.ShiftedImages(trainXY.x, trainXY.y, r.shift, {
              background: (0 - nt.MNIST_MEAN) / nt.MNIST_STD,
            })
          : trainXY,
      trainSize: n,
      test: testXY,
      testSize: testXY.x.shape[0],
      description:
        `MNIST (${fmtCount(n)} train / ${fmtCount(testXY.x.shape[0])} test digits` +
        `${r.shift > 0 && r.layout === 'image' ? `, random shifts up to ${r.shift} px` : ''})`,
    };
  });
  const exp: Experiment = {
    title: r.title,
    task: 'classification',
    model: r.model,
    loss: 'crossEntropy',
    metrics: () => ['accuracy'],
    clipGradNorm: r.clipGradNorm,
    makeOptimizer: (lr) => makeOptimizer(r.model, r.optimizer, lr),
    makeScheduler: r.cosine ? (opt, epochs) => makeScheduler(opt, { type: 'cosine' }, epochs) : undefined,
    data,
    preprocessing: () => ({ input: mnistInput(r.layout) }),
    info: () => ({}),
    evaluate: (d, batchSize) => evaluateWith(exp, d, batchSize),
    io: mnistIO(r.layout),
    summaryInput: { shape: shapeOf(r.layout, 1) },
    onStart: r.onStart,
  };
  return exp;
}

const shift = (dflt: number) => z.number().int().min(0).max(8).default(dflt);

// ---------------------------------------------------------------------------------------------------------------

const dnnOptions = z.strictObject({
  depth: z.number().int().min(1).max(64).default(8),
  width: z.number().int().positive().default(128),
  activation: z.enum(['relu', 'tanh', 'sigmoid', 'gelu', 'leakyRelu']).default('relu'),
  init: z.enum(['he', 'xavier', 'default']).default('he'),
  batchNorm: z.boolean().default(true),
  dropout: z.number().min(0).lt(1).default(0),
});

export const dnnMnist: Preset<z.infer<typeof dnnOptions>> = {
  name: 'dnn-mnist',
  description:
    'a deep MLP on MNIST (8 hidden layers, He init, batch norm); --depth --width --activation --init --no-batch-norm',
  defaults: { epochs: 10, batchSize: 64, lr: 3e-3 },
  options: dnnOptions,
  build: ({ options: o, training }) => {
    const model = nt.train.buildModel('MLP', {
      sizes: [PIXELS, ...Array<number>(o.depth).fill(o.width), 10],
      activation: o.activation,
      init: o.init,
      batchNorm: o.batchNorm,
      dropout: o.dropout,
    });
    return mnistExperiment({
      title: `deep MLP, ${o.depth} hidden layers of ${o.width} (${o.activation}, ${o.init} init${o.batchNorm ? ', batch norm' : ''}) on MNIST`,
      layout: 'flat',
      model,
      optimizer: { type: 'adam' },
      cosine: true,
      shift: 0,
      training,
    });
  },
};

const lenetOptions = z.strictObject({
  shift: shift(2),
  activation: z.enum(['tanh', 'relu']).default('tanh'),
  pooling: z.enum(['avg', 'max']).default('avg'),
});

export const cnnMnist: Preset<z.infer<typeof lenetOptions>> = {
  name: 'cnn-mnist',
  description:
    'LeNet-5 on MNIST (tanh, average pooling, random shifts of 2 px); --shift --activation --pooling',
  defaults: { epochs: 15, batchSize: 32, lr: 3e-3 },
  options: lenetOptions,
  build: ({ options: o, training }) =>
    mnistExperiment({
      title: `LeNet-5 (${o.activation}, ${o.pooling} pooling) on MNIST`,
      layout: 'image',
      model: nt.train.buildModel('LeNet5', { activation: o.activation, pooling: o.pooling }),
      optimizer: { type: 'adam' },
      cosine: true,
      shift: o.shift,
      training,
    }),
};

const resnetOptions = z.strictObject({
  depth: z.union([z.literal(18), z.literal(34), z.literal(50)]).default(18),
  widthMultiplier: z.number().positive().max(4).default(0.25),
  shift: shift(0),
});

export const resnetMnist: Preset<z.infer<typeof resnetOptions>> = {
  name: 'resnet-mnist',
  description:
    'ResNet-18 layout at width 0.25 (16-32-64-128 channels) on MNIST; --depth 18|34|50 --width-multiplier --shift',
  defaults: { epochs: 3, batchSize: 64, lr: 2e-3 },
  options: resnetOptions,
  build: ({ options: o, training }) =>
    mnistExperiment({
      title: `ResNet-${o.depth} (width ×${o.widthMultiplier}) on MNIST`,
      layout: 'image',
      model: nt.train.buildModel('resnetMini', {
        depth: o.depth,
        widthMultiplier: o.widthMultiplier,
        numClasses: 10,
        inChannels: 1,
      }),
      optimizer: { type: 'adam' },
      cosine: true,
      shift: o.shift,
      training,
    }),
};

const randwireOptions = z
  .strictObject({
    graph: z.enum(['ws', 'er', 'ba']).default('ws'),
    k: z.number().int().min(2).optional(),
    p: z.number().min(0).max(1).optional(),
    m: z.number().int().min(1).optional(),
    nodes: z.number().int().min(2).max(64).default(8),
    channels: z.number().int().min(2).max(256).default(16),
    // 28×28 digits: with stride 1 in the stem, four stride-2 stages take them down to 2×2
    stages: z.number().int().min(1).max(4).default(3),
    headChannels: z.number().int().min(1).max(4096).default(256),
    stemStrides: z
      .array(z.union([z.literal(1), z.literal(2)]))
      .length(2)
      .default([1, 1]),
    shift: shift(0),
  })
  .superRefine((o, ctx) => {
    const misplaced = (key: 'k' | 'p' | 'm', graphs: string) =>
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `only applies to --graph ${graphs}, not ${o.graph}`,
      });
    if (o.k !== undefined && o.graph !== 'ws') misplaced('k', 'ws');
    if (o.m !== undefined && o.graph !== 'ba') misplaced('m', 'ba');
    if (o.p !== undefined && o.graph === 'ba') misplaced('p', 'ws or er');
    if (o.graph === 'ws' && o.k !== undefined && (o.k % 2 !== 0 || o.k >= o.nodes)) {
      ctx.addIssue({
        code: 'custom',
        path: ['k'],
        message: `must be even and smaller than --nodes (${o.nodes}), got ${o.k}`,
      });
    }
    if (o.graph === 'ba' && o.m !== undefined && o.m >= o.nodes) {
      ctx.addIssue({
        code: 'custom',
        path: ['m'],
        message: `must be smaller than --nodes (${o.nodes}), got ${o.m}`,
      });
    }
  })
  .transform((o) => ({
    ...o,
    k: o.graph === 'ws' ? (o.k ?? 4) : undefined,
    p: o.graph === 'ws' ? (o.p ?? 0.75) : o.graph === 'er' ? (o.p ?? 0.2) : undefined,
    m: o.graph === 'ba' ? (o.m ?? 5) : undefined,
  }));

type RandwireOptions = z.infer<typeof randwireOptions>;

function graphSpec(o: RandwireOptions): nt.models.randwire.GraphSpec {
  if (o.graph === 'ws') return { type: 'ws', k: o.k as number, p: o.p as number };
  if (o.graph === 'er') return { type: 'er', p: o.p as number };
  return { type: 'ba', m: o.m as number };
}

function graphName(o: RandwireOptions): string {
  return o.graph === 'ws' ? `WS(${o.k}, ${o.p})` : o.graph === 'er' ? `ER(${o.p})` : `BA(${o.m})`;
}

export const randwireMnist: Preset<RandwireOptions> = {
  name: 'randwire-mnist',
  description:
    'a randomly wired network on MNIST (3 stages of 8 nodes, C = 16, stem strides 1,1, head 256); --graph ws|er|ba --k --p --m --nodes --channels --stages --stem-strides --head-channels',
  defaults: { epochs: 8, batchSize: 64, lr: 3e-3 },
  options: randwireOptions,
  build: ({ options: o, training }) => {
    const model = nt.train.buildModel('RandWireNet', {
      graph: graphSpec(o),
      nodes: o.nodes,
      channels: o.channels,
      stages: o.stages,
      numClasses: 10,
      inChannels: 1,
      headChannels: o.headChannels,
      stemStrides: [o.stemStrides[0], o.stemStrides[1]],
      seed: training.seed,
    });
    const stem = o.stemStrides[0] === 1 && o.stemStrides[1] === 1 ? '' : `, stem strides ${o.stemStrides}`;
    const head = o.headChannels === 256 ? '' : `, head ${o.headChannels}`;
    return mnistExperiment({
      title: `RandWire ${graphName(o)}, ${o.stages} stage${o.stages === 1 ? '' : 's'} of ${o.nodes} nodes, C = ${o.channels}${stem}${head}, on MNIST`,
      layout: 'image',
      model,
      optimizer: { type: 'adam' },
      cosine: true,
      shift: o.shift,
      training,
      onStart: (dir) => {
        const graphs = join(dir, 'graphs');
        mkdirSync(graphs, { recursive: true });
        model.graphs().forEach((g, i) => {
          writeFileSync(join(graphs, `stage${i}.dot`), g.toDot({ name: `${graphName(o)} stage ${i}` }));
          writeFileSync(join(graphs, `stage${i}.json`), `${JSON.stringify(g.toJSON())}\n`);
        });
      },
    });
  },
};

const rnnOptions = z.strictObject({
  hiddenSize: z.number().int().positive().default(128),
  layers: z.number().int().min(1).max(8).default(1),
  bidirectional: z.boolean().default(false),
});

function recurrentMnist(cell: 'lstm' | 'gru'): Preset<z.infer<typeof rnnOptions>> {
  const name = cell.toUpperCase();
  return {
    name: `${cell}-seqmnist`,
    description: `${cell === 'lstm' ? 'an' : 'a'} ${name} reading each MNIST digit as 28 rows of 28 pixels (many-to-one); --hidden-size --layers --bidirectional`,
    defaults: { epochs: 8, batchSize: 64, lr: 3e-3 },
    options: rnnOptions,
    build: ({ options: o, training }) =>
      mnistExperiment({
        title: `${o.bidirectional ? 'bidirectional ' : ''}${name} ${o.hiddenSize}${o.layers > 1 ? ` × ${o.layers} layers` : ''} over MNIST rows`,
        layout: 'rows',
        model: nt.train.buildModel('SequenceClassifier', {
          cell,
          inputSize: SIZE,
          hiddenSize: o.hiddenSize,
          numLayers: o.layers,
          bidirectional: o.bidirectional,
          numClasses: 10,
        }),
        optimizer: { type: 'adam' },
        cosine: true,
        clipGradNorm: 1,
        shift: 0,
        training,
      }),
  };
}

export const lstmSeqMnist = recurrentMnist('lstm');
export const gruSeqMnist = recurrentMnist('gru');
