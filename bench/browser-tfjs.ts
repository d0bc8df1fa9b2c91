// The Web Worker of the browser-tfjs-wasm column (bundled by bench/browser.ts): TensorFlow.js's WASM backend, its
// threaded-SIMD binary on 2 threads where the page is cross-origin isolated, one case of bench/tfjs-cases.ts on
// seeded synthetic MNIST-shaped data.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers calls chained tensor methods (t.flatten(), …), which the union package @tensorflow/tfjs registers
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BrowserReply, BrowserRequest } from './browser-protocol.js';
import { CASES, TRAIN } from './cases.js';
import { syntheticMnist } from './data.js';
import { runTfjsCase } from './tfjs-cases.js';

self.onmessage = async (e: MessageEvent<BrowserRequest>) => {
  const reply = (r: BrowserReply) => self.postMessage(r);
  try {
    const spec = CASES.find((c) => c.id === e.data.caseId);
    if (!spec) throw new Error(`unknown case ${e.data.caseId}`);
    setWasmPaths(e.data.assets);
    // tfjs-backend-wasm caps its thread pool at navigator.hardwareConcurrency / 2 (it takes logical cores for
    // hyper-threads), so on this 2-core machine setThreadsCount(2) would give 1 thread: present the worker as
    // having twice its cores so that tfjs, like every other column, computes on 2 threads (getThreadsCount()
    // below reports what it took)
    const cores = navigator.hardwareConcurrency;
    Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * cores, configurable: true });
    setThreadsCount(2);
    if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
    await tf.ready();
    const [simd, threaded] = await Promise.all([
      tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    ]);
    const binary = simd && threaded ? 'threaded-SIMD' : simd ? 'SIMD' : 'plain';
    const result = await runTfjsCase({ tf, tfl }, 'wasm', spec, () => syntheticMnist(TRAIN.samples, 0));
    reply({
      result: result ?? { skip: 'not a browser case' },
      threads: getThreadsCount(),
      build: `${binary} binary`,
      isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    });
  } catch (err) {
    reply({ error: String((err as Error)?.stack ?? err) });
  }
};
