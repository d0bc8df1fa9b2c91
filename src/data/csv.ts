import { parse as parseBrowser } from 'csv-parse/browser/esm/sync';
import { FormatError, ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { type Category, LabelEncoder, OneHotEncoder } from './preprocessing.js';

/** How a categorical column becomes numbers: one 0/1 column per category, or one column of codes 0…K−1. */
export type CategoricalEncoding = 'onehot' | 'label';

export interface CsvOptions {
  /** The first row names the columns (default true). Without a header, columns are named `x0`, `x1`, … */
  header?: boolean;
  /** The feature columns, by name or 0-based index, in the order wanted (default: every column but the target). */
  columns?: readonly (string | number)[];
  /**
   * The column whose values become `y`. Numbers give a float32 `y`; a column of words (or one listed in
   * `categorical`) is label-encoded into int32 class indices, with the classes in `targetNames`.
   */
  target?: string | number;
  /**
   * Columns that hold categories rather than quantities: a list (features one-hot encoded, the target
   * label-encoded), or a map from column to `'onehot'` or `'label'`. Categories that all look like numbers are
   * ordered as numbers, others as strings.
   */
  categorical?: readonly (string | number)[] | Readonly<Record<string, CategoricalEncoding>>;
  /** Field separator (default `,`). */
  delimiter?: string;
  /** Skip blank lines (default true); otherwise a blank line is a row with one empty field, and an error. */
  skipEmptyLines?: boolean;
  /**
   * Encoders fitted on another file (the `encoders` of a training set's result), by column name, so a test
   * file is encoded with the same categories and columns. Columns without one are fitted on this file.
   */
  encoders?: Readonly<Record<string, OneHotEncoder | LabelEncoder>>;
}

export interface ParseCsvOptions extends CsvOptions {
  /** What error messages call the text (default `"<string>"`). */
  source?: string;
}

/** A CSV table as tensors. */
export interface CsvData {
  /** float32 `[N, F]`: the numeric columns as they are, categorical ones encoded. */
  x: Tensor;
  /** The target column: float32 `[N]`, or int32 `[N]` class indices when label-encoded. */
  y?: Tensor;
  /** The name of each column of `x` (one-hot columns as `<column>_<category>`, like scikit-learn). */
  featureNames: string[];
  /** The classes of a label-encoded target, by index. */
  targetNames?: string[];
  /** Every column of the file, in file order. */
  columnNames: string[];
  /** The encoder of every categorical column and of a label-encoded target, by column name. */
  encoders: Record<string, OneHotEncoder | LabelEncoder>;
}

/** One row of fields and the editor line where it starts (1-based, the header counted). */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** A csv-parse `parse` function: the browser bundle here, Node's own build in the file loader. */
export type CsvParseFunction = (input: string, options: Record<string, unknown>) => unknown;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Spellings of "no value" in the wild (R, pandas, UCI's "?"), reported as missing rather than as words. */
const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?']);

function isMissing(s: string): boolean {
  return MISSING.has(s.toLowerCase());
}

/**
 * Splits CSV text into records with the line each starts on, using csv-parse (quoted fields, embedded
 * delimiters and newlines, a byte-order mark). Parse errors become {@link FormatError}s naming the source.
 */
export function csvRecords(
  text: string,
  options: Pick<CsvOptions, 'delimiter' | 'skipEmptyLines'>,
  where: string,
  parse: CsvParseFunction = parseBrowser as unknown as CsvParseFunction,
): CsvRecord[] {
  const { delimiter = ',', skipEmptyLines = true } = options;
  if (typeof delimiter !== 'string' || delimiter.length === 0) {
    throw new ValueError(`${where}: delimiter must be a non-empty string, got ${JSON.stringify(delimiter)}`);
  }
  let parsed: { record: string[]; info: { lines: number; empty_lines: number } }[];
  try {
    parsed = parse(text, {
      delimiter,
      skip_empty_lines: skipEmptyLines,
      relax_column_count: true, // ragged rows are reported below, with the column names
      // every line ending, mixed in one file too (csv-parse otherwise keeps the first line's for all of them)
      record_delimiter: ['\r\n', '\n', '\r'],
      bom: true,
      info: true,
    }) as typeof parsed;
  } catch (e) {
    throw new FormatError(`${where}: ${(e as Error).message}`);
  }
  const records: CsvRecord[] = [];
  let previousEnd = 0;
  let previousEmpty = 0;
  for (const { record, info } of parsed) {
    // csv-parse reports the line a record ends on; it starts after the previous one and any blank lines skipped
    const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
    records.push({ fields: record, line });
    previousEnd = info.lines;
    previousEmpty = info.empty_lines;
  }
  return records;
}

function fmtColumn(names: readonly string[], j: number): string {
  return `column ${JSON.stringify(names[j])} (${j + 1})`;
}

function resolveColumn(ref: string | number, names: readonly string[], where: string, role: string): number {
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref) || ref < 0 || ref >= names.length) {
      throw new ValueError(
        `${where}: ${role} index ${ref} is outside 0…${names.length - 1} (${names.length} columns)`,
      );
    }
    return ref;
  }
  if (typeof ref !== 'string')
    throw new ValueError(`${where}: ${role} must be a column name or index, got ${typeof ref}`);
  const hits = names.flatMap((n, j) => (n === ref ? [j] : []));
  if (hits.length === 0) {
    const shown = names.slice(0, 30).map((n) => JSON.stringify(n));
    throw new ValueError(
      `${where}: no column named ${JSON.stringify(ref)} (${role}); the columns are ${shown.join(', ')}` +
        `${names.length > 30 ? ', …' : ''}`,
    );
  }
  if (hits.length > 1) {
    throw new ValueError(
      `${where}: the ${role} name ${JSON.stringify(ref)} appears ${hits.length} times in the header ` +
        `(columns ${hits.map((j) => j + 1).join(', ')}); select it by index`,
    );
  }
  return hits[0];
}

/**
 * The column's cells as categories: numbers when every cell looks like one (so 2 sorts before 10) and no two
 * spellings share a value, strings otherwise.
 */
function categoryCells(
  records: readonly CsvRecord[],
  j: number,
  names: readonly string[],
  where: string,
): Category[] {
  const cells = records.map((r) => r.fields[j].trim());
  // only an empty cell is missing here: words like "NA" or "None" can be real categories (no alley, no pool)
  cells.forEach((s, i) => {
    if (s === '')
      throw new FormatError(`${where}: line ${records[i].line}, ${fmtColumn(names, j)}: empty cell`);
  });
  if (!cells.every((s) => NUMBER.test(s))) return cells;
  // codes such as "02134" and "2134" stay strings: as numbers they would merge into one category
  const spellings = new Map<number, string>();
  for (const s of cells) {
    const v = Number(s);
    if ((spellings.get(v) ?? s) !== s) return cells;
    spellings.set(v, s);
  }
  return cells.map(Number);
}

function numericCell(
  s: string,
  record: CsvRecord,
  names: readonly string[],
  j: number,
  where: string,
): number {
  const t = s.trim();
  if (NUMBER.test(t)) return Number(t);
  const at = `${where}: line ${record.line}, ${fmtColumn(names, j)}`;
  if (isMissing(t))
    throw new FormatError(`${at}: ${t === '' ? 'empty cell' : `missing value ${JSON.stringify(t)}`}`);
  throw new FormatError(
    `${at}: ${JSON.stringify(t)} is not a number; if the column holds categories, list it in categorical`,
  );
}

/** Checks that every cell is known to a reused encoder, so an unknown one is reported with its line. */
function checkKnown(
  cells: readonly Category[],
  known: readonly Category[],
  records: readonly CsvRecord[],
  names: readonly string[],
  j: number,
  where: string,
): void {
  const set = new Set(known);
  cells.forEach((c, i) => {
    if (!set.has(c)) {
      throw new FormatError(
        `${where}: line ${records[i].line}, ${fmtColumn(names, j)}: ${JSON.stringify(String(c))} is not one of ` +
          `the categories of the encoder passed in (${known.map((k) => JSON.stringify(String(k))).join(', ')})`,
      );
    }
  });
}

/**
 * Turns parsed CSV records into tensors: picks the columns, encodes the categorical ones, checks every cell.
 * Shared by {@link parseCsv} and the Node file loader `loadCsv`; `where` prefixes every message.
 */
export function csvTable(records: readonly CsvRecord[], options: CsvOptions, where: string): CsvData {
  const { header = true } = options;
  if (records.length === 0) throw new FormatError(`${where}: the file is empty`);
  const width = records[0].fields.length;
  const delimiter = options.delimiter ?? ',';
  if (width === 1 && records.length > 1) {
    // one column whose first line holds another usual separator: the file is separated by that one
    const other = [';', '\t', '|'].find((d) => d !== delimiter && records[0].fields[0].includes(d));
    if (other) {
      const shown = other === '\t' ? '\\t' : other;
      throw new FormatError(
        `${where}: line ${records[0].line} reads as one column ${JSON.stringify(records[0].fields[0])} split by ` +
          `${JSON.stringify(delimiter)}; the file looks separated by '${shown}': set the delimiter option to '${shown}' ` +
          `(loadCsv(path, { delimiter: '${shown}' }), or "delimiter": "${shown}" in a config's data)`,
      );
    }
  }
  const names = header
    ? records[0].fields.map((s) => s.trim())
    : Array.from({ length: width }, (_, j) => `x${j}`);
  const rows = header ? records.slice(1) : records;
  if (rows.length === 0)
    throw new FormatError(`${where}: no data rows after the header (line ${records[0].line})`);
  for (const r of rows) {
    if (r.fields.length !== width) {
      throw new FormatError(
        `${where}: line ${r.line} has ${r.fields.length} field${r.fields.length === 1 ? '' : 's'}, expected ${width} ` +
          `(${header ? 'as in the header' : 'as in the first line'})`,
      );
    }
  }

  const target = options.target === undefined ? -1 : resolveColumn(options.target, names, where, 'target');
  const features = options.columns
    ? options.columns.map((c) => resolveColumn(c, names, where, 'column'))
    : names.map((_, j) => j).filter((j) => j !== target);
  if (features.length === 0) throw new ValueError(`${where}: no feature columns selected`);
  features.forEach((j, k) => {
    if (j === target)
      throw new ValueError(`${where}: ${fmtColumn(names, j)} is both the target and a feature`);
    if (features.indexOf(j) !== k) throw new ValueError(`${where}: ${fmtColumn(names, j)} is selected twice`);
  });

  const encoding = new Map<number, CategoricalEncoding>();
  const spec = options.categorical ?? [];
  const listed = Array.isArray(spec);
  const entries: [string | number, CategoricalEncoding][] = listed
    ? (spec as readonly (string | number)[]).map((c) => [c, 'onehot'])
    : Object.entries(spec as Record<string, CategoricalEncoding>);
  for (const [ref, enc] of entries) {
    if (enc !== 'onehot' && enc !== 'label') {
      throw new ValueError(
        `${where}: categorical encoding of ${JSON.stringify(ref)} must be 'onehot' or 'label', got ${JSON.stringify(enc)}`,
      );
    }
    const j = resolveColumn(ref, names, where, 'categorical column');
    if (j !== target && !features.includes(j)) {
      throw new ValueError(
        `${where}: categorical ${fmtColumn(names, j)} is neither a selected feature nor the target`,
      );
    }
    // a listed target means "classes": targets are label-encoded, features one-hot
    encoding.set(j, listed && j === target ? 'label' : enc);
  }

  const given = options.encoders ?? {};
  const encoders: Record<string, OneHotEncoder | LabelEncoder> = {};
  const n = rows.length;
  // each selected column becomes a block of `width` output columns, `values` row-major [n, width]
  const blocks: { width: number; names: string[]; values: ArrayLike<number> }[] = [];
  for (const j of features) {
    const enc = encoding.get(j);
    if (enc === undefined) {
      const values = Float64Array.from(rows, (r) => numericCell(r.fields[j], r, names, j, where));
      blocks.push({ width: 1, names: [names[j]], values });
      continue;
    }
    const cells = categoryCells(rows, j, names, where);
    const reused = given[names[j]];
    if (enc === 'onehot') {
      if (reused !== undefined && !(reused instanceof OneHotEncoder)) {
        throw new ValueError(
          `${where}: the encoder passed for ${fmtColumn(names, j)} is not a OneHotEncoder`,
        );
      }
      const oneHot = reused ?? new OneHotEncoder().fit(cells.map((c) => [c]));
      if (reused && reused.handleUnknown === 'error') {
        checkKnown(cells, reused.categories?.[0] ?? [], rows, names, j, where);
      }
      const encoded = oneHot.transform(cells.map((c) => [c]));
      encoders[names[j]] = oneHot;
      blocks.push({
        width: encoded.shape[1],
        names: oneHot.featureNamesOut([names[j]]),
        values: encoded.data,
      });
    } else {
      if (reused !== undefined && !(reused instanceof LabelEncoder)) {
        throw new ValueError(`${where}: the encoder passed for ${fmtColumn(names, j)} is not a LabelEncoder`);
      }
      const label = reused ?? new LabelEncoder().fit(cells);
      if (reused) checkKnown(cells, reused.classes ?? [], rows, names, j, where);
      encoders[names[j]] = label;
      blocks.push({ width: 1, names: [names[j]], values: label.transform(cells).data });
    }
  }
  const total = blocks.reduce((s, b) => s + b.width, 0);
  const x = new Float32Array(n * total);
  let offset = 0;
  for (const { width, values } of blocks) {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < width; c++) x[i * total + offset + c] = values[i * width + c];
    }
    offset += width;
  }
  const result: CsvData = {
    x: new Tensor(x, [n, total]),
    featureNames: blocks.flatMap((b) => b.names),
    columnNames: names,
    encoders,
  };

  if (target >= 0) {
    const enc = encoding.get(target);
    if (enc === 'onehot') {
      throw new ValueError(
        `${where}: the target ${fmtColumn(names, target)} can only be label-encoded, not one-hot`,
      );
    }
    const trimmed = rows.map((r) => r.fields[target].trim());
    const words = trimmed.every((s) => s !== '' && !NUMBER.test(s));
    if (enc === 'label' || words) {
      const cells = categoryCells(rows, target, names, where);
      const reused = given[names[target]];
      if (reused !== undefined && !(reused instanceof LabelEncoder)) {
        throw new ValueError(
          `${where}: the encoder passed for the target ${fmtColumn(names, target)} is not a LabelEncoder`,
        );
      }
      const label = reused ?? new LabelEncoder().fit(cells);
      if (reused) checkKnown(cells, reused.classes ?? [], rows, names, target, where);
      result.y = label.transform(cells);
      result.targetNames = (label.classes ?? []).map(String);
      encoders[names[target]] = label;
    } else {
      result.y = new Tensor(
        Float32Array.from(rows, (r) => numericCell(r.fields[target], r, names, target, where)),
        [n],
      );
    }
  }
  return result;
}

/**
 * Parses CSV text into tensors (isomorphic; for files in Node use `loadCsv`). Every bad cell throws a
 * {@link FormatError} naming the source, the line (1-based, the header counted, as an editor shows it) and the
 * column: ragged rows, words in numeric columns, empty or NaN cells, missing columns, no data.
 *
 * ```ts
 * const { x, y, featureNames, targetNames } = parseCsv(text, { target: 'species' });
 * ```
 */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvData {
  if (typeof text !== 'string') throw new ValueError(`parseCsv: expected a string, got ${typeof text}`);
  const where = `parseCsv: ${options.source ?? '<string>'}`;
  return csvTable(csvRecords(text, options, where), options, where);
}

export interface TensorFromRowsOptions {
  /** `'float32'` (default) or `'int32'` (then every value must be a whole number). */
  dtype?: 'float32' | 'int32';
}

/**
 * A 2-D tensor `[rows, columns]` from an array of rows (arrays or typed arrays of numbers), with errors that
 * name the row and column of a ragged row or of a NaN, infinite or non-numeric value.
 *
 * ```ts
 * tensorFromRows([[1, 2], [3, 4]]); // float32 [2, 2]
 * ```
 */
export function tensorFromRows(
  rows: readonly (readonly number[] | ArrayLike<number>)[],
  options: TensorFromRowsOptions = {},
): Tensor {
  const where = 'tensorFromRows';
  const { dtype = 'float32' } = options;
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw new ValueError(`${where}: dtype must be 'float32' or 'int32', got ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(rows)) throw new ValueError(`${where}: expected an array of rows, got ${typeof rows}`);
  if (rows.length === 0) throw new ValueError(`${where}: no rows`);
  const isRow = (r: unknown): r is ArrayLike<number> =>
    Array.isArray(r) || (ArrayBuffer.isView(r) && !(r instanceof DataView));
  if (!isRow(rows[0])) throw new ValueError(`${where}: row 0 is not an array`);
  const width = rows[0].length;
  const out = dtype === 'int32' ? new Int32Array(rows.length * width) : new Float32Array(rows.length * width);
  rows.forEach((row, i) => {
    if (!isRow(row)) throw new ValueError(`${where}: row ${i} is not an array`);
    if (row.length !== width) {
      throw new ShapeError(`${where}: row ${i} has ${row.length} values, row 0 has ${width}`);
    }
    for (let j = 0; j < width; j++) {
      const v = row[j];
      if (typeof v !== 'number' && typeof v !== 'bigint') {
        throw new ValueError(`${where}: row ${i}, column ${j} is ${JSON.stringify(v)}, not a number`);
      }
      const num = Number(v);
      if (!Number.isFinite(num)) throw new ValueError(`${where}: row ${i}, column ${j} is ${num}`);
      if (dtype === 'int32' && !Number.isInteger(num)) {
        throw new ValueError(`${where}: row ${i}, column ${j} is ${num}, not a whole number (dtype int32)`);
      }
      out[i * width + j] = num;
    }
  });
  return new Tensor(out, [rows.length, width]);
}
