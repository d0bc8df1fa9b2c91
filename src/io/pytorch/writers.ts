/**
 * How each neurite module is spelled in model.py: a writer per class gives the Python expression that builds it,
 * `nn.Conv2d(1, 6, 5)` for PyTorch's own layers, `BasicBlock(conv1=…, …)` for neurite's composite models (their
 * classes in classes.ts). The walk mirrors the ONNX exporter's (src/io/onnx/context.ts): the writer of the nearest
 * class in a module's prototype chain, refused when the module overrides that class's forward, and a clear error
 * naming the module's path and class when no writer knows it.
 */

import { ValueError } from '../../errors.js';
import { AlexNet } from '../../models/alexnet.js';
import { BasicConv2d, GOOGLENET_FEATURES, GoogLeNetMini, Inception } from '../../models/inception.js';
import { LeNet5 } from '../../models/lenet.js';
import { LogisticRegression } from '../../models/logistic.js';
import { RandWireNet, RandWireNode, RandWireStage } from '../../models/randwire/network.js';
import { LinearRegression } from '../../models/regression.js';
import { BasicBlock, Bottleneck, ResNet } from '../../models/resnet.js';
import { BahdanauAttention, LuongAttention } from '../../models/seq/attention.js';
import { CharRNN } from '../../models/seq/charrnn.js';
import { SequenceClassifier } from '../../models/seq/classifier.js';
import { SequenceGenerator } from '../../models/seq/generator.js';
import { Seq2Seq } from '../../models/seq/seq2seq.js';
import { SequenceTagger } from '../../models/seq/tagger.js';
import { VGG } from '../../models/vgg.js';
import {
  CELU,
  ELU,
  GELU,
  GLU,
  Hardsigmoid,
  Hardswish,
  Hardtanh,
  LeakyReLU,
  LogSigmoid,
  LogSoftmax,
  Mish,
  PReLU,
  ReLU,
  ReLU6,
  SELU,
  Sigmoid,
  SiLU,
  Softmax,
  Softmin,
  Softplus,
  Softsign,
  Tanh,
} from '../../nn/activation.js';
import { ModuleList, Sequential } from '../../nn/container.js';
import { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d } from '../../nn/conv.js';
import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { Flatten, Identity, Unflatten } from '../../nn/flatten.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import {
  BatchNorm1d,
  BatchNorm2d,
  type BatchNormBase,
  GroupNorm,
  InstanceNorm1d,
  InstanceNorm2d,
  type InstanceNormBase,
  LayerNorm,
} from '../../nn/norm.js';
import {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AvgPool1d,
  AvgPool2d,
  MaxPool1d,
  MaxPool2d,
} from '../../nn/pool.js';
import { GRU, LSTM, RNN, type RNNBase } from '../../nn/rnn.js';
import { SeparableConv2d } from '../../nn/separable.js';
import { Upsample } from '../../nn/upsample.js';
import { knownClasses, lookupClass, type ModuleClass } from '../module-table.js';
import { type Arg, args, type Call, pyList, pyLiteral, pyNumber, type Value } from './python.js';

/** The walk's state: the custom classes model.py must define, in order of first use. */
export class WriteContext {
  readonly classes: string[] = [];

  constructor(private readonly table: ReadonlyMap<ModuleClass, Writer>) {}

  /** The expression that builds `m` (at `path` in the tree). */
  module(m: Module, path: string): Call {
    const found = lookupClass(this.table, m);
    if (!found) {
      throw unsupported(
        path,
        m,
        `model.py has no PyTorch form of ${m.constructor.name}; the exporter knows ${knownClasses(this.table)}`,
      );
    }
    const { cls, value: write, sameForward } = found;
    if (!sameForward) {
      throw unsupported(
        path,
        m,
        `it overrides ${cls.name}.forward, so model.py's ${cls.name} would not be what it computes`,
      );
    }
    return write(this, m, path);
  }

  /** The child `name` of `m`, or None when it is null. */
  child(m: Module, name: string, path: string): Value {
    const c = (m as unknown as Record<string, unknown>)[name];
    if (c === null || c === undefined) return 'None';
    if (!(c instanceof Module)) throw unsupported(path, m, `it has no submodule '${name}'`);
    return this.module(c, join(path, name));
  }

  /**
   * A call of one of model.py's own classes (classes.ts), with the named children as keyword arguments; a child
   * that is null is left out (those classes default it to None).
   */
  custom(cls: string, m: Module, path: string, names: readonly string[], extra: Arg[] = []): Call {
    if (!this.classes.includes(cls)) this.classes.push(cls);
    const children = names.map((n) => ({ name: n, value: this.child(m, n, path) }));
    return { fn: cls, args: [...children.filter((a) => a.value !== 'None'), ...extra] };
  }
}

/** Gives the Python expression that builds `m`. */
export type Writer<M extends Module = Module> = (ctx: WriteContext, m: M, path: string) => Call;

export type { ModuleClass };

type Entry = readonly [ModuleClass, Writer];

function entry<C extends ModuleClass>(cls: C, fn: Writer<InstanceType<C>>): Entry {
  return [cls, fn as Writer];
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** The error for a module model.py cannot spell: where it is, what it is, why. */
export function unsupported(path: string, m: Module, why: string): ValueError {
  const where = path ? `'${path}' (${m.constructor.name})` : m.constructor.name;
  return new ValueError(`pytorch.exportModel: cannot export ${where}: ${why}`);
}

const call = (
  fn: string,
  positional: Value[] = [],
  keywords: Record<string, Value | undefined> = {},
): Call => ({
  fn,
  args: args(positional, keywords),
});

const num = (v: number) => pyNumber(v);
/** A keyword only when it differs from PyTorch's default. */
const unless = <T>(v: T, dflt: T, spell: (v: T) => string = (x) => pyLiteral(x)) =>
  JSON.stringify(v) === JSON.stringify(dflt) ? undefined : spell(v);
const pair = (v: number | readonly number[]): [number, number] =>
  typeof v === 'number' ? [v, v] : [v[0], v[1]];
/** A 2-D size as PyTorch's layers take it: one number when both are equal. */
const size2 = (v: number | readonly number[]) => {
  const [a, b] = pair(v);
  return a === b ? num(a) : pyLiteral([a, b]);
};

// ---------------------------------------------------------------------------------------------------------------
// PyTorch's own layers

const writeLinear: Writer<Linear> = (_ctx, m) =>
  call('nn.Linear', [num(m.inFeatures), num(m.outFeatures)], { bias: m.bias ? undefined : 'False' });

const writeConv2d: Writer<Conv2d> = (_ctx, m) => {
  const padding = typeof m.padding === 'string' ? pyLiteral(m.padding) : size2(m.padding);
  return call('nn.Conv2d', [num(m.inChannels), num(m.outChannels), size2(m.kernelSize)], {
    stride: unless(pair(m.stride), [1, 1], size2),
    padding: padding === '0' ? undefined : padding,
    dilation: unless(pair(m.dilation), [1, 1], size2),
    groups: unless(m.groups, 1),
    bias: m.bias ? undefined : 'False',
  });
};

const writeBatchNorm =
  (fn: string): Writer<BatchNormBase> =>
  (_ctx, m) =>
    call(fn, [num(m.numFeatures)], {
      eps: unless(m.eps, 1e-5),
      momentum: unless(m.momentum, 0.1),
      affine: m.affine ? undefined : 'False',
      track_running_stats: m.trackRunningStats ? undefined : 'False',
    });

const writeLayerNorm: Writer<LayerNorm> = (_ctx, m, path) => {
  if (m.elementwiseAffine && !m.bias) {
    throw unsupported(
      path,
      m,
      'a LayerNorm with a weight and no bias needs PyTorch 2.1 (bias=False); Debian has 1.13',
    );
  }
  return call('nn.LayerNorm', [pyList(m.normalizedShape)], {
    eps: unless(m.eps, 1e-5),
    elementwise_affine: m.elementwiseAffine ? undefined : 'False',
  });
};

const writeMaxPool: Writer<MaxPool2d> = (_ctx, m) =>
  call('nn.MaxPool2d', [size2(m.kernelSize)], {
    stride: JSON.stringify(m.stride) === JSON.stringify(m.kernelSize) ? undefined : size2(m.stride),
    padding: unless(pair(m.padding), [0, 0], size2),
    dilation: unless(pair(m.dilation), [1, 1], size2),
    ceil_mode: m.ceilMode ? 'True' : undefined,
  });

const writeAvgPool: Writer<AvgPool2d> = (_ctx, m) =>
  call('nn.AvgPool2d', [size2(m.kernelSize)], {
    stride: JSON.stringify(m.stride) === JSON.stringify(m.kernelSize) ? undefined : size2(m.stride),
    padding: unless(pair(m.padding), [0, 0], size2),
    ceil_mode: m.ceilMode ? 'True' : undefined,
    count_include_pad: m.countIncludePad ? undefined : 'False',
  });

const writeAdaptiveAvgPool: Writer<AdaptiveAvgPool2d> = (_ctx, m) =>
  call('nn.AdaptiveAvgPool2d', [
    typeof m.outputSize === 'number' ? num(m.outputSize) : pyLiteral([...m.outputSize]),
  ]);

/** A 1-D size as its number (neurite also takes a one-element array). */
const one = (v: number | readonly number[]) => (typeof v === 'number' ? v : v[0]);

const writeConv1d: Writer<Conv1d> = (_ctx, m) =>
  call('nn.Conv1d', [num(m.inChannels), num(m.outChannels), num(m.kernelSize)], {
    stride: unless(m.stride, 1),
    padding: unless(m.padding, 0),
    dilation: unless(m.dilation, 1),
    groups: unless(m.groups, 1),
    bias: m.bias ? undefined : 'False',
  });

const writeConvTranspose2d: Writer<ConvTranspose2d> = (_ctx, m) =>
  call('nn.ConvTranspose2d', [num(m.inChannels), num(m.outChannels), size2(m.kernelSize)], {
    stride: unless(m.stride, [1, 1], size2),
    padding: unless(m.padding, [0, 0], size2),
    output_padding: unless(m.outputPadding, [0, 0], size2),
    groups: unless(m.groups, 1),
    bias: m.bias ? undefined : 'False',
    dilation: unless(m.dilation, [1, 1], size2),
  });

const writeConvTranspose1d: Writer<ConvTranspose1d> = (_ctx, m) =>
  call('nn.ConvTranspose1d', [num(m.inChannels), num(m.outChannels), num(m.kernelSize)], {
    stride: unless(m.stride, 1),
    padding: unless(m.padding, 0),
    output_padding: unless(m.outputPadding, 0),
    groups: unless(m.groups, 1),
    bias: m.bias ? undefined : 'False',
    dilation: unless(m.dilation, 1),
  });

const writeMaxPool1d: Writer<MaxPool1d> = (_ctx, m) =>
  call('nn.MaxPool1d', [num(one(m.kernelSize))], {
    stride: one(m.stride) === one(m.kernelSize) ? undefined : num(one(m.stride)),
    padding: unless(one(m.padding), 0),
    dilation: unless(one(m.dilation), 1),
    ceil_mode: m.ceilMode ? 'True' : undefined,
  });

const writeAvgPool1d: Writer<AvgPool1d> = (_ctx, m) =>
  call('nn.AvgPool1d', [num(one(m.kernelSize))], {
    stride: one(m.stride) === one(m.kernelSize) ? undefined : num(one(m.stride)),
    padding: unless(one(m.padding), 0),
    ceil_mode: m.ceilMode ? 'True' : undefined,
    count_include_pad: m.countIncludePad ? undefined : 'False',
  });

/** An adaptive pooling's output size: a number, or a tuple with None for a kept input size. */
const adaptive = (fn: string) => (_ctx: WriteContext, m: { outputSize: unknown }) =>
  call(fn, [typeof m.outputSize === 'number' ? num(m.outputSize) : pyLiteral(m.outputSize)]);

const writeUpsample: Writer<Upsample> = (_ctx, m) =>
  call('nn.Upsample', [], {
    size: m.size === undefined ? undefined : pyLiteral(m.size),
    scale_factor: m.scaleFactor === undefined ? undefined : pyLiteral(m.scaleFactor),
    mode: unless(m.mode, 'nearest'),
    align_corners: m.alignCorners === undefined ? undefined : pyLiteral(m.alignCorners),
  });

const writeGroupNorm: Writer<GroupNorm> = (_ctx, m) =>
  call('nn.GroupNorm', [num(m.numGroups), num(m.numChannels)], {
    eps: unless(m.eps, 1e-5),
    affine: m.affine ? undefined : 'False',
  });

const writeInstanceNorm =
  (fn: string): Writer<InstanceNormBase> =>
  (_ctx, m) =>
    call(fn, [num(m.numFeatures)], {
      eps: unless(m.eps, 1e-5),
      momentum: unless(m.momentum, 0.1),
      affine: m.affine ? 'True' : undefined,
      track_running_stats: m.trackRunningStats ? 'True' : undefined,
    });

const writeRecurrent: Writer<RNNBase> = (_ctx, m, path) => {
  const kind = m instanceof LSTM ? 'LSTM' : m instanceof GRU ? 'GRU' : m instanceof RNN ? 'RNN' : null;
  if (!kind) throw unsupported(path, m, 'only RNN, LSTM and GRU have PyTorch forms');
  return call(`nn.${kind}`, [num(m.inputSize), num(m.hiddenSize)], {
    num_layers: unless(m.numLayers, 1),
    nonlinearity: m instanceof RNN && m.nonlinearity === 'relu' ? '"relu"' : undefined,
    bias: m.bias ? undefined : 'False',
    batch_first: m.batchFirst ? 'True' : undefined,
    dropout: unless(m.dropout, 0),
    bidirectional: m.bidirectional ? 'True' : undefined,
  });
};

const writeSequential: Writer<Sequential> = (ctx, m, path) => {
  const c = call(
    'nn.Sequential',
    m.namedChildren().map(([name, layer]) => ctx.module(layer, join(path, name))),
  );
  if (m.constructor !== Sequential) c.comment = `neurite's ${m.constructor.name}`;
  return c;
};

const writeModuleList: Writer<ModuleList> = (ctx, m, path) =>
  call('nn.ModuleList', [m.namedChildren().map(([name, layer]) => ctx.module(layer, join(path, name)))]);

const plain =
  (fn: string): Writer =>
  () =>
    call(fn);

const activations: Entry[] = [
  entry(ReLU, plain('nn.ReLU')),
  entry(Sigmoid, plain('nn.Sigmoid')),
  entry(Tanh, plain('nn.Tanh')),
  entry(SELU, plain('nn.SELU')),
  entry(Softsign, plain('nn.Softsign')),
  entry(Hardswish, plain('nn.Hardswish')),
  entry(Hardsigmoid, plain('nn.Hardsigmoid')),
  entry(ReLU6, plain('nn.ReLU6')),
  entry(LogSigmoid, plain('nn.LogSigmoid')),
  entry(SiLU, plain('nn.SiLU')),
  entry(Mish, plain('nn.Mish')),
  entry(LeakyReLU, (_c, m) => call('nn.LeakyReLU', [], { negative_slope: unless(m.negativeSlope, 0.01) })),
  entry(ELU, (_c, m) => call('nn.ELU', [], { alpha: unless(m.alpha, 1) })),
  entry(CELU, (_c, m) => call('nn.CELU', [], { alpha: unless(m.alpha, 1) })),
  entry(Hardtanh, (_c, m) => call('nn.Hardtanh', [num(m.minVal), num(m.maxVal)])),
  entry(Softmax, (_c, m) => call('nn.Softmax', [], { dim: num(m.dim) })),
  entry(LogSoftmax, (_c, m) => call('nn.LogSoftmax', [], { dim: num(m.dim) })),
  entry(Softmin, (_c, m) => call('nn.Softmin', [], { dim: num(m.dim) })),
  entry(Softplus, (_c, m) =>
    call('nn.Softplus', [], { beta: unless(m.beta, 1), threshold: unless(m.threshold, 20) }),
  ),
  entry(GELU, (_c, m) => call('nn.GELU', [], { approximate: unless(m.approximate, 'none') })),
  entry(GLU, (_c, m) => call('nn.GLU', [], { dim: unless(m.dim, -1) })),
  entry(PReLU, (_c, m) => call('nn.PReLU', [], { num_parameters: unless(m.slopes, 1) })),
];

const layers: Entry[] = [
  entry(Linear, writeLinear),
  entry(Conv2d, writeConv2d),
  entry(BatchNorm1d, writeBatchNorm('nn.BatchNorm1d')),
  entry(BatchNorm2d, writeBatchNorm('nn.BatchNorm2d')),
  entry(LayerNorm, writeLayerNorm),
  entry(MaxPool2d, writeMaxPool),
  entry(AvgPool2d, writeAvgPool),
  entry(AdaptiveAvgPool2d, writeAdaptiveAvgPool),
  entry(Conv1d, writeConv1d),
  entry(ConvTranspose1d, writeConvTranspose1d),
  entry(ConvTranspose2d, writeConvTranspose2d),
  entry(MaxPool1d, writeMaxPool1d),
  entry(AvgPool1d, writeAvgPool1d),
  entry(AdaptiveAvgPool1d, adaptive('nn.AdaptiveAvgPool1d')),
  entry(AdaptiveMaxPool1d, adaptive('nn.AdaptiveMaxPool1d')),
  entry(AdaptiveMaxPool2d, adaptive('nn.AdaptiveMaxPool2d')),
  entry(Upsample, writeUpsample),
  entry(GroupNorm, writeGroupNorm),
  entry(InstanceNorm1d, writeInstanceNorm('nn.InstanceNorm1d')),
  entry(InstanceNorm2d, writeInstanceNorm('nn.InstanceNorm2d')),
  entry(Flatten, (_c, m) =>
    call('nn.Flatten', [], { start_dim: unless(m.startDim, 1), end_dim: unless(m.endDim, -1) }),
  ),
  entry(Unflatten, (_c, m) => call('nn.Unflatten', [num(m.dim), pyLiteral([...m.sizes])])),
  entry(Dropout, (_c, m) => call('nn.Dropout', [], { p: unless(m.p, 0.5) })),
  entry(Identity, plain('nn.Identity')),
  entry(Embedding, (_c, m) =>
    call('nn.Embedding', [num(m.numEmbeddings), num(m.embeddingDim)], {
      padding_idx: m.paddingIdx === null ? undefined : num(m.paddingIdx),
    }),
  ),
  entry(RNN, writeRecurrent),
  entry(LSTM, writeRecurrent),
  entry(GRU, writeRecurrent),
  entry(Sequential, writeSequential),
  entry(ModuleList, writeModuleList),
];

// ---------------------------------------------------------------------------------------------------------------
// neurite's models

/** LinearRegression and LogisticRegression are x·Wᵀ + b with nn.Linear's keys (`weight`, `bias`). */
const writeAffine: Writer<LinearRegression | LogisticRegression> = (_ctx, m, path) => {
  if (!m.weight) throw unsupported(path, m, 'it has no coefficients yet (fit it or load its weights first)');
  const c = call('nn.Linear', [num(m.weight.shape[1]), num(m.weight.shape[0])], {
    bias: m.bias ? undefined : 'False',
  });
  c.comment = `neurite's ${m.constructor.name}`;
  return c;
};

const writeRandWireStage: Writer<RandWireStage> = (ctx, m, path) => {
  const g = m.graph;
  const nodes = m.nodes.namedChildren().map(([name, node]) => {
    const p = join(path, `nodes.${name}`);
    if (!(node instanceof RandWireNode) || node.forward !== RandWireNode.prototype.forward) {
      throw unsupported(p, node, 'a RandWire stage takes RandWireNode nodes only');
    }
    const c = ctx.custom('RandWireNode', node, p, ['conv', 'bn']);
    c.args.unshift({ name: 'in_degree', value: num(node.inDegree) });
    return c;
  });
  if (!ctx.classes.includes('RandWireStage')) ctx.classes.push('RandWireStage');
  const preds = Array.from({ length: g.numNodes }, (_, v) => pyList(g.predecessors(v)));
  return {
    fn: 'RandWireStage',
    args: [
      { name: 'nodes', value: nodes },
      { name: 'predecessors', value: preds },
      { name: 'outputs', value: pyList(g.outputs()) },
    ],
  };
};

const listOf = (ctx: WriteContext, list: ModuleList, path: string): Value[] =>
  list.namedChildren().map(([name, c]) => ctx.module(c, join(path, name)));

const models: Entry[] = [
  entry(LinearRegression, writeAffine),
  entry(LogisticRegression, writeAffine),
  entry(SeparableConv2d, (ctx, m, path) =>
    ctx.custom('SeparableConv2d', m, path, ['depthwise', 'pointwise']),
  ),
  entry(LeNet5, (ctx, m, path) =>
    ctx.custom(
      'LeNet5',
      m,
      path,
      ['c1', 's2', 'c3', 's4', 'c5', 'f6', 'output'],
      [{ name: 'activation', value: pyLiteral(m.activation) }],
    ),
  ),
  entry(VGG, (ctx, m, path) =>
    ctx.custom('FeaturesClassifier', m, path, ['features', 'avgpool', 'classifier']),
  ),
  entry(AlexNet, (ctx, m, path) =>
    ctx.custom('FeaturesClassifier', m, path, ['features', 'avgpool', 'classifier']),
  ),
  entry(BasicBlock, (ctx, m, path) =>
    ctx.custom('BasicBlock', m, path, ['conv1', 'bn1', 'conv2', 'bn2', 'downsample']),
  ),
  entry(Bottleneck, (ctx, m, path) =>
    ctx.custom('Bottleneck', m, path, ['conv1', 'bn1', 'conv2', 'bn2', 'conv3', 'bn3', 'downsample']),
  ),
  entry(ResNet, (ctx, m, path) => {
    const stages = m.layers.map((_, i) => ctx.child(m, `layer${i + 1}`, path));
    const c = ctx.custom('ResNet', m, path, ['conv1', 'bn1']);
    c.args.push({ name: 'stages', value: stages });
    for (const n of ['avgpool', 'fc']) c.args.push({ name: n, value: ctx.child(m, n, path) });
    return c;
  }),
  entry(BasicConv2d, (ctx, m, path) => ctx.custom('BasicConv2d', m, path, ['conv', 'bn'])),
  entry(Inception, (ctx, m, path) =>
    ctx.custom('Inception', m, path, ['branch1', 'branch2', 'branch3', 'branch4']),
  ),
  entry(GoogLeNetMini, (ctx, m, path) =>
    ctx.custom('GoogLeNetMini', m, path, [...GOOGLENET_FEATURES, 'dropout', 'fc']),
  ),
  entry(RandWireStage, writeRandWireStage),
  entry(RandWireNet, (ctx, m, path) => {
    const c = ctx.custom('RandWireNet', m, path, ['conv1', 'conv2']);
    c.args.push({ name: 'stages', value: listOf(ctx, m.stages, join(path, 'stages')) });
    for (const n of ['head', 'pool', 'dropout', 'fc']) c.args.push({ name: n, value: ctx.child(m, n, path) });
    return c;
  }),
  entry(SequenceClassifier, (ctx, m, path) =>
    ctx.custom('SequenceClassifier', m, path, ['embedding', 'rnn', 'drop', 'fc']),
  ),
  entry(SequenceTagger, (ctx, m, path) =>
    ctx.custom('SequenceTagger', m, path, ['embedding', 'rnn', 'drop', 'fc']),
  ),
];

/** The special tokens and the teacher-forcing ratio of a token decoder, as keyword arguments. */
function decoderArgs(m: Seq2Seq | SequenceGenerator): Arg[] {
  return args([], {
    pad_id: num(m.padId),
    bos_id: num(m.bosId),
    eos_id: num(m.eosId),
    teacher_forcing_ratio: unless(m.teacherForcingRatio, 1),
  });
}

/** A decoder's class after the base class it extends (model.py defines TokenDecoding first). */
function decoder(
  ctx: WriteContext,
  cls: string,
  m: Seq2Seq | SequenceGenerator,
  path: string,
  names: string[],
) {
  if (!ctx.classes.includes('TokenDecoding')) ctx.classes.push('TokenDecoding');
  return ctx.custom(cls, m, path, names, decoderArgs(m));
}

const generators: Entry[] = [
  entry(LuongAttention, (ctx, m, path) => ctx.custom('LuongAttention', m, path, ['linear_in', 'linear_out'])),
  entry(BahdanauAttention, (ctx, m, path) =>
    ctx.custom('BahdanauAttention', m, path, ['query', 'key', 'v', 'linear_out']),
  ),
  entry(Seq2Seq, (ctx, m, path) =>
    decoder(ctx, 'Seq2Seq', m, path, ['embedding', 'encoder', 'decoder', 'fc', 'attention']),
  ),
  entry(SequenceGenerator, (ctx, m, path) =>
    decoder(ctx, 'SequenceGenerator', m, path, ['init', 'embedding', 'decoder', 'fc']),
  ),
  entry(CharRNN, (ctx, m, path) => ctx.custom('CharRNN', m, path, ['embedding', 'rnn', 'drop', 'fc'])),
];

/** Every class the exporter knows, with its writer. */
export function pytorchWriters(): ReadonlyMap<ModuleClass, Writer> {
  return new Map([...layers, ...activations, ...models, ...generators]);
}
