import { ValueError } from '../errors.js';
import type { Backend } from './backend.js';
import { tsBackend } from './ts/index.js';

const registered = new Map<string, Backend>([['ts', tsBackend]]);
let current: Backend = tsBackend;

/** The backend ops run on now. */
export function getBackend(): Backend {
  return current;
}

/** Makes a backend available by name (the native loader calls this when the addon loads). */
export function registerBackend(backend: Backend): void {
  registered.set(backend.name, backend);
}

/** Names of the backends that can be chosen. */
export function listBackends(): string[] {
  return [...registered.keys()];
}

/** Chooses the backend every following op runs on, by name or object. */
export function setBackend(backend: string | Backend): void {
  if (typeof backend !== 'string') {
    registerBackend(backend);
    current = backend;
    return;
  }
  const b = registered.get(backend);
  if (!b) {
    throw new ValueError(
      `setBackend: unknown backend '${backend}' (available: ${listBackends().join(', ')})`,
    );
  }
  current = b;
}
