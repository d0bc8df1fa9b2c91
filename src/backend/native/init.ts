/**
 * Importing this module loads the native backend and makes it current (unless `NEURITE_BACKEND=ts`), and lets
 * tensor outputs skip zero-filling; the Node entry point `neurite/node` imports it, the browser-safe core never
 * does.
 */
import { setRawAllocator } from '../../tensor/dtype.js';
import { initNativeBackend } from './index.js';

initNativeBackend();

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
