import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { FormatError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/** A built-in table: features, targets and their names (scikit-learn's Bunch, as tensors). */
export interface TabularDataset {
  /** float32 `[N, F]` (digits can also come as images `[N, 1, 8, 8]`). */
  x: Tensor;
  /** int32 `[N]` class indices, or float32 `[N]` targets for regression (diabetes). */
  y: Tensor;
  /** The name of each column of `x`, as scikit-learn gives them. */
  featureNames: string[];
  /** The name of each class, by index (classification only). */
  targetNames?: string[];
}

export interface TabularOptions {
  /** The folder holding the dataset (default: the copy shipped in neurite's `data/<name>`). */
  dataDir?: string;
}

export interface DiabetesOptions extends TabularOptions {
  /**
   * Scale the features as scikit-learn's `load_diabetes(scaled=True)` does (default true): centred, then
   * divided by the population standard deviation times √N, so each column's sum of squares is 1. False gives
   * the raw measurements (age in years, sex 1/2, BMI, …).
   */
  scaled?: boolean;
}

export interface DigitsOptions extends TabularOptions {
  /** `x` as images `[N, 1, 8, 8]` for convolutional models, instead of `[N, 64]` (default false). */
  asImages?: boolean;
}

interface Meta {
  name: string;
  samples: number;
  features: number;
  files: { data: string; target?: string };
  featureNames: string[];
  targetNames?: string[];
}

/**
 * The folder of a dataset shipped with neurite (`data/<name>` at the package root). This file sits two levels
 * below the root both as `src/data/tabular.ts` and as `dist/data/tabular.js`, so one relative path serves both.
 */
export function builtinDataDir(name: string): string {
  return fileURLToPath(new URL(`../../data/${name}/`, import.meta.url));
}

function readText(file: string, where: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new FormatError(`${where}: cannot read ${file}: ${(e as Error).message}`);
  }
  if (file.endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new FormatError(`${where}: ${file} is not valid gzip data: ${(e as Error).message}`);
    }
  }
  return bytes.toString('utf8');
}

function readMeta(dir: string, where: string): Meta {
  const file = join(dir, 'meta.json');
  let meta: Meta;
  try {
    meta = JSON.parse(readText(file, where)) as Meta;
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${where}: ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (
    !Number.isInteger(meta.samples) ||
    !Number.isInteger(meta.features) ||
    !Array.isArray(meta.featureNames) ||
    meta.featureNames.length !== meta.features ||
    typeof meta.files?.data !== 'string'
  ) {
    throw new FormatError(`${where}: ${file} lacks samples, features, featureNames or files.data`);
  }
  return meta;
}

/**
 * Rows of numbers from a small, regular, machine-written file (the built-in datasets only; user files go
 * through {@link loadCsv}). `skip` header lines are dropped; every row must have `width` fields.
 */
function numericRows(
  text: string,
  file: string,
  split: RegExp,
  width: number,
  skip: number,
  where: string,
): number[][] {
  const lines = text.split('\n');
  const rows: number[][] = [];
  for (let i = skip; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const fields = line.split(split);
    if (fields.length !== width) {
      throw new FormatError(
        `${where}: ${file}, line ${i + 1} has ${fields.length} fields, expected ${width}`,
      );
    }
    rows.push(
      fields.map((s, j) => {
        const v = Number(s);
        if (s === '' || !Number.isFinite(v)) {
          throw new FormatError(
            `${where}: ${file}, line ${i + 1}, field ${j + 1} is ${JSON.stringify(s)}, not a number`,
          );
        }
        return v;
      }),
    );
  }
  return rows;
}

function checkCount(rows: number[][], meta: Meta, file: string, where: string): void {
  if (rows.length !== meta.samples) {
    throw new FormatError(`${where}: ${file} holds ${rows.length} rows, expected ${meta.samples}`);
  }
}

/** Features and integer labels from rows whose last field is the class index. */
function classification(rows: number[][], meta: Meta, file: string, where: string): TabularDataset {
  checkCount(rows, meta, file, where);
  const n = rows.length;
  const f = meta.features;
  const classes = meta.targetNames?.length ?? 0;
  const x = new Float32Array(n * f);
  const y = new Int32Array(n);
  rows.forEach((row, i) => {
    for (let j = 0; j < f; j++) x[i * f + j] = row[j];
    const label = row[f];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new FormatError(`${where}: ${file}, sample ${i} has label ${label}, outside 0…${classes - 1}`);
    }
    y[i] = label;
  });
  return {
    x: new Tensor(x, [n, f]),
    y: new Tensor(y, [n]),
    featureNames: [...meta.featureNames],
    targetNames: [...(meta.targetNames ?? [])],
  };
}

/** iris, wine, breast cancer: scikit-learn's layout, a header `samples,features,target names…` then rows. */
function loadHeaded(name: string, where: string, options: TabularOptions): TabularDataset {
  const dir = options.dataDir ?? builtinDataDir(name);
  const meta = readMeta(dir, where);
  const file = join(dir, meta.files.data);
  const text = readText(file, where);
  const header = text.slice(0, text.indexOf('\n')).trim().split(',');
  if (Number(header[0]) !== meta.samples || Number(header[1]) !== meta.features) {
    throw new FormatError(
      `${where}: ${file} starts with "${header.slice(0, 2).join(',')}", expected "${meta.samples},${meta.features}"`,
    );
  }
  return classification(numericRows(text, file, /,/, meta.features + 1, 1, where), meta, file, where);
}

/**
 * The iris flowers (Fisher, 1936): 150 samples, 4 measurements in cm (sepal length and width, petal length
 * and width), 3 classes of 50 (setosa, versicolor, virginica). Node only.
 *
 * ```ts
 * const { x, y, featureNames, targetNames } = loadIris(); // x [150, 4], y int32 [150]
 * ```
 */
export function loadIris(options: TabularOptions = {}): TabularDataset {
  return loadHeaded('iris', 'loadIris', options);
}

/**
 * Wine recognition (UCI): 178 wines from three cultivars of one Italian region, 13 chemical measurements,
 * classes of 59, 71 and 48. Node only.
 */
export function loadWine(options: TabularOptions = {}): TabularDataset {
  return loadHeaded('wine', 'loadWine', options);
}

/**
 * Breast Cancer Wisconsin (Diagnostic) (UCI): 569 tumours, 30 features of cell nuclei from a digitised fine
 * needle aspirate (mean, standard error and worst of 10 measurements), classes malignant (212, label 0) and
 * benign (357, label 1). Node only.
 */
export function loadBreastCancer(options: TabularOptions = {}): TabularDataset {
  return loadHeaded('breast-cancer', 'loadBreastCancer', options);
}

/**
 * The diabetes data of Efron et al. (2004): 442 patients, 10 baseline variables (age, sex, BMI, blood
 * pressure, six blood serum measurements) and a regression target, disease progression one year later
 * (25…346). Scaled by default, as scikit-learn's `load_diabetes()`. Node only.
 *
 * ```ts
 * const { x, y } = loadDiabetes(); // x [442, 10], y float32 [442]
 * ```
 */
export function loadDiabetes(options: DiabetesOptions = {}): TabularDataset {
  const where = 'loadDiabetes';
  const { scaled = true } = options;
  if (typeof scaled !== 'boolean')
    throw new ValueError(`${where}: scaled must be true or false, got ${scaled}`);
  const dir = options.dataDir ?? builtinDataDir('diabetes');
  const meta = readMeta(dir, where);
  if (!meta.files.target) throw new FormatError(`${where}: ${join(dir, 'meta.json')} names no target file`);
  const dataFile = join(dir, meta.files.data);
  const targetFile = join(dir, meta.files.target);
  const rows = numericRows(readText(dataFile, where), dataFile, /\s+/, meta.features, 0, where);
  const targets = numericRows(readText(targetFile, where), targetFile, /\s+/, 1, 0, where);
  checkCount(rows, meta, dataFile, where);
  checkCount(targets, meta, targetFile, where);
  const n = rows.length;
  const f = meta.features;
  const x = new Float32Array(n * f);
  for (let j = 0; j < f; j++) {
    let mean = 0;
    let sumSq = 0;
    if (scaled) {
      for (const row of rows) mean += row[j];
      mean /= n;
      for (const row of rows) sumSq += (row[j] - mean) ** 2;
    }
    // sklearn.preprocessing.scale (population std) followed by ÷ √N, in float64 like scikit-learn
    const divisor = scaled ? Math.sqrt(sumSq / n) * Math.sqrt(n) : 1;
    for (let i = 0; i < n; i++) x[i * f + j] = (rows[i][j] - mean) / divisor;
  }
  return {
    x: new Tensor(x, [n, f]),
    y: new Tensor(
      Float32Array.from(targets, (t) => t[0]),
      [n],
    ),
    featureNames: [...meta.featureNames],
  };
}

/**
 * The 8×8 handwritten digits (UCI optical recognition, test set): 1,797 images of 64 pixels with values
 * 0…16, about 180 per digit. `x` is `[N, 64]`, or `[N, 1, 8, 8]` with `asImages`. Node only.
 */
export function loadDigits(options: DigitsOptions = {}): TabularDataset {
  const where = 'loadDigits';
  const dir = options.dataDir ?? builtinDataDir('digits');
  const meta = readMeta(dir, where);
  const file = join(dir, meta.files.data);
  const data = classification(
    numericRows(readText(file, where), file, /,/, meta.features + 1, 0, where),
    meta,
    file,
    where,
  );
  if (options.asImages) {
    if (meta.features !== 64)
      throw new FormatError(`${where}: ${file} has ${meta.features} pixels, not 8 × 8`);
    data.x = new Tensor(data.x.data, [data.x.shape[0], 1, 8, 8]);
  }
  return data;
}
