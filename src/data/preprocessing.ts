import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { indexSelect } from '../ops/indexing.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** A category of {@link OneHotEncoder} or {@link LabelEncoder}: a string or a number. */
export type Category = string | number;

/** Anything {@link preprocessorFromJSON} can rebuild: the `toJSON()` of a scaler or encoder. */
export type PreprocessorJSON =
  | StandardScalerJSON
  | MinMaxScalerJSON
  | OneHotEncoderJSON
  | LabelEncoderJSON
  | PolynomialFeaturesJSON;

/** What every fitted column transformer offers (scalers, {@link OneHotEncoder}, {@link PolynomialFeatures}). */
export interface Transformer {
  fit(x: Tensor): this;
  transform(x: Tensor): Tensor;
  fitTransform(x: Tensor): Tensor;
  toJSON(): PreprocessorJSON;
}

// ---------------------------------------------------------------------------------------------------------
// shared checks

/** Returns [rows, columns] of a 2-D tensor, or throws naming the caller. */
function matrixShape(x: Tensor, where: string): [number, number] {
  if (!(x instanceof Tensor)) throw new ValueError(`${where}: expected a Tensor, got ${describe(x)}`);
  if (x.ndim !== 2) {
    throw new ShapeError(
      `${where}: expected a 2-D tensor [samples, features], got shape ${fmtShape(x.shape)}`,
    );
  }
  if (x.dtype === 'bool') throw new ValueError(`${where}: expected numbers, got a bool tensor`);
  return [x.shape[0], x.shape[1]];
}

function checkColumns(x: Tensor, expected: number, where: string): [number, number] {
  const [n, f] = matrixShape(x, where);
  if (f !== expected) {
    throw new ShapeError(
      `${where}: fitted on ${expected} features, got ${f} (input shape ${fmtShape(x.shape)})`,
    );
  }
  return [n, f];
}

/** Throws on the first NaN or infinity, naming its row and column, so a bad value never becomes a NaN loss. */
function checkFinite(x: Tensor, where: string): void {
  const d = x.data;
  const f = x.shape[1];
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new ValueError(`${where}: row ${Math.floor(i / f)}, column ${i % f} is ${d[i]}`);
    }
  }
}

function checkNotEmpty(n: number, x: Tensor, where: string): void {
  if (n === 0) throw new ValueError(`${where}: cannot fit on 0 samples (shape ${fmtShape(x.shape)})`);
}

function notFitted(name: string, method: string): ValueError {
  return new ValueError(`${name}.${method}: not fitted yet; call fit(x) first`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? ((v as object).constructor?.name ?? 'an object') : typeof v;
}

function checkJSON(json: { type?: unknown } | null | undefined, type: string): void {
  if (!json || json.type !== type) {
    throw new ValueError(
      `${type}.fromJSON: expected an object with type "${type}", got ${JSON.stringify(json?.type)}`,
    );
  }
}

function numberArray(v: unknown, length: number, what: string): number[] {
  if (!Array.isArray(v) || v.length !== length || !v.every((e) => typeof e === 'number')) {
    throw new ValueError(`${what}: expected ${length} numbers`);
  }
  return v as number[];
}

// ---------------------------------------------------------------------------------------------------------
// StandardScaler

export interface StandardScalerOptions {
  /** Subtract the column means (default true). */
  withMean?: boolean;
  /** Divide by the column standard deviations (default true). */
  withStd?: boolean;
}

export interface StandardScalerJSON {
  type: 'StandardScaler';
  withMean: boolean;
  withStd: boolean;
  nSamplesSeen: number;
  mean: number[];
  var: number[];
  scale: number[];
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

export interface MinMaxScalerJSON {
  type: 'MinMaxScaler';
  featureRange: [number, number];
  clip: boolean;
  dataMin: number[];
  dataMax: number[];
  scale: number[];
  min: number[];
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

// ---------------------------------------------------------------------------------------------------------
// categories

/** Rows of categories: a 2-D tensor or an array of rows of strings/numbers. */
export type CategoricalInput = Tensor | readonly (readonly Category[])[];

function fmtCategory(c: unknown): string {
  return typeof c === 'string' ? JSON.stringify(c) : String(c);
}

function checkCategory(v: unknown, where: string): Category {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new ValueError(
    `${where} is ${typeof v === 'number' ? v : describe(v)}; expected a string or a finite number`,
  );
}

/** Sorted distinct values, as numpy's unique: numbers ascending, strings in code-unit order; never mixed. */
function sortedUnique(values: Category[], where: string): Category[] {
  const kinds = new Set(values.map((v) => typeof v));
  if (kinds.size > 1) {
    const firstString = values.find((v) => typeof v === 'string');
    const firstNumber = values.find((v) => typeof v === 'number');
    throw new ValueError(
      `${where}: mixes strings and numbers (e.g. ${fmtCategory(firstString)} and ${firstNumber}); ` +
        'convert them to one kind first',
    );
  }
  const unique = [...new Set(values)];
  return kinds.has('number')
    ? (unique as number[]).sort((a, b) => a - b)
    : (unique as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Categorical rows as columns of values, checked (no NaN, no ragged rows). */
function categoricalColumns(x: CategoricalInput, where: string): { n: number; columns: Category[][] } {
  if (x instanceof Tensor) {
    const [n, f] = matrixShape(x, where);
    const columns: Category[][] = Array.from({ length: f }, () => new Array<Category>(n));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < f; j++)
        columns[j][i] = checkCategory(x.data[i * f + j], `${where}: row ${i}, column ${j}`);
    }
    return { n, columns };
  }
  if (!Array.isArray(x))
    throw new ValueError(`${where}: expected a Tensor or an array of rows, got ${describe(x)}`);
  const n = x.length;
  const f = n > 0 && Array.isArray(x[0]) ? x[0].length : 0;
  const columns: Category[][] = Array.from({ length: f }, () => new Array<Category>(n));
  x.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== f) {
      throw new ShapeError(
        `${where}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, row 0 has ${f}`,
      );
    }
    row.forEach((v, j) => {
      columns[j][i] = checkCategory(v, `${where}: row ${i}, column ${j}`);
    });
  });
  return { n, columns };
}

function indexOfCategories(categories: readonly Category[]): Map<Category, number> {
  return new Map(categories.map((c, k) => [c, k]));
}

// ---------------------------------------------------------------------------------------------------------
// OneHotEncoder

export interface OneHotEncoderOptions {
  /**
   * The categories of each column, in the order their output columns should take; default `'auto'`: the
   * sorted distinct values seen by `fit`.
   */
  categories?: 'auto' | readonly (readonly Category[])[];
  /** A category not seen in fit: `'error'` (default) throws, `'ignore'` encodes it as all zeros. */
  handleUnknown?: 'error' | 'ignore';
}

export interface OneHotEncoderJSON {
  type: 'OneHotEncoder';
  handleUnknown: 'error' | 'ignore';
  categories: Category[][];
}

/**
 * Replaces each categorical column by one 0/1 column per category (scikit-learn's OneHotEncoder, dense
 * output). Categories are the sorted distinct values of each column at fit time; input is a 2-D tensor of
 * codes or an array of rows of strings/numbers.
 *
 * ```ts
 * const enc = new OneHotEncoder().fit([['red', 'S'], ['blue', 'M']]);
 * enc.transform([['blue', 'S']]); // [[1, 0, 0, 1]] (blue, red | M, S)
 * enc.featureNamesOut(['color', 'size']); // ['color_blue', 'color_red', 'size_M', 'size_S']
 * ```
 */
export class OneHotEncoder implements Transformer {
  readonly handleUnknown: 'error' | 'ignore';
  private readonly given: readonly (readonly Category[])[] | null;
  /** The categories of each input column, in output order (after fit). */
  categories: Category[][] | null = null;
  private lookup: Map<Category, number>[] = [];

  constructor(options: OneHotEncoderOptions = {}) {
    const { categories = 'auto', handleUnknown = 'error' } = options;
    if (handleUnknown !== 'error' && handleUnknown !== 'ignore') {
      throw new ValueError(
        `OneHotEncoder: handleUnknown must be 'error' or 'ignore', got ${JSON.stringify(handleUnknown)}`,
      );
    }
    this.handleUnknown = handleUnknown;
    this.given = categories === 'auto' ? null : categories;
  }

  get nFeaturesIn(): number {
    return this.categories?.length ?? 0;
  }

  /** Number of output columns: the total count of categories. */
  get nFeaturesOut(): number {
    return (this.categories ?? []).reduce((s, c) => s + c.length, 0);
  }

  fit(x: CategoricalInput): this {
    const where = 'OneHotEncoder.fit';
    const { n, columns } = categoricalColumns(x, where);
    if (n === 0) throw new ValueError(`${where}: cannot fit on 0 samples`);
    if (this.given) {
      if (this.given.length !== columns.length) {
        throw new ShapeError(
          `${where}: categories were given for ${this.given.length} columns, the input has ${columns.length}`,
        );
      }
      // given categories keep their order (as scikit-learn keeps it), so sizes can read s, m, l
      const categories = this.given.map((c, j) => {
        const what = `${where}: categories of column ${j}`;
        const list = c.map((v, k) => checkCategory(v, `${what}, entry ${k}`));
        if (sortedUnique(list, what).length !== list.length) throw new ValueError(`${what} repeat a value`);
        return list;
      });
      if (this.handleUnknown === 'error') {
        columns.forEach((col, j) => {
          const known = new Set(categories[j]);
          col.forEach((v, i) => {
            if (!known.has(v)) {
              throw new ValueError(
                `${where}: row ${i}, column ${j} holds ${fmtCategory(v)}, not among the given categories`,
              );
            }
          });
        });
      }
      this.setCategories(categories);
    } else {
      this.setCategories(columns.map((col, j) => sortedUnique(col, `${where}: column ${j}`)));
    }
    return this;
  }

  private setCategories(categories: Category[][]): void {
    this.categories = categories;
    this.lookup = categories.map(indexOfCategories);
  }

  /** float32 `[N, nFeaturesOut]`: the one-hot blocks of each column, side by side. */
  transform(x: CategoricalInput): Tensor {
    if (!this.categories) throw notFitted('OneHotEncoder', 'transform');
    const where = 'OneHotEncoder.transform';
    const { n, columns } = categoricalColumns(x, where);
    if (columns.length !== this.categories.length && n > 0) {
      throw new ShapeError(`${where}: fitted on ${this.categories.length} columns, got ${columns.length}`);
    }
    const width = this.nFeaturesOut;
    const out = new Float32Array(n * width);
    let offset = 0;
    this.categories.forEach((cats, j) => {
      const lookup = this.lookup[j];
      for (let i = 0; i < n; i++) {
        const k = lookup.get(columns[j][i]);
        if (k === undefined) {
          if (this.handleUnknown === 'ignore') continue;
          throw new ValueError(
            `${where}: row ${i}, column ${j} holds ${fmtCategory(columns[j][i])}, a category not seen in fit ` +
              `(known: ${cats.map(fmtCategory).join(', ')}); pass handleUnknown: 'ignore' to encode it as zeros`,
          );
        }
        out[i * width + offset + k] = 1;
      }
      offset += cats.length;
    });
    return new Tensor(out, [n, width]);
  }

  fitTransform(x: CategoricalInput): Tensor {
    return this.fit(x).transform(x);
  }

  /**
   * The categories back from one-hot rows (the largest entry of each block wins); a block of zeros, which
   * `handleUnknown: 'ignore'` makes for unknown categories, gives null.
   */
  inverseTransform(x: Tensor): (Category | null)[][] {
    if (!this.categories) throw notFitted('OneHotEncoder', 'inverseTransform');
    const where = 'OneHotEncoder.inverseTransform';
    const [n] = checkColumns(x, this.nFeaturesOut, where);
    const width = this.nFeaturesOut;
    const rows: (Category | null)[][] = [];
    for (let i = 0; i < n; i++) {
      const row: (Category | null)[] = [];
      let offset = 0;
      for (const cats of this.categories) {
        let best = -1;
        let bestValue = 0;
        for (let k = 0; k < cats.length; k++) {
          const v = x.data[i * width + offset + k];
          if (v > bestValue) {
            bestValue = v;
            best = k;
          }
        }
        row.push(best < 0 ? null : cats[best]);
        offset += cats.length;
      }
      rows.push(row);
    }
    return rows;
  }

  /** Output column names as scikit-learn's get_feature_names_out: `<input name>_<category>`. */
  featureNamesOut(inputNames?: readonly string[]): string[] {
    if (!this.categories) throw notFitted('OneHotEncoder', 'featureNamesOut');
    const names = inputNames ?? this.categories.map((_, j) => `x${j}`);
    if (names.length !== this.categories.length) {
      throw new ShapeError(
        `OneHotEncoder.featureNamesOut: got ${names.length} input names for ${this.categories.length} columns`,
      );
    }
    return this.categories.flatMap((cats, j) => cats.map((c) => `${names[j]}_${c}`));
  }

  toJSON(): OneHotEncoderJSON {
    if (!this.categories) throw notFitted('OneHotEncoder', 'toJSON');
    return {
      type: 'OneHotEncoder',
      handleUnknown: this.handleUnknown,
      categories: this.categories.map((c) => [...c]),
    };
  }

  static fromJSON(json: OneHotEncoderJSON): OneHotEncoder {
    checkJSON(json, 'OneHotEncoder');
    if (!Array.isArray(json.categories) || !json.categories.every(Array.isArray)) {
      throw new ValueError('OneHotEncoder.fromJSON: categories must be an array of arrays');
    }
    const enc = new OneHotEncoder({ handleUnknown: json.handleUnknown });
    enc.setCategories(
      json.categories.map((c, j) => c.map((v) => checkCategory(v, `OneHotEncoder.fromJSON: column ${j}`))),
    );
    return enc;
  }
}

// ---------------------------------------------------------------------------------------------------------
// LabelEncoder

export interface LabelEncoderJSON {
  type: 'LabelEncoder';
  classes: Category[];
}

function labelValues(y: Tensor | readonly Category[], where: string): Category[] {
  if (y instanceof Tensor) {
    if (y.ndim !== 1)
      throw new ShapeError(`${where}: expected a 1-D tensor of labels, got shape ${fmtShape(y.shape)}`);
    return Array.from(y.data, (v, i) => checkCategory(v, `${where}: label ${i}`));
  }
  if (!Array.isArray(y))
    throw new ValueError(`${where}: expected a Tensor or an array of labels, got ${describe(y)}`);
  return y.map((v, i) => checkCategory(v, `${where}: label ${i}`));
}

/**
 * Maps labels (strings or numbers) to the class indices 0…K−1 that cross-entropy expects, in sorted order of
 * the labels (scikit-learn's LabelEncoder), and back.
 *
 * ```ts
 * const enc = new LabelEncoder().fit(['cat', 'dog', 'cat']);
 * enc.transform(['dog', 'cat']); // int32 [1, 0]
 * enc.inverseTransform([1]);     // ['dog']
 * ```
 */
export class LabelEncoder {
  /** The distinct labels, sorted; a label's index here is its code (after fit). */
  classes: Category[] | null = null;
  private lookup = new Map<Category, number>();

  get nClasses(): number {
    return this.classes?.length ?? 0;
  }

  fit(y: Tensor | readonly Category[]): this {
    const values = labelValues(y, 'LabelEncoder.fit');
    if (values.length === 0) throw new ValueError('LabelEncoder.fit: cannot fit on 0 labels');
    this.setClasses(sortedUnique(values, 'LabelEncoder.fit: labels'));
    return this;
  }

  private setClasses(classes: Category[]): void {
    this.classes = classes;
    this.lookup = indexOfCategories(classes);
  }

  /** int32 `[N]` codes. */
  transform(y: Tensor | readonly Category[]): Tensor {
    if (!this.classes) throw notFitted('LabelEncoder', 'transform');
    const values = labelValues(y, 'LabelEncoder.transform');
    const out = new Int32Array(values.length);
    values.forEach((v, i) => {
      const k = this.lookup.get(v);
      if (k === undefined) {
        throw new ValueError(
          `LabelEncoder.transform: label ${i} is ${fmtCategory(v)}, not seen in fit ` +
            `(known: ${this.classes!.slice(0, 20).map(fmtCategory).join(', ')}${this.classes!.length > 20 ? ', …' : ''})`,
        );
      }
      out[i] = k;
    });
    return new Tensor(out, [values.length]);
  }

  fitTransform(y: Tensor | readonly Category[]): Tensor {
    return this.fit(y).transform(y);
  }

  /** The labels of integer codes. */
  inverseTransform(codes: Tensor | ArrayLike<number>): Category[] {
    if (!this.classes) throw notFitted('LabelEncoder', 'inverseTransform');
    if (codes instanceof Tensor && codes.ndim !== 1) {
      throw new ShapeError(
        `LabelEncoder.inverseTransform: expected a 1-D tensor, got shape ${fmtShape(codes.shape)}`,
      );
    }
    const values = codes instanceof Tensor ? codes.data : codes;
    return Array.from(values, (k, i) => {
      if (!Number.isInteger(k) || k < 0 || k >= this.classes!.length) {
        throw new ValueError(
          `LabelEncoder.inverseTransform: code ${i} is ${k}, outside 0…${this.classes!.length - 1}`,
        );
      }
      return this.classes![k];
    });
  }

  toJSON(): LabelEncoderJSON {
    if (!this.classes) throw notFitted('LabelEncoder', 'toJSON');
    return { type: 'LabelEncoder', classes: [...this.classes] };
  }

  static fromJSON(json: LabelEncoderJSON): LabelEncoder {
    checkJSON(json, 'LabelEncoder');
    if (!Array.isArray(json.classes)) throw new ValueError('LabelEncoder.fromJSON: classes must be an array');
    const enc = new LabelEncoder();
    enc.setClasses(json.classes.map((c, i) => checkCategory(c, `LabelEncoder.fromJSON: class ${i}`)));
    return enc;
  }
}

// ---------------------------------------------------------------------------------------------------------
// PolynomialFeatures

export interface PolynomialFeaturesOptions {
  /** Highest total degree of the products (default 2). */
  degree?: number;
  /** Only products of distinct features: x0·x1 but not x0² (default false). */
  interactionOnly?: boolean;
  /** Prepend a column of ones (default false here; scikit-learn's default is true). */
  includeBias?: boolean;
}

export interface PolynomialFeaturesJSON {
  type: 'PolynomialFeatures';
  degree: number;
  interactionOnly: boolean;
  includeBias: boolean;
  nFeaturesIn: number;
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

/** Rebuilds any scaler or encoder from its `toJSON()`, by its `type` (for checkpoints). */
export function preprocessorFromJSON(
  json: PreprocessorJSON,
): StandardScaler | MinMaxScaler | OneHotEncoder | LabelEncoder | PolynomialFeatures {
  switch (json?.type) {
    case 'StandardScaler':
      return StandardScaler.fromJSON(json);
    case 'MinMaxScaler':
      return MinMaxScaler.fromJSON(json);
    case 'OneHotEncoder':
      return OneHotEncoder.fromJSON(json);
    case 'LabelEncoder':
      return LabelEncoder.fromJSON(json);
    case 'PolynomialFeatures':
      return PolynomialFeatures.fromJSON(json);
    default:
      throw new ValueError(
        `preprocessorFromJSON: unknown type ${JSON.stringify((json as { type?: unknown })?.type)}; expected ` +
          'StandardScaler, MinMaxScaler, OneHotEncoder, LabelEncoder or PolynomialFeatures',
      );
  }
}

// ---------------------------------------------------------------------------------------------------------
// trainTestSplit

export interface TrainTestSplitOptions {
  /**
   * The test part: a fraction in (0, 1) (rounded up, as scikit-learn does) or a whole number of samples.
   * Default 0.25, or whatever `trainSize` leaves.
   */
  testSize?: number;
  /** The training part: a fraction in (0, 1) (rounded down) or a whole number; default: the rest. */
  trainSize?: number;
  /** Shuffle before splitting (default true); without it the test part is the last rows. */
  shuffle?: boolean;
  /** Seed of a fresh generator for the shuffle. */
  seed?: number;
  /** The generator to draw from (default: a fresh one from `seed`, else the global one `manualSeed` seeds). */
  generator?: Generator;
  /**
   * Class labels to keep in the same proportions in both parts: a 1-D tensor or array, or `true` for `y`.
   */
  stratify?: Tensor | readonly Category[] | boolean;
}

export interface TrainTestSplit {
  xTrain: Tensor;
  xTest: Tensor;
  /** Rows of the input in the training part, in their new order. */
  trainIndices: Int32Array;
  /** Rows of the input in the test part, in their new order. */
  testIndices: Int32Array;
}

export interface TrainTestSplitXY extends TrainTestSplit {
  yTrain: Tensor;
  yTest: Tensor;
}

function splitSizes(n: number, options: TrainTestSplitOptions): [number, number] {
  const where = 'trainTestSplit';
  const resolve = (v: number, name: string, round: (x: number) => number): number => {
    if (typeof v !== 'number' || !(v > 0))
      throw new ValueError(`${where}: ${name} must be positive, got ${v}`);
    if (v < 1) return round(v * n);
    if (!Number.isInteger(v)) {
      throw new ValueError(
        `${where}: ${name} must be a fraction in (0, 1) or a whole number of samples, got ${v}`,
      );
    }
    if (v >= n)
      throw new ValueError(`${where}: ${name} = ${v} leaves nothing of ${n} samples for the other part`);
    return v;
  };
  const { testSize, trainSize } = options;
  let nTest: number;
  let nTrain: number;
  if (testSize === undefined && trainSize === undefined) {
    nTest = Math.ceil(0.25 * n);
    nTrain = n - nTest;
  } else {
    nTest = testSize === undefined ? -1 : resolve(testSize, 'testSize', Math.ceil);
    nTrain = trainSize === undefined ? n - nTest : resolve(trainSize, 'trainSize', Math.floor);
    if (nTest < 0) nTest = n - nTrain;
  }
  if (nTrain + nTest > n) {
    throw new ValueError(
      `${where}: ${nTrain} training + ${nTest} test samples exceed the ${n} samples given`,
    );
  }
  if (nTrain <= 0 || nTest <= 0) {
    throw new ValueError(
      `${where}: ${n} samples split into ${nTrain} for training and ${nTest} for testing; both need at least one`,
    );
  }
  return [nTrain, nTest];
}

function shuffleInPlace(a: Int32Array | number[], g: Generator): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** Shares of `total` proportional to `weights`, rounded by largest remainder so they add up exactly. */
function apportion(weights: number[], total: number): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (w * total) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((s, v) => s + v, 0);
  const order = exact.map((e, k) => [e - Math.floor(e), k]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let i = 0; left > 0; i++, left--) shares[order[i % order.length][1]]++;
  return shares;
}

/**
 * Splits samples (rows of `x`, and of `y` when given) into a training and a test part, like scikit-learn's
 * train_test_split: shuffled by a seeded generator, with the test size rounded up, optionally stratified so
 * each class keeps its share in both parts.
 *
 * ```ts
 * const { xTrain, xTest, yTrain, yTest } = trainTestSplit(x, y, { testSize: 0.2, seed: 0, stratify: true });
 * ```
 */
export function trainTestSplit(x: Tensor, options?: TrainTestSplitOptions): TrainTestSplit;
export function trainTestSplit(x: Tensor, y: Tensor, options?: TrainTestSplitOptions): TrainTestSplitXY;
export function trainTestSplit(
  x: Tensor,
  yOrOptions?: Tensor | TrainTestSplitOptions,
  maybeOptions?: TrainTestSplitOptions,
): TrainTestSplit | TrainTestSplitXY {
  const where = 'trainTestSplit';
  const y = yOrOptions instanceof Tensor ? yOrOptions : undefined;
  const options = (yOrOptions instanceof Tensor ? maybeOptions : yOrOptions) ?? {};
  if (!(x instanceof Tensor)) throw new ValueError(`${where}: x must be a Tensor, got ${describe(x)}`);
  if (x.ndim === 0) throw new ShapeError(`${where}: x is a scalar; samples are its rows`);
  const n = x.shape[0];
  if (y && (y.ndim === 0 || y.shape[0] !== n)) {
    throw new ShapeError(
      `${where}: x has ${n} samples (shape ${fmtShape(x.shape)}) but y has shape ${fmtShape(y.shape)}`,
    );
  }
  const [nTrain, nTest] = splitSizes(n, options);
  const { shuffle = true, stratify } = options;
  const g =
    options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator);

  let trainIndices: Int32Array;
  let testIndices: Int32Array;
  if (stratify !== undefined && stratify !== false) {
    if (!shuffle) throw new ValueError(`${where}: stratify needs shuffle (scikit-learn refuses it too)`);
    let labels: Tensor | readonly Category[];
    if (stratify === true) {
      if (!y) throw new ValueError(`${where}: stratify: true needs y`);
      labels = y;
    } else {
      labels = stratify;
    }
    const values = labelValues(labels, `${where}: stratify`);
    if (values.length !== n) {
      throw new ShapeError(`${where}: stratify has ${values.length} labels for ${n} samples`);
    }
    const byClass = new Map<Category, number[]>();
    values.forEach((v, i) => {
      const list = byClass.get(v);
      if (list) list.push(i);
      else byClass.set(v, [i]);
    });
    const classes = sortedUnique([...byClass.keys()], `${where}: stratify labels`);
    const members = classes.map((c) => byClass.get(c)!);
    const smallest = members.reduce((k, m, i) => (m.length < members[k].length ? i : k), 0);
    if (members[smallest].length < 2) {
      throw new ValueError(
        `${where}: class ${fmtCategory(classes[smallest])} has only 1 sample; stratifying needs at least 2 per class`,
      );
    }
    if (nTest < classes.length || nTrain < classes.length) {
      throw new ValueError(
        `${where}: ${nTrain} training and ${nTest} test samples cannot both hold all ${classes.length} classes`,
      );
    }
    const testShares = apportion(
      members.map((m) => m.length),
      nTest,
    );
    // the training part shares out what the test part left (all of it unless trainSize asks for less)
    const trainShares = apportion(
      members.map((m, k) => m.length - testShares[k]),
      nTrain,
    );
    const train: number[] = [];
    const test: number[] = [];
    members.forEach((m, k) => {
      shuffleInPlace(m, g);
      test.push(...m.slice(0, testShares[k]));
      train.push(...m.slice(testShares[k], testShares[k] + trainShares[k]));
    });
    trainIndices = Int32Array.from(train);
    testIndices = Int32Array.from(test);
    shuffleInPlace(trainIndices, g);
    shuffleInPlace(testIndices, g);
  } else {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    if (shuffle) shuffleInPlace(order, g);
    // scikit-learn's ShuffleSplit takes the test part first; without shuffling, the test part is the tail
    if (shuffle) {
      testIndices = order.slice(0, nTest);
      trainIndices = order.slice(nTest, nTest + nTrain);
    } else {
      trainIndices = order.slice(0, nTrain);
      testIndices = order.slice(n - nTest);
    }
  }
  const take = (t: Tensor, idx: Int32Array) => indexSelect(t, 0, new Tensor(idx, [idx.length]));
  const result: TrainTestSplit = {
    xTrain: take(x, trainIndices),
    xTest: take(x, testIndices),
    trainIndices,
    testIndices,
  };
  if (!y) return result;
  return { ...result, yTrain: take(y, trainIndices), yTest: take(y, testIndices) };
}
