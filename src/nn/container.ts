import { ValueError } from '../errors.js';
import { markInternal } from '../tensor/storage.js';
import { nextTensorId, Tensor } from '../tensor/tensor.js';
import {
  isPlainBatchNorm,
  isPlainMaxPool,
  isPlainRelu,
  keepsNothing,
  keepsNothingWithChildren,
  normThenRelu,
  reluThenPool,
} from './internal.js';
import { Module } from './module.js';

type AnyModule = Module & { forward(...inputs: unknown[]): unknown };

/** Runs its layers one after another; children are named 0, 1, … as in PyTorch. */
export class Sequential extends Module {
  private _layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this._layers = [...layers];
  }

  override namedChildren(): [string, Module][] {
    return this._layers.map((m, i) => [String(i), m]);
  }

  get length(): number {
    return this._layers.length;
  }

  /** The layer at `index` (negative counts from the end). */
  at(index: number): Module {
    const i = index < 0 ? index + this._layers.length : index;
    const m = this._layers[i];
    if (!m) throw new ValueError(`Sequential: no layer at index ${index} (it has ${this._layers.length})`);
    return m;
  }

  append(layer: Module): this {
    this._layers.push(layer);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this._layers[Symbol.iterator]();
  }

  /**
   * Feeds `input` through every layer in order. An output that passes only between library layers that keep
   * nothing (nn/internal.ts) is never seen by user code: it is marked internal, so its memory is reused
   * once backward() has released the graph (tensor/storage.ts).
   */
  forward(input: Tensor): Tensor {
    const first = nextTensorId();
    const layers = this._layers;
    const outs: unknown[] = new Array(layers.length);
    let x: unknown = input;
    for (let i = 0; i < layers.length; i++) {
      const next = layers[i + 1];
      if (x instanceof Tensor && next && isPlainBatchNorm(layers[i]) && isPlainRelu(next)) {
        // a plain batch norm then a plain ReLU run as one kernel (see normThenRelu): the ReLU hands on the norm's
        // output, as Identity would
        x = normThenRelu(x, layers[i] as AnyModule & { forward(x: Tensor): Tensor });
        outs[i] = x;
        outs[++i] = x;
        continue;
      }
      if (x instanceof Tensor && next && isPlainRelu(layers[i]) && isPlainMaxPool(next)) {
        // a plain ReLU then a plain max-pool run as pooling then ReLU: the same values and gradients, with the
        // ReLU on the pooled map (see reluThenPool); what passes between them is internal, as below
        x = reluThenPool(x, next as AnyModule & { forward(x: Tensor): Tensor }, (t) => {
          outs[i] = t;
          return t;
        });
        outs[++i] = x;
        continue;
      }
      x = (layers[i] as AnyModule).forward(x);
      outs[i] = x;
    }
    for (let i = 0; i < layers.length - 1; i++) {
      const t = outs[i];
      if (!(t instanceof Tensor) || t === x || t.id < first || !keepsNothing(layers[i])) continue;
      // layers that return their input (Identity) hand the same tensor on: every layer that receives it counts
      let k = i + 1;
      while (k < layers.length && keepsNothing(layers[k]) && outs[k] === t) k++;
      if (k < layers.length && keepsNothing(layers[k])) markInternal(t);
    }
    return x as Tensor;
  }
}

keepsNothingWithChildren(Sequential);

/** A list of modules that registers them (named 0, 1, …) without defining a forward. */
export class ModuleList extends Module {
  private _items: Module[];

  constructor(modules: Iterable<Module> = []) {
    super();
    this._items = [...modules];
  }

  override namedChildren(): [string, Module][] {
    return this._items.map((m, i) => [String(i), m]);
  }

  get length(): number {
    return this._items.length;
  }

  at(index: number): Module {
    const i = index < 0 ? index + this._items.length : index;
    const m = this._items[i];
    if (!m) throw new ValueError(`ModuleList: no module at index ${index} (it has ${this._items.length})`);
    return m;
  }

  append(m: Module): this {
    this._items.push(m);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this._items[Symbol.iterator]();
  }

  forward(): never {
    throw new ValueError('ModuleList has no forward; iterate over it in your own module');
  }
}

// no forward of its own: whoever iterates it calls its items
keepsNothingWithChildren(ModuleList);

/** Modules by name, registered in insertion order. */
export class ModuleDict extends Module {
  private _map: Map<string, Module>;

  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    this._map = new Map(
      Symbol.iterator in modules ? (modules as Iterable<[string, Module]>) : Object.entries(modules),
    );
    for (const k of this._map.keys()) this.checkKey(k);
  }

  private checkKey(k: string): void {
    if (k === '' || k.includes('.')) throw new ValueError(`ModuleDict: invalid key '${k}'`);
  }

  override namedChildren(): [string, Module][] {
    return [...this._map.entries()];
  }

  get(key: string): Module {
    const m = this._map.get(key);
    if (!m)
      throw new ValueError(`ModuleDict: no module '${key}' (keys: ${[...this._map.keys()].join(', ')})`);
    return m;
  }

  set(key: string, m: Module): this {
    this.checkKey(key);
    this._map.set(key, m);
    return this;
  }

  has(key: string): boolean {
    return this._map.has(key);
  }

  keys(): string[] {
    return [...this._map.keys()];
  }

  forward(): never {
    throw new ValueError('ModuleDict has no forward; look modules up in your own module');
  }
}
