import { releaseArray } from '../backend/pool.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { type DType, dtypeOf, type TypedArray } from './dtype.js';
import { type Shape, sizeOf } from './shape.js';
import { forgetViews, noteView } from './storage.js';

/**
 * A node of the autograd graph: which tensors an op read and how to turn the gradient of its output into
 * gradients of those inputs. `backward` is null once the graph has been released.
 */
export interface GradNode {
  readonly name: string;
  inputs: Tensor[];
  backward: ((grad: Tensor) => (Tensor | null)[]) | null;
}

let nextId = 1;

/** Reads and writes a tensor's private gradient fields; filled in by the class's static block. */
let gradSlot: {
  get(t: Tensor): Tensor | null;
  owned(t: Tensor): boolean;
  set(t: Tensor, g: Tensor | null, owned: boolean): void;
};

/** The id the next tensor will get: every tensor with an id at or above it was made after the call. */
export function nextTensorId(): number {
  return nextId;
}

/**
 * An n-dimensional array of float32, int32 or bool values in row-major order, with optional gradient tracking.
 * Tensors are immutable in their values as far as autograd is concerned: ops return new tensors. Memory is
 * plain typed arrays owned by the garbage collector (no `dispose()`).
 */
export class Tensor {
  /** A process-unique id, for maps keyed by tensor and for debugging. */
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The values, contiguous and row-major. Treat as read-only unless you own the tensor. */
  data: TypedArray;
  #grad: Tensor | null = null;
  /** Whether `#grad` is the library's alone (see {@link setGrad}): no code outside it has read it yet. */
  #gradOwned = false;
  /** The op that produced this tensor, if it was recorded for autograd. */
  gradFn: GradNode | null = null;
  private _requiresGrad = false;
  /** Keep `grad` on a non-leaf tensor after backward. */
  retainsGrad = false;

  constructor(data: TypedArray, shape: Shape) {
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new ShapeError(
        `Tensor: ${data.length} values do not fill shape ${fmtShape(shape)} (${n} values)`,
      );
    }
    this.data = data;
    noteView(data);
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
  }

  /**
   * Gradient accumulated by `backward()` (leaves with `requiresGrad`, or tensors that called `retainGrad()`).
   * A gradient read here is the caller's to keep: `zeroGrad()` and later passes leave its values alone. The memory
   * of one nobody read is reused once it is replaced.
   */
  get grad(): Tensor | null {
    // the reader may keep it, so from now on its memory belongs to the garbage collector
    this.#gradOwned = false;
    return this.#grad;
  }

  set grad(g: Tensor | null) {
    setGrad(this, g, false);
  }

  static {
    // the library's access to the gradient's ownership, without a public member
    gradSlot = {
      get: (t) => t.#grad,
      owned: (t) => t.#gradOwned,
      set: (t, g, owned) => {
        t.#grad = g;
        t.#gradOwned = owned;
      },
    };
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (value && this.dtype !== 'float32') {
      throw new DTypeError(
        `requiresGrad: only float32 tensors can require gradients (this one is ${this.dtype})`,
      );
    }
    if (!value && this.gradFn) {
      throw new ValueError('requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach()');
    }
    this._requiresGrad = value;
  }

  /** Sets `requiresGrad` and returns this tensor, for chaining. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** True for tensors created by the user rather than by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Size of one axis (negative counts from the end). */
  dim(axis: number): number {
    const a = axis < 0 ? axis + this.shape.length : axis;
    if (a < 0 || a >= this.shape.length)
      throw new ValueError(`dim: axis ${axis} out of range for rank ${this.ndim}`);
    return this.shape[a];
  }

  /** Keeps the gradient of this non-leaf tensor after backward. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) {
      throw new ShapeError(
        `item: only one-element tensors have an item, this one has shape ${fmtShape(this.shape)}`,
      );
    }
    return this.data[0];
  }

  /** The values as nested JavaScript arrays (a number for a scalar; booleans for bool tensors). */
  toArray(): unknown {
    const d = this.data;
    const isBool = this.dtype === 'bool';
    const conv = (i: number) => (isBool ? d[i] !== 0 : d[i]);
    if (this.shape.length === 0) return conv(0);
    const build = (axis: number, offset: number, stride: number): unknown[] => {
      const n = this.shape[axis];
      const inner = stride / Math.max(n, 1);
      const out = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] =
          axis === this.shape.length - 1 ? conv(offset + i) : build(axis + 1, offset + i * inner, inner);
      }
      return out;
    };
    return build(0, 0, this.data.length);
  }

  /** A copy of the values as a flat array of numbers. */
  toList(): number[] {
    return Array.from(this.data);
  }

  /** A new tensor sharing these values but cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A deep copy (values copied, not tracked by autograd). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /**
   * Replaces the values in place with those of `src` (same shape and dtype). Used by optimisers and
   * `loadStateDict`; never recorded by autograd.
   */
  copy_(src: Tensor): this {
    if (src.shape.length !== this.shape.length || src.shape.some((d, i) => d !== this.shape[i])) {
      throw new ShapeError(
        `copy_: cannot copy a tensor of shape ${fmtShape(src.shape)} into ${fmtShape(this.shape)}`,
      );
    }
    if (src.dtype !== this.dtype) {
      throw new DTypeError(`copy_: cannot copy ${src.dtype} values into a ${this.dtype} tensor`);
    }
    this.data.set(src.data);
    return this;
  }

  toString(): string {
    const body = this.size <= 64 ? JSON.stringify(this.toArray()) : `${this.size} values`;
    return `Tensor(${fmtShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''}): ${body}`;
  }
}

/** The gradient of `t` for library code that reads it without keeping it (optimisers, clipping). */
export function peekGrad(t: Tensor): Tensor | null {
  return gradSlot.get(t);
}

/** Whether `t`'s gradient is the library's alone: made by it and not yet read through `grad` (see {@link setGrad}). */
export function ownsGrad(t: Tensor): boolean {
  return gradSlot.owned(t);
}

/**
 * Replaces `t`'s gradient. `owned` says that `g` is the library's alone: made during a backward pass (or by
 * clipping) over its own memory, shared with no other tensor anyone can reach. Until code outside the library
 * reads it through `t.grad`, nothing but `t` holds it, so when it is replaced in turn (`zeroGrad()`, `p.grad = …`,
 * a later pass adding to it) its memory goes to the buffer pool for the next op output of its size: a training
 * loop's gradients reuse the last step's memory instead of faulting in fresh pages the garbage collector would
 * free much later.
 */
export function setGrad(t: Tensor, g: Tensor | null, owned: boolean): void {
  const old = gradSlot.get(t);
  if (old !== null && old !== g && gradSlot.owned(t)) {
    if (releaseArray(old.data)) forgetViews(old.data.buffer);
  }
  gradSlot.set(t, g, owned && g !== null);
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
