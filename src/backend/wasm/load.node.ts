/**
 * Loads the WASM backend in Node, synchronously (so that `neurite/node` can fall back to it at import when the
 * native addon is not built): the threaded build with one worker_threads worker per extra thread. The workers
 * are unref'd, so a process that used them still exits on its own. Node only.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NeuriteError } from '../../errors.js';
import type { Backend } from '../backend.js';
import { createWasmBackend } from './index.js';
import type { WasmKernelOptions } from './kernels.js';
import { instantiate, type SpawnWorker } from './module.js';

/** The built modules: wasm/ under the package root, from src/ and from dist/ alike. */
export function wasmBinaryPath(threaded: boolean): string {
  return fileURLToPath(
    new URL(`../../../wasm/${threaded ? 'neurite-threads' : 'neurite'}.wasm`, import.meta.url),
  );
}

const nodeSpawn: SpawnWorker = (source) => {
  const worker = new Worker(source, { eval: true });
  // a parked worker must not keep the process alive; one that is still starting does, so that awaiting the
  // pool's readiness works (listeners ref the worker again, hence unref on every message)
  worker.on('message', (m: { ready?: number }) => {
    if (m.ready !== undefined) worker.unref();
  });
  return {
    postMessage: (m) => worker.postMessage(m),
    onMessage: (h) => {
      worker.on('message', h);
    },
    onError: (h) => {
      worker.on('error', h);
    },
  };
};

/** Threads by default: `NEURITE_NUM_THREADS`, else the cores this process may use. */
export function defaultWasmThreads(): number {
  const env = Number(process.env.NEURITE_NUM_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return availableParallelism();
}

/** Options of {@link loadWasmBackendSync}. */
export interface LoadWasmOptions extends WasmKernelOptions {
  /** Threads in all (default {@link defaultWasmThreads}); 1 loads the single-threaded build. */
  threads?: number;
}

/** Loads, instantiates and registers the 'wasm' backend (without making it current) and returns it. */
export function loadWasmBackendSync(options: LoadWasmOptions = {}): Backend {
  const threads = options.threads ?? defaultWasmThreads();
  const threaded = threads > 1;
  const file = wasmBinaryPath(threaded);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new NeuriteError(`neurite wasm: cannot read ${file}: ${(e as Error).message}`);
  }
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  return createWasmBackend(instantiate(module, threaded), threads, threaded ? nodeSpawn : null, options);
}
