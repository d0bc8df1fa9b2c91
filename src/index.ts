/**
 * neurite: deep learning for TypeScript.
 *
 * ```ts
 * import * as nt from 'neurite';
 * const x = nt.randn([4, 3], { requiresGrad: true });
 * x.matmul(nt.randn([3, 2])).relu().sum().backward();
 * ```
 */
import { installTensorMethods } from './ops/methods.js';

export { enableGrad, isGradEnabled, noGrad, sumToShape } from './autograd/engine.js';
export type { Backend, Conv2dInfo, Pool2dInfo } from './backend/backend.js';
export {
  type BufferPoolOptions,
  type BufferPoolStats,
  bufferPoolStats,
  clearBufferPool,
  configureBufferPool,
} from './backend/pool.js';
export { getBackend, listBackends, lookupBackend, registerBackend, setBackend } from './backend/registry.js';
export { tsBackend } from './backend/ts/index.js';
export {
  type InitWasmOptions,
  initWasmBackend,
  setWasmThreads,
  type WasmInfo,
  wasmInfo,
  wasmReady,
  wasmSupported,
} from './backend/wasm/index.js';
export * as data from './data/index.js';
export * from './errors.js';
export * as onnx from './io/onnx/index.js';
export * as pytorch from './io/pytorch/index.js';
export * as io from './io/safetensors.js';
export * as models from './models/index.js';
export * as nn from './nn/index.js';
export * from './ops/index.js';
// Keeps ops/methods.ts in the published declarations (dist/index.d.ts): its `declare module` gives Tensor the
// chainable methods' types, and a declaration file drops an import used only as a value.
export type {} from './ops/methods.js';
export * as optim from './optim/index.js';
export * from './tensor/creation.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export { defaultGenerator, Generator, manualSeed } from './tensor/random.js';
export type { Shape } from './tensor/shape.js';
export { type GradNode, isTensor, Tensor } from './tensor/tensor.js';
export * as train from './train/index.js';

// The chainable methods (`x.add(y).relu()`) are part of the public Tensor: attach them explicitly when the entry loads.
installTensorMethods();
