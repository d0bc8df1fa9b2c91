/**
 * Emitters of the convolutional models (src/models): each follows its model's forward step by step, emitting the
 * children through the registry and the inline ops (relu, add, concat, flatten, pad) through functional.ts.
 */

import { AlexNet } from '../../../models/alexnet.js';
import { BasicConv2d, GOOGLENET_FEATURES, GoogLeNetMini, Inception } from '../../../models/inception.js';
import { LeNet5 } from '../../../models/lenet.js';
import { BasicBlock, Bottleneck, ResNet } from '../../../models/resnet.js';
import { VGG } from '../../../models/vgg.js';
import { type Emitter, type Entry, entry, join } from '../context.js';
import type { Value } from '../graph.js';
import { add, concat, flatten, padConstant, relu, tanh } from './functional.js';

// LeNet5's 32×32 input field (lenet.ts); a change there fails exportModel's check of the walk against forward
const LENET_FIELD = 32;

const emitLeNet5: Emitter<LeNet5> = (ctx, m, x, path) => {
  const g = ctx.g;
  ctx.run(() => m.forward(x.t), path, m); // the model's own input checks and errors, before any node
  const [, , h, w] = x.t.shape;
  const act = m.activation === 'tanh' ? tanh : relu;
  const top = (LENET_FIELD - h) >> 1;
  const left = (LENET_FIELD - w) >> 1;
  const field =
    h === LENET_FIELD && w === LENET_FIELD
      ? x
      : padConstant(g, x, [left, LENET_FIELD - w - left, top, LENET_FIELD - h - top]);
  const s2 = ctx.child(m, 's2', act(g, ctx.child(m, 'c1', field, path)), path);
  const s4 = ctx.child(m, 's4', act(g, ctx.child(m, 'c3', s2, path)), path);
  const c5 = flatten(g, act(g, ctx.child(m, 'c5', s4, path)), 1);
  return ctx.child(m, 'output', act(g, ctx.child(m, 'f6', c5, path)), path);
};

/** features → avgpool → flatten → classifier (AlexNet, VGG). */
const emitFeaturesClassifier: Emitter<AlexNet | VGG> = (ctx, m, x, path) => {
  const pooled = ctx.child(m, 'avgpool', ctx.child(m, 'features', x, path), path);
  return ctx.child(m, 'classifier', flatten(ctx.g, pooled, 1), path);
};

function residual(
  ctx: Parameters<Emitter>[0],
  m: BasicBlock | Bottleneck,
  x: Value,
  out: Value,
  path: string,
) {
  const short = m.downsample ? ctx.emit(m.downsample, x, join(path, 'downsample')) : x;
  return relu(ctx.g, add(ctx.g, out, short));
}

const emitBasicBlock: Emitter<BasicBlock> = (ctx, m, x, path) => {
  const g = ctx.g;
  const y = relu(g, ctx.child(m, 'bn1', ctx.child(m, 'conv1', x, path), path));
  return residual(ctx, m, x, ctx.child(m, 'bn2', ctx.child(m, 'conv2', y, path), path), path);
};

const emitBottleneck: Emitter<Bottleneck> = (ctx, m, x, path) => {
  const g = ctx.g;
  let y = relu(g, ctx.child(m, 'bn1', ctx.child(m, 'conv1', x, path), path));
  y = relu(g, ctx.child(m, 'bn2', ctx.child(m, 'conv2', y, path), path));
  return residual(ctx, m, x, ctx.child(m, 'bn3', ctx.child(m, 'conv3', y, path), path), path);
};

const emitResNet: Emitter<ResNet> = (ctx, m, x, path) => {
  let y = relu(ctx.g, ctx.child(m, 'bn1', ctx.child(m, 'conv1', x, path), path));
  for (let i = 1; i <= m.layers.length; i++) y = ctx.child(m, `layer${i}`, y, path);
  return ctx.child(m, 'fc', flatten(ctx.g, ctx.child(m, 'avgpool', y, path), 1), path);
};

const emitBasicConv2d: Emitter<BasicConv2d> = (ctx, m, x, path) => {
  const y = ctx.child(m, 'conv', x, path);
  return relu(ctx.g, m.bn ? ctx.child(m, 'bn', y, path) : y);
};

const emitInception: Emitter<Inception> = (ctx, m, x, path) => {
  const branches = ['branch1', 'branch2', 'branch3', 'branch4'].map((b) => ctx.child(m, b, x, path));
  return concat(ctx.g, branches, 1);
};

const emitGoogLeNetMini: Emitter<GoogLeNetMini> = (ctx, m, x, path) => {
  let y = x;
  for (const name of GOOGLENET_FEATURES) y = ctx.child(m, name, y, path);
  return ctx.child(m, 'fc', ctx.child(m, 'dropout', flatten(ctx.g, y, 1), path), path);
};

export const cnnEmitters: Entry[] = [
  entry(LeNet5, emitLeNet5),
  entry(AlexNet, emitFeaturesClassifier),
  entry(VGG, emitFeaturesClassifier),
  entry(BasicBlock, emitBasicBlock),
  entry(Bottleneck, emitBottleneck),
  entry(ResNet, emitResNet),
  entry(BasicConv2d, emitBasicConv2d),
  entry(Inception, emitInception),
  entry(GoogLeNetMini, emitGoogLeNetMini),
];
