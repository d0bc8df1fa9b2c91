/**
 * Which modules keep nothing of what passes through them, so that the tensors they hand each other are never seen
 * by user code: such a tensor is marked internal (tensor/storage.ts) and its memory is reused once backward() has
 * released the graph. Sequential marks what passes between its layers; a library block whose forward wires its
 * children by hand (a residual block, an Inception module, a whole ResNet) marks its intermediates with
 * {@link internalMarker}.
 */
import { markInternal } from '../tensor/storage.js';
import { nextTensorId, type Tensor } from '../tensor/tensor.js';
import { ELU, GELU, LeakyReLU, ReLU, ReLU6, Sigmoid, SiLU, Tanh } from './activation.js';
import { Conv2d } from './conv.js';
import { Dropout } from './dropout.js';
import { Flatten, Identity } from './flatten.js';
import { Linear } from './linear.js';
import type { Module } from './module.js';
import { BatchNorm1d, BatchNorm2d, LayerNorm } from './norm.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './pool.js';

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
