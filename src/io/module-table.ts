/**
 * What the ONNX and PyTorch exporters share: a table from module classes to what each exporter writes for them,
 * and the lookup that picks a module's entry — the nearest class in its prototype chain that has one.
 */

import { Module } from '../nn/module.js';

// biome-ignore lint/suspicious/noExplicitAny: the registry pairs each class with an entry typed for that class
export type ModuleClass = abstract new (...args: any[]) => Module;

/** A module's entry in an exporter's table, and whether the module keeps the forward of the class it came from. */
export interface ClassEntry<V> {
  cls: ModuleClass;
  value: V;
  /** False when `m` overrides `cls.forward`: the entry describes a computation the module does not perform. */
  sameForward: boolean;
}

/** The entry of the nearest class in m's prototype chain that `table` knows, or null when none does. */
export function lookupClass<V>(table: ReadonlyMap<ModuleClass, V>, m: Module): ClassEntry<V> | null {
  for (let p = Object.getPrototypeOf(m); p && p !== Module.prototype; p = Object.getPrototypeOf(p)) {
    const value = table.get(p.constructor);
    if (value !== undefined) return { cls: p.constructor, value, sameForward: m.forward === p.forward };
  }
  return null;
}

/** The names of the classes `table` knows, sorted and comma-separated, for an error message. */
export function knownClasses(table: ReadonlyMap<ModuleClass, unknown>): string {
  return [...table.keys()]
    .map((c) => c.name)
    .sort()
    .join(', ');
}
