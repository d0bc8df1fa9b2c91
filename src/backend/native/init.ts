/**
 * Importing this module sets up the backends of Node (the Node entry point `neurite/node` imports it, the
 * browser-safe core never does): the native addon when it is built, else the WebAssembly backend, else the
 * TypeScript one — or the one `NEURITE_BACKEND` names (`native`, `wasm` or `ts`). The WebAssembly backend is
 * always available to `setBackend('wasm')`, loaded on first use. Outputs of ops skip zero-filling in Node.
 */
import { setFlagsFromString } from 'node:v8';
import { NeuriteError, ValueError } from '../../errors.js';
import { setRawAllocator } from '../../tensor/dtype.js';
import type { Backend } from '../backend.js';
import { registerBackendLoader, setBackend } from '../registry.js';
import { setWasmThreads, wasmInfo } from '../wasm/index.js';
import { loadWasmBackendSync } from '../wasm/load.node.js';
import {
  initNativeBackend,
  nativeArenaAllocator,
  nativeLoadError,
  getNumThreads as nativeThreads,
  setNumThreads as setNativeThreads,
} from './index.js';

const CHOICES = ['', 'ts', 'native', 'wasm'];

/**
 * Chooses and sets up the current backend as described above. Returns the backend made current. Exported for
 * tests; importing this module has already called it.
 */
export function initNodeBackends(choice = process.env.NEURITE_BACKEND ?? ''): Backend | null {
  if (!CHOICES.includes(choice)) {
    throw new ValueError(`NEURITE_BACKEND must be 'native', 'wasm' or 'ts', got '${choice}'`);
  }
  registerBackendLoader('wasm', () => loadWasmBackendSync());
  const native = initNativeBackend(choice === '' || choice === 'native');
  if (choice === 'native' && !native) {
    throw new NeuriteError(
      `NEURITE_BACKEND=native, but the native backend is unavailable: ${nativeLoadError()}`,
    );
  }
  if (choice === 'wasm' || (choice === '' && !native)) {
    try {
      setBackend('wasm');
      if (choice === '') {
        console.warn(
          `neurite: native backend unavailable (${nativeLoadError()}); using the WebAssembly backend`,
        );
      }
    } catch (e) {
      if (choice === 'wasm') throw e;
      console.warn(
        `neurite: native backend unavailable (${nativeLoadError()}) and the WebAssembly backend failed to load ` +
          `(${(e as Error).message}); using the TypeScript backend`,
      );
      return null;
    }
  }
  return native;
}

initNodeBackends();

// V8's concurrent marking and sweeping run helper threads on the cores the native kernels keep busy (a CNN's
// conv2d once took 1.6-1.9x as long on 2 cores), so NEURITE_GC_TUNING=1 turns them off. It is opt-in, since an
// application that embeds neurite should not inherit process-wide flags, and since the ops' outputs now reuse the
// memory that backward() proves dead (backend/pool.ts), few arrays are left to collect; with marking only on the
// main thread those few piled up (the benchmark's CNN: resident memory grew 237 -> 419 MiB over eight short epochs,
// against a flat 205-250 MiB with V8's defaults).
if (process.env.NEURITE_GC_TUNING === '1')
  setFlagsFromString('--no-concurrent-marking --no-concurrent-sweeping');

// Outputs that kernels overwrite in full skip zero-filling in Node (both backends): see setRawAllocator. Their
// memory comes from the native addon's arena when the addon is built (freed arrays' memory is reused with its pages
// mapped: see nativeArenaAllocator), else from Buffer.allocUnsafeSlow. Small arrays stay with V8's own allocation,
// which is cheaper for them.
setRawAllocator({
  alloc: nativeArenaAllocator() ?? ((bytes) => Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer),
  minElements: 1 << 12,
});

/** Threads the compiled kernels run on: the native addon's, else the WebAssembly backend's (1 when neither is loaded). */
export function getNumThreads(): number {
  const wasm = wasmInfo();
  return nativeLoadError() === null ? nativeThreads() : (wasm?.threads ?? 1);
}

/**
 * Sets the number of threads of the native kernels and of the WebAssembly backend's (default: the cores this
 * process may run on, or `NEURITE_NUM_THREADS`). No effect on the TypeScript backend, which is single-threaded.
 */
export function setNumThreads(n: number): void {
  setNativeThreads(n);
  setWasmThreads(n);
}

export {
  initNativeBackend,
  loadNativeBackend,
  nativeAddonPath,
  nativeArenaStats,
  nativeLoadError,
  setNativeArenaLimit,
  trimNativeArena,
} from './index.js';
