/**
 * Instantiates neurite's WebAssembly module (built by scripts/build-wasm.mjs from native/) and, for the threaded
 * build, starts its workers. Browser-safe: the caller brings the compiled module and, for threads, a way to start a
 * worker from source text (a Web Worker from a Blob in browsers, `worker_threads` in Node).
 *
 * Emscripten's own JavaScript runtime is not used: the module needs only a handful of imports, given here, and
 * the thread pool is neurite's (native/wasm/threads.cc): each worker instantiates the same module over the same
 * shared memory with a stack and thread record of its own, then parks in `neurite_worker_loop`.
 */
import { NeuriteError } from '../../errors.js';
import type { WasmExports } from './kernels.js';

/** The module's memory at start (32 MiB) and at most (2 GiB), in 64 KiB pages; as scripts/build-wasm.mjs links. */
const INITIAL_PAGES = 512;
const MAXIMUM_PAGES = 32768;
/** Each worker's stack: the kernels keep their large buffers on the heap. */
const WORKER_STACK_BYTES = 1 << 20;
/** Room for a worker's thread record (Emscripten's struct pthread is well under this). */
const THREAD_RECORD_BYTES = 1024;

/** A started worker, whichever platform made it. */
export interface WasmWorker {
  postMessage(message: unknown): void;
  /** Called with each message the worker posts. */
  onMessage(handler: (message: unknown) => void): void;
  /** Called if the worker dies of an error. */
  onError(handler: (error: unknown) => void): void;
}

/** Starts a worker that runs `source` (JavaScript) as a classic script. */
export type SpawnWorker = (source: string) => WasmWorker;

/** An instantiated module. */
export interface WasmInstance {
  module: WebAssembly.Module;
  exports: WasmExports;
  memory: WebAssembly.Memory;
  /** True for the threaded build (shared memory). */
  threaded: boolean;
}

function growMemory(memory: WebAssembly.Memory, requestedBytes: number): number {
  const have = memory.buffer.byteLength;
  if (requestedBytes <= have) return 1;
  if (requestedBytes > MAXIMUM_PAGES * 65536) return 0;
  // grow by at least a fifth, so that a slowly growing heap does not grow on every allocation
  const want = Math.min(MAXIMUM_PAGES * 65536, Math.max(requestedBytes, Math.ceil(have * 1.2)));
  const pages = Math.ceil((want - have) / 65536);
  try {
    memory.grow(pages);
    return 1;
  } catch {
    return 0;
  }
}

function unexpected(name: string): () => never {
  return () => {
    throw new NeuriteError(
      `neurite wasm: the module called '${name}', which neurite's loader does not provide`,
    );
  };
}

/** Whether this JavaScript thread is a browser page's main thread (which must never block). */
function onBrowserMainThread(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined';
}

/**
 * Instantiates the module synchronously (a WebAssembly.Module compiles asynchronously where that matters; the
 * instantiation itself is cheap). `threaded` must match the build the module came from.
 */
export function instantiate(module: WebAssembly.Module, threaded: boolean): WasmInstance {
  let memory: WebAssembly.Memory | null = threaded
    ? new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true })
    : null;
  let exportsRef: WasmExports | null = null;
  const mem = (): WebAssembly.Memory => memory ?? (exportsRef?.memory as WebAssembly.Memory);

  const provided: Record<string, (...args: number[]) => number | undefined> = {
    abort: () => {
      throw new NeuriteError('neurite wasm: the module aborted (out of memory, or a bug in a kernel)');
    },
    emscripten_resize_heap: (bytes) => growMemory(mem(), bytes >>> 0),
    emscripten_memcpy_big: (dest, src, n) => {
      const u8 = new Uint8Array(mem().buffer);
      u8.copyWithin(dest >>> 0, src >>> 0, (src >>> 0) + (n >>> 0));
      return dest;
    },
    emscripten_get_now: () => performance.now(),
    _emscripten_notify_thread_queue: () => undefined,
    // the main thread's record: Emscripten's C library keeps it for its locks and thread-local storage
    __emscripten_init_main_thread_js: (record) => {
      const init = exportsRef?._emscripten_thread_init as (...a: number[]) => void;
      init(record, onBrowserMainThread() ? 1 : 0, 1, onBrowserMainThread() ? 0 : 1, 0);
      return undefined;
    },
  };
  const env: Record<string, unknown> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'memory') {
      if (!memory)
        throw new NeuriteError('neurite wasm: the single-threaded build does not import its memory');
      env[imp.name] = memory;
    } else if (imp.kind === 'function') {
      env[imp.name] = provided[imp.name] ?? unexpected(imp.name);
    }
  }
  const instance = new WebAssembly.Instance(module, { env } as WebAssembly.Imports);
  exportsRef = instance.exports as unknown as WasmExports;
  if (!memory) memory = exportsRef.memory ?? null;
  if (!memory) throw new NeuriteError('neurite wasm: the module has no memory');
  (exportsRef.__wasm_call_ctors as () => void)();
  return { module, exports: exportsRef, memory, threaded };
}

/**
 * The body of every worker, as source text (so that no separate file has to be found next to a bundle, and no
 * bundler rewrites it): it instantiates the module over the shared memory, takes the stack and thread record the
 * main thread set aside for it, reports 'ready' and parks in the pool's loop. Plain ES2020 on purpose.
 */
export const WORKER_SOURCE = `"use strict";
(() => {
  const nodePort = typeof process === "object" && process.getBuiltinModule
    ? process.getBuiltinModule("node:worker_threads").parentPort : null;
  const post = (m) => (nodePort ? nodePort.postMessage(m) : postMessage(m));
  const start = (d) => {
    try {
      const env = {};
      for (const imp of WebAssembly.Module.imports(d.module)) {
        if (imp.kind === "memory") env[imp.name] = d.memory;
        else if (imp.name === "emscripten_resize_heap") {
          env[imp.name] = (bytes) => {
            const have = d.memory.buffer.byteLength;
            if (bytes >>> 0 <= have) return 1;
            if (bytes >>> 0 > ${MAXIMUM_PAGES * 65536}) return 0;
            try { d.memory.grow(Math.ceil(((bytes >>> 0) - have) / 65536)); return 1; } catch { return 0; }
          };
        } else if (imp.name === "emscripten_get_now") env[imp.name] = () => performance.now();
        else if (imp.name === "_emscripten_notify_thread_queue") env[imp.name] = () => undefined;
        else env[imp.name] = () => { throw new Error("neurite wasm worker: unexpected call to '" + imp.name + "'"); };
      }
      const e = new WebAssembly.Instance(d.module, { env }).exports;
      // the stack first: everything after runs on it
      e.emscripten_stack_set_limits(d.stackTop, d.stackBase);
      e.stackRestore(d.stackTop);
      e._emscripten_thread_init(d.record, 0, 0, 1, 0);
      e.emscripten_tls_init();
      post({ ready: d.id });
      e.neurite_worker_loop(d.id);
    } catch (err) {
      post({ failed: d.id, message: String((err && err.message) || err) });
    }
  };
  if (nodePort) nodePort.once("message", start);
  else self.onmessage = (ev) => { self.onmessage = null; start(ev.data); };
})();
`;

/** A threaded instance's worker pool. */
export interface WasmPool {
  /** Workers started (the calling thread makes one more thread). */
  readonly workers: number;
  /** Resolves when every started worker is parked in the pool's loop; rejects if one failed to start. */
  ready: Promise<void>;
  /** Sets the thread count (calling thread included), starting workers as needed. */
  setThreads(n: number): void;
  threads(): number;
}

/**
 * Starts the pool of a threaded instance with `threads` threads in all. The kernels split their work for that
 * many threads at once; workers that are still starting simply claim no chunks yet, so results never depend on
 * how fast the workers come up.
 */
export function startPool(inst: WasmInstance, threads: number, spawn: SpawnWorker): WasmPool {
  if (!inst.threaded) throw new NeuriteError('neurite wasm: the single-threaded build has no worker pool');
  const pending: Promise<void>[] = [];
  let started = 0;
  const alloc = (bytes: number): number => {
    const p = inst.exports.neurite_alloc(bytes) >>> 0;
    if (p === 0) throw new NeuriteError('neurite wasm: out of memory while starting workers');
    return p;
  };
  const grow = (n: number) => {
    while (started < n - 1) {
      const id = started++;
      const stackBase = alloc(WORKER_STACK_BYTES);
      const record = alloc(THREAD_RECORD_BYTES);
      new Uint8Array(inst.memory.buffer, record, THREAD_RECORD_BYTES).fill(0);
      const worker = spawn(WORKER_SOURCE);
      pending.push(
        new Promise<void>((resolve, reject) => {
          worker.onError((err) =>
            reject(new NeuriteError(`neurite wasm: worker ${id} died: ${String(err)}`)),
          );
          worker.onMessage((m) => {
            const msg = m as { ready?: number; failed?: number; message?: string };
            if (msg.ready !== undefined) resolve();
            else if (msg.failed !== undefined) {
              reject(new NeuriteError(`neurite wasm: worker ${msg.failed} failed to start: ${msg.message}`));
            }
          });
        }),
      );
      worker.postMessage({
        module: inst.module,
        memory: inst.memory,
        stackTop: stackBase + WORKER_STACK_BYTES,
        stackBase,
        record,
        id,
      });
    }
  };
  const pool: WasmPool = {
    get workers() {
      return started;
    },
    ready: Promise.resolve(),
    setThreads(n: number) {
      if (!Number.isInteger(n) || n < 1)
        throw new NeuriteError(`setNumThreads: expected a positive integer, got ${n}`);
      grow(n);
      pool.ready = Promise.all(pending).then(() => undefined);
      inst.exports.setNumThreads(n);
    },
    threads: () => inst.exports.numThreads(),
  };
  pool.setThreads(threads);
  return pool;
}

/** A minimal module that uses a SIMD128 instruction: whether this engine runs WASM SIMD. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98,
  11,
]);

/** Whether this JavaScript engine supports WebAssembly with SIMD128 (and, with `threads`, shared memory). */
export function wasmSupported(threads = false): boolean {
  try {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(SIMD_PROBE)) return false;
    if (!threads) return true;
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return typeof SharedArrayBuffer === 'function';
  } catch {
    return false;
  }
}
