/**
 * The WebAssembly backend: native/'s C++ kernels compiled to WASM SIMD128 (scripts/build-wasm.mjs), in two
 * builds — single-threaded, and threaded over shared memory with a pool of workers. Browser-safe; in Node,
 * `neurite/node` loads it synchronously when the native addon is unavailable (./load.node.ts).
 *
 * In a browser, `await initWasmBackend()` loads it and makes it current: the threaded build where the page is
 * cross-origin isolated (`crossOriginIsolated === true`, which SharedArrayBuffer needs), the single-threaded one
 * otherwise. Run training in a Web Worker so that the page never blocks; the kernels' own workers are started
 * from there.
 */
import { NeuriteError, ValueError } from '../../errors.js';
import type { Backend } from '../backend.js';
import { wrapKernels } from '../kernel-abi.js';
import { registerBackend, setBackend } from '../registry.js';
import { tsBackend } from '../ts/index.js';
import { type WasmKernelOptions, wasmKernels } from './kernels.js';
import {
  instantiate,
  type SpawnWorker,
  startPool,
  type WasmInstance,
  type WasmPool,
  wasmSupported,
} from './module.js';

export { wasmSupported } from './module.js';

/**
 * Kernels that stay TypeScript on this backend, because their cost is moving data, not arithmetic, and their
 * copies into WebAssembly memory would scale with the largest operand rather than with the work: `slice`,
 * `indexSelect` and `gather` read a small part of a possibly huge input (a batch of a dataset, rows of an
 * embedding), `insert`, `indexAdd` and `scatterAdd` write a small part of an output that would be copied in and out
 * whole (a concat of many parts became quadratic). Measured on an MLP epoch (8,000 MNIST digits, batch 64) in
 * Node, where each batch is a slice of the dataset: slice 1,480 ms compiled (the whole dataset copied in per batch)
 * against a few ms in TypeScript.
 */
const TS_KERNELS = ['slice', 'insert', 'indexSelect', 'gather', 'indexAdd', 'scatterAdd'] as const;

/** What {@link wasmInfo} reports. */
export interface WasmInfo {
  /** The threaded build (shared memory and workers) or the single-threaded one. */
  threaded: boolean;
  /** Threads the kernels split their work for, the calling thread included. */
  threads: number;
  /** Workers started (threaded build). */
  workers: number;
}

let state: { inst: WasmInstance; pool: WasmPool | null; backend: Backend; compiled: Backend } | null = null;

/**
 * Wraps an instantiated module into the 'wasm' backend (and starts the pool of a threaded one with `threads`
 * threads), registers it, and returns it. Called by the loaders; {@link initWasmBackend} and `neurite/node` are
 * the ways in for users.
 */
export function createWasmBackend(
  inst: WasmInstance,
  threads: number,
  spawn: SpawnWorker | null,
  options: WasmKernelOptions = {},
): Backend {
  const compiled = wrapKernels('wasm', wasmKernels(inst.exports, inst.memory, options));
  const backend: Backend = { ...compiled };
  for (const k of TS_KERNELS)
    (backend as unknown as Record<string, unknown>)[k] = tsBackend[k].bind(tsBackend);
  const pool = inst.threaded && spawn ? startPool(inst, Math.max(1, threads), spawn) : null;
  state = { inst, pool, backend, compiled };
  registerBackend(backend);
  return backend;
}

/** The loaded 'wasm' backend's build and threads, or null when it is not loaded. */
export function wasmInfo(): WasmInfo | null {
  if (!state) return null;
  return {
    threaded: state.inst.threaded,
    threads: state.pool ? state.pool.threads() : 1,
    workers: state.pool?.workers ?? 0,
  };
}

/**
 * Every kernel of the loaded module as compiled, including those the 'wasm' backend leaves to TypeScript: what the
 * kernel tests compare with the TypeScript reference. Null when the backend is not loaded.
 */
export function compiledWasmBackend(): Backend | null {
  return state?.compiled ?? null;
}

/** Resolves when the threaded build's workers are all running (at once for the single-threaded build). */
export function wasmReady(): Promise<void> {
  return state?.pool?.ready ?? Promise.resolve();
}

/** Sets the threads of the WASM kernels (threaded build; the single-threaded one ignores it). */
export function setWasmThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new ValueError(`setNumThreads: expected a positive integer, got ${n}`);
  state?.pool?.setThreads(n);
}

/** Options of {@link initWasmBackend}. */
export interface InitWasmOptions {
  /**
   * Threads in all (calling thread included): a number, or 'auto' (default) for `navigator.hardwareConcurrency`
   * (at most 8) where the page is cross-origin isolated and 1 (the single-threaded build) elsewhere. A number
   * above 1 needs cross-origin isolation.
   */
  threads?: number | 'auto';
  /**
   * Where the .wasm files are (a folder URL ending in '/'); default: the package's wasm/ folder, found through
   * `new URL(…, import.meta.url)`, which bundlers such as Vite turn into asset URLs.
   */
  baseUrl?: string | URL;
  /** Make the 'wasm' backend current (default true). */
  select?: boolean;
}

function browserSpawn(source: string) {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(url);
  return {
    postMessage: (m: unknown) => worker.postMessage(m),
    onMessage: (h: (m: unknown) => void) => worker.addEventListener('message', (e) => h(e.data)),
    onError: (h: (e: unknown) => void) => worker.addEventListener('error', (e) => h(e.message)),
  };
}

/**
 * Loads the WASM backend in a browser (or any engine with `fetch` and Web Workers), registers it as 'wasm' and,
 * unless `select: false`, makes it current. Where WASM SIMD is unavailable it keeps the TypeScript backend,
 * says so in one console line, and resolves to null. Loading twice returns the first backend.
 */
export async function initWasmBackend(options: InitWasmOptions = {}): Promise<Backend | null> {
  const select = options.select ?? true;
  if (state) {
    if (select) setBackend(state.backend);
    return state.backend;
  }
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  const isolated = g.crossOriginIsolated === true;
  const auto = options.threads === undefined || options.threads === 'auto';
  const threads = auto
    ? isolated
      ? Math.min(8, g.navigator?.hardwareConcurrency ?? 2)
      : 1
    : options.threads;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    throw new ValueError(
      `initWasmBackend: threads must be a positive integer or 'auto', got ${options.threads}`,
    );
  }
  const threaded = threads > 1;
  if (threaded && !wasmSupported(true)) {
    throw new NeuriteError(
      `initWasmBackend: ${threads} threads need shared WebAssembly memory, which this page does not have: ` +
        'serve it cross-origin isolated (headers Cross-Origin-Opener-Policy: same-origin and ' +
        'Cross-Origin-Embedder-Policy: require-corp), or use threads: 1',
    );
  }
  if (!wasmSupported(false)) {
    console.warn('neurite: WebAssembly SIMD is not available here; using the TypeScript backend');
    return null;
  }
  // two literal URLs, so that bundlers see (and copy) both files
  const url = options.baseUrl
    ? new URL(threaded ? 'neurite-threads.wasm' : 'neurite.wasm', options.baseUrl)
    : threaded
      ? new URL('../../../wasm/neurite-threads.wasm', import.meta.url)
      : new URL('../../../wasm/neurite.wasm', import.meta.url);
  const response = await fetch(url);
  if (!response.ok)
    throw new NeuriteError(`initWasmBackend: could not load ${url} (HTTP ${response.status})`);
  const module = await WebAssembly.compile(await response.arrayBuffer());
  const backend = createWasmBackend(instantiate(module, threaded), threads, threaded ? browserSpawn : null);
  await wasmReady();
  if (select) setBackend(backend);
  return backend;
}
