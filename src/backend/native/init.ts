/**
 * Importing this module loads the native backend and makes it current (unless `NEURITE_BACKEND=ts`), and lets
 * tensor outputs skip zero-filling; the Node entry point `neurite/node` imports it, the browser-safe core never
 * does.
 */
import { setFlagsFromString } from 'node:v8';
import { setRawAllocator } from '../../tensor/dtype.js';
import { initNativeBackend } from './index.js';

initNativeBackend();

// The native kernels keep every core busy, and V8's concurrent marking and sweeping would run their helper
// threads on those same cores in the middle of a kernel: a CNN's conv2d took 1.6–1.9× as long on 2 cores.
// Without them V8 marks and sweeps on the main thread, between kernels. NEURITE_GC_TUNING=0 keeps V8's defaults.
if (process.env.NEURITE_GC_TUNING !== '0')
  setFlagsFromString('--no-concurrent-marking --no-concurrent-sweeping');

// Outputs that kernels overwrite in full skip zero-filling in Node (both backends): see setRawAllocator.
// Small arrays stay with V8's own allocation, which is cheaper than a Buffer for them.
setRawAllocator({
  alloc: (bytes) => Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer,
  minElements: 1 << 12,
});

export {
  getNumThreads,
  initNativeBackend,
  loadNativeBackend,
  nativeAddonPath,
  nativeLoadError,
  setNumThreads,
} from './index.js';
