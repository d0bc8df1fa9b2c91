import { issuedSince, issueMark, releaseArray, releaseBuffer, spansBuffer } from '../backend/pool.js';
import { getBackend } from '../backend/registry.js';
import { fmtShape, GradError, ShapeError, ValueError } from '../errors.js';
import { allocateUninitialized, type TypedArray } from '../tensor/dtype.js';
import { shapesEqual } from '../tensor/shape.js';
import { forgetViews, isInternal, markEscaped, onlyInternalViews } from '../tensor/storage.js';
import { type GradNode, nextTensorId, peekGrad, setGrad, Tensor } from '../tensor/tensor.js';

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
 *
 * The engine recycles the memory of gradients once they are consumed, so a backward rule must not keep the
 * gradient it is given or the ones it returns. `scratch` lists arrays the op made for its backward alone (never
 * returned, never shown to anyone else): their memory is recycled once the node has run backward or the graph is
 * released.
 */
export function record(
  out: Tensor,
  name: string,
  inputs: Tensor[],
  backward: (grad: Tensor, needs: boolean[]) => (Tensor | null)[],
  scratch?: readonly TypedArray[],
): Tensor {
  if (!gradEnabled) return out;
  const needs = inputs.map((t) => t.requiresGrad);
  if (!needs.some(Boolean)) return out;
  out.gradFn = new Node(name, inputs, (g) => backward(g, needs), scratch ?? null);
  out.requiresGrad = true;
  return out;
}

/**
 * A recorded op. The engine reads its inputs through {@link inputsOf}; anyone else reading `inputs` may keep
 * those tensors, so they stop counting as internal (tensor/storage.ts) and their memory is never recycled.
 */
class Node implements GradNode {
  #inputs: Tensor[];

  constructor(
    readonly name: string,
    inputs: Tensor[],
    public backward: ((grad: Tensor) => (Tensor | null)[]) | null,
    private scratch: readonly TypedArray[] | null,
  ) {
    this.#inputs = inputs;
  }

  /** Gives the op's scratch arrays to the buffer pool: its backward has run for the last time. */
  releaseScratch(): void {
    if (!this.scratch) return;
    for (const a of this.scratch) releaseArray(a);
    this.scratch = null;
  }

  get inputs(): Tensor[] {
    for (const t of this.#inputs) markEscaped(t);
    return this.#inputs;
  }

  set inputs(inputs: Tensor[]) {
    this.#inputs = inputs;
  }

  /** The inputs without marking them escaped: for the engine only. */
  get engineInputs(): Tensor[] {
    return this.#inputs;
  }
}

function inputsOf(node: GradNode): Tensor[] {
  return node instanceof Node ? node.engineInputs : node.inputs;
}

/** Sums a broadcast gradient back to `shape` (the reduction NumPy broadcasting implies). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const be = getBackend();
  let data = g.data as Float32Array;
  let cur = [...g.shape];
  const next = (out: Float32Array) => {
    // a partial sum made here is seen by nobody else: its memory serves the next output
    if (data !== g.data) releaseBuffer(data.buffer);
    data = out;
  };
  // sum away the leading axes broadcasting added, all in one pass
  const lead = cur.length - shape.length;
  if (lead > 0) {
    let n = 1;
    for (let i = 0; i < lead; i++) n *= cur[i];
    cur = cur.slice(lead);
    const inner = cur.reduce((a, b) => a * b, 1);
    const out = allocateUninitialized('float32', inner) as Float32Array;
    be.reduce('sum', data, 1, n, inner, out);
    next(out);
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
    const out = allocateUninitialized('float32', outer * inner) as Float32Array;
    be.reduce('sum', data, outer, cur[axis], inner, out);
    next(out);
    cur[axis] = 1;
  }
  return new Tensor(data, shape);
}

function accumulate(a: Tensor | undefined, b: Tensor): Tensor {
  if (!a) return b;
  const out = allocateUninitialized('float32', a.size);
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
  private readonly mark = issueMark();
  private readonly given = new Set<ArrayBufferLike>();

  constructor(seed: Tensor) {
    this.given.add(seed.data.buffer);
  }

  /** Whether a `.grad` handed out in this pass (or the seed) holds `buffer`. */
  handedOut(buffer: ArrayBufferLike): boolean {
    return this.given.has(buffer);
  }

  /**
   * Adds `g` to `t`'s `.grad`. A gradient over memory issued during this pass is the library's alone (no user
   * code has run since, and no other `.grad` shares it), so `t` owns it (tensor/tensor.ts, setGrad).
   */
  give(t: Tensor, g: Tensor): void {
    const prev = peekGrad(t);
    let out: Tensor;
    if (prev) {
      out = accumulate(prev, g);
    } else {
      const d = g.data;
      const mine = g.id >= this.firstNew && !this.given.has(d.buffer) && spansBuffer(d);
      out = mine ? g : copyOf(g);
    }
    this.given.add(out.data.buffer);
    setGrad(t, out, issuedSince(out.data.buffer, this.mark));
  }
}

function copyOf(g: Tensor): Tensor {
  const out = allocateUninitialized('float32', g.size);
  out.set(g.data);
  return new Tensor(out, g.shape);
}

/**
 * Gives the memory of gradients that die inside one backward pass back to the buffer pool (backend/pool.ts), at
 * the moment they die. A gradient between two nodes is the engine's alone: no user code runs during backward,
 * backward rules neither keep the gradient they receive nor the ones they return, and no user sees it unless it
 * is handed out as a `.grad`. So an array is recycled when all of these hold:
 * - it was issued during this pass (a rule, sumToShape or accumulate made it; never a forward tensor, a seed or
 *   an older `.grad`, which users may hold),
 * - it was never handed out as a `.grad` (GradHandout's record),
 * - no gradient still waiting in the engine uses the same memory (rules return views and pass one array to
 *   several inputs: counted per buffer).
 * A rule that needs its gradient after it returns must copy it.
 */
class GradRecycler {
  private readonly mark = issueMark();
  /** Gradients waiting in the engine, per buffer. */
  private readonly live = new Map<ArrayBufferLike, number>();
  /** Buffers let go since the last recycle(), to check once the node is done. */
  private readonly dropped = new Set<ArrayBufferLike>();

  constructor(private readonly handout: GradHandout) {}

  hold(t: Tensor): void {
    const b = t.data.buffer;
    this.live.set(b, (this.live.get(b) ?? 0) + 1);
  }

  /** `t`, which {@link hold} counted, has left the engine's map (it may still be held elsewhere: recycle() checks). */
  drop(t: Tensor): void {
    const b = t.data.buffer;
    const n = this.live.get(b) ?? 0;
    if (n > 1) this.live.set(b, n - 1);
    else this.live.delete(b);
    this.consider(t);
  }

  /** `t` may be dead after this node: a rule's result or a temporary, recycled unless something still holds it. */
  consider(t: Tensor): void {
    const b = t.data.buffer;
    if (issuedSince(b, this.mark)) this.dropped.add(b);
  }

  recycle(): void {
    for (const b of this.dropped) {
      if (!this.live.has(b) && !this.handout.handedOut(b)) releaseBuffer(b);
    }
    this.dropped.clear();
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
    if (!(grad instanceof Tensor)) {
      const value: unknown = grad;
      const options = value !== null && typeof value === 'object' && !Array.isArray(value);
      const got =
        value === null ? 'null' : Array.isArray(value) ? 'an array' : options ? 'an object' : typeof value;
      throw new ValueError(
        `backward: grad must be a Tensor, got ${got}` +
          (options ? '; options go second: backward(undefined, { retainGraph: true })' : ''),
      );
    }
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
    const inputs = t.gradFn ? inputsOf(t.gradFn) : null;
    if (inputs && i < inputs.length) {
      top[1]++;
      const child = inputs[i];
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
  const recycler = new GradRecycler(handout);
  recycler.hold(seed);
  const prevEnabled = gradEnabled;
  gradEnabled = false;
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      recycler.drop(g);
      const node = t.gradFn;
      if (!node) {
        handout.give(t, g);
        recycler.recycle();
        continue;
      }
      if (t.retainsGrad) handout.give(t, g);
      if (!node.backward) {
        throw new GradError(
          `backward: the graph through '${node.name}' was already released; pass { retainGraph: true } to the first backward call`,
        );
      }
      const inputGrads = node.backward(g);
      const inputs = inputsOf(node);
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i];
        const ig = inputGrads[i];
        if (!ig) continue;
        recycler.consider(ig);
        if (!input.requiresGrad) continue;
        const reduced = sumToShape(ig, input.shape);
        recycler.consider(reduced);
        const prev = grads.get(input);
        if (prev) recycler.drop(prev);
        const sum = accumulate(prev, reduced);
        recycler.hold(sum);
        grads.set(input, sum);
      }
      // g, and every gradient made above that no input kept, is dead now: its memory serves the next outputs
      recycler.recycle();
      if (!options.retainGraph) {
        node.backward = null;
        if (node instanceof Node) node.releaseScratch();
      }
    }
  } finally {
    gradEnabled = prevEnabled;
  }
  if (!options.retainGraph) releaseGraph(order);
}

const RELEASED_UNREACHED = (): (Tensor | null)[] => [];

/**
 * Drops the graph behind a backward pass: no node keeps its inputs or its saved tensors any more. Then the forward
 * activations that only library code ever saw (tensor/storage.ts) are dead — nothing but those nodes held
 * them — and their memory goes back to the buffer pool.
 */
function releaseGraph(order: Tensor[]): void {
  for (const t of order) {
    const node = t.gradFn;
    if (!node) continue;
    node.inputs = [];
    // a node no gradient reached keeps no saved tensors either (with no inputs left it would return nothing)
    if (node.backward) node.backward = RELEASED_UNREACHED;
    if (node instanceof Node) node.releaseScratch();
  }
  for (const t of order) {
    if (!t.gradFn || !isInternal(t)) continue;
    const b = t.data.buffer;
    if (onlyInternalViews(b) && releaseBuffer(b)) forgetViews(b);
  }
}
