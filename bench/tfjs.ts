/** TensorFlow.js's side of the benchmark: tfjs-backend-cpu (pure JS) or tfjs-backend-wasm (one thread in Node). */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadMnist } from '../src/node.js';
import { type CaseSpec, CONV, LSTM, TRAIN, timeIt } from './cases.js';
import type { Result } from './neurite.js';

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

function mnist(flat: boolean): { x: tf.Tensor; y: tf.Tensor } {
  const { images, labels } = loadMnist({ split: 'train', flatten: flat });
  const x = flat
    ? tf.tensor2d(images.data as Float32Array, [TRAIN.samples, 784])
    : // tfjs convolutions are NHWC
      tf.tensor4d(images.data as Float32Array, [TRAIN.samples, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(labels.data as Int32Array, 'int32'), 10);
  return { x, y };
}

async function epoch(
  model: tfl.Sequential,
  flat: boolean,
  limitSeconds: number,
): Promise<{ value: number; note?: string }> {
  model.compile({ optimizer: tf.train.adam(TRAIN.lr), loss: 'categoricalCrossentropy' });
  const { x, y } = mnist(flat);
  const batches = Math.ceil(TRAIN.samples / TRAIN.batch);
  const step = async (b: number) => {
    const start = b * TRAIN.batch;
    const size = Math.min(TRAIN.batch, TRAIN.samples - start);
    const xb = tf.slice(x, start, size);
    const yb = tf.slice(y, start, size);
    await model.trainOnBatch(xb, yb);
    tf.dispose([xb, yb]);
  };
  await step(0);
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    await step(b);
    const elapsed = (performance.now() - t0) / 1000;
    if (b >= 2 && elapsed * (batches / (b + 1)) > limitSeconds) {
      return {
        value: (elapsed * batches) / (b + 1),
        note: `extrapolated from ${b + 1} of ${batches} batches`,
      };
    }
  }
  return { value: (performance.now() - t0) / 1000 };
}

export async function runTfjs(backend: 'cpu' | 'wasm', spec: CaseSpec): Promise<Result> {
  await useBackend(backend);
  const gflops = (ms: number) => ({ value: spec.flops! / (ms * 1e6) });
  try {
    switch (spec.id) {
      case 'sgemm-256':
      case 'sgemm-1024':
      case 'sgemm-2048': {
        const n = Number(spec.id.split('-')[1]);
        const a = tf.randomNormal([n, n]);
        const b = tf.randomNormal([n, n]);
        const budget = backend === 'cpu' && n >= 1024 ? { minReps: 1, maxReps: 2, budgetMs: 3000 } : {};
        return gflops(await timeIt(() => tf.tidy(() => tf.matMul(a, b)).dataSync(), budget));
      }
      case 'conv-fwd':
      case 'conv-fwdbwd': {
        const x = tf.randomNormal([CONV.n, CONV.h, CONV.w, CONV.cin]);
        const w = tf.variable(tf.randomNormal([CONV.k, CONV.k, CONV.cin, CONV.cout]));
        const budget = backend === 'cpu' ? { minReps: 1, maxReps: 3, budgetMs: 3000 } : {};
        if (spec.id === 'conv-fwd') {
          return gflops(
            await timeIt(
              () => tf.tidy(() => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')).dataSync(),
              budget,
            ),
          );
        }
        const f = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')),
        );
        return gflops(
          await timeIt(() => {
            const gs = f([x, w]);
            for (const g of gs) g.dataSync();
            tf.dispose(gs);
          }, budget),
        );
      }
      case 'mlp-epoch': {
        const m = tfl.sequential();
        m.add(tfl.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }));
        m.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
        return await epoch(m, true, 60);
      }
      case 'cnn-epoch':
      case 'cnn-rss': {
        const m = tfl.sequential();
        m.add(
          tfl.layers.conv2d({
            inputShape: [28, 28, 1],
            filters: 32,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
          }),
        );
        m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
        m.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
        m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
        m.add(tfl.layers.flatten());
        m.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
        m.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
        const r = await epoch(m, false, 60);
        if (spec.id === 'cnn-epoch') return r;
        return { value: process.resourceUsage().maxRSS / 1024, note: r.note };
      }
      case 'lstm': {
        const layer = tfl.layers.lstm({ units: LSTM.hidden, returnSequences: true });
        const x = tf.randomNormal([LSTM.batch, LSTM.steps, LSTM.input]);
        layer.apply(x); // builds the weights
        const budget = { minReps: 1, maxReps: 3, budgetMs: 4000 };
        return {
          value: await timeIt(() => {
            const { grads } = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar);
            for (const g of Object.values(grads)) g.dataSync();
            tf.dispose(grads);
          }, budget),
        };
      }
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { skip: `fails: ${msg.slice(0, 80)}` };
  }
  return { skip: 'unknown case' };
}
