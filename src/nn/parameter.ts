import type { TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * A tensor that is a module's learnable weight. Assigning a Parameter to a module property registers it,
 * as in PyTorch; it requires gradients unless told otherwise.
 */
export class Parameter extends Tensor {
  constructor(data: Tensor | TypedArray, shape?: Shape, requiresGrad = true) {
    if (data instanceof Tensor) super(data.data, data.shape);
    else super(data, shape ?? [data.length]);
    this.requiresGrad = requiresGrad;
  }
}
