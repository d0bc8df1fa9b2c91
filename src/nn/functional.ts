/**
 * The stateless forms of the layers, as torch.nn.functional: `import { nn } from 'neurite'; nn.functional.relu(x)`.
 * Names are PyTorch's in camelCase; the losses also answer to their PyTorch names (`binaryCrossEntropy`, …).
 */
import { fmtShape, ShapeError } from '../errors.js';
import { add } from '../ops/elementwise.js';
import { bceLoss, bceWithLogitsLoss } from '../ops/loss.js';
import { matmul } from '../ops/matmul.js';
import { transpose } from '../ops/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export {
  elu,
  gelu,
  leakyRelu,
  logSoftmax,
  relu,
  sigmoid,
  softmax,
  softplus,
  tanh,
} from '../ops/activation.js';
export { type Conv2dOptions, conv2d } from '../ops/conv.js';
export { dropout } from '../ops/dropout.js';
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
export { type BatchNormFnOptions, batchNorm, layerNorm } from '../ops/norm.js';
export {
  type AdaptiveSize2d,
  type AvgPool2dOptions,
  adaptiveAvgPool2d,
  avgPool2d,
  type MaxPool2dOptions,
  maxPool2d,
} from '../ops/pool.js';
export { pad } from '../ops/shape.js';
export { type EmbeddingFnOptions, embedding } from './embedding.js';

/** torch.nn.functional.binary_cross_entropy: the same function as {@link bceLoss}. */
export const binaryCrossEntropy = bceLoss;
/** torch.nn.functional.binary_cross_entropy_with_logits: the same function as {@link bceWithLogitsLoss}. */
export const binaryCrossEntropyWithLogits = bceWithLogitsLoss;

/** y = x·Wᵀ + b over the last axis, with weight [out, in] and bias [out] (torch.nn.functional.linear). */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2 || x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new ShapeError(
      `linear: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [..., in] and [out, in])`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new ShapeError(
      `linear: bias ${fmtShape(bias.shape)} does not fit weight ${fmtShape(weight.shape)}`,
    );
  }
  const y = matmul(x, transpose(weight));
  return bias ? add(y, bias) : y;
}
