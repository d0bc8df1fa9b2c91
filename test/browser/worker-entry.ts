// The Web Worker of wasm.test.ts's page: loads the WASM backend with the thread count the page asks for, runs the
// shared small-CNN training and posts the losses back (or the error).
import * as nt from '../../src/index.js';
import { trainSmallCnn } from './small-cnn.js';

self.onmessage = async (e: MessageEvent<{ threads: number; baseUrl: string }>) => {
  try {
    await nt.initWasmBackend({ threads: e.data.threads, baseUrl: e.data.baseUrl });
    const t0 = performance.now();
    const losses = trainSmallCnn(nt);
    self.postMessage({
      losses,
      backend: nt.getBackend().name,
      info: nt.wasmInfo(),
      ms: performance.now() - t0,
      isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    });
  } catch (err) {
    self.postMessage({ error: String((err as Error)?.stack ?? err) });
  }
};
