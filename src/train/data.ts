/**
 * The data forms fit, evaluate and predict accept, turned into batches: `{ x, y }` tensors, a Dataset of
 * `[x, y]` samples, or a DataLoader of `[x, y]` (or `{ x, y }`) batches.
 */
import { DataLoader, type Dataset, TensorDataset } from '../data/dataset.js';
import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import { narrow } from '../ops/shape.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';

/** Tensors of inputs and targets with the same number of samples along the first axis. */
export interface XY {
  x: Tensor;
  y: Tensor;
}

/**
 * Training or evaluation data: tensors `{ x, y }` or `[x, y]` (the Keras habit), a Dataset of `[x, y]` samples,
 * or a DataLoader of `[x, y]` batches.
 */
// biome-ignore lint/suspicious/noExplicitAny: loaders of any sample and batch type are accepted and checked per batch
export type TrainData = XY | readonly [Tensor, Tensor] | Dataset<unknown> | DataLoader<any, any>;

/** Batches to iterate over, with their counts. */
export interface BatchSource {
  batches(): Iterable<unknown>;
  numBatches: number;
  numSamples: number;
}

export function isXY(data: unknown): data is XY {
  return data !== null && typeof data === 'object' && isTensor((data as XY).x) && isTensor((data as XY).y);
}

/** `[x, y]` as `{ x, y }`; other data as it is. An array that is not a pair of tensors is an error. */
function pairAsXY(data: TrainData, where: string): Exclude<TrainData, readonly unknown[]> {
  if (!Array.isArray(data)) return data as Exclude<TrainData, readonly unknown[]>;
  const [x, y] = data as unknown[];
  if (data.length !== 2 || !isTensor(x) || !isTensor(y)) {
    throw new ValueError(
      `${where}: an array of data must be the pair [x, y] of input and target tensors, got an array of ${data.length}` +
        `${data.length === 2 ? ` (${describe(x)}, ${describe(y)})` : ''}`,
    );
  }
  return { x, y };
}

function isDataset(data: unknown): data is Dataset<unknown> {
  return (
    data !== null &&
    typeof data === 'object' &&
    typeof (data as Dataset<unknown>).get === 'function' &&
    typeof (data as Dataset<unknown>).length === 'number'
  );
}

function checkXY(data: XY, where: string): void {
  if (data.x.ndim === 0 || data.y.ndim === 0 || data.x.shape[0] !== data.y.shape[0]) {
    throw new ShapeError(
      `${where}: x ${fmtShape(data.x.shape)} and y ${fmtShape(data.y.shape)} must have the same number of samples ` +
        '(their first axes)',
    );
  }
  if (data.x.shape[0] === 0) throw new ValueError(`${where}: the data is empty (0 samples)`);
}

/** Batches of `data`: a loader is used as it is; tensors and datasets are batched here. */
export function batchSource(
  given: TrainData,
  batchSize: number,
  shuffle: boolean,
  where: string,
): BatchSource {
  const data = pairAsXY(given, where);
  if (data instanceof DataLoader) {
    const numSamples = data.dropLast ? data.length * data.batchSize : data.dataset.length;
    return { batches: () => data, numBatches: data.length, numSamples };
  }
  let dataset: Dataset<unknown>;
  if (isXY(data)) {
    checkXY(data, where);
    dataset = new TensorDataset(data.x, data.y);
  } else if (isDataset(data)) {
    dataset = data;
  } else {
    throw new ValueError(
      `${where}: expected { x, y } or [x, y] tensors, a Dataset or a DataLoader, got ${describe(data)}`,
    );
  }
  positiveInt(where, 'batchSize', batchSize);
  const loader = new DataLoader(dataset, { batchSize, shuffle });
  return { batches: () => loader, numBatches: loader.length, numSamples: dataset.length };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (isTensor(v)) return `a Tensor ${fmtShape(v.shape)} (pass { x, y })`;
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object'
    ? `an object with keys ${Object.keys(v as object).join(', ') || '(none)'}`
    : typeof v;
}

/** The samples [start, start + length) of a dataset, gathered from the base dataset on demand. */
class Range<T> implements Dataset<T> {
  constructor(
    private readonly base: Dataset<T>,
    private readonly start: number,
    readonly length: number,
  ) {}

  get(index: number): T {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new ValueError(
        `validationSplit subset: index ${index} is out of range for ${this.length} samples`,
      );
    }
    return this.base.get(this.start + index);
  }
}

/**
 * Splits off the last `fraction` of the samples for validation, as Keras does: the first
 * ⌊N·(1 − fraction)⌋ samples train, the rest validate, before any shuffling.
 */
export function splitValidation(
  given: TrainData,
  fraction: number,
  where: string,
): { train: TrainData; val: TrainData } {
  const data = pairAsXY(given, where);
  if (!(fraction > 0 && fraction < 1)) {
    throw new ValueError(`${where}: validationSplit must be between 0 and 1 (exclusive), got ${fraction}`);
  }
  if (data instanceof DataLoader) {
    throw new ValueError(
      `${where}: validationSplit cannot split a DataLoader; pass { x, y } or a Dataset, or give validationData`,
    );
  }
  const n = isXY(data) ? data.x.shape[0] : isDataset(data) ? data.length : Number.NaN;
  if (Number.isNaN(n))
    throw new ValueError(`${where}: expected { x, y } or [x, y] tensors or a Dataset, got ${describe(data)}`);
  if (isXY(data)) checkXY(data, where);
  const nTrain = Math.floor(n * (1 - fraction));
  if (nTrain === 0 || nTrain === n) {
    throw new ValueError(
      `${where}: validationSplit ${fraction} of ${n} samples leaves ${nTrain} for training and ${n - nTrain} for validation; both need at least one`,
    );
  }
  if (isXY(data)) {
    return {
      train: { x: narrow(data.x, 0, 0, nTrain), y: narrow(data.y, 0, 0, nTrain) },
      val: { x: narrow(data.x, 0, nTrain, n - nTrain), y: narrow(data.y, 0, nTrain, n - nTrain) },
    };
  }
  if (data instanceof TensorDataset) {
    return {
      train: new TensorDataset(...data.tensors.map((t) => narrow(t, 0, 0, nTrain))),
      val: new TensorDataset(...data.tensors.map((t) => narrow(t, 0, nTrain, n - nTrain))),
    };
  }
  const ds = data as Dataset<unknown>;
  return { train: new Range(ds, 0, nTrain), val: new Range(ds, nTrain, n - nTrain) };
}

/** A batch's inputs and targets: `[x, y]` (as a TensorDataset gives) or `{ x, y }`. */
export function splitBatch(batch: unknown, where: string): { x: Tensor; y: Tensor } {
  let x: unknown;
  let y: unknown;
  if (Array.isArray(batch) && batch.length === 2) [x, y] = batch;
  else if (batch !== null && typeof batch === 'object' && 'x' in batch && 'y' in batch)
    ({ x, y } = batch as XY);
  else {
    throw new ValueError(
      `${where}: each batch must be [inputs, targets] or { x, y }, got ${Array.isArray(batch) ? `an array of ${batch.length}` : describe(batch)}`,
    );
  }
  if (x === undefined || x === null) throw new ValueError(`${where}: a batch has no inputs`);
  if (!isTensor(y)) throw new ValueError(`${where}: a batch's targets must be a Tensor, got ${describe(y)}`);
  return { x: x as Tensor, y };
}

/** Samples in a batch: the targets' first axis. */
export function batchSize(y: Tensor): number {
  return y.ndim === 0 ? 1 : y.shape[0];
}
