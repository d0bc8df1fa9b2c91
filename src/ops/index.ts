export * from './activation.js';
export * from './dropout.js';
export * from './elementwise.js';
export * from './indexing.js';
export * from './matmul.js';
export * from './reduce.js';
export * from './shape.js';
export { asTensor, cast, type TensorLike } from './util.js';
