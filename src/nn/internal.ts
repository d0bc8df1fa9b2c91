/**
 * Which modules keep nothing of what passes through them, so that the tensors they hand each other are never seen
 * by user code: such a tensor is marked internal (tensor/storage.ts) and its memory is reused once backward() has
 * released the graph. Sequential marks what passes between its layers; a library block whose forward wires its
 * children by hand (a residual block, an Inception module, a whole ResNet) marks its intermediates with
 * {@link internalMarker}.
 */
import { relu } from '../ops/activation.js';
import { markInternal } from '../tensor/storage.js';
import { nextTensorId, type Tensor } from '../tensor/tensor.js';
import { ELU, GELU, LeakyReLU, ReLU, ReLU6, Sigmoid, SiLU, Tanh } from './activation.js';
import { Conv2d } from './conv.js';
import { Dropout } from './dropout.js';
import { Flatten, Identity } from './flatten.js';
import { Linear } from './linear.js';
import type { Module } from './module.js';
import { BatchNorm1d, BatchNorm2d, LayerNorm } from './norm.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d } from './pool.js';

/**
 * Library layers whose forward calls ops on its input and its own parameters and keeps no tensor: what they are
 * given and what they return reach no other code. A subclass, or an instance with its own `forward`, may keep
 * anything, so only these exact classes count.
 */
const LEAVES = new Set<object>(
  [
    Conv2d,
    Linear,
    ReLU,
    ReLU6,
    LeakyReLU,
    ELU,
    GELU,
    Sigmoid,
    SiLU,
    Tanh,
    MaxPool1d,
    MaxPool2d,
    AvgPool2d,
    AdaptiveAvgPool2d,
    Flatten,
    Identity,
    Dropout,
    BatchNorm1d,
    BatchNorm2d,
    LayerNorm,
  ].map((c) => c.prototype),
);

/** Library containers and blocks that keep nothing themselves: an instance keeps nothing when its children don't. */
const COMPOSITES = new Set<object>();

/**
 * Declares that instances of `cls` (exactly that class) keep no tensor themselves, so they keep nothing when all
 * their children keep nothing. Its forward may then mark its intermediates with {@link internalMarker}.
 */
export function keepsNothingWithChildren(cls: { prototype: Module }): void {
  COMPOSITES.add(cls.prototype);
}

/** Whether `m` keeps none of the tensors it is given or makes (see {@link LEAVES}, {@link keepsNothingWithChildren}). */
export function keepsNothing(m: Module): boolean {
  if (Object.hasOwn(m, 'forward')) return false;
  const proto = Object.getPrototypeOf(m);
  if (LEAVES.has(proto)) return true;
  return COMPOSITES.has(proto) && m.children().every(keepsNothing);
}

const unmarked = (t: Tensor): Tensor => t;

/**
 * For the forward of a block registered with {@link keepsNothingWithChildren}, called at its start: a function
 * that marks a tensor made during this forward as internal (when the block and all its children keep nothing)
 * and returns it. The forward wraps only tensors it passes to its children or to ops, never its output.
 */
export function internalMarker(block: Module): (t: Tensor) => Tensor {
  if (!keepsNothing(block)) return unmarked;
  const since = nextTensorId();
  return (t) => {
    // a child may hand back a tensor made before this forward (Identity returns the block's input)
    if (t.id >= since) markInternal(t);
    return t;
  };
}

/** Whether `m` is exactly a library batch norm (BatchNorm1d, BatchNorm2d) with nothing of its own. */
export function isPlainBatchNorm(m: Module): m is BatchNorm1d | BatchNorm2d {
  if (Object.hasOwn(m, 'forward')) return false;
  const proto = Object.getPrototypeOf(m);
  return proto === BatchNorm2d.prototype || proto === BatchNorm1d.prototype;
}

/**
 * `relu(norm.forward(x))`, in one kernel pass when `norm` is a plain batch norm: the kernel applies the ReLU to
 * the values it writes and its backward pass takes the upstream gradient only where that output is positive, so
 * values and gradients are the same, bit for bit, and the norm's output before the ReLU is never made. Only for
 * callers whose norm output would reach nothing but the ReLU (Sequential, for a plain batch norm followed by a
 * plain ReLU; a library block). `mark` marks the tensor between the two when they run apart.
 */
export function normThenRelu(
  x: Tensor,
  norm: Module & { forward(x: Tensor): Tensor },
  mark: (t: Tensor) => Tensor = unmarked,
): Tensor {
  return isPlainBatchNorm(norm) ? norm._forwardRelu(x) : relu(mark(norm.forward(x)));
}

/** Whether `m` is exactly a library ReLU layer with nothing of its own. */
export function isPlainRelu(m: Module): boolean {
  return Object.getPrototypeOf(m) === ReLU.prototype && !Object.hasOwn(m, 'forward');
}

/**
 * Whether `m` is exactly a library max-pooling layer (MaxPool1d, MaxPool2d) with nothing of its own and no
 * dilation. Undilated, every window holds an input element (padding is at most half the window, and a ceil-mode
 * window never starts past the input); a dilated window can fall wholly on padding, where pooling gives −∞ and
 * pooling the ReLU's output would too, but the ReLU of the pooled −∞ gives 0.
 */
export function isPlainMaxPool(m: Module): boolean {
  if (Object.hasOwn(m, 'forward')) return false;
  const proto = Object.getPrototypeOf(m);
  if (proto !== MaxPool2d.prototype && proto !== MaxPool1d.prototype) return false;
  const dilation = (m as MaxPool1d | MaxPool2d).dilation;
  return (Array.isArray(dilation) ? dilation : [dilation]).every((d) => d === 1);
}

/**
 * `pool.forward(relu(x))`, computed as `relu(pool.forward(x))` when `pool` is a plain max-pooling layer. The two
 * agree bit for bit, values and gradients: ReLU keeps every positive value and their order, so a window whose
 * maximum is positive picks the same element either way; a window without a positive element gives 0 and passes
 * no gradient either way, as ReLU's gradient is 0 at x ≤ 0 and at NaN (which both orders pick alike). The ReLU
 * then runs on the pooled map, a quarter of the elements after a 2×2 pool, forward and backward, and the
 * full-size ReLU output is never made. Only for callers whose ReLU output would reach no other code (Sequential,
 * for a plain ReLU layer followed by a plain max-pool; a library block). `mark` marks the tensor between the two
 * ops (see {@link internalMarker}).
 */
export function reluThenPool(
  x: Tensor,
  pool: Module & { forward(x: Tensor): Tensor },
  mark: (t: Tensor) => Tensor = unmarked,
): Tensor {
  return isPlainMaxPool(pool) ? relu(mark(pool.forward(x))) : pool.forward(mark(relu(x)));
}
