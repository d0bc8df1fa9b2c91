// The Web Worker of the browser-neurite-wasm column (bundled by bench/browser.ts): neurite's browser entry with the
// WASM backend on 2 threads, one case of bench/neurite-cases.ts on seeded synthetic MNIST-shaped data.
import * as nt from '../src/index.js';
import type { BrowserReply, BrowserRequest } from './browser-protocol.js';
import { CASES, TRAIN } from './cases.js';
import { syntheticMnist } from './data.js';
import { runNeuriteCase } from './neurite-cases.js';

self.onmessage = async (e: MessageEvent<BrowserRequest>) => {
  const reply = (r: BrowserReply) => self.postMessage(r);
  try {
    const spec = CASES.find((c) => c.id === e.data.caseId);
    if (!spec) throw new Error(`unknown case ${e.data.caseId}`);
    const backend = await nt.initWasmBackend({ threads: 2, baseUrl: e.data.assets });
    if (!backend) throw new Error('initWasmBackend: no WebAssembly SIMD in this browser');
    nt.manualSeed(0);
    const info = nt.wasmInfo()!;
    const result = await runNeuriteCase(nt, spec, () => syntheticMnist(TRAIN.samples, 0));
    reply({
      result: result ?? { skip: 'not a browser case' },
      threads: info.threads,
      build: info.threaded ? `threaded build, ${info.workers} worker(s)` : 'single-threaded build',
      isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    });
  } catch (err) {
    reply({ error: String((err as Error)?.stack ?? err) });
  }
};
