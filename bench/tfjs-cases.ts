/**
 * TensorFlow.js's benchmark cases, written against the tfjs-core and tfjs-layers namespaces they are given (Node's
 * in bench/tfjs.ts, a bundle's in bench/browser-tfjs.ts) and a source of training data. Browser-safe: no Node
 * imports. The caller selects and readies the backend.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type * as TFL from '@tensorflow/tfjs-layers';
import { type CaseSpec, CONV, LSTM, type Result, TRAIN, timeIt } from './cases.js';
import type { MnistSource } from './data.js';

/** The two namespaces the cases use. */
export interface Tfjs {
  tf: typeof TF;
  tfl: typeof TFL;
}

function tensors({ tf }: Tfjs, mnist: MnistSource, flat: boolean): { x: TF.Tensor; y: TF.Tensor } {
  const { samples, images, labels } = mnist();
  const x = flat
    ? tf.tensor2d(images, [samples, 784])
    : // tfjs convolutions are NHWC
      tf.tensor4d(images, [samples, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  return { x, y };
}

/** One epoch over the 8,000 training images of `mnist`, extrapolated from the first batches when slow. */
export async function epoch(
  lib: Tfjs,
  mnist: MnistSource,
  model: TFL.Sequential,
  flat: boolean,
  limitSeconds: number,
): Promise<{ value: number; note?: string }> {
  const { tf } = lib;
  model.compile({ optimizer: tf.train.adam(TRAIN.lr), loss: 'categoricalCrossentropy' });
  const { x, y } = tensors(lib, mnist, flat);
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

export function cnnModel({ tfl }: Tfjs): TFL.Sequential {
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
  return m;
}

/** The message of a failure, for a skip: the first line, shortened. */
export function failure(e: unknown): Result {
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return { skip: `fails: ${msg.slice(0, 80)}` };
}

/**
 * The cases that need nothing but the library on `backend` ('cpu' takes smaller budgets on the big cases): the
 * SGEMMs, the convolutions, the two epochs and the LSTM (the resident-memory case is Node's, in bench/tfjs.ts).
 * A case tfjs cannot run (a missing kernel) is a skip naming the failure; null for a case this module does not run.
 */
export async function runTfjsCase(
  lib: Tfjs,
  backend: 'cpu' | 'wasm',
  spec: CaseSpec,
  mnist: MnistSource,
): Promise<Result | null> {
  const { tf, tfl } = lib;
  const gflops = (ms: number) => ({ value: spec.flops! / (ms * 1e6) });
  const readAndDispose = (t: TF.Tensor) => {
    t.dataSync();
    t.dispose();
  };
  try {
    switch (spec.id) {
      case 'sgemm-256':
      case 'sgemm-1024':
      case 'sgemm-2048': {
        const n = Number(spec.id.split('-')[1]);
        const a = tf.randomNormal([n, n]);
        const b = tf.randomNormal([n, n]);
        const budget = backend === 'cpu' && n >= 1024 ? { minReps: 1, maxReps: 2, budgetMs: 3000 } : {};
        // read back and freed, as tfjs keeps a tensor until it is disposed (the timing repeats the call many times)
        return gflops(await timeIt(() => readAndDispose(tf.matMul(a, b)), budget));
      }
      case 'conv-fwd':
      case 'conv-fwdbwd': {
        const x = tf.randomNormal([CONV.n, CONV.h, CONV.w, CONV.cin]);
        const w = tf.variable(tf.randomNormal([CONV.k, CONV.k, CONV.cin, CONV.cout]));
        const budget = backend === 'cpu' ? { minReps: 1, maxReps: 3, budgetMs: 3000 } : {};
        if (spec.id === 'conv-fwd') {
          return gflops(
            await timeIt(
              () => readAndDispose(tf.conv2d(x as TF.Tensor4D, w as TF.Tensor4D, 1, 'same')),
              budget,
            ),
          );
        }
        const f = tf.grads((a: TF.Tensor, b: TF.Tensor) =>
          tf.sum(tf.conv2d(a as TF.Tensor4D, b as TF.Tensor4D, 1, 'same')),
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
        return await epoch(lib, mnist, m, true, 60);
      }
      case 'cnn-epoch':
        return await epoch(lib, mnist, cnnModel(lib), false, 60);
      case 'lstm': {
        const layer = tfl.layers.lstm({ units: LSTM.hidden, returnSequences: true });
        const x = tf.randomNormal([LSTM.batch, LSTM.steps, LSTM.input]);
        layer.apply(x); // builds the weights
        const budget = { minReps: 1, maxReps: 3, budgetMs: 4000 };
        return {
          value: await timeIt(() => {
            const { grads } = tf.variableGrads(() => tf.sum(layer.apply(x) as TF.Tensor) as TF.Scalar);
            for (const g of Object.values(grads)) g.dataSync();
            tf.dispose(grads);
          }, budget),
        };
      }
    }
  } catch (e) {
    return failure(e);
  }
  return null;
}
