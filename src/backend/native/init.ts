/**
 * Importing this module loads the native backend and makes it current (unless `NEURITE_BACKEND=ts`); the Node
 * entry point `neurite/node` imports it, the browser-safe core never does.
 */
import { initNativeBackend } from './index.js';

initNativeBackend();

export {
  getNumThreads,
  initNativeBackend,
  loadNativeBackend,
  nativeAddonPath,
  nativeLoadError,
  setNumThreads,
} from './index.js';
