import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { flatten, reshape } from '../ops/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Flattens axes `startDim`…`endDim` (inclusive) into one; the default keeps the batch axis. */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    const s = this.startDim < 0 ? this.startDim + x.ndim : this.startDim;
    const e = this.endDim < 0 ? this.endDim + x.ndim : this.endDim;
    if (s < 0 || s >= x.ndim || e < 0 || e >= x.ndim || s > e) {
      throw new ShapeError(
        `Flatten(${this.startDim}, ${this.endDim}): cannot flatten input ${fmtShape(x.shape)} (rank ${x.ndim})`,
      );
    }
    return flatten(x, s, e);
  }

  protected override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Returns its input unchanged: a placeholder where a layer is optional. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Splits axis `dim` into `sizes` (one of which may be -1 and is inferred), the inverse of Flatten. */
export class Unflatten extends Module {
  readonly sizes: readonly number[];

  constructor(
    readonly dim: number,
    sizes: readonly number[],
  ) {
    super();
    if (sizes.length === 0) throw new ValueError(`Unflatten(${dim}): sizes must not be empty`);
    if (sizes.filter((d) => d === -1).length > 1 || sizes.some((d) => !Number.isInteger(d) || d < -1)) {
      throw new ValueError(
        `Unflatten(${dim}, ${fmtShape(sizes)}): sizes must be non-negative integers, with at most one -1`,
      );
    }
    this.sizes = Object.freeze([...sizes]);
  }

  forward(x: Tensor): Tensor {
    const name = `Unflatten(${this.dim}, ${fmtShape(this.sizes)})`;
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    if (d < 0 || d >= x.ndim) {
      throw new ShapeError(`${name}: input ${fmtShape(x.shape)} has no axis ${this.dim}`);
    }
    const n = x.shape[d];
    const known = this.sizes.reduce((p, s) => (s === -1 ? p : p * s), 1);
    const inferred = this.sizes.includes(-1);
    if (inferred ? known === 0 || n % known !== 0 : known !== n) {
      throw new ShapeError(
        `${name}: axis ${d} of input ${fmtShape(x.shape)} has size ${n}, which does not split into ${fmtShape(this.sizes)}`,
      );
    }
    const sizes = this.sizes.map((s) => (s === -1 ? n / known : s));
    return reshape(x, [...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)]);
  }

  protected override extraRepr(): string {
    return `dim=${this.dim}, sizes=${fmtShape(this.sizes)}`;
  }
}
