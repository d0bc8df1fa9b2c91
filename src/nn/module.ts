import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { Parameter } from './parameter.js';

export type StateDict = Record<string, Tensor>;

export interface LoadOptions {
  /** Require the keys to match exactly (default true); otherwise load what matches and report the rest. */
  strict?: boolean;
}

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * The base of every layer and model, with PyTorch's contract: Parameters and Modules assigned to properties are
 * registered under the property's name (in assignment order); buffers are registered with `registerBuffer`.
 * State-dict keys are attribute paths, exactly as PyTorch names them, so weights move both ways.
 *
 * Properties whose names start with `_` are private and never registered.
 */
export abstract class Module {
  /** Training mode (dropout active, batch norm using batch statistics). */
  training = true;
  private _buffers: Map<string, boolean> = new Map();

  /** The layer's computation. Call it directly: `layer.forward(x)`. */
  abstract forward(...inputs: never[]): unknown;

  /**
   * Registers a tensor that is state but not a parameter (running statistics). Persistent buffers go into the
   * state dict. The tensor is stored on the property `name`.
   */
  protected registerBuffer(name: string, value: Tensor | null, persistent = true): void {
    if (name.includes('.') || name === '') throw new ValueError(`registerBuffer: invalid name '${name}'`);
    (this as unknown as Record<string, unknown>)[name] = value;
    this._buffers.set(name, persistent);
  }

  private ownEntries(): [string, unknown][] {
    return Object.entries(this).filter(([k]) => !k.startsWith('_') && !this._buffers.has(k));
  }

  /** Direct children as [name, module] pairs, in registration order. */
  namedChildren(): [string, Module][] {
    return this.ownEntries().filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) {
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    }
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** This module's own parameters (not its children's). */
  protected ownParameters(): [string, Parameter][] {
    return this.ownEntries().filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  /** Every parameter with its dotted name; a parameter shared by two modules is listed once. */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Tensor>();
    const visit = (m: Module, pre: string) => {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([pre + name, p]);
      }
      if (recurse) for (const [name, child] of m.namedChildren()) visit(child, `${pre}${name}.`);
    };
    visit(this, prefix ? `${prefix}.` : '');
    return out;
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /** Every buffer (persistent or not) with its dotted name. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const name of m._buffers.keys()) {
        const t = (m as unknown as Record<string, unknown>)[name];
        if (t instanceof Tensor) out.push([path ? `${path}.${name}` : name, t]);
      }
    }
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Number of parameter values (optionally only trainable ones). */
  numParameters(trainableOnly = false): number {
    return this.parameters()
      .filter((p) => !trainableOnly || p.requiresGrad)
      .reduce((n, p) => n + p.size, 0);
  }

  /** Sets training mode here and in every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Clears the gradients of every parameter (sets `grad` to null). Gradients nobody read through `.grad` give
   * their memory to the next pass.
   */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Calls `fn` on every descendant and then on this module (children first, as PyTorch's `apply`). */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Parameters and persistent buffers by PyTorch key: each module's own parameters, then its buffers, then
   * each child's entries under `child.`. The tensors are the live ones (not copies).
   */
  stateDict(prefix = ''): StateDict {
    const out: StateDict = {};
    const visit = (m: Module, pre: string) => {
      for (const [name, p] of m.ownParameters()) out[pre + name] = p;
      for (const [name, persistent] of m._buffers) {
        const t = (m as unknown as Record<string, unknown>)[name];
        if (persistent && t instanceof Tensor) out[pre + name] = t;
      }
      for (const [name, child] of m.namedChildren()) visit(child, `${pre}${name}.`);
    };
    visit(this, prefix ? `${prefix}.` : '');
    return out;
  }

  /**
   * Copies values from `state` into this module's parameters and buffers (in place, so optimisers keep
   * working). Shapes must match; with `strict` (the default) the keys must match exactly. Nothing is changed
   * unless every check passes.
   */
  loadStateDict(state: StateDict, options: LoadOptions = {}): LoadResult {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !(k in own));
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    for (const [k, t] of Object.entries(own)) {
      const src = state[k];
      if (!src) continue;
      if (src.shape.length !== t.shape.length || src.shape.some((d, i) => d !== t.shape[i])) {
        problems.push(
          `size mismatch for ${k}: the state has ${fmtShape(src.shape)}, the model expects ${fmtShape(t.shape)}`,
        );
      }
    }
    if (problems.length) {
      throw new ShapeError(`loadStateDict(${this.constructor.name}): ${problems.join('; ')}`);
    }
    for (const [k, t] of Object.entries(own)) {
      const src = state[k];
      if (!src) continue;
      // values convert between dtypes (an int64 counter saved by PyTorch arrives as int32 or float)
      if (src.dtype === t.dtype) t.data.set(src.data);
      else for (let i = 0; i < t.size; i++) t.data[i] = src.data[i];
    }
    return { missingKeys, unexpectedKeys };
  }

  /** A one-line description of the layer's configuration, shown by `toString()`. */
  protected extraRepr(): string {
    return '';
  }

  /** A PyTorch-style multi-line description of the module tree. */
  toString(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const body = children.map(([n, c]) => `  (${n}): ${c.toString().split('\n').join('\n  ')}`).join('\n');
    return `${head}\n${body}\n)`;
  }
}
