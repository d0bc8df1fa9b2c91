import type { Size2d } from '../ops/index.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { internalMarker, keepsNothingWithChildren } from './internal.js';
import { Module } from './module.js';

export interface SeparableConv2dOptions {
  stride?: Size2d;
  padding?: Size2d | 'same' | 'valid';
  dilation?: Size2d;
  /** Bias on the pointwise convolution (default true). The depthwise one never has a bias. */
  bias?: boolean;
  generator?: Generator;
}

/**
 * Depthwise-separable convolution (as in Xception, MobileNet and the RandWire node): a k×k convolution of each
 * input channel on its own (`groups = inChannels`), then a 1×1 convolution that mixes channels. About
 * k²·C_in + C_in·C_out weights instead of k²·C_in·C_out.
 *
 * State-dict keys: `depthwise.weight`, `pointwise.weight`, `pointwise.bias`.
 */
export class SeparableConv2d extends Module {
  depthwise: Conv2d;
  pointwise: Conv2d;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size2d,
    options: SeparableConv2dOptions = {},
  ) {
    super();
    this.depthwise = new Conv2d(inChannels, inChannels, kernelSize, {
      stride: options.stride,
      padding: options.padding,
      dilation: options.dilation,
      groups: inChannels,
      bias: false,
      generator: options.generator,
    });
    this.pointwise = new Conv2d(inChannels, outChannels, 1, {
      bias: options.bias ?? true,
      generator: options.generator,
    });
  }

  forward(x: Tensor): Tensor {
    const mark = internalMarker(this);
    return this.pointwise.forward(mark(this.depthwise.forward(x)));
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}`;
  }
}

keepsNothingWithChildren(SeparableConv2d);
