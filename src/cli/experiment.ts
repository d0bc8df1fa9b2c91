/**
 * An experiment: everything `neurite train`, `eval`, `predict`, `summary` and `sample` need to know about one
 * model on one dataset — the model, its data and preprocessing, loss, metrics, optimiser and schedule, how to
 * read inputs for predictions and how to describe the outputs. JSON configs (config.ts) build one, and so do the
 * presets (presets/): most are named configs built by the same code, the rest build theirs in code; so every
 * command treats them alike.
 *
 * A checkpoint written by `neurite train` stores the recipe (preset name and options, or the config) and the
 * fitted preprocessing; the other commands rebuild the experiment from it and load the weights.
 */
import { readFileSync } from 'node:fs';
import { parse as parseCsvText } from 'csv-parse/sync';
import { PNG } from 'pngjs';
import * as nt from '../node.js';
import { CliError } from './common.js';

type Tensor = nt.Tensor;
type Module = nt.nn.Module;
type XY = nt.train.XY;
type TrainData = nt.train.TrainData;
type AnyOptimizer = nt.optim.AnyOptimizer;
type Scheduler = nt.train.Scheduler;
// biome-ignore lint/suspicious/noExplicitAny: a forward function is written for its own model class
export type AnyForward = nt.train.ForwardFn<any>;

/** What the model learns: decides the loss, the metrics, and how predictions are shown. */
export type Task = 'classification' | 'binary' | 'regression' | 'seq2seq' | 'language-model';

/** The training settings the command line controls for every experiment. */
export interface TrainingSettings {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Keep only the first N training (and N test) samples, for quick smoke runs. */
  limit?: number;
}

/** The data of an experiment, loaded once on demand. */
export interface DataSplits {
  train: TrainData;
  trainSize: number;
  test: XY;
  testSize: number;
  /** e.g. `MNIST (8,000 train / 2,000 test)`. */
  description: string;
}

/** One row of `neurite predict` output. */
export interface Prediction {
  index: number;
  /** Class index, regression value(s), or generated text. */
  prediction: number | number[] | string;
  /** The class name, when the data names its classes. */
  label?: string;
  /** Probability of the predicted class. */
  probability?: number;
  /** Probability of every class. */
  probabilities?: number[];
  /** The name of every class, by class index (shared by all rows). */
  classNames?: readonly string[];
  /** The input as text (sequence tasks). */
  input?: string;
}

/** How an experiment reads inputs and describes outputs. */
export interface ExperimentIO {
  /** What `predict` accepts, for help texts and errors. */
  readonly inputHelp: string;
  /** Samples to predict, from a file path, `-` (stdin) or inline JSON. */
  readInputs(input: string): { x: Tensor; inputs?: string[] };
  /** Labelled data for `eval --data`. */
  readLabelled(path: string): XY;
  /** Runs the model on inputs (default: nt.train.predict with the experiment's forward). */
  run?(model: Module, x: Tensor, batchSize: number): Tensor;
  /** Turns outputs into prediction rows. */
  describe(output: Tensor, inputs?: string[]): Prediction[];
}

/** Fitted state that goes into the checkpoint and comes back when an experiment is rebuilt from it. */
export interface Restored {
  preprocessing: Record<string, unknown>;
  info: Record<string, unknown>;
}

export interface Experiment {
  /** `LeNet-5 on MNIST`. */
  readonly title: string;
  readonly task: Task;
  readonly model: Module;
  readonly loss: nt.train.LossName | nt.train.LossFn;
  /** Fresh metric objects for fit (training and validation). */
  metrics(): (nt.train.MetricName | nt.train.Metric)[];
  readonly forward?: AnyForward;
  readonly clipGradNorm?: number;
  makeOptimizer(lr: number): AnyOptimizer;
  makeScheduler?(optimizer: AnyOptimizer, epochs: number): Scheduler;
  data(): DataSplits;
  /** Fitted preprocessing, as JSON, for the checkpoint. */
  preprocessing(): Record<string, unknown>;
  /** Facts the rebuild needs without the data (feature names, classes), as JSON. */
  info(): Record<string, unknown>;
  /** The test metrics after training: the loss and the metrics (or the task's own measures). */
  evaluate(data: XY, batchSize: number): Promise<Record<string, number>>;
  /** A closed-form or full-batch solver used instead of epochs of gradient descent (`--solver exact`). */
  solve?(): Promise<void>;
  /** Lines `train` shows before training: choices made for the user (the task inferred, the solver). */
  readonly notes?: readonly string[];
  /** After gradient-descent training: a warning when the model fits its training data worse than it could. */
  checkFit?(train: XY): string | undefined;
  io?: ExperimentIO;
  /** What `summary` feeds the model. */
  readonly summaryInput: { shape: number[]; dtype?: 'float32' | 'int32'; forward?: AnyForward };
  /** Runs once when training starts in `dir` (writes extra files, such as RandWire graphs). */
  onStart?(dir: string): void;
  /** Text generation, for `neurite sample`. */
  sample?(options: { prime?: string; length: number; temperature: number; seed: number }): string;
}

// ---------------------------------------------------------------------------------------------------------------
// optimisers and schedules

/** The optimisers a config can name. */
export const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface OptimizerSpec {
  type: OptimizerName;
  lr?: number;
  weightDecay?: number;
  momentum?: number;
  nesterov?: boolean;
}

/** An optimiser over the model's trainable parameters. */
export function makeOptimizer(model: Module, spec: OptimizerSpec, lr: number): AnyOptimizer {
  const params = model.parameters().filter((p) => p.requiresGrad);
  const { optim } = nt;
  let opt: unknown;
  switch (spec.type) {
    case 'adam':
      opt = new optim.Adam(params, { lr, weightDecay: spec.weightDecay ?? 0 });
      break;
    case 'adamw':
      opt = new optim.AdamW(params, { lr, weightDecay: spec.weightDecay ?? 0.01 });
      break;
    case 'sgd':
      opt = new optim.SGD(params, {
        lr,
        momentum: spec.momentum ?? 0,
        nesterov: spec.nesterov ?? false,
        weightDecay: spec.weightDecay ?? 0,
      });
      break;
    case 'rmsprop':
      opt = new optim.RMSprop(params, {
        lr,
        momentum: spec.momentum ?? 0,
        weightDecay: spec.weightDecay ?? 0,
      });
      break;
    case 'adagrad':
      opt = new optim.Adagrad(params, { lr, weightDecay: spec.weightDecay ?? 0 });
      break;
  }
  return opt as AnyOptimizer;
}

/** The schedules a config can name. */
export type SchedulerSpec =
  | { type: 'cosine'; etaMin?: number }
  | { type: 'step'; stepSize: number; gamma?: number }
  | { type: 'exponential'; gamma: number }
  | { type: 'plateau'; factor?: number; patience?: number };

export function makeScheduler(optimizer: AnyOptimizer, spec: SchedulerSpec, epochs: number): Scheduler {
  const { optim } = nt;
  switch (spec.type) {
    case 'cosine':
      return new optim.CosineAnnealingLR(optimizer, epochs, { etaMin: spec.etaMin ?? 0 });
    case 'step':
      return new optim.StepLR(optimizer, spec.stepSize, { gamma: spec.gamma ?? 0.1 });
    case 'exponential':
      return new optim.ExponentialLR(optimizer, spec.gamma);
    case 'plateau':
      return new optim.ReduceLROnPlateau(optimizer, {
        factor: spec.factor ?? 0.1,
        patience: spec.patience ?? 10,
      });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// data helpers

/** A lazily computed value: `fn` runs on the first call, later calls return its result. */
export function lazy<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}

/** The first `n` samples of `{ x, y }` (all of them when `n` is undefined or larger). */
export function head(data: XY, n: number | undefined): XY {
  if (n === undefined || n >= data.x.shape[0]) return data;
  return { x: nt.narrow(data.x, 0, 0, n), y: nt.narrow(data.y, 0, 0, n) };
}

/** Class indices as int32, from int32 or whole-number float labels, checked against the class count. */
export function classLabels(y: Tensor, numClasses: number, source: string): Tensor {
  const out = new Int32Array(y.size);
  for (let i = 0; i < y.size; i++) {
    const v = y.data[i];
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new CliError(
        `${source}: row ${i + 1} has label ${v}; expected a class index 0…${numClasses - 1}`,
      );
    }
    out[i] = v;
  }
  return new nt.Tensor(out, [y.size]);
}

// ---------------------------------------------------------------------------------------------------------------
// evaluation

/** The loss and metrics of a model on `{ x, y }`, as one record (`{ loss, accuracy }`). */
export async function evaluateWith(
  exp: Pick<Experiment, 'model' | 'loss' | 'metrics' | 'forward'>,
  data: XY,
  batchSize: number,
): Promise<Record<string, number>> {
  const result = await nt.train.evaluate(exp.model, data, {
    loss: exp.loss,
    metrics: exp.metrics(),
    batchSize,
    forward: exp.forward,
  });
  return { ...result.metrics, loss: result.loss ?? Number.NaN };
}

// ---------------------------------------------------------------------------------------------------------------
// reading inputs

/** The text behind a `predict` / `eval` input argument: a file, or `-` for standard input. */
export function inputText(input: string, what: string): string {
  if (input === '-') {
    try {
      return readFileSync(0, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read ${what} from standard input: ${(e as Error).message}`);
    }
  }
  try {
    return readFileSync(input, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `${input}: no such file`
        : code === 'EISDIR'
          ? `${input} is a folder; give a file`
          : `${input}: cannot read ${what}: ${(e as Error).message}`,
    );
  }
}

/** Inline JSON given on the command line (`'[[5.1, 3.5, 1.4, 0.2]]'`) rather than a file name. */
export function isInlineJson(input: string): boolean {
  return /^\s*[[{]/.test(input);
}

function parseJsonInput(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${source}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Reads an input argument as JSON (inline, a `.json` file) or returns null for other files. */
function jsonInput(input: string, what: string): { value: unknown; source: string } | null {
  if (isInlineJson(input))
    return { value: parseJsonInput(input, 'the inline JSON input'), source: 'the inline JSON input' };
  if (input.toLowerCase().endsWith('.json'))
    return { value: parseJsonInput(inputText(input, what), input), source: input };
  if (input === '-') {
    const text = inputText(input, what);
    if (isInlineJson(text))
      return { value: parseJsonInput(text, 'standard input'), source: 'standard input' };
    return { value: text, source: 'standard input' };
  }
  return null;
}

const NUMERIC = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** The fields of a CSV text's first record (its header). */
function headerFields(text: string, source: string): string[] {
  try {
    const rows = parseCsvText(text.replace(/^\uFEFF/, ''), {
      to_line: 1,
      relax_column_count: true,
      trim: true,
    }) as string[][];
    return rows[0] ?? [];
  } catch (e) {
    throw new CliError(`${source}: not valid CSV: ${(e as Error).message}`);
  }
}

function quoteCsv(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** The columns of a table an experiment reads: raw input columns, before encoding. */
export interface TableSchema {
  /** Feature columns, in order. */
  columns: string[];
  /** The target column's name. */
  target: string;
  /** Feature columns holding categories (one-hot encoded). */
  categorical: string[];
  /** Whether the target is label-encoded text (a categorical target). */
  categoricalTarget: boolean;
  /** Fitted encoders by column name. */
  encoders: Record<string, nt.data.OneHotEncoder | nt.data.LabelEncoder>;
}

/**
 * Parses a table given as CSV text (with or without a header) or JSON rows (arrays in column order, or objects
 * keyed by column name) into feature and target tensors, encoding categories with the fitted encoders.
 */
export function readTable(
  input: string,
  schema: TableSchema,
  target: 'required' | 'optional',
  what: string,
): { x: Tensor; y?: Tensor } {
  const json = jsonInput(input, what);
  let text: string;
  let source = input === '-' ? 'standard input' : input;
  if (json && typeof json.value !== 'string') {
    source = json.source;
    text = jsonRowsToCsv(json.value, schema, source);
  } else {
    text = json ? (json.value as string) : inputText(input, what);
    const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
    const fields = firstLine.split(',');
    if (firstLine.trim() !== '' && fields.every((f) => NUMERIC.test(f))) {
      // no header: columns by position, with the target last when there is one more field
      const names = [...schema.columns];
      if (fields.length === names.length + 1) names.push(schema.target);
      else if (fields.length !== names.length) {
        throw new CliError(
          `${source}: line 1 has ${fields.length} fields; expected ${names.length} features` +
            `${target === 'required' ? ' and the target' : ` (or ${names.length + 1} with the target last)`}`,
        );
      }
      text = `${names.map(quoteCsv).join(',')}\n${text}`;
    }
  }
  const present = new Set(headerFields(text, source));
  const missing = schema.columns.filter((c) => !present.has(c));
  if (missing.length > 0) {
    throw new CliError(
      `${source}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => JSON.stringify(m)).join(', ')} ` +
        `(expected ${schema.columns.length} feature columns${schema.columns.length <= 12 ? `: ${schema.columns.join(', ')}` : ''})`,
    );
  }
  const hasTarget = present.has(schema.target);
  if (target === 'required' && !hasTarget) {
    throw new CliError(`${source}: no target column ${JSON.stringify(schema.target)}`);
  }
  const categorical = [...schema.categorical];
  if (hasTarget && schema.categoricalTarget) categorical.push(schema.target);
  try {
    const csv = nt.data.parseCsv(text, {
      source,
      columns: schema.columns,
      target: hasTarget ? schema.target : undefined,
      categorical,
      encoders: schema.encoders,
    });
    return { x: csv.x, y: csv.y };
  } catch (e) {
    if (e instanceof nt.NeuriteError) throw new CliError(e.message.replace(/^parseCsv: /, ''));
    throw e;
  }
}

function jsonRowsToCsv(value: unknown, schema: TableSchema, source: string): string {
  let rows: unknown[];
  if (Array.isArray(value) && value.length > 0 && !Array.isArray(value[0]) && typeof value[0] !== 'object') {
    rows = [value]; // a single row of values
  } else if (Array.isArray(value)) {
    rows = value;
  } else if (value !== null && typeof value === 'object') {
    rows = [value]; // a single row keyed by column
  } else {
    throw new CliError(`${source}: expected an array of rows (or one row), got ${typeof value}`);
  }
  if (rows.length === 0) throw new CliError(`${source}: no rows to read`);
  const withTarget = rows.some(
    (r) => r !== null && typeof r === 'object' && !Array.isArray(r) && schema.target in r,
  );
  const names = withTarget ? [...schema.columns, schema.target] : schema.columns;
  const cell = (v: unknown, i: number, name: string): string => {
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return quoteCsv(String(v));
    throw new CliError(
      `${source}: row ${i + 1}, column ${JSON.stringify(name)}: expected a number or a string, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`,
    );
  };
  const lines = rows.map((r, i) => {
    if (Array.isArray(r)) {
      if (r.length !== schema.columns.length && r.length !== schema.columns.length + 1) {
        throw new CliError(
          `${source}: row ${i + 1} has ${r.length} values; expected ${schema.columns.length} (${schema.columns.length <= 12 ? schema.columns.join(', ') : 'one per feature'})`,
        );
      }
      if (r.length === schema.columns.length + 1 && !withTarget) {
        throw new CliError(
          `${source}: row ${i + 1} has ${r.length} values; expected ${schema.columns.length}`,
        );
      }
      return r.map((v, j) => cell(v, i, names[j] ?? `#${j}`)).join(',');
    }
    if (r !== null && typeof r === 'object') {
      const o = r as Record<string, unknown>;
      return names.map((n) => cell(o[n], i, n)).join(',');
    }
    throw new CliError(`${source}: row ${i + 1} is ${JSON.stringify(r)}, not an array or an object`);
  });
  return `${names.map(quoteCsv).join(',')}\n${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// images

/**
 * Reads grey images `height`×`width` with pixel values 0–255 (0 background, 255 ink, as MNIST) from a PGM image
 * (P2 or P5) or a PNG — both recognised by their first bytes, so also from stdin (`-`) and files without an
 * extension — a JSON file or inline JSON (one image as `H·W` numbers or `H` rows of `W`; many as an array of
 * those), or a CSV file (one image per row of `H·W` values, optionally followed by a label column). When every
 * value lies in [0, 1] the values are read as 0–1. An image with a light background (a dark digit on white) is
 * inverted to MNIST's light-on-dark, with a note on stderr. Returns the pixels scaled to 0–1, `[N, H·W]`, and
 * the labels when a CSV gave them.
 */
export function readImages(
  input: string,
  height: number,
  width: number,
): { pixels: Float32Array; n: number; labels?: Int32Array; source: string } {
  const size = height * width;
  const source = input === '-' ? 'standard input' : isInlineJson(input) ? 'the inline JSON input' : input;
  let images: number[][];
  let labels: number[] | undefined;
  if (isInlineJson(input)) {
    images = jsonImages(parseJsonInput(input, source), height, width, source);
  } else {
    const bytes = inputBytes(input, 'the images');
    if (isPgm(bytes)) images = [parsePgm(bytes, source, height, width)];
    else if (isPng(bytes)) images = [parsePng(bytes, source, height, width)];
    else {
      const text = bytes.toString('utf8');
      if (input.toLowerCase().endsWith('.json') || isInlineJson(text)) {
        images = jsonImages(parseJsonInput(text, source), height, width, source);
      } else {
        ({ images, labels } = csvImages(text, size, source));
      }
    }
  }
  if (images.length === 0) throw new CliError(`${source}: no images`);
  let max = 0;
  for (const img of images) {
    for (const v of img) {
      if (!Number.isFinite(v) || v < 0 || v > 255) {
        throw new CliError(`${source}: pixel value ${v} is outside 0…255`);
      }
      if (v > max) max = v;
    }
  }
  const scale = max <= 1 ? 1 : 1 / 255;
  const pixels = new Float32Array(images.length * size);
  const inverted: number[] = [];
  images.forEach((img, i) => {
    const out = pixels.subarray(i * size, (i + 1) * size);
    for (let j = 0; j < size; j++) out[j] = img[j] * scale;
    if (lightBackground(out, height, width)) {
      for (let j = 0; j < size; j++) out[j] = 1 - out[j];
      inverted.push(i + 1);
    }
  });
  if (inverted.length > 0) {
    const which =
      images.length === 1
        ? 'the image has'
        : `image${inverted.length > 1 ? 's' : ''} ${fmtList(inverted)} ha${inverted.length > 1 ? 've' : 's'}`;
    process.stderr.write(
      `neurite: ${source}: ${which} a light background (a dark digit on white); inverted to MNIST's light digit on black\n`,
    );
  }
  return { pixels, n: images.length, labels: labels ? Int32Array.from(labels) : undefined, source };
}

function fmtList(items: number[]): string {
  return items.length > 8 ? `${items.slice(0, 8).join(', ')}, … (${items.length} in all)` : items.join(', ');
}

/**
 * Whether an image (values 0–1) is dark ink on a light background: the mean of its outer ring of pixels, where
 * a centred MNIST digit leaves the background, is above mid-grey.
 */
function lightBackground(img: Float32Array, height: number, width: number): boolean {
  let sum = 0;
  let count = 0;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      if (r !== 0 && r !== height - 1 && c !== 0 && c !== width - 1) continue;
      sum += img[r * width + c];
      count++;
    }
  }
  return count > 0 && sum / count > 0.5;
}

/** The bytes of a file or of stdin (`-`). */
function inputBytes(input: string, what: string): Buffer {
  try {
    return readFileSync(input === '-' ? 0 : input);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (input === '-') throw new CliError(`cannot read ${what} from standard input: ${(e as Error).message}`);
    throw new CliError(
      code === 'ENOENT'
        ? `${input}: no such file`
        : code === 'EISDIR'
          ? `${input} is a folder; give a file`
          : `${input}: cannot read ${what}: ${(e as Error).message}`,
    );
  }
}

/** PGM's magic number: `P2` (ASCII) or `P5` (binary), then whitespace. */
function isPgm(bytes: Buffer): boolean {
  return (
    bytes.length > 2 &&
    bytes[0] === 0x50 &&
    (bytes[1] === 0x32 || bytes[1] === 0x35) &&
    /\s/.test(String.fromCharCode(bytes[2]))
  );
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(bytes: Buffer): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** A PNG (any colour type and depth) as grey levels 0–255: luminance, composited over white where transparent. */
function parsePng(bytes: Buffer, source: string, height: number, width: number): number[] {
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (e) {
    throw new CliError(`${source}: not a readable PNG image: ${(e as Error).message}`);
  }
  if (png.width !== width || png.height !== height) {
    throw new CliError(
      `${source}: the image is ${png.width}×${png.height}; expected ${width}×${height} (scale it down first, keeping the digit centred)`,
    );
  }
  const out = new Array<number>(width * height);
  const d = png.data; // RGBA, 8 bits per channel
  for (let i = 0; i < out.length; i++) {
    const grey = 0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2];
    const alpha = d[4 * i + 3] / 255;
    out[i] = grey * alpha + 255 * (1 - alpha);
  }
  return out;
}

function jsonImages(value: unknown, height: number, width: number, source: string): number[][] {
  const size = height * width;
  const isNumbers = (a: unknown): a is number[] => Array.isArray(a) && a.every((v) => typeof v === 'number');
  const flatten = (img: unknown, i: number): number[] => {
    if (isNumbers(img) && img.length === size) return img;
    if (Array.isArray(img) && img.length === height && img.every((r) => isNumbers(r) && r.length === width)) {
      return (img as number[][]).flat();
    }
    throw new CliError(
      `${source}: image ${i + 1} is not ${size} numbers or ${height} rows of ${width} numbers`,
    );
  };
  if (!Array.isArray(value)) throw new CliError(`${source}: expected an array of pixel values`);
  if (isNumbers(value)) return [flatten(value, 0)];
  if (value.length === height && value.every((r) => isNumbers(r) && r.length === width)) {
    return [flatten(value, 0)];
  }
  return value.map(flatten);
}

function csvImages(text: string, size: number, source: string): { images: number[][]; labels?: number[] } {
  const lines = text.split(/\r?\n/);
  const images: number[][] = [];
  const labels: number[] = [];
  let labelColumn = -1;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const fields = line.split(',');
    if (images.length === 0 && labels.length === 0 && !fields.every((f) => NUMERIC.test(f))) {
      // a header: find the label column, the other fields are the pixels
      labelColumn = fields.findIndex((f) => /^"?(label|target|class|y)"?$/i.test(f.trim()));
      if (fields.length - (labelColumn >= 0 ? 1 : 0) !== size) {
        throw new CliError(
          `${source}: the header names ${fields.length} columns; expected ${size} pixels and an optional label`,
        );
      }
      return;
    }
    if (fields.length !== size && fields.length !== size + 1) {
      throw new CliError(
        `${source}, line ${i + 1}: ${fields.length} values; expected ${size} pixels (and an optional label)`,
      );
    }
    const values = fields.map((f, j) => {
      if (!NUMERIC.test(f))
        throw new CliError(`${source}, line ${i + 1}, column ${j + 1}: ${JSON.stringify(f)} is not a number`);
      return Number(f);
    });
    const labelAt = labelColumn >= 0 ? labelColumn : fields.length === size + 1 ? size : -1;
    if (labelAt >= 0) {
      const label = values[labelAt];
      if (!Number.isInteger(label))
        throw new CliError(`${source}, line ${i + 1}: label ${label} is not a class index`);
      labels.push(label);
      values.splice(labelAt, 1);
    }
    images.push(values);
  });
  if (labels.length > 0 && labels.length !== images.length) {
    throw new CliError(`${source}: some rows have a label and some do not`);
  }
  return { images, labels: labels.length > 0 ? labels : undefined };
}

/** A PGM (portable grey map) image, ASCII (P2) or binary (P5), as grey levels 0–255. */
function parsePgm(bytes: Buffer, path: string, height: number, width: number): number[] {
  let pos = 0;
  const token = (): string => {
    for (;;) {
      while (pos < bytes.length && /\s/.test(String.fromCharCode(bytes[pos]))) pos++;
      if (bytes[pos] === 0x23) {
        while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
        continue;
      }
      break;
    }
    const start = pos;
    while (pos < bytes.length && !/\s/.test(String.fromCharCode(bytes[pos]))) pos++;
    return bytes.subarray(start, pos).toString('latin1');
  };
  const magic = token();
  if (magic !== 'P2' && magic !== 'P5')
    throw new CliError(
      `${path}: not a PGM image (expected P2 or P5, found ${JSON.stringify(magic.slice(0, 8))})`,
    );
  const w = Number(token());
  const h = Number(token());
  const maxval = Number(token());
  if (
    !Number.isInteger(w) ||
    !Number.isInteger(h) ||
    !Number.isInteger(maxval) ||
    maxval < 1 ||
    maxval > 65535
  ) {
    throw new CliError(`${path}: malformed PGM header`);
  }
  if (w !== width || h !== height)
    throw new CliError(`${path}: the image is ${w}×${h}; expected ${width}×${height}`);
  const n = w * h;
  const out = new Array<number>(n);
  if (magic === 'P2') {
    for (let i = 0; i < n; i++) {
      const t = token();
      const v = Number(t);
      if (t === '' || !Number.isInteger(v) || v < 0 || v > maxval)
        throw new CliError(`${path}: pixel ${i + 1} is ${JSON.stringify(t)}`);
      out[i] = (v * 255) / maxval;
    }
  } else {
    pos++; // the single whitespace byte after maxval
    const wide = maxval > 255;
    if (bytes.length - pos < n * (wide ? 2 : 1)) throw new CliError(`${path}: the PGM data is truncated`);
    for (let i = 0; i < n; i++) {
      const v = wide ? bytes.readUInt16BE(pos + 2 * i) : bytes[pos + i];
      out[i] = (v * 255) / maxval;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// describing outputs

/** Softmax probabilities of logits rows. */
function softmaxRows(logits: Float32Array | ArrayLike<number>, n: number, c: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < c; j++) max = Math.max(max, logits[i * c + j]);
    const e = Array.from({ length: c }, (_, j) => Math.exp(logits[i * c + j] - max));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(e.map((v) => v / s));
  }
  return out;
}

/** Prediction rows for class scores: `[N, C]` logits, or `[N, 1]` / `[N]` binary logits. */
export function describeClasses(output: Tensor, classNames?: readonly string[]): Prediction[] {
  const n = output.shape[0];
  const binary = output.ndim === 1 || output.shape[1] === 1;
  const probs = binary
    ? Array.from({ length: n }, (_, i) => {
        const p = 1 / (1 + Math.exp(-output.data[i]));
        return [1 - p, p];
      })
    : softmaxRows(output.data, n, output.shape[1]);
  return probs.map((p, index) => {
    let best = 0;
    for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
    const row: Prediction = { index, prediction: best, probability: p[best], probabilities: p };
    if (classNames?.[best] !== undefined) row.label = classNames[best];
    if (classNames) row.classNames = classNames;
    return row;
  });
}

/** Prediction rows for regression outputs `[N]`, `[N, 1]` or `[N, T]`. */
export function describeValues(output: Tensor): Prediction[] {
  const n = output.shape[0];
  const t = n === 0 ? 1 : output.size / n;
  return Array.from({ length: n }, (_, index) => ({
    index,
    prediction: t === 1 ? output.data[index] : Array.from(output.data.subarray(index * t, (index + 1) * t)),
  }));
}
