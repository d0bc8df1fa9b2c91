import { getBackend } from '../backend/registry.js';
import { fmtShape, GradError, ShapeError } from '../errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { type GradNode, nextTensorId, Tensor } from '../tensor/tensor.js';

let gradEnabled = true;

/** Whether ops are being recorded for autograd right now. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording any op for autograd (evaluation, optimiser updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs `fn` with recording switched on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Records `out` as produced by op `name` from `inputs`. `backward(grad, needs)` returns one gradient per input
 * (null where `needs[i]` is false or the input is not differentiable). Gradients may have a broadcast shape:
 * the engine sums them back to each input's shape. Returns `out`.
 */
export function record(
  out: Tensor,
  name: string,
  inputs: Tensor[],
  backward: (grad: Tensor, needs: boolean[]) => (Tensor | null)[],
): Tensor {
  if (!gradEnabled) return out;
  const needs = inputs.map((t) => t.requiresGrad);
  if (!needs.some(Boolean)) return out;
  const node: GradNode = { name, inputs, backward: (g) => backward(g, needs) };
  out.gradFn = node;
  out.requiresGrad = true;
  return out;
}

/** Sums a broadcast gradient back to `shape` (the reduction NumPy broadcasting implies). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const be = getBackend();
  let data = g.data as Float32Array;
  let cur = [...g.shape];
  // sum away the leading axes broadcasting added
  while (cur.length > shape.length) {
    const inner = sizeOfRest(cur);
    const out = new Float32Array(inner);
    be.reduce('sum', data, 1, cur[0], inner, out);
    data = out;
    cur = cur.slice(1);
  }
  for (let axis = 0; axis < shape.length; axis++) {
    if (cur[axis] === shape[axis]) continue;
    if (shape[axis] !== 1) {
      throw new ShapeError(
        `backward: gradient of shape ${fmtShape(g.shape)} cannot be reduced to ${fmtShape(shape)}`,
      );
    }
    let outer = 1;
    let inner = 1;
    for (let i = 0; i < axis; i++) outer *= cur[i];
    for (let i = axis + 1; i < cur.length; i++) inner *= cur[i];
    const out = new Float32Array(outer * inner);
    be.reduce('sum', data, outer, cur[axis], inner, out);
    data = out;
    cur[axis] = 1;
  }
  return new Tensor(data, shape);
}

function sizeOfRest(shape: number[]): number {
  let n = 1;
  for (let i = 1; i < shape.length; i++) n *= shape[i];
  return n;
}

function accumulate(a: Tensor | undefined, b: Tensor): Tensor {
  if (!a) return b;
  const out = new Float32Array(a.size);
  getBackend().binary('add', a.data, a.shape, b.data, b.shape, out, a.shape);
  return new Tensor(out, a.shape);
}

/**
 * Hands out the `.grad` arrays a user can see during one backward pass. The first gradient of a tensor is taken
 * as it is when this pass made it and no other `.grad` holds its array; otherwise it is copied: the engine
 * hands the same upstream tensor to several inputs (add, expand, reshape views), and a caller that edits one
 * `.grad` in place (gradient clipping, zeroing) must not change another leaf's gradient or the seed it passed
 * to backward. Later gradients are added into a new array.
 */
class GradHandout {
  private readonly firstNew = nextTensorId();
  private readonly given = new Set<ArrayBufferLike>();

  constructor(seed: Tensor) {
    this.given.add(seed.data.buffer);
  }

  give(prev: Tensor | null, g: Tensor): Tensor {
    if (prev) return accumulate(prev, g);
    const d = g.data;
    const owned =
      g.id >= this.firstNew &&
      !this.given.has(d.buffer) &&
      d.byteOffset === 0 &&
      d.byteLength === d.buffer.byteLength;
    const out = owned ? g : new Tensor((d as Float32Array).slice(), g.shape);
    this.given.add(out.data.buffer);
    return out;
  }
}

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again. */
  retainGraph?: boolean;
}

/**
 * Reverse-mode differentiation from `root`: fills `.grad` of every leaf that requires gradients (adding to what
 * is there). `grad` defaults to 1 for a one-element root.
 */
export function backward(root: Tensor, grad?: Tensor, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new GradError('backward: this tensor does not require gradients (no input had requiresGrad set)');
  }
  let seed: Tensor;
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new GradError(
        `backward: a gradient must be given for a non-scalar output of shape ${fmtShape(root.shape)}`,
      );
    }
    seed = new Tensor(new Float32Array(1).fill(1), root.shape);
  } else {
    if (!shapesEqual(grad.shape, root.shape)) {
      throw new ShapeError(
        `backward: gradient of shape ${fmtShape(grad.shape)} given for output ${fmtShape(root.shape)}`,
      );
    }
    seed = grad.dtype === 'float32' ? grad : new Tensor(Float32Array.from(grad.data), grad.shape);
  }

  // topological order by iterative depth-first search
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const node = t.gradFn;
    if (node && i < node.inputs.length) {
      top[1]++;
      const child = node.inputs[i];
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }

  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const handout = new GradHandout(seed);
  const prevEnabled = gradEnabled;
  gradEnabled = false;
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t.gradFn;
      if (!node) {
        t.grad = handout.give(t.grad, g);
        continue;
      }
      if (t.retainsGrad) t.grad = handout.give(t.grad, g);
      if (!node.backward) {
        throw new GradError(
          `backward: the graph through '${node.name}' was already released; pass { retainGraph: true } to the first backward call`,
        );
      }
      const inputGrads = node.backward(g);
      for (let i = 0; i < node.inputs.length; i++) {
        const input = node.inputs[i];
        const ig = inputGrads[i];
        if (!ig || !input.requiresGrad) continue;
        const reduced = sumToShape(ig, input.shape);
        grads.set(input, accumulate(grads.get(input), reduced));
      }
      if (!options.retainGraph) {
        node.backward = null;
      }
    }
  } finally {
    gradEnabled = prevEnabled;
  }
  if (!options.retainGraph) {
    for (const t of order) if (t.gradFn) t.gradFn.inputs = [];
  }
}
