/**
 * The stateless forms of the layers, as torch.nn.functional: `import { nn } from 'neurite'; nn.functional.relu(x)`.
 * Names are PyTorch's in camelCase; the losses also answer to their PyTorch names (`binaryCrossEntropy`, …).
 */
import { bceLoss, bceWithLogitsLoss } from '../ops/loss.js';

export {
  celu,
  elu,
  type GeluOptions,
  gelu,
  glu,
  hardsigmoid,
  hardswish,
  hardtanh,
  leakyRelu,
  logSoftmax,
  logsigmoid,
  mish,
  prelu,
  relu,
  relu6,
  type SoftplusOptions,
  selu,
  sigmoid,
  silu,
  softmax,
  softmin,
  softplus,
  softsign,
  tanh,
} from '../ops/activation.js';
export { type ScaledDotProductAttentionOptions, scaledDotProductAttention } from '../ops/attention.js';
export { type Conv1dOptions, type Conv2dOptions, conv1d, conv2d } from '../ops/conv.js';
export {
  type ConvTranspose1dOptions,
  type ConvTranspose2dOptions,
  convTranspose1d,
  convTranspose2d,
} from '../ops/conv-transpose.js';
export { type DropoutFnOptions, dropout } from '../ops/dropout.js';
export {
  type BCELossOptions,
  type BCEWithLogitsLossOptions,
  bceLoss,
  bceWithLogitsLoss,
  type CrossEntropyOptions,
  crossEntropy,
  type HuberLossOptions,
  huberLoss,
  l1Loss,
  mseLoss,
  type NLLLossOptions,
  nllLoss,
  type Reduction,
  type ReductionOptions,
  type SmoothL1LossOptions,
  smoothL1Loss,
} from '../ops/loss.js';
export { linear } from '../ops/matmul.js';
export {
  type BatchNormFnOptions,
  batchNorm,
  type GroupNormFnOptions,
  groupNorm,
  type InstanceNormFnOptions,
  instanceNorm,
  layerNorm,
} from '../ops/norm.js';
export { type PadMode, type PadOptions, pad } from '../ops/pad.js';
export {
  type AdaptiveSize1d,
  type AdaptiveSize2d,
  type AvgPool1dOptions,
  type AvgPool2dOptions,
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  avgPool1d,
  avgPool2d,
  type MaxPool1dOptions,
  type MaxPool2dOptions,
  maxPool1d,
  maxPool2d,
} from '../ops/pool.js';
export { type InterpolateMode, type InterpolateOptions, interpolate } from '../ops/upsample.js';
export { type EmbeddingFnOptions, embedding } from './embedding.js';

/** torch.nn.functional.binary_cross_entropy: the same function as {@link bceLoss}. */
export const binaryCrossEntropy = bceLoss;
/** torch.nn.functional.binary_cross_entropy_with_logits: the same function as {@link bceWithLogitsLoss}. */
export const binaryCrossEntropyWithLogits = bceWithLogitsLoss;
