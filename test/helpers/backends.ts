/**
 * Runs a test body once per registered backend (candle's "every test on every device"). The list comes from
 * the registry, so a backend that registers itself (the native addon's loader calls `registerBackend` under the
 * name 'native') is picked up by every suite that uses these helpers, as long as it was loaded before the suite
 * is collected.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import { listBackends, lookupBackend, setBackend } from '../../src/backend/registry.js';

/**
 * Known gaps per backend: test name (or parity case name) → why it is skipped there. Every entry must say why,
 * and should go away once the backend is fixed; an empty list means the backend runs everything.
 */
export const SKIPS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // the TypeScript reference backend is the oracle: it skips nothing
  ts: {},
  // the native addon: nothing skipped yet
  native: {},
  // the same C++ kernels compiled to WebAssembly: nothing skipped
  wasm: {},
};

/** Every backend the tests run on: all registered ones, the TypeScript reference first. */
export function backends(): Backend[] {
  const names = listBackends();
  names.sort((a, b) => (a === 'ts' ? -1 : b === 'ts' ? 1 : a.localeCompare(b)));
  return names.map((name) => lookupBackend(name));
}

/** Why `name` is skipped on `backend`, or undefined if it runs. */
export function skipReason(backend: string, name: string): string | undefined {
  return SKIPS[backend]?.[name];
}

/** `it`, bound to one backend: a test on that backend's skip list is reported as skipped, with its reason. */
export type BackendIt = (name: string, fn: () => void | Promise<void>) => void;

/**
 * `describe(title [backend])` once per backend, with that backend selected in `beforeAll` and 'ts' restored in
 * `afterAll`. The body receives the backend and an `it` that honours the skip list.
 */
export function forEachBackend(title: string, body: (backend: Backend, it: BackendIt) => void): void {
  describe.each(backends().map((backend) => ({ name: backend.name, backend })))(
    `${title} [$name]`,
    ({ backend }) => {
      beforeAll(() => setBackend(backend));
      afterAll(() => setBackend('ts'));
      const itOn: BackendIt = (name, fn) => {
        const reason = skipReason(backend.name, name);
        if (reason) it.skip(`${name} (skipped on ${backend.name}: ${reason})`, fn);
        else it(name, fn);
      };
      body(backend, itOn);
    },
  );
}
