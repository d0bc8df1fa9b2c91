import { ValueError } from '../errors.js';
import {
  type AdaptiveSize2d,
  type AvgPool2dOptions,
  adaptiveAvgPool2d,
  avgPool2d,
  type MaxPool2dOptions,
  maxPool2d,
  pool2dInfo,
  type Size2d,
} from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** PyTorch's way of showing a size in a layer's repr: `3` or `(3, 5)`. */
function fmtSize(v: Size2d | AdaptiveSize2d): string {
  return typeof v === 'number'
    ? String(v)
    : `(${v.map((d) => (d === null ? 'null' : String(d))).join(', ')})`;
}

/**
 * Max pooling layer, as torch.nn.MaxPool2d: the largest value of each window over NCHW (or CHW) input.
 * The stride defaults to the kernel size.
 *
 * ```ts
 * new nn.MaxPool2d(2).forward(nt.randn([8, 32, 28, 28])).shape; // [8, 32, 14, 14]
 * ```
 */
export class MaxPool2d extends Module {
  readonly stride: Size2d;
  readonly padding: Size2d;
  readonly dilation: Size2d;
  readonly ceilMode: boolean;

  constructor(
    readonly kernelSize: Size2d,
    options: MaxPool2dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.ceilMode = options.ceilMode ?? false;
    // bad sizes fail here, where they were written, rather than at the first forward
    pool2dInfo([1, 1, 1_000_000, 1_000_000], kernelSize, this.options(), 'MaxPool2d');
  }

  private options(): MaxPool2dOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  forward(x: Tensor): Tensor {
    pool2dInfo(x.shape, this.kernelSize, this.options(), `MaxPool2d(kernel ${fmtSize(this.kernelSize)})`);
    return maxPool2d(x, this.kernelSize, this.options());
  }

  protected override extraRepr(): string {
    return (
      `kernelSize=${fmtSize(this.kernelSize)}, stride=${fmtSize(this.stride)}, padding=${fmtSize(this.padding)}, ` +
      `dilation=${fmtSize(this.dilation)}, ceilMode=${this.ceilMode}`
    );
  }
}

/**
 * Average pooling layer, as torch.nn.AvgPool2d: the mean of each window over NCHW (or CHW) input, padding
 * counted in the divisor unless `countIncludePad` is false. The stride defaults to the kernel size.
 */
export class AvgPool2d extends Module {
  readonly stride: Size2d;
  readonly padding: Size2d;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(
    readonly kernelSize: Size2d,
    options: AvgPool2dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    pool2dInfo([1, 1, 1_000_000, 1_000_000], kernelSize, this.options(), 'AvgPool2d');
  }

  private options(): AvgPool2dOptions {
    return {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    };
  }

  forward(x: Tensor): Tensor {
    pool2dInfo(x.shape, this.kernelSize, this.options(), `AvgPool2d(kernel ${fmtSize(this.kernelSize)})`);
    return avgPool2d(x, this.kernelSize, this.options());
  }

  protected override extraRepr(): string {
    return `kernelSize=${fmtSize(this.kernelSize)}, stride=${fmtSize(this.stride)}, padding=${fmtSize(this.padding)}`;
  }
}

/**
 * Adaptive average pooling layer, as torch.nn.AdaptiveAvgPool2d: averages NCHW (or CHW) input down (or up) to
 * a fixed `outputSize` whatever the input size; null in a pair keeps that input size.
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize2d) {
    super();
    const sizes = typeof outputSize === 'number' ? [outputSize] : outputSize;
    if (
      sizes.length < 1 ||
      sizes.length > 2 ||
      !sizes.every((d) => d === null || (Number.isInteger(d) && d >= 1))
    ) {
      throw new ValueError(
        `AdaptiveAvgPool2d: outputSize must be a positive integer or a pair of them (null keeps the input size), got ${JSON.stringify(outputSize)}`,
      );
    }
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  protected override extraRepr(): string {
    return `outputSize=${fmtSize(this.outputSize)}`;
  }
}
