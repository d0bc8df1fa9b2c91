/** Column scalers: StandardScaler (zero mean, unit variance) and MinMaxScaler (a fixed range). */
import { ValueError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import {
  checkColumns,
  checkFinite,
  checkJSON,
  checkNotEmpty,
  matrixShape,
  notFitted,
  numberArray,
} from './checks.js';
import type { MinMaxScalerJSON, StandardScalerJSON, Transformer } from './types.js';

export interface StandardScalerOptions {
  /** Subtract the column means (default true). */
  withMean?: boolean;
  /** Divide by the column standard deviations (default true). */
  withStd?: boolean;
}

/**
 * Standardises each column to zero mean and unit variance, as scikit-learn's StandardScaler: the variance is
 * the population one (divided by n, not n − 1), and a column with (numerically) zero variance gets scale 1 so
 * it is only centred. Statistics are computed in float64; outputs are float32.
 *
 * ```ts
 * const scaler = new StandardScaler().fit(xTrain);
 * const xs = scaler.transform(xTest);
 * ```
 */
export class StandardScaler implements Transformer {
  readonly withMean: boolean;
  readonly withStd: boolean;
  /** Column means (after fit). */
  mean: number[] | null = null;
  /** Column population variances (after fit). */
  var: number[] | null = null;
  /** What each column is divided by: √var, or 1 for constant columns (after fit). */
  scale: number[] | null = null;
  nSamplesSeen = 0;

  constructor(options: StandardScalerOptions = {}) {
    this.withMean = options.withMean ?? true;
    this.withStd = options.withStd ?? true;
  }

  get nFeaturesIn(): number {
    return this.mean?.length ?? 0;
  }

  fit(x: Tensor): this {
    const where = 'StandardScaler.fit';
    const [n, f] = matrixShape(x, where);
    checkNotEmpty(n, x, where);
    checkFinite(x, where);
    const d = x.data;
    const mean = new Array<number>(f).fill(0);
    const variance = new Array<number>(f).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j] += d[i * f + j];
    for (let j = 0; j < f; j++) mean[j] /= n;
    // two passes with the same correction term as scikit-learn's _incremental_mean_and_var
    const correction = new Array<number>(f).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < f; j++) {
        const c = d[i * f + j] - mean[j];
        variance[j] += c * c;
        correction[j] += c;
      }
    }
    const eps = Number.EPSILON;
    const scale = new Array<number>(f);
    for (let j = 0; j < f; j++) {
      variance[j] = (variance[j] - (correction[j] * correction[j]) / n) / n;
      // scikit-learn's _is_constant_feature: a variance within the rounding error of its own computation is 0
      const bound = n * eps * variance[j] + (n * mean[j] * eps) ** 2;
      scale[j] = variance[j] <= bound ? 1 : Math.sqrt(variance[j]);
    }
    this.mean = mean;
    this.var = variance;
    this.scale = scale;
    this.nSamplesSeen = n;
    return this;
  }

  transform(x: Tensor): Tensor {
    return this.apply(x, 'transform', (v, j, mean, scale) => (v - mean[j]) / scale[j]);
  }

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  inverseTransform(x: Tensor): Tensor {
    return this.apply(x, 'inverseTransform', (v, j, mean, scale) => v * scale[j] + mean[j]);
  }

  private apply(
    x: Tensor,
    method: string,
    op: (v: number, j: number, mean: number[], scale: number[]) => number,
  ): Tensor {
    if (!this.mean || !this.scale) throw notFitted('StandardScaler', method);
    const where = `StandardScaler.${method}`;
    const [n, f] = checkColumns(x, this.mean.length, where);
    checkFinite(x, where);
    const mean = this.withMean ? this.mean : new Array<number>(f).fill(0);
    const scale = this.withStd ? this.scale : new Array<number>(f).fill(1);
    const out = new Float32Array(n * f);
    const d = x.data;
    for (let i = 0; i < out.length; i++) out[i] = op(d[i], i % f, mean, scale);
    return new Tensor(out, [n, f]);
  }

  toJSON(): StandardScalerJSON {
    if (!this.mean || !this.var || !this.scale) throw notFitted('StandardScaler', 'toJSON');
    return {
      type: 'StandardScaler',
      withMean: this.withMean,
      withStd: this.withStd,
      nSamplesSeen: this.nSamplesSeen,
      mean: [...this.mean],
      var: [...this.var],
      scale: [...this.scale],
    };
  }

  static fromJSON(json: StandardScalerJSON): StandardScaler {
    checkJSON(json, 'StandardScaler');
    const s = new StandardScaler({ withMean: json.withMean, withStd: json.withStd });
    const f = Array.isArray(json.mean) ? json.mean.length : -1;
    s.mean = numberArray(json.mean, f, 'StandardScaler.fromJSON: mean');
    s.var = numberArray(json.var, f, 'StandardScaler.fromJSON: var');
    s.scale = numberArray(json.scale, f, 'StandardScaler.fromJSON: scale');
    s.nSamplesSeen = json.nSamplesSeen;
    return s;
  }
}

// ---------------------------------------------------------------------------------------------------------
// MinMaxScaler

export interface MinMaxScalerOptions {
  /** The range each column is mapped to (default [0, 1]). */
  featureRange?: readonly [number, number];
  /** Clip transformed values into `featureRange` (default false: values outside the fitted range pass). */
  clip?: boolean;
}

/**
 * Maps each column linearly so its fitted minimum and maximum land on `featureRange` (scikit-learn's
 * MinMaxScaler): x' = x · scale + min. A constant column gets scale `featureRange[1] − featureRange[0]`, so it
 * lands on the range's lower end.
 */
export class MinMaxScaler implements Transformer {
  readonly featureRange: readonly [number, number];
  readonly clip: boolean;
  dataMin: number[] | null = null;
  dataMax: number[] | null = null;
  scale: number[] | null = null;
  min: number[] | null = null;

  constructor(options: MinMaxScalerOptions = {}) {
    const range = options.featureRange ?? [0, 1];
    if (!Array.isArray(range) || range.length !== 2 || !(range[0] < range[1])) {
      throw new ValueError(
        `MinMaxScaler: featureRange must be [min, max] with min < max, got ${JSON.stringify(range)}`,
      );
    }
    this.featureRange = [range[0], range[1]];
    this.clip = options.clip ?? false;
  }

  get nFeaturesIn(): number {
    return this.dataMin?.length ?? 0;
  }

  fit(x: Tensor): this {
    const where = 'MinMaxScaler.fit';
    const [n, f] = matrixShape(x, where);
    checkNotEmpty(n, x, where);
    checkFinite(x, where);
    const lo = new Array<number>(f).fill(Number.POSITIVE_INFINITY);
    const hi = new Array<number>(f).fill(Number.NEGATIVE_INFINITY);
    const d = x.data;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < f; j++) {
        const v = d[i * f + j];
        if (v < lo[j]) lo[j] = v;
        if (v > hi[j]) hi[j] = v;
      }
    }
    const [a, b] = this.featureRange;
    this.dataMin = lo;
    this.dataMax = hi;
    // scikit-learn's _handle_zeros_in_scale: a range below 10 ε counts as zero and becomes 1
    this.scale = lo.map((l, j) => {
      const range = hi[j] - l;
      return (b - a) / (range < 10 * Number.EPSILON ? 1 : range);
    });
    this.min = lo.map((l, j) => a - l * this.scale![j]);
    return this;
  }

  transform(x: Tensor): Tensor {
    if (!this.scale || !this.min) throw notFitted('MinMaxScaler', 'transform');
    const where = 'MinMaxScaler.transform';
    const [n, f] = checkColumns(x, this.scale.length, where);
    checkFinite(x, where);
    const [a, b] = this.featureRange;
    const out = new Float32Array(n * f);
    const d = x.data;
    for (let i = 0; i < out.length; i++) {
      const v = d[i] * this.scale[i % f] + this.min[i % f];
      out[i] = this.clip ? Math.min(b, Math.max(a, v)) : v;
    }
    return new Tensor(out, [n, f]);
  }

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  inverseTransform(x: Tensor): Tensor {
    if (!this.scale || !this.min) throw notFitted('MinMaxScaler', 'inverseTransform');
    const where = 'MinMaxScaler.inverseTransform';
    const [n, f] = checkColumns(x, this.scale.length, where);
    checkFinite(x, where);
    const out = new Float32Array(n * f);
    const d = x.data;
    for (let i = 0; i < out.length; i++) out[i] = (d[i] - this.min[i % f]) / this.scale[i % f];
    return new Tensor(out, [n, f]);
  }

  toJSON(): MinMaxScalerJSON {
    if (!this.dataMin || !this.dataMax || !this.scale || !this.min) throw notFitted('MinMaxScaler', 'toJSON');
    return {
      type: 'MinMaxScaler',
      featureRange: [this.featureRange[0], this.featureRange[1]],
      clip: this.clip,
      dataMin: [...this.dataMin],
      dataMax: [...this.dataMax],
      scale: [...this.scale],
      min: [...this.min],
    };
  }

  static fromJSON(json: MinMaxScalerJSON): MinMaxScaler {
    checkJSON(json, 'MinMaxScaler');
    const s = new MinMaxScaler({ featureRange: json.featureRange, clip: json.clip });
    const f = Array.isArray(json.dataMin) ? json.dataMin.length : -1;
    s.dataMin = numberArray(json.dataMin, f, 'MinMaxScaler.fromJSON: dataMin');
    s.dataMax = numberArray(json.dataMax, f, 'MinMaxScaler.fromJSON: dataMax');
    s.scale = numberArray(json.scale, f, 'MinMaxScaler.fromJSON: scale');
    s.min = numberArray(json.min, f, 'MinMaxScaler.fromJSON: min');
    return s;
  }
}
