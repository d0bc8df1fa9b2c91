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

/** A window size per spatial axis: Size1d for the 1-D layers, Size2d for the 2-D ones. */
type Size = Size1d | Size2d;

/**
 * What MaxPool1d and MaxPool2d share (PyTorch's _MaxPoolNd): the options and their defaults, the early check of
 * the sizes and the repr. A subclass says how to check its sizes against an input shape and how to pool.
 */
abstract class MaxPoolNd<S extends Size> extends Module {
  readonly stride: S;
  readonly padding: S;
  readonly dilation: S;
  readonly ceilMode: boolean;

  constructor(
    readonly kernelSize: S,
    options: { stride?: S | null; padding?: S; dilation?: S; ceilMode?: boolean } = {},
  ) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? (0 as S);
    this.dilation = options.dilation ?? (1 as S);
    this.ceilMode = options.ceilMode ?? false;
    // bad sizes fail here, where they were written, rather than at the first forward
    this.checkSizes(null, this.constructor.name);
  }

  /** Checks the sizes against an input `shape` (a very large input when null); errors name `label`. */
  protected abstract checkSizes(shape: readonly number[] | null, label: string): void;

  protected options(): { stride: S; padding: S; dilation: S; ceilMode: boolean } {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  /** The name errors at forward time carry, as `MaxPool2d(kernel 2)`. */
  protected get label(): string {
    return `${this.constructor.name}(kernel ${fmtSize(this.kernelSize)})`;
  }

  protected override extraRepr(): string {
    return (
      `kernelSize=${fmtSize(this.kernelSize)}, stride=${fmtSize(this.stride)}, padding=${fmtSize(this.padding)}, ` +
      `dilation=${fmtSize(this.dilation)}, ceilMode=${this.ceilMode}`
    );
  }
}

/** What AvgPool1d and AvgPool2d share (PyTorch's _AvgPoolNd), as MaxPoolNd for the max layers. */
abstract class AvgPoolNd<S extends Size> extends Module {
  readonly stride: S;
  readonly padding: S;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(
    readonly kernelSize: S,
    options: { stride?: S | null; padding?: S; ceilMode?: boolean; countIncludePad?: boolean } = {},
  ) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? (0 as S);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.checkSizes(null, this.constructor.name);
  }

  /** Checks the sizes against an input `shape` (a very large input when null); errors name `label`. */
  protected abstract checkSizes(shape: readonly number[] | null, label: string): void;

  protected options(): { stride: S; padding: S; ceilMode: boolean; countIncludePad: boolean } {
    return {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    };
  }

  /** The name errors at forward time carry, as `AvgPool2d(kernel 2)`. */
  protected get label(): string {
    return `${this.constructor.name}(kernel ${fmtSize(this.kernelSize)})`;
  }

  protected override extraRepr(): string {
    return `kernelSize=${fmtSize(this.kernelSize)}, stride=${fmtSize(this.stride)}, padding=${fmtSize(this.padding)}`;
  }
}

/**
 * Max pooling layer, as torch.nn.MaxPool2d: the largest value of each window over NCHW (or CHW) input.
 * The stride defaults to the kernel size.
 *
 * ```ts
 * new nn.MaxPool2d(2).forward(nt.randn([8, 32, 28, 28])).shape; // [8, 32, 14, 14]
 * ```
 */
export class MaxPool2d extends MaxPoolNd<Size2d> {
  constructor(kernelSize: Size2d, options: MaxPool2dOptions = {}) {
    super(kernelSize, options);
  }

  protected checkSizes(shape: readonly number[] | null, label: string): void {
    pool2dInfo(shape ?? [1, 1, 1_000_000, 1_000_000], this.kernelSize, this.options(), label);
  }

  forward(x: Tensor): Tensor {
    this.checkSizes(x.shape, this.label);
    return maxPool2d(x, this.kernelSize, this.options());
  }
}

/**
 * Average pooling layer, as torch.nn.AvgPool2d: the mean of each window over NCHW (or CHW) input, padding
 * counted in the divisor unless `countIncludePad` is false. The stride defaults to the kernel size.
 */
export class AvgPool2d extends AvgPoolNd<Size2d> {
  constructor(kernelSize: Size2d, options: AvgPool2dOptions = {}) {
    super(kernelSize, options);
  }

  protected checkSizes(shape: readonly number[] | null, label: string): void {
    pool2dInfo(shape ?? [1, 1, 1_000_000, 1_000_000], this.kernelSize, this.options(), label);
  }

  forward(x: Tensor): Tensor {
    this.checkSizes(x.shape, this.label);
    return avgPool2d(x, this.kernelSize, this.options());
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
 * What the four adaptive pooling layers share (PyTorch's _AdaptiveAvgPoolNd and _AdaptiveMaxPoolNd): the output
 * size, checked when the layer is made, and the repr.
 */
abstract class AdaptivePoolNd<S extends AdaptiveSize1d | AdaptiveSize2d> extends Module {
  constructor(
    readonly outputSize: S,
    rank: 1 | 2,
  ) {
    super();
    checkAdaptiveSize(outputSize, rank, this.constructor.name);
  }

  protected override extraRepr(): string {
    return `outputSize=${fmtSize(this.outputSize)}`;
  }
}

/**
 * Adaptive average pooling layer, as torch.nn.AdaptiveAvgPool2d: averages NCHW (or CHW) input down (or up) to
 * a fixed `outputSize` whatever the input size; null in a pair keeps that input size.
 */
export class AdaptiveAvgPool2d extends AdaptivePoolNd<AdaptiveSize2d> {
  constructor(outputSize: AdaptiveSize2d) {
    super(outputSize, 2);
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

/**
 * Adaptive max pooling layer, as torch.nn.AdaptiveMaxPool2d: the largest value of each of `outputSize` windows
 * over NCHW (or CHW) input, whatever its size; null in a pair keeps that input size. (PyTorch's
 * `return_indices` is not offered.)
 */
export class AdaptiveMaxPool2d extends AdaptivePoolNd<AdaptiveSize2d> {
  constructor(outputSize: AdaptiveSize2d) {
    super(outputSize, 2);
  }

  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }
}

/** Adaptive max pooling layer over [N, C, L] (or [C, L]) input, as torch.nn.AdaptiveMaxPool1d. */
export class AdaptiveMaxPool1d extends AdaptivePoolNd<AdaptiveSize1d> {
  constructor(outputSize: AdaptiveSize1d) {
    super(outputSize, 1);
  }

  forward(x: Tensor): Tensor {
    return adaptiveMaxPool1d(x, this.outputSize);
  }
}

/** Adaptive average pooling layer over [N, C, L] (or [C, L]) input, as torch.nn.AdaptiveAvgPool1d. */
export class AdaptiveAvgPool1d extends AdaptivePoolNd<AdaptiveSize1d> {
  constructor(outputSize: AdaptiveSize1d) {
    super(outputSize, 1);
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
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
export class MaxPool1d extends MaxPoolNd<Size1d> {
  constructor(kernelSize: Size1d, options: MaxPool1dOptions = {}) {
    super(kernelSize, options);
  }

  protected checkSizes(shape: readonly number[] | null, label: string): void {
    pool1dInfo(shape ?? [1, 1, 1_000_000], this.kernelSize, this.options(), label);
  }

  forward(x: Tensor): Tensor {
    this.checkSizes(x.shape, this.label);
    return maxPool1d(x, this.kernelSize, this.options());
  }
}

/**
 * Average pooling layer over [N, C, L] (or [C, L]) input, as torch.nn.AvgPool1d: the mean of each window along
 * the length, padding counted in the divisor unless `countIncludePad` is false. The stride defaults to the
 * kernel size.
 */
export class AvgPool1d extends AvgPoolNd<Size1d> {
  constructor(kernelSize: Size1d, options: AvgPool1dOptions = {}) {
    super(kernelSize, options);
  }

  protected checkSizes(shape: readonly number[] | null, label: string): void {
    pool1dInfo(shape ?? [1, 1, 1_000_000], this.kernelSize, this.options(), label);
  }

  forward(x: Tensor): Tensor {
    this.checkSizes(x.shape, this.label);
    return avgPool1d(x, this.kernelSize, this.options());
  }
}
