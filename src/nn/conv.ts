import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { type Conv2dOptions as Conv2dOpOptions, conv2d, conv2dInfo, type Size2d } from '../ops/index.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { defaultLayerInit } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface Conv2dOptions extends Conv2dOpOptions {
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** Source of the initial weights (the default generator otherwise). */
  generator?: Generator;
}

/** PyTorch's way of showing a size in a layer's repr: `3` or `(3, 5)`. */
function fmtSize(v: Size2d | string): string {
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  return `(${v.join(', ')})`;
}

function toPair(v: Size2d, name: string, layer: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ValueError(
      `${layer}: ${name} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`,
    );
  }
  return p;
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
    for (const [n, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new ValueError(`${label}: ${n} must be a positive integer, got ${v}`);
    }
    this.groups = options.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1) {
      throw new ValueError(`${label}: groups must be a positive integer, got ${this.groups}`);
    }
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new ValueError(
        `${label}: inChannels (${inChannels}) and outChannels (${outChannels}) must both be divisible by groups (${this.groups})`,
      );
    }
    this.kernelSize = toPair(kernelSize, 'kernelSize', label);
    this.stride = toPair(options.stride ?? 1, 'stride', label);
    this.dilation = toPair(options.dilation ?? 1, 'dilation', label);
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
    const [kh, kw] = this.kernelSize;
    this.weight = new Parameter(new Float32Array((outChannels * inChannels * kh * kw) / this.groups), [
      outChannels,
      inChannels / this.groups,
      kh,
      kw,
    ]);
    this.bias = options.bias === false ? null : new Parameter(new Float32Array(outChannels), [outChannels]);
    defaultLayerInit(this.weight, this.bias, options.generator);
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
