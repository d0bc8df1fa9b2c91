/**
 * neurite for Node: everything in the browser-safe core, plus the helpers that touch the file system.
 *
 * ```ts
 * import * as nt from 'neurite/node';
 * await nt.save(model, 'model.safetensors');
 * await nt.load(model, 'model.safetensors');
 * ```
 */

export * from './data/mnist.js';
export * from './index.js';
export {
  type LoadFileOptions,
  load,
  loadSafetensors,
  save,
  saveSafetensors,
} from './io/file.js';
