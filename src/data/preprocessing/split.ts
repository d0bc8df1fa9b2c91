/** trainTestSplit: a seeded, optionally stratified split of samples into a training and a test set. */
import { fmtShape, ShapeError, ValueError } from '../../errors.js';
import { indexSelect } from '../../ops/indexing.js';
import { defaultGenerator, Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { fmtCategory, labelValues, sortedUnique } from './categories.js';
import { describe } from './checks.js';
import type { Category } from './types.js';

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
