/** PolynomialFeatures: every product of the features up to a degree, as scikit-learn's. */
import { ShapeError, ValueError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkColumns, checkFinite, checkJSON, matrixShape, notFitted } from './checks.js';
import type { PolynomialFeaturesJSON, Transformer } from './types.js';

export interface PolynomialFeaturesOptions {
  /** Highest total degree of the products (default 2). */
  degree?: number;
  /** Only products of distinct features: x0·x1 but not x0² (default false). */
  interactionOnly?: boolean;
  /** Prepend a column of ones (default false here; scikit-learn's default is true). */
  includeBias?: boolean;
}

/** Output columns beyond which `fit` refuses: the tables alone would take hundreds of megabytes. */
const MAX_POLYNOMIAL_FEATURES = 10_000_000;

/** C(n, k) exactly. */
function binomial(n: bigint, k: bigint): bigint {
  if (k < 0n || k > n) return 0n;
  const kk = k > n - k ? n - k : k;
  let result = 1n;
  // each partial product C(n − kk + i, i) is an integer, so the division is exact at every step
  for (let i = 1n; i <= kk; i++) result = (result * (n - kk + i)) / i;
  return result;
}

function checkDegree(degree: number, where: string): void {
  if (!Number.isInteger(degree) || degree < 0) {
    throw new ValueError(`${where}: degree must be a non-negative integer, got ${degree}`);
  }
}

/**
 * All monomials of the input columns up to `degree` (scikit-learn's PolynomialFeatures), in scikit-learn's
 * column order: the bias (if included), then degree 1, 2, … each in lexicographic order of the feature indices
 * (x0, x1, x0², x0x1, x1² for two features at degree 2).
 *
 * ```ts
 * const poly = new PolynomialFeatures({ degree: 2 });
 * poly.fitTransform(x);                  // [N, 5] for 2 features
 * poly.featureNamesOut(['a', 'b']);      // ['a', 'b', 'a^2', 'a b', 'b^2']
 * PolynomialFeatures.countOutputFeatures(784, 2); // 308504n
 * ```
 */
export class PolynomialFeatures implements Transformer {
  readonly degree: number;
  readonly interactionOnly: boolean;
  readonly includeBias: boolean;
  nFeaturesIn = 0;
  nOutputFeatures = 0;
  /** Column c (after the bias) is column prefix[c] times input feature last[c]; prefix −1 means x[last] alone. */
  private prefix: Int32Array | null = null;
  private last: Int32Array | null = null;

  constructor(options: PolynomialFeaturesOptions = {}) {
    const { degree = 2, interactionOnly = false, includeBias = false } = options;
    checkDegree(degree, 'PolynomialFeatures');
    if (degree === 0 && !includeBias) {
      throw new ValueError('PolynomialFeatures: degree 0 without includeBias gives no output columns');
    }
    this.degree = degree;
    this.interactionOnly = interactionOnly;
    this.includeBias = includeBias;
  }

  /**
   * How many columns `degree`-polynomial features of `nFeatures` inputs have, exactly (a bigint, since the
   * count outgrows 2^53 for image-sized inputs): Σ_{d=1..degree} C(n + d − 1, d), or C(n, d) with
   * `interactionOnly`, plus 1 for the bias.
   */
  static countOutputFeatures(
    nFeatures: number,
    degree: number,
    options: Omit<PolynomialFeaturesOptions, 'degree'> = {},
  ): bigint {
    if (!Number.isInteger(nFeatures) || nFeatures < 0) {
      throw new ValueError(
        `PolynomialFeatures.countOutputFeatures: nFeatures must be a non-negative integer, got ${nFeatures}`,
      );
    }
    checkDegree(degree, 'PolynomialFeatures.countOutputFeatures');
    const n = BigInt(nFeatures);
    let total = options.includeBias ? 1n : 0n;
    for (let d = 1n; d <= BigInt(degree); d++)
      total += options.interactionOnly ? binomial(n, d) : binomial(n + d - 1n, d);
    return total;
  }

  fit(x: Tensor): this {
    const where = 'PolynomialFeatures.fit';
    const [, f] = matrixShape(x, where);
    checkFinite(x, where);
    const count = PolynomialFeatures.countOutputFeatures(f, this.degree, this);
    if (count > BigInt(MAX_POLYNOMIAL_FEATURES)) {
      throw new ValueError(
        `${where}: ${f} features at degree ${this.degree} give ${count.toLocaleString('en-US')} output columns, ` +
          `more than the ${MAX_POLYNOMIAL_FEATURES.toLocaleString('en-US')} this class materialises`,
      );
    }
    const columns = Number(count) - (this.includeBias ? 1 : 0);
    const prefix = new Int32Array(columns);
    const last = new Int32Array(columns);
    let c = 0;
    for (let j = 0; j < f && this.degree >= 1; j++) {
      prefix[c] = -1;
      last[c++] = j;
    }
    // the columns of degree d extend those of degree d − 1, in order, by a feature ≥ (or >) their last one;
    // iterating prefixes in lexicographic order and extensions ascending keeps lexicographic order
    let start = 0;
    for (let d = 2; d <= this.degree; d++) {
      const end = c;
      for (let p = start; p < end; p++) {
        for (let j = this.interactionOnly ? last[p] + 1 : last[p]; j < f; j++) {
          prefix[c] = p;
          last[c++] = j;
        }
      }
      start = end;
    }
    this.nFeaturesIn = f;
    this.nOutputFeatures = Number(count);
    this.prefix = prefix;
    this.last = last;
    return this;
  }

  transform(x: Tensor): Tensor {
    if (!this.prefix || !this.last) throw notFitted('PolynomialFeatures', 'transform');
    const where = 'PolynomialFeatures.transform';
    const [n, f] = checkColumns(x, this.nFeaturesIn, where);
    checkFinite(x, where);
    const width = this.nOutputFeatures;
    const bias = this.includeBias ? 1 : 0;
    const out = new Float32Array(n * width);
    const { prefix, last } = this;
    const d = x.data;
    for (let i = 0; i < n; i++) {
      const row = i * width;
      if (bias) out[row] = 1;
      for (let c = 0; c < prefix.length; c++) {
        const v = d[i * f + last[c]];
        out[row + bias + c] = prefix[c] < 0 ? v : out[row + bias + prefix[c]] * v;
      }
    }
    return new Tensor(out, [n, width]);
  }

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  /** The feature indices multiplied in each output column (empty for the bias), in column order. */
  combinations(): number[][] {
    if (!this.prefix || !this.last) throw notFitted('PolynomialFeatures', 'combinations');
    const combos: number[][] = this.includeBias ? [[]] : [];
    const own: number[][] = [];
    for (let c = 0; c < this.prefix.length; c++) {
      own.push(this.prefix[c] < 0 ? [this.last[c]] : [...own[this.prefix[c]], this.last[c]]);
    }
    return combos.concat(own);
  }

  /** Output column names as scikit-learn's get_feature_names_out: `1`, `x0`, `x0^2`, `x0 x1`, … */
  featureNamesOut(inputNames?: readonly string[]): string[] {
    if (!this.prefix) throw notFitted('PolynomialFeatures', 'featureNamesOut');
    const names = inputNames ?? Array.from({ length: this.nFeaturesIn }, (_, j) => `x${j}`);
    if (names.length !== this.nFeaturesIn) {
      throw new ShapeError(
        `PolynomialFeatures.featureNamesOut: got ${names.length} input names for ${this.nFeaturesIn} features`,
      );
    }
    return this.combinations().map((combo) => {
      if (combo.length === 0) return '1';
      const parts: string[] = [];
      for (let k = 0; k < combo.length; ) {
        let power = 1;
        while (k + power < combo.length && combo[k + power] === combo[k]) power++;
        parts.push(power === 1 ? names[combo[k]] : `${names[combo[k]]}^${power}`);
        k += power;
      }
      return parts.join(' ');
    });
  }

  toJSON(): PolynomialFeaturesJSON {
    if (!this.prefix) throw notFitted('PolynomialFeatures', 'toJSON');
    return {
      type: 'PolynomialFeatures',
      degree: this.degree,
      interactionOnly: this.interactionOnly,
      includeBias: this.includeBias,
      nFeaturesIn: this.nFeaturesIn,
    };
  }

  static fromJSON(json: PolynomialFeaturesJSON): PolynomialFeatures {
    checkJSON(json, 'PolynomialFeatures');
    if (!Number.isInteger(json.nFeaturesIn) || json.nFeaturesIn < 0) {
      throw new ValueError(
        `PolynomialFeatures.fromJSON: nFeaturesIn must be a non-negative integer, got ${json.nFeaturesIn}`,
      );
    }
    const poly = new PolynomialFeatures(json);
    // the column tables depend only on the number of features, so fitting on an empty batch rebuilds them
    return poly.fit(new Tensor(new Float32Array(0), [0, json.nFeaturesIn]));
  }
}
