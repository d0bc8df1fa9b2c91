import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import { indexSelect } from '../ops/indexing.js';
import { select, stack } from '../ops/shape.js';
import { randperm, tensor } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** Anything indexable by sample number: `length` samples, `get(i)` for 0 ≤ i < length (torch Dataset). */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

/**
 * A dataset that can also gather many samples at once, already batched. {@link DataLoader} uses `getBatch`
 * instead of `get` + collate when no custom `collate` is given, so a batch costs one kernel call per tensor.
 */
export interface BatchDataset<T, B> extends Dataset<T> {
  getBatch(indices: Int32Array): B;
}

function isBatchDataset<T>(d: Dataset<T>): d is BatchDataset<T, unknown> {
  return typeof (d as Partial<BatchDataset<T, unknown>>).getBatch === 'function';
}

function checkIndex(index: number, length: number, where: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new ValueError(`${where}: index ${index} is out of range for a dataset of ${length} samples`);
  }
}

/**
 * Samples are the slices of the given tensors along their first axis: `get(i)` returns
 * `[t0[i], t1[i], …]` (torch.utils.data.TensorDataset).
 *
 * ```ts
 * const ds = new TensorDataset(images, labels); // images [N, 1, 28, 28], labels [N]
 * const [x, y] = ds.get(0); // x [1, 28, 28], y a scalar
 * ```
 */
export class TensorDataset implements BatchDataset<Tensor[], Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ValueError('TensorDataset: needs at least one tensor');
    tensors.forEach((t, i) => {
      if (t.ndim === 0) {
        throw new ShapeError(
          `TensorDataset: tensor ${i} is a scalar; samples are indexed along the first axis`,
        );
      }
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new ShapeError(
          `TensorDataset: tensor ${i} has ${t.shape[0]} samples (shape ${fmtShape(t.shape)}) but tensor 0 has ` +
            `${tensors[0].shape[0]} (shape ${fmtShape(tensors[0].shape)}); the first axes must match`,
        );
      }
    });
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    checkIndex(index, this.length, 'TensorDataset.get');
    return this.tensors.map((t) => select(t, 0, index));
  }

  /** The samples at `indices`, each tensor gathered along its first axis in one call. */
  getBatch(indices: Int32Array): Tensor[] {
    const index = new Tensor(indices, [indices.length]);
    return this.tensors.map((t) => indexSelect(t, 0, index));
  }
}

/** What the default collate makes of a sample type: tensors, numbers and booleans become batched tensors. */
export type Collated<T> = T extends Tensor | number | boolean
  ? Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: Collated<T[K]> }
    : T extends object
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : never;

/**
 * Turns a list of samples into a batch, as PyTorch's default_collate does: tensors are stacked along a new
 * first axis; numbers become a 1-D tensor (int32 when every one of them is an integer, float32 otherwise, so
 * give float targets as tensors if their values can all be whole); booleans a bool tensor; arrays and plain
 * objects are collated position by position or key by key.
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  if (samples.length === 0) throw new ValueError('defaultCollate: no samples to collate');
  return collate(samples as readonly unknown[], 'sample') as Collated<T>;
}

function collate(samples: readonly unknown[], path: string): unknown {
  const first = samples[0];
  const kind = (v: unknown) => (v instanceof Tensor ? 'tensor' : Array.isArray(v) ? 'array' : typeof v);
  samples.forEach((s, i) => {
    if (kind(s) !== kind(first)) {
      throw new ValueError(
        `defaultCollate: ${path} of item ${i} is a ${kind(s)}, item 0's is a ${kind(first)}`,
      );
    }
  });
  if (first instanceof Tensor) return stack(samples as Tensor[], 0);
  if (typeof first === 'number') {
    const values = samples as number[];
    const dtype = values.every(Number.isInteger) ? 'int32' : 'float32';
    return tensor(values, { dtype });
  }
  if (typeof first === 'boolean') return tensor(samples as boolean[], { dtype: 'bool' });
  if (Array.isArray(first)) {
    return first.map((_, k) => {
      samples.forEach((s, i) => {
        if ((s as unknown[]).length !== first.length) {
          throw new ValueError(
            `defaultCollate: ${path} of item ${i} has ${(s as unknown[]).length} entries, item 0's has ${first.length}`,
          );
        }
      });
      return collate(
        samples.map((s) => (s as unknown[])[k]),
        `${path}[${k}]`,
      );
    });
  }
  if (first !== null && typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = collate(
        samples.map((s) => (s as Record<string, unknown>)[key]),
        `${path}.${key}`,
      );
    }
    return out;
  }
  throw new ValueError(
    `defaultCollate: cannot batch ${path} of type ${kind(first)}; pass a collate function`,
  );
}

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Draw a fresh random order every epoch (default false: dataset order). */
  shuffle?: boolean;
  /** Skip the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Where shuffling draws from (default: the global generator that `manualSeed` seeds). */
  generator?: Generator;
  /** Makes a batch from a list of samples (default {@link defaultCollate}, or the dataset's `getBatch`). */
  collate?: (samples: T[]) => B;
}

/**
 * Iterates over a dataset in batches (torch.utils.data.DataLoader, in-process). Each `for…of` is one epoch;
 * with `shuffle`, each epoch draws a new permutation from the seeded generator, so a seeded run repeats.
 *
 * ```ts
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true });
 * for (const [xb, yb] of loader) { … }
 * ```
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator | undefined;
  private readonly collate: ((samples: T[]) => B) | undefined;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    const { batchSize = 1, shuffle = false, dropLast = false } = options;
    positiveInt('DataLoader', 'batchSize', batchSize);
    if (!Number.isInteger(dataset.length) || dataset.length <= 0) {
      throw new ValueError(`DataLoader: the dataset is empty (length ${dataset.length})`);
    }
    if (dropLast && dataset.length < batchSize) {
      throw new ValueError(
        `DataLoader: with dropLast, a dataset of ${dataset.length} samples gives no batch of ${batchSize}`,
      );
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = options.generator;
    this.collate = options.collate;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<B> {
    const n = this.dataset.length;
    const order = this.shuffle
      ? (randperm(n, { generator: this.generator }).data as Int32Array)
      : Int32Array.from({ length: n }, (_, i) => i);
    for (let b = 0; b < this.length; b++) {
      const indices = order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, n));
      yield this.batch(indices);
    }
  }

  private batch(indices: Int32Array): B {
    if (!this.collate && isBatchDataset(this.dataset)) return this.dataset.getBatch(indices.slice()) as B;
    const samples = Array.from(indices, (i) => this.dataset.get(i));
    return this.collate ? this.collate(samples) : (defaultCollate(samples) as B);
  }
}
