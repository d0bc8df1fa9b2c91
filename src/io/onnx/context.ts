/**
 * The export's walk over a Module tree: {@link ExportContext.emit} finds the emitter registered for a module's
 * class, which appends that module's nodes and gives back its output, with neurite's own result on the example
 * input alongside (the shapes every later node needs, and a check that the walk follows the forward).
 */

import { noGrad } from '../../autograd/engine.js';
import { ValueError } from '../../errors.js';
import { Module } from '../../nn/module.js';
import { isTensor, type Tensor } from '../../tensor/tensor.js';
import { knownClasses, lookupClass, type ModuleClass } from '../module-table.js';
import type { OnnxGraph, Value } from './graph.js';

/** Emits the nodes of one module applied to `x`; `path` is the module's place in the tree (e.g. `layer1.0.conv2`). */
export type Emitter<M extends Module = Module> = (ctx: ExportContext, m: M, x: Value, path: string) => Value;

export type { ModuleClass };

/** A class and its emitter; `entry(Linear, emitLinear)` keeps the pair type-checked. */
export type Entry = readonly [ModuleClass, Emitter];

export function entry<C extends ModuleClass>(cls: C, fn: Emitter<InstanceType<C>>): Entry {
  return [cls, fn as Emitter];
}

/** `root.child` in a module path (the root's path is ''). */
export function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** The error for a module the exporter cannot turn into ONNX: where it is, what it is, why. */
export function unsupported(path: string, m: Module, why: string): ValueError {
  const where = path ? `'${path}' (${m.constructor.name})` : m.constructor.name;
  return new ValueError(`onnx.exportModel: cannot export ${where}: ${why}`);
}

export class ExportContext {
  constructor(
    readonly g: OnnxGraph,
    private readonly table: ReadonlyMap<ModuleClass, Emitter>,
  ) {}

  /** The nodes of `m` applied to `x`: the emitter of the nearest class in m's prototype chain that has one. */
  emit(m: Module, x: Value, path: string): Value {
    const found = lookupClass(this.table, m);
    if (!found) {
      throw unsupported(
        path,
        m,
        `no ONNX emitter for ${m.constructor.name}; the exporter knows ${knownClasses(this.table)}`,
      );
    }
    const { cls, value: emit, sameForward } = found;
    if (!sameForward) {
      throw unsupported(
        path,
        m,
        `it overrides ${cls.name}.forward, so the ONNX nodes of ${cls.name} would not be what it computes`,
      );
    }
    return emit(this, m, x, path);
  }

  /** The child `name` of `m`, emitted on `x`. */
  child(m: Module, name: string, x: Value, path: string): Value {
    const c = (m as unknown as Record<string, unknown>)[name];
    if (!(c instanceof Module)) throw unsupported(path, m, `it has no submodule '${name}'`);
    return this.emit(c, x, join(path, name));
  }

  /** neurite's own result of `fn`, without building an autograd graph. */
  run(fn: () => unknown, path: string, m: Module): Tensor {
    const t = noGrad(fn);
    if (!isTensor(t)) throw unsupported(path, m, 'its forward does not return a single tensor');
    return t;
  }

  /** A value: the name of the node output that computes `t`. */
  value(name: string, t: Tensor): Value {
    return { name, t };
  }
}
