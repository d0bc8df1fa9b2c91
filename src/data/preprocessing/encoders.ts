/** Category encoders: OneHotEncoder for feature columns, LabelEncoder for a target. */
import { fmtShape, ShapeError, ValueError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import {
  categoricalColumns,
  checkCategory,
  fmtCategory,
  indexOfCategories,
  labelValues,
  sortedUnique,
} from './categories.js';
import { checkColumns, checkJSON, notFitted } from './checks.js';
import type {
  CategoricalInput,
  Category,
  LabelEncoderJSON,
  OneHotEncoderJSON,
  Transformer,
} from './types.js';

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
