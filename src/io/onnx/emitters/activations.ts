/**
 * Every activation layer as ONNX nodes: one operator where ONNX has it with PyTorch's definition, else the
 * composition neurite itself computes (GELU below opset 20, SiLU, Mish, Softplus with beta/threshold, GLU, …).
 */

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
} from '../../../nn/activation.js';
import type { Module } from '../../../nn/module.js';
import type { Tensor } from '../../../tensor/tensor.js';
import { type Emitter, type Entry, entry, join } from '../context.js';
import { type Attr, float, int, type OnnxGraph } from '../graph.js';

type Body<M> = (g: OnnxGraph, m: M, x: string, rank: number, path: string) => string;

/** An emitter from a function that appends the nodes and names the result; neurite's forward gives the value. */
function act<M extends Module>(body: Body<M>): Emitter<M> {
  return (ctx, m, x, path) => {
    const t = ctx.run(() => (m as unknown as { forward(x: Tensor): unknown }).forward(x.t), path, m);
    return { name: body(ctx.g, m, x.name, x.t.ndim, path), t };
  };
}

function one<M extends Module>(opType: string, attrs: (m: M) => Record<string, Attr> = () => ({})): Body<M> {
  return (g, m, x, _rank, path) => g.op(opType, [x], attrs(m), join(path, 'out'));
}

const axisOf = (dim: number, rank: number) => (dim < 0 ? dim + rank : dim);

/** log(1 + e^x) with PyTorch's beta and threshold: linear where beta·x > threshold. */
function softplus(g: OnnxGraph, x: string, beta: number, threshold: number, out: string): string {
  const bx = beta === 1 ? x : g.op('Mul', [x, g.scalar('beta', beta)]);
  let soft = g.op('Softplus', [bx]);
  if (beta !== 1) soft = g.op('Div', [soft, g.scalar('beta', beta)]);
  const linear = g.op('Greater', [bx, g.scalar('threshold', threshold)]);
  return g.op('Where', [linear, x, soft], {}, out);
}

function gelu(g: OnnxGraph, m: GELU, x: string, path: string): string {
  const out = join(path, 'out');
  if (g.opset >= 20) return g.op('Gelu', [x], { approximate: { type: 'string', value: m.approximate } }, out);
  const half = g.op('Mul', [x, g.scalar('half', 0.5)]);
  if (m.approximate === 'none') {
    const erf = g.op('Erf', [g.op('Mul', [x, g.scalar('inv_sqrt2', Math.SQRT1_2)])]);
    return g.op('Mul', [half, g.op('Add', [erf, g.scalar('one', 1)])], {}, out);
  }
  const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
  const inner = g.op('Add', [x, g.op('Mul', [cube, g.scalar('c', 0.044715)])]);
  const th = g.op('Tanh', [g.op('Mul', [inner, g.scalar('sqrt_2_over_pi', Math.sqrt(2 / Math.PI))])]);
  return g.op('Mul', [half, g.op('Add', [th, g.scalar('one', 1)])], {}, out);
}

function prelu(g: OnnxGraph, m: PReLU, x: string, rank: number, path: string): string {
  // PyTorch's slopes run along axis 1; ONNX broadcasts the slope from the last axis, so give it [C, 1, …, 1]
  const dims = m.slopes === 1 || rank < 2 ? [m.slopes] : [m.slopes, ...new Array<number>(rank - 2).fill(1)];
  return g.op('PRelu', [x, g.tensor(join(path, 'weight'), m.weight, dims)], {}, join(path, 'out'));
}

function glu(g: OnnxGraph, m: GLU, x: string, rank: number, path: string, size: number): string {
  const axis = axisOf(m.dim, rank);
  const [a, b] = g.node('Split', [x, g.int64s('split', [size / 2, size / 2])], { axis: int(axis) }, 'glu', 2);
  return g.op('Mul', [a, g.op('Sigmoid', [b])], {}, join(path, 'out'));
}

export const activationEmitters: Entry[] = [
  entry(ReLU, act(one('Relu'))),
  entry(Sigmoid, act(one('Sigmoid'))),
  entry(Tanh, act(one('Tanh'))),
  entry(LeakyReLU, act<LeakyReLU>(one('LeakyRelu', (m: LeakyReLU) => ({ alpha: float(m.negativeSlope) })))),
  entry(ELU, act<ELU>(one('Elu', (m: ELU) => ({ alpha: float(m.alpha) })))),
  entry(CELU, act<CELU>(one('Celu', (m: CELU) => ({ alpha: float(m.alpha) })))),
  entry(SELU, act(one('Selu'))),
  entry(Softsign, act(one('Softsign'))),
  entry(Hardswish, act(one('HardSwish'))),
  entry(Hardsigmoid, act(one('HardSigmoid', () => ({ alpha: float(1 / 6), beta: float(0.5) })))),
  entry(
    Hardtanh,
    act<Hardtanh>((g, m, x, _r, path) =>
      g.op('Clip', [x, g.scalar('min', m.minVal), g.scalar('max', m.maxVal)], {}, join(path, 'out')),
    ),
  ),
  entry(
    ReLU6,
    act((g, _m, x, _r, path) =>
      g.op('Clip', [x, g.scalar('min', 0), g.scalar('max', 6)], {}, join(path, 'out')),
    ),
  ),
  entry(
    Softmax,
    act<Softmax>((g, m, x, r, path) =>
      g.op('Softmax', [x], { axis: int(axisOf(m.dim, r)) }, join(path, 'out')),
    ),
  ),
  entry(
    LogSoftmax,
    act<LogSoftmax>((g, m, x, r, path) =>
      g.op('LogSoftmax', [x], { axis: int(axisOf(m.dim, r)) }, join(path, 'out')),
    ),
  ),
  entry(
    Softmin,
    act<Softmin>((g, m, x, r, path) =>
      g.op('Softmax', [g.op('Neg', [x])], { axis: int(axisOf(m.dim, r)) }, join(path, 'out')),
    ),
  ),
  entry(
    Softplus,
    act<Softplus>((g, m, x, _r, path) => softplus(g, x, m.beta, m.threshold, join(path, 'out'))),
  ),
  entry(
    LogSigmoid,
    act((g, _m, x, _r, path) => g.op('Neg', [g.op('Softplus', [g.op('Neg', [x])])], {}, join(path, 'out'))),
  ),
  entry(
    SiLU,
    act((g, _m, x, _r, path) => g.op('Mul', [x, g.op('Sigmoid', [x])], {}, join(path, 'out'))),
  ),
  entry(
    Mish,
    act((g, _m, x, _r, path) =>
      g.op('Mul', [x, g.op('Tanh', [g.op('Softplus', [x])])], {}, join(path, 'out')),
    ),
  ),
  entry(
    GELU,
    act<GELU>((g, m, x, _r, path) => gelu(g, m, x, path)),
  ),
  entry(PReLU, act<PReLU>(prelu)),
  entry(GLU, (ctx, m, x, path) => {
    const t = ctx.run(() => m.forward(x.t), path, m);
    const size = x.t.shape[axisOf(m.dim, x.t.ndim)];
    return { name: glu(ctx.g, m, x.name, x.t.ndim, path, size), t };
  }),
];
