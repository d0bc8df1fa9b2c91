/**
 * Presets on the 10,000 MNIST digits shipped with neurite (8,000 train / 2,000 test): a deep MLP, LeNet-5,
 * a ResNet, RandWire networks, and LSTM/GRU classifiers reading the digits row by row. Each is a named config
 * (named.ts): the config's builder loads the digits and builds the model, as for a user's config on MNIST.
 */
import { z } from 'zod';
import type * as nt from '../../node.js';
import { type ConfigInput, graphName } from '../config.js';
import { namedConfig } from './named.js';

/** What every MNIST preset shares: Adam, a cosine schedule to zero, accuracy (not the tables' F1 too). */
function onMnist(
  name: string,
  model: ConfigInput['model'],
  shift: number,
  d: { epochs: number; batchSize: number; lr: number; clipGradNorm?: number },
): ConfigInput {
  return {
    name,
    model,
    data: { dataset: 'mnist', shift },
    optimizer: { type: 'adam', lr: d.lr },
    scheduler: { type: 'cosine' },
    training: { epochs: d.epochs, batchSize: d.batchSize, clipGradNorm: d.clipGradNorm },
    metrics: ['accuracy'],
  };
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

export const dnnMnist = namedConfig({
  name: 'dnn-mnist',
  description:
    'a deep MLP on MNIST (8 hidden layers, He init, batch norm); --depth --width --activation --init --no-batch-norm',
  options: dnnOptions,
  config: (o) =>
    onMnist(
      'dnn-mnist',
      {
        type: 'mlp',
        hidden: Array<number>(o.depth).fill(o.width),
        activation: o.activation,
        init: o.init,
        batchNorm: o.batchNorm,
        dropout: o.dropout,
      },
      0,
      { epochs: 10, batchSize: 64, lr: 3e-3 },
    ),
  title: (o) =>
    `deep MLP, ${o.depth} hidden layers of ${o.width} (${o.activation}, ${o.init} init${o.batchNorm ? ', batch norm' : ''}) on MNIST`,
});

const lenetOptions = z.strictObject({
  shift: shift(2),
  activation: z.enum(['tanh', 'relu']).default('tanh'),
  pooling: z.enum(['avg', 'max']).default('avg'),
});

export const cnnMnist = namedConfig({
  name: 'cnn-mnist',
  description:
    'LeNet-5 on MNIST (tanh, average pooling, random shifts of 2 px); --shift --activation --pooling',
  options: lenetOptions,
  config: (o) =>
    onMnist('cnn-mnist', { type: 'lenet5', activation: o.activation, pooling: o.pooling }, o.shift, {
      epochs: 15,
      batchSize: 32,
      lr: 3e-3,
    }),
  title: (o) => `LeNet-5 (${o.activation}, ${o.pooling} pooling) on MNIST`,
});

const resnetOptions = z.strictObject({
  depth: z.union([z.literal(18), z.literal(34), z.literal(50)]).default(18),
  widthMultiplier: z.number().positive().max(4).default(0.25),
  shift: shift(0),
});

export const resnetMnist = namedConfig({
  name: 'resnet-mnist',
  description:
    'ResNet-18 layout at width 0.25 (16-32-64-128 channels) on MNIST; --depth 18|34|50 --width-multiplier --shift',
  options: resnetOptions,
  config: (o) =>
    onMnist('resnet-mnist', { type: 'resnet', depth: o.depth, widthMultiplier: o.widthMultiplier }, o.shift, {
      epochs: 3,
      batchSize: 64,
      lr: 2e-3,
    }),
  title: (o) => `ResNet-${o.depth} (width ×${o.widthMultiplier}) on MNIST`,
});

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

export const randwireMnist = namedConfig({
  name: 'randwire-mnist',
  description:
    'a randomly wired network on MNIST (3 stages of 8 nodes, C = 16, stem strides 1,1, head 256); --graph ws|er|ba --k --p --m --nodes --channels --stages --stem-strides --head-channels',
  options: randwireOptions,
  config: (o) =>
    onMnist(
      'randwire-mnist',
      {
        type: 'randwire',
        graph: graphSpec(o),
        nodes: o.nodes,
        channels: o.channels,
        stages: o.stages,
        headChannels: o.headChannels,
        stemStrides: [o.stemStrides[0], o.stemStrides[1]],
      },
      o.shift,
      { epochs: 8, batchSize: 64, lr: 3e-3 },
    ),
  title: (o) => {
    const stem = o.stemStrides[0] === 1 && o.stemStrides[1] === 1 ? '' : `, stem strides ${o.stemStrides}`;
    const head = o.headChannels === 256 ? '' : `, head ${o.headChannels}`;
    return `RandWire ${graphName(graphSpec(o))}, ${o.stages} stage${o.stages === 1 ? '' : 's'} of ${o.nodes} nodes, C = ${o.channels}${stem}${head}, on MNIST`;
  },
});

const rnnOptions = z.strictObject({
  hiddenSize: z.number().int().positive().default(128),
  layers: z.number().int().min(1).max(8).default(1),
  bidirectional: z.boolean().default(false),
});

function recurrentMnist(cell: 'lstm' | 'gru') {
  const name = cell.toUpperCase();
  return namedConfig({
    name: `${cell}-seqmnist`,
    description: `${cell === 'lstm' ? 'an' : 'a'} ${name} reading each MNIST digit as 28 rows of 28 pixels (many-to-one); --hidden-size --layers --bidirectional`,
    options: rnnOptions,
    config: (o) =>
      onMnist(
        `${cell}-seqmnist`,
        {
          type: `${cell}-classifier`,
          hiddenSize: o.hiddenSize,
          layers: o.layers,
          bidirectional: o.bidirectional,
        },
        0,
        { epochs: 8, batchSize: 64, lr: 3e-3, clipGradNorm: 1 },
      ),
    title: (o) =>
      `${o.bidirectional ? 'bidirectional ' : ''}${name} ${o.hiddenSize}${o.layers > 1 ? ` × ${o.layers} layers` : ''} over MNIST rows`,
  });
}

export const lstmSeqMnist = recurrentMnist('lstm');
export const gruSeqMnist = recurrentMnist('gru');
