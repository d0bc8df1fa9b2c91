import { ValueError } from '../errors.js';
import { type InterpolateMode, type InterpolateOptions, interpolate } from '../ops/index.js';
import { checkOptions } from '../ops/util.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * Upsampling layer, as torch.nn.Upsample: resizes [N, C, L] or [N, C, H, W] input to `size` or by
 * `scaleFactor` with `interpolate` (mode 'nearest' by default; 'nearest-exact', 'linear' for 3-D input,
 * 'bilinear' for 4-D input, with `alignCorners`). No parameters.
 *
 * ```ts
 * new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }).forward(nt.randn([1, 3, 8, 8])).shape; // [1, 3, 16, 16]
 * ```
 */
export class Upsample extends Module {
  readonly size: number | readonly number[] | undefined;
  readonly scaleFactor: number | readonly number[] | undefined;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | undefined;

  constructor(options: InterpolateOptions = {}) {
    super();
    checkOptions('Upsample', options, {
      size: {
        test: (v) => typeof v === 'number' || Array.isArray(v),
        expected: 'an integer or a list of them',
      },
      scaleFactor: {
        test: (v) => typeof v === 'number' || Array.isArray(v),
        expected: 'a number or a list of them',
      },
      mode: ['nearest', 'nearest-exact', 'linear', 'bilinear'],
      alignCorners: 'boolean',
    });
    if ((options.size === undefined) === (options.scaleFactor === undefined)) {
      throw new ValueError('Upsample: give exactly one of size and scaleFactor');
    }
    this.size = options.size;
    this.scaleFactor = options.scaleFactor;
    this.mode = options.mode ?? 'nearest';
    this.alignCorners = options.alignCorners;
  }

  forward(x: Tensor): Tensor {
    const options: InterpolateOptions = { mode: this.mode };
    if (this.size !== undefined) options.size = this.size;
    if (this.scaleFactor !== undefined) options.scaleFactor = this.scaleFactor;
    if (this.alignCorners !== undefined) options.alignCorners = this.alignCorners;
    return interpolate(x, options);
  }

  protected override extraRepr(): string {
    const what =
      this.size !== undefined
        ? `size=${JSON.stringify(this.size)}`
        : `scaleFactor=${JSON.stringify(this.scaleFactor)}`;
    return `${what}, mode='${this.mode}'${this.alignCorners !== undefined ? `, alignCorners=${this.alignCorners}` : ''}`;
  }
}
