/**
 * neurite for Node: everything in the browser-safe core, plus the helpers that touch the file system.
 *
 * ```ts
 * import * as nt from 'neurite/node';
 * await nt.save(model, 'model.safetensors');
 * await nt.load(model, 'model.safetensors');
 * ```
 */

export {
  getNumThreads,
  initNativeBackend,
  nativeArenaStats,
  setNativeArenaLimit,
  setNumThreads,
  trimNativeArena,
} from './backend/native/init.js';
export { loadCsv } from './data/csv-file.js';
export * from './data/mnist.js';
export * from './data/tabular.js';
export * from './data/text.js';
export * from './index.js';
export {
  type LoadFileOptions,
  load,
  loadSafetensors,
  save,
  saveSafetensors,
  writeFileAtomic,
} from './io/file.js';
export * as onnx from './io/onnx/index.node.js';
export * as pytorch from './io/pytorch/index.node.js';
export {
  nodeReporter,
  type ProgressStream,
  TerminalProgress,
  type TerminalProgressOptions,
} from './train/node.js';
