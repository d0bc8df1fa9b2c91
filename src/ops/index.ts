export * from './activation.js';
export {
  type ScaledDotProductAttentionOptions,
  scaledDotProductAttention,
} from './attention.js';
export * from './bitwise.js';
export * from './conv.js';
export * from './conv-transpose.js';
export * from './cumulative.js';
export * from './dropout.js';
export * from './einsum.js';
export * from './elementwise.js';
export * from './indexing.js';
export * from './layout.js';
export * from './loss.js';
export * from './math.js';
export * from './matmul.js';
export * from './norm.js';
export * from './pad.js';
export * from './pool.js';
export * from './reduce.js';
export * from './scatter.js';
export * from './shape.js';
export * from './sort.js';
export * from './upsample.js';
export { asTensor, cast, type TensorLike } from './util.js';
