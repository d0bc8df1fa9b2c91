import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import {
  type Conv1dOptions as Conv1dOpOptions,
  type Conv2dOptions as Conv2dOpOptions,
  type ConvTranspose1dOptions as ConvTranspose1dOpOptions,
  type ConvTranspose2dOptions as ConvTranspose2dOpOptions,
  conv1d,
  conv1dInfo,
  conv2d,
  conv2dInfo,
  convTranspose1d,
  convTranspose1dInfo,
  convTranspose2d,
  convTranspose2dInfo,
  type Size1d,
  type Size2d,
} from '../ops/index.js';
import { pair, single } from '../ops/sizes.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { defaultLayerInit } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** What every convolution layer adds to its op's options. */
export interface ConvLayerOptions {
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** Source of the initial weights (the default generator otherwise). */
  generator?: Generator;
}

export interface Conv2dOptions extends Conv2dOpOptions, ConvLayerOptions {}

/** PyTorch's way of showing a size in a layer's repr: `3` or `(3, 5)`. */
function fmtSize(v: Size2d | Size1d | readonly number[] | string): string {
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  return `(${v.join(', ')})`;
}

/**
 * 2-D convolution layer over NCHW input (or unbatched CHW), as torch.nn.Conv2d: weight
 * [outChannels, inChannels/groups, kH, kW] and bias [outChannels], both initialised U(±1/√fan_in) with
 * fan_in = inChannels/groups · kH · kW.
 *
 * ```ts
 * const conv = new nn.Conv2d(1, 32, 3, { padding: 1 });
 * conv.forward(nt.randn([8, 1, 28, 28])).shape; // [8, 32, 28, 28]
 * ```
 */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size2d,
    options: Conv2dOptions = {},
  ) {
    super();
    const label = `Conv2d(${inChannels} -> ${outChannels}, kernel ${fmtSize(kernelSize)})`;
    this.groups = options.groups ?? 1;
    checkChannels(label, inChannels, outChannels, this.groups);
    this.kernelSize = pair(kernelSize, 'kernelSize', label, 1);
    this.stride = pair(options.stride ?? 1, 'stride', label, 1);
    this.dilation = pair(options.dilation ?? 1, 'dilation', label, 1);
    const padding = options.padding ?? 0;
    if (padding === 'same' || padding === 'valid') {
      if (padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
        throw new ValueError(`${label}: padding='same' needs stride 1, got stride ${fmtSize(this.stride)}`);
      }
      this.padding = padding;
    } else {
      const p: [number, number] = typeof padding === 'number' ? [padding, padding] : [padding[0], padding[1]];
      if (!p.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new ValueError(
          `${label}: padding must be a non-negative integer, a pair, 'same' or 'valid', got ${JSON.stringify(padding)}`,
        );
      }
      this.padding = p;
    }
    [this.weight, this.bias] = convParameters(
      [outChannels, inChannels / this.groups, ...this.kernelSize],
      options,
    );
  }

  private get label(): string {
    return `Conv2d(${this.inChannels} -> ${this.outChannels}, kernel ${fmtSize(this.kernelSize[0] === this.kernelSize[1] ? this.kernelSize[0] : this.kernelSize)})`;
  }

  /** x [N, inChannels, H, W] (or [inChannels, H, W]) → [N, outChannels, oH, oW] (or [outChannels, oH, oW]). */
  forward(x: Tensor): Tensor {
    const channelAxis = x.ndim - 3;
    if ((x.ndim !== 3 && x.ndim !== 4) || x.shape[channelAxis] !== this.inChannels) {
      throw new ShapeError(
        `${this.label}: expected input [N, ${this.inChannels}, H, W] or [${this.inChannels}, H, W], got ${fmtShape(x.shape)}`,
      );
    }
    const options = {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    };
    // checked here first so geometry errors name the layer rather than the op
    conv2dInfo(x.shape, this.weight.shape, options, this.label);
    return conv2d(x, this.weight, this.bias, options);
  }

  protected override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${fmtSize(this.kernelSize)}, stride=${fmtSize(this.stride)}`;
    if (typeof this.padding === 'string' || this.padding.some((p) => p !== 0))
      s += `, padding=${fmtSize(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${fmtSize(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    return s;
  }
}

/**
 * A convolution layer's weight of `shape` and its bias of `outChannels` (the weight's first axis unless given, as
 * for a transposed convolution), both initialised as PyTorch's from the weight's fan-in.
 */
function convParameters(
  shape: number[],
  options: ConvLayerOptions,
  outChannels = shape[0],
): [Parameter, Parameter | null] {
  const weight = new Parameter(new Float32Array(shape.reduce((n, d) => n * d, 1)), shape);
  const bias = options.bias === false ? null : new Parameter(new Float32Array(outChannels), [outChannels]);
  defaultLayerInit(weight, bias, options.generator);
  return [weight, bias];
}

/** Checks a layer's channel counts and groups: positive integers, both counts divisible by groups. */
function checkChannels(label: string, inChannels: number, outChannels: number, groups: number): void {
  positiveInt(label, 'inChannels', inChannels);
  positiveInt(label, 'outChannels', outChannels);
  positiveInt(label, 'groups', groups);
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new ValueError(
      `${label}: inChannels (${inChannels}) and outChannels (${outChannels}) must both be divisible by groups (${groups})`,
    );
  }
}

export interface Conv1dOptions extends Conv1dOpOptions, ConvLayerOptions {}

/**
 * 1-D convolution layer over [N, C, L] input (or unbatched [C, L]), as torch.nn.Conv1d: weight
 * [outChannels, inChannels/groups, k] and bias [outChannels], both initialised U(±1/√fan_in) with
 * fan_in = inChannels/groups · k. Runs on the 2-D convolution kernels with a window of height 1.
 *
 * ```ts
 * const conv = new nn.Conv1d(16, 32, 5, { padding: 'same' });
 * conv.forward(nt.randn([8, 16, 100])).shape; // [8, 32, 100]
 * ```
 */
export class Conv1d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size1d,
    options: Conv1dOptions = {},
  ) {
    super();
    const label = `Conv1d(${inChannels} -> ${outChannels}, kernel ${fmtSize(kernelSize)})`;
    this.groups = options.groups ?? 1;
    checkChannels(label, inChannels, outChannels, this.groups);
    this.kernelSize = single(kernelSize, 'kernelSize', label, 1);
    this.stride = single(options.stride ?? 1, 'stride', label, 1);
    this.dilation = single(options.dilation ?? 1, 'dilation', label, 1);
    const padding = options.padding ?? 0;
    if (padding === 'same' && this.stride !== 1) {
      throw new ValueError(`${label}: padding='same' needs stride 1, got stride ${this.stride}`);
    }
    this.padding = padding === 'same' || padding === 'valid' ? padding : single(padding, 'padding', label, 0);
    [this.weight, this.bias] = convParameters(
      [outChannels, inChannels / this.groups, this.kernelSize],
      options,
    );
  }

  private get label(): string {
    return `Conv1d(${this.inChannels} -> ${this.outChannels}, kernel ${this.kernelSize})`;
  }

  /** x [N, inChannels, L] (or [inChannels, L]) → [N, outChannels, oL] (or [outChannels, oL]). */
  forward(x: Tensor): Tensor {
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 2] !== this.inChannels) {
      throw new ShapeError(
        `${this.label}: expected input [N, ${this.inChannels}, L] or [${this.inChannels}, L], got ${fmtShape(x.shape)}`,
      );
    }
    const options = {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    };
    conv1dInfo(x.shape, this.weight.shape, options, this.label);
    return conv1d(x, this.weight, this.bias, options);
  }

  protected override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}`;
    if (this.padding !== 0) s += `, padding=${this.padding}`;
    if (this.dilation !== 1) s += `, dilation=${this.dilation}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    return s;
  }
}

export interface ConvTranspose2dOptions extends ConvTranspose2dOpOptions, ConvLayerOptions {}

export interface ConvTranspose1dOptions extends ConvTranspose1dOpOptions, ConvLayerOptions {}

/**
 * The outputPadding that makes a transposed convolution's output `size` along one axis, as PyTorch's
 * `output_size` argument: size must lie within [minimum, minimum + stride − 1].
 */
function outputPaddingFor(
  size: number,
  inSize: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation: number,
  label: string,
): number {
  const least = (inSize - 1) * stride - 2 * padding + dilation * (kernel - 1) + 1;
  if (!Number.isInteger(size) || size < least || size > least + stride - 1) {
    throw new ValueError(
      `${label}: outputSize ${size} is out of reach for input size ${inSize}: it must lie in [${least}, ${least + stride - 1}]`,
    );
  }
  return size - least;
}

/**
 * Transposed 2-D convolution layer over NCHW input (or unbatched CHW), as torch.nn.ConvTranspose2d (sometimes
 * called a deconvolution): weight [inChannels, outChannels/groups, kH, kW] and bias [outChannels], PyTorch's
 * layout and state-dict keys, both initialised U(±1/√fan_in) with fan_in = outChannels/groups · kH · kW (PyTorch
 * computes it from the weight's second axis). The output is (H − 1)·stride − 2·padding + dilation·(kH − 1) +
 * outputPadding + 1 high; `forward(x, outputSize)` picks the outputPadding that gives a size, as PyTorch's does.
 *
 * ```ts
 * const up = new nn.ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 });
 * up.forward(nt.randn([1, 16, 7, 7])).shape; // [1, 8, 14, 14]
 * ```
 */
export class ConvTranspose2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size2d,
    options: ConvTranspose2dOptions = {},
  ) {
    super();
    const label = `ConvTranspose2d(${inChannels} -> ${outChannels}, kernel ${fmtSize(kernelSize)})`;
    this.groups = options.groups ?? 1;
    checkChannels(label, inChannels, outChannels, this.groups);
    this.kernelSize = pair(kernelSize, 'kernelSize', label, 1);
    this.stride = pair(options.stride ?? 1, 'stride', label, 1);
    this.dilation = pair(options.dilation ?? 1, 'dilation', label, 1);
    this.padding = pair(options.padding ?? 0, 'padding', label, 0);
    this.outputPadding = pair(options.outputPadding ?? 0, 'outputPadding', label, 0);
    for (const a of [0, 1]) {
      if (this.outputPadding[a] >= this.stride[a] && this.outputPadding[a] >= this.dilation[a]) {
        throw new ValueError(
          `${label}: outputPadding ${fmtSize(this.outputPadding)} must be smaller than the stride ${fmtSize(this.stride)} or the dilation ${fmtSize(this.dilation)}`,
        );
      }
    }
    [this.weight, this.bias] = convParameters(
      [inChannels, outChannels / this.groups, ...this.kernelSize],
      options,
      outChannels,
    );
  }

  private get label(): string {
    const k = this.kernelSize[0] === this.kernelSize[1] ? this.kernelSize[0] : this.kernelSize;
    return `ConvTranspose2d(${this.inChannels} -> ${this.outChannels}, kernel ${fmtSize(k)})`;
  }

  /**
   * x [N, inChannels, H, W] (or [inChannels, H, W]) → [N, outChannels, oH, oW]. `outputSize` ([oH, oW], or a
   * full shape whose last two entries are taken) overrides the layer's outputPadding.
   */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    const channelAxis = x.ndim - 3;
    if ((x.ndim !== 3 && x.ndim !== 4) || x.shape[channelAxis] !== this.inChannels) {
      throw new ShapeError(
        `${this.label}: expected input [N, ${this.inChannels}, H, W] or [${this.inChannels}, H, W], got ${fmtShape(x.shape)}`,
      );
    }
    let outputPadding = this.outputPadding;
    if (outputSize !== undefined) {
      if (!Array.isArray(outputSize) || outputSize.length < 2) {
        throw new ValueError(`${this.label}: outputSize must be [oH, oW], got ${JSON.stringify(outputSize)}`);
      }
      const [oh, ow] = outputSize.slice(-2);
      const [h, w] = x.shape.slice(-2);
      outputPadding = [
        outputPaddingFor(
          oh,
          h,
          this.kernelSize[0],
          this.stride[0],
          this.padding[0],
          this.dilation[0],
          this.label,
        ),
        outputPaddingFor(
          ow,
          w,
          this.kernelSize[1],
          this.stride[1],
          this.padding[1],
          this.dilation[1],
          this.label,
        ),
      ];
    }
    const options = {
      stride: this.stride,
      padding: this.padding,
      outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    };
    convTranspose2dInfo(x.shape, this.weight.shape, options, this.label);
    return convTranspose2d(x, this.weight, this.bias, options);
  }

  protected override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${fmtSize(this.kernelSize)}, stride=${fmtSize(this.stride)}`;
    if (this.padding.some((p) => p !== 0)) s += `, padding=${fmtSize(this.padding)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, outputPadding=${fmtSize(this.outputPadding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${fmtSize(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    return s;
  }
}

/**
 * Transposed 1-D convolution layer over [N, C, L] input (or unbatched [C, L]), as torch.nn.ConvTranspose1d:
 * weight [inChannels, outChannels/groups, k] and bias [outChannels], PyTorch's layout, keys and initialisation.
 * The output is (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1 long; `forward(x, outputSize)`
 * picks the outputPadding that gives a length.
 */
export class ConvTranspose1d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly dilation: number;
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size1d,
    options: ConvTranspose1dOptions = {},
  ) {
    super();
    const label = `ConvTranspose1d(${inChannels} -> ${outChannels}, kernel ${fmtSize(kernelSize)})`;
    this.groups = options.groups ?? 1;
    checkChannels(label, inChannels, outChannels, this.groups);
    this.kernelSize = single(kernelSize, 'kernelSize', label, 1);
    this.stride = single(options.stride ?? 1, 'stride', label, 1);
    this.dilation = single(options.dilation ?? 1, 'dilation', label, 1);
    this.padding = single(options.padding ?? 0, 'padding', label, 0);
    this.outputPadding = single(options.outputPadding ?? 0, 'outputPadding', label, 0);
    if (this.outputPadding >= this.stride && this.outputPadding >= this.dilation) {
      throw new ValueError(
        `${label}: outputPadding ${this.outputPadding} must be smaller than the stride (${this.stride}) or the dilation (${this.dilation})`,
      );
    }
    [this.weight, this.bias] = convParameters(
      [inChannels, outChannels / this.groups, this.kernelSize],
      options,
      outChannels,
    );
  }

  private get label(): string {
    return `ConvTranspose1d(${this.inChannels} -> ${this.outChannels}, kernel ${this.kernelSize})`;
  }

  /** x [N, inChannels, L] (or [inChannels, L]) → [N, outChannels, oL]; `outputSize` ([oL] or a number) overrides outputPadding. */
  forward(x: Tensor, outputSize?: number | readonly number[]): Tensor {
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 2] !== this.inChannels) {
      throw new ShapeError(
        `${this.label}: expected input [N, ${this.inChannels}, L] or [${this.inChannels}, L], got ${fmtShape(x.shape)}`,
      );
    }
    let outputPadding = this.outputPadding;
    if (outputSize !== undefined) {
      const size = typeof outputSize === 'number' ? outputSize : outputSize[outputSize.length - 1];
      const { kernelSize: k, stride, padding, dilation } = this;
      outputPadding = outputPaddingFor(size, x.shape[x.ndim - 1], k, stride, padding, dilation, this.label);
    }
    const options = {
      stride: this.stride,
      padding: this.padding,
      outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    };
    convTranspose1dInfo(x.shape, this.weight.shape, options, this.label);
    return convTranspose1d(x, this.weight, this.bias, options);
  }

  protected override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}`;
    if (this.padding !== 0) s += `, padding=${this.padding}`;
    if (this.outputPadding !== 0) s += `, outputPadding=${this.outputPadding}`;
    if (this.dilation !== 1) s += `, dilation=${this.dilation}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    return s;
  }
}
