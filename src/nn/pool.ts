import { ValueError } from '../errors.js';
import {
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
  pool1dInfo,
  pool2dInfo,
  type Size1d,
  type Size2d,
} from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** PyTorch's way of showing a size in a layer's repr: `3` or `(3, 5)`. */
function fmtSize(v: Size2d | Size1d | AdaptiveSize2d | AdaptiveSize1d): string {
  if (v === null) return 'null';
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

/** Checks a layer's adaptive output size: positive integers, `rank` of them at most, null for "as the input". */
function checkAdaptiveSize(outputSize: AdaptiveSize2d | AdaptiveSize1d, rank: 1 | 2, layer: string): void {
  const sizes = typeof outputSize === 'number' || outputSize === null ? [outputSize] : outputSize;
  if (
    !Array.isArray(sizes) ||
    sizes.length < 1 ||
    sizes.length > rank ||
    !sizes.every((d) => d === null || (Number.isInteger(d) && d >= 1))
  ) {
    const what = rank === 2 ? 'a positive integer or a pair of them' : 'a positive integer';
    throw new ValueError(
      `${layer}: outputSize must be ${what} (null keeps the input size), got ${JSON.stringify(outputSize)}`,
    );
  }
}

/**
 * Adaptive average pooling layer, as torch.nn.AdaptiveAvgPool2d: averages NCHW (or CHW) input down (or up) to
 * a fixed `outputSize` whatever the input size; null in a pair keeps that input size.
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize2d) {
    super();
    checkAdaptiveSize(outputSize, 2, 'AdaptiveAvgPool2d');
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  protected override extraRepr(): string {
    return `outputSize=${fmtSize(this.outputSize)}`;
  }
}

/**
 * Adaptive max pooling layer, as torch.nn.AdaptiveMaxPool2d: the largest value of each of `outputSize` windows
 * over NCHW (or CHW) input, whatever its size; null in a pair keeps that input size. (PyTorch's
 * `return_indices` is not offered.)
 */
export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize2d) {
    super();
    checkAdaptiveSize(outputSize, 2, 'AdaptiveMaxPool2d');
  }

  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }

  protected override extraRepr(): string {
    return `outputSize=${fmtSize(this.outputSize)}`;
  }
}

/** Adaptive max pooling layer over [N, C, L] (or [C, L]) input, as torch.nn.AdaptiveMaxPool1d. */
export class AdaptiveMaxPool1d extends Module {
  constructor(readonly outputSize: AdaptiveSize1d) {
    super();
    checkAdaptiveSize(outputSize, 1, 'AdaptiveMaxPool1d');
  }

  forward(x: Tensor): Tensor {
    return adaptiveMaxPool1d(x, this.outputSize);
  }

  protected override extraRepr(): string {
    return `outputSize=${fmtSize(this.outputSize)}`;
  }
}

/** Adaptive average pooling layer over [N, C, L] (or [C, L]) input, as torch.nn.AdaptiveAvgPool1d. */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: AdaptiveSize1d) {
    super();
    checkAdaptiveSize(outputSize, 1, 'AdaptiveAvgPool1d');
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }

  protected override extraRepr(): string {
    return `outputSize=${fmtSize(this.outputSize)}`;
  }
}

/**
 * Max pooling layer over [N, C, L] (or [C, L]) input, as torch.nn.MaxPool1d: the largest value of each window
 * along the length. The stride defaults to the kernel size.
 *
 * ```ts
 * new nn.MaxPool1d(2).forward(nt.randn([8, 16, 100])).shape; // [8, 16, 50]
 * ```
 */
export class MaxPool1d extends Module {
  readonly stride: Size1d;
  readonly padding: Size1d;
  readonly dilation: Size1d;
  readonly ceilMode: boolean;

  constructor(
    readonly kernelSize: Size1d,
    options: MaxPool1dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.ceilMode = options.ceilMode ?? false;
    // bad sizes fail here, where they were written, rather than at the first forward
    pool1dInfo([1, 1, 1_000_000], kernelSize, this.options(), 'MaxPool1d');
  }

  private options(): MaxPool1dOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  forward(x: Tensor): Tensor {
    pool1dInfo(x.shape, this.kernelSize, this.options(), `MaxPool1d(kernel ${fmtSize(this.kernelSize)})`);
    return maxPool1d(x, this.kernelSize, this.options());
  }

  protected override extraRepr(): string {
    return (
      `kernelSize=${fmtSize(this.kernelSize)}, stride=${fmtSize(this.stride)}, padding=${fmtSize(this.padding)}, ` +
      `dilation=${fmtSize(this.dilation)}, ceilMode=${this.ceilMode}`
    );
  }
}

/**
 * Average pooling layer over [N, C, L] (or [C, L]) input, as torch.nn.AvgPool1d: the mean of each window along
 * the length, padding counted in the divisor unless `countIncludePad` is false. The stride defaults to the
 * kernel size.
 */
export class AvgPool1d extends Module {
  readonly stride: Size1d;
  readonly padding: Size1d;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(
    readonly kernelSize: Size1d,
    options: AvgPool1dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    pool1dInfo([1, 1, 1_000_000], kernelSize, this.options(), 'AvgPool1d');
  }

  private options(): AvgPool1dOptions {
    return {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    };
  }

  forward(x: Tensor): Tensor {
    pool1dInfo(x.shape, this.kernelSize, this.options(), `AvgPool1d(kernel ${fmtSize(this.kernelSize)})`);
    return avgPool1d(x, this.kernelSize, this.options());
  }

  protected override extraRepr(): string {
    return `kernelSize=${fmtSize(this.kernelSize)}, stride=${fmtSize(this.stride)}, padding=${fmtSize(this.padding)}`;
  }
}
