/**
 * TensorFlow.js's side of the benchmark in Node: tfjs-backend-cpu (pure JS) or tfjs-backend-wasm (one thread in
 * Node), the shared cases of bench/tfjs-cases.ts on the MNIST digits, and the resident-memory case.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import type { CaseSpec, Result } from './cases.js';
import { mnistDigits } from './neurite.js';
import { cnnModel, epoch, failure, runTfjsCase } from './tfjs-cases.js';

/**
 * tfjs-layers calls chained tensor methods (`t.flatten()`, …) that the union package `@tensorflow/tfjs`
 * registers; tfjs-core's Node bundle does not, and its ESM registration module cannot be imported by Node
 * (directory imports). Register them the same way: one method per op file of tfjs-core's chained_ops folder.
 */
function registerChainedOps(): void {
  const require = createRequire(import.meta.url);
  const dir = path.join(
    path.dirname(require.resolve('@tensorflow/tfjs-core/package.json')),
    'dist/public/chained_ops',
  );
  const ops = tf as unknown as Record<string, (...args: unknown[]) => unknown>;
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  for (const file of readdirSync(dir)) {
    const m = /^([a-z0-9_]+)\.js$/.exec(file);
    if (!m || m[1].endsWith('_test') || m[1].startsWith('register_all')) continue;
    const name = m[1].replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    if (proto[name] !== undefined) continue;
    if (name === 'flatten')
      proto.flatten = function (this: tf.Tensor) {
        return tf.reshape(this, [this.size]);
      };
    else if (typeof ops[name] === 'function')
      proto[name] = function (this: tf.Tensor, ...args: unknown[]) {
        return ops[name](this, ...args);
      };
  }
}
registerChainedOps();

async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm') {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    setWasmPaths(`${path.join(dir, 'dist')}/`);
  }
  await tf.setBackend(name);
  await tf.ready();
}

export async function runTfjs(backend: 'cpu' | 'wasm', spec: CaseSpec): Promise<Result> {
  await useBackend(backend);
  const lib = { tf, tfl };
  if (spec.id === 'cnn-rss') {
    try {
      const r = await epoch(lib, mnistDigits, cnnModel(lib), false, 60);
      return { value: process.resourceUsage().maxRSS / 1024, note: r.note };
    } catch (e) {
      return failure(e);
    }
  }
  return (await runTfjsCase(lib, backend, spec, mnistDigits)) ?? { skip: 'unknown case' };
}
