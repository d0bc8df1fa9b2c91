import { ValueError } from '../errors.js';
import type { Backend } from './backend.js';
import { tsBackend } from './ts/index.js';

const registered = new Map<string, Backend>([['ts', tsBackend]]);
/** Backends that load on first use (the WASM backend in Node compiles and starts workers only when chosen). */
const lazy = new Map<string, () => Backend>();
let current: Backend = tsBackend;

/** The backend ops run on now. */
export function getBackend(): Backend {
  return current;
}

/** Makes a backend available by name (the native loader calls this when the addon loads). */
export function registerBackend(backend: Backend): void {
  registered.set(backend.name, backend);
}

/**
 * Makes a backend available by name that is loaded by `load` the first time it is looked up or chosen. The
 * loader registers the backend it returns; a loader that throws leaves the name unavailable with its error.
 */
export function registerBackendLoader(name: string, load: () => Backend): void {
  if (!registered.has(name)) lazy.set(name, load);
}

/** Names of the backends that can be chosen (including those that load on first use). */
export function listBackends(): string[] {
  return [...new Set([...registered.keys(), ...lazy.keys()])];
}

/** The registered backend called `name`; throws a ValueError naming the available ones if there is none. */
export function lookupBackend(name: string): Backend {
  return find(name, 'lookupBackend');
}

function find(name: string, op: string): Backend {
  const load = lazy.get(name);
  if (load && !registered.has(name)) {
    lazy.delete(name);
    registerBackend(load());
  }
  const b = registered.get(name);
  if (!b) {
    throw new ValueError(`${op}: unknown backend '${name}' (available: ${listBackends().join(', ')})`);
  }
  return b;
}

/** Chooses the backend every following op runs on, by name or object (an object is registered too). */
export function setBackend(backend: string | Backend): void {
  if (typeof backend !== 'string') {
    registerBackend(backend);
    current = backend;
    return;
  }
  current = find(backend, 'setBackend');
}
