import { positiveInt, ValueError } from '../errors.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** A toy classification set: points and their classes. */
export interface ToyDataset {
  /** float32 `[n, 2]` (`[n, features]` for blobs). */
  x: Tensor;
  /** int32 `[n]` class indices. */
  y: Tensor;
}

export interface ToyOptions {
  /** Number of points (default 100, as scikit-learn). */
  n?: number;
  /** Standard deviation of Gaussian noise added to every coordinate (default 0). */
  noise?: number;
  /** Seed of a fresh generator, so the same seed gives the same points. */
  seed?: number;
  /** The generator to draw from (default: a fresh one from `seed`, else the global one `manualSeed` seeds). */
  generator?: Generator;
  /** Shuffle the points so classes interleave (default true). */
  shuffle?: boolean;
}

function generatorOf(options: ToyOptions): Generator {
  return options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator);
}

function checkCount(n: number, min: number, where: string): void {
  if (!Number.isInteger(n) || n < min)
    throw new ValueError(`${where}: n must be an integer ≥ ${min}, got ${n}`);
}

function checkNoise(noise: number, where: string): void {
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new ValueError(`${where}: noise must be a finite number ≥ 0, got ${noise}`);
  }
}

/** Adds the noise, shuffles rows if asked, and wraps the arrays as tensors. */
function finish(
  x: Float64Array,
  y: Int32Array,
  features: number,
  options: ToyOptions,
  noise: number,
  g: Generator,
): ToyDataset {
  const n = y.length;
  if (noise > 0) for (let i = 0; i < x.length; i++) x[i] += noise * g.normal();
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (options.shuffle ?? true) {
    for (let i = n - 1; i > 0; i--) {
      const j = g.int(0, i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
  const xs = new Float32Array(n * features);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const src = order[i];
    for (let f = 0; f < features; f++) xs[i * features + f] = x[src * features + f];
    ys[i] = y[src];
  }
  return { x: new Tensor(xs, [n, features]), y: new Tensor(ys, [n]) };
}

/** `count` evenly spaced values from `start`, stepping by `(stop − start) / (count − 1)` or `/ count`. */
function spaced(start: number, stop: number, count: number, endpoint: boolean): number[] {
  const step = (stop - start) / (endpoint ? Math.max(count - 1, 1) : count);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

export interface CirclesOptions extends ToyOptions {
  /** Radius of the inner circle relative to the outer one, in [0, 1) (default 0.8). */
  factor?: number;
}

/**
 * Two concentric circles (scikit-learn's make_circles): the outer one (radius 1) is class 0, the inner one
 * (radius `factor`) class 1. Not linearly separable; a hidden layer or the feature x² + y² is needed.
 *
 * ```ts
 * const { x, y } = makeCircles({ n: 200, noise: 0.05, factor: 0.5, seed: 0 });
 * ```
 */
export function makeCircles(options: CirclesOptions = {}): ToyDataset {
  const where = 'makeCircles';
  const { n = 100, noise = 0, factor = 0.8 } = options;
  checkCount(n, 2, where);
  checkNoise(noise, where);
  if (!(factor >= 0 && factor < 1)) throw new ValueError(`${where}: factor must be in [0, 1), got ${factor}`);
  const g = generatorOf(options);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  let i = 0;
  for (const t of spaced(0, 2 * Math.PI, nOut, false)) {
    x[2 * i] = Math.cos(t);
    x[2 * i + 1] = Math.sin(t);
    y[i++] = 0;
  }
  for (const t of spaced(0, 2 * Math.PI, nIn, false)) {
    x[2 * i] = factor * Math.cos(t);
    x[2 * i + 1] = factor * Math.sin(t);
    y[i++] = 1;
  }
  return finish(x, y, 2, options, noise, g);
}

/**
 * Two interleaving half circles (scikit-learn's make_moons): the upper moon is class 0, the lower one,
 * shifted right and down, class 1.
 */
export function makeMoons(options: ToyOptions = {}): ToyDataset {
  const where = 'makeMoons';
  const { n = 100, noise = 0 } = options;
  checkCount(n, 2, where);
  checkNoise(noise, where);
  const g = generatorOf(options);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  let i = 0;
  for (const t of spaced(0, Math.PI, nOut, true)) {
    x[2 * i] = Math.cos(t);
    x[2 * i + 1] = Math.sin(t);
    y[i++] = 0;
  }
  for (const t of spaced(0, Math.PI, nIn, true)) {
    x[2 * i] = 1 - Math.cos(t);
    x[2 * i + 1] = 1 - Math.sin(t) - 0.5;
    y[i++] = 1;
  }
  return finish(x, y, 2, options, noise, g);
}

/**
 * The XOR problem: points uniform in [−1, 1]², class 1 where the two coordinates have opposite signs
 * (quadrants II and IV), class 0 elsewhere. Labels are set before the noise is added, so noise blurs the
 * boundary. A linear model fails; the product feature x₀x₁ (or a hidden layer) solves it.
 */
export function makeXor(options: ToyOptions = {}): ToyDataset {
  const where = 'makeXor';
  const { n = 100, noise = 0 } = options;
  checkCount(n, 1, where);
  checkNoise(noise, where);
  const g = generatorOf(options);
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = 2 * g.random() - 1;
    const b = 2 * g.random() - 1;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a > 0 !== b > 0 ? 1 : 0;
  }
  return finish(x, y, 2, options, noise, g);
}

export interface SpiralsOptions extends ToyOptions {
  /** Number of arms, one class each (default 2). */
  classes?: number;
  /** How many full turns each arm makes from the centre to radius 1 (default 1). */
  turns?: number;
}

/**
 * Interleaved spiral arms (as in CS231n's spiral example): arm k holds class k, with points at radii
 * evenly spaced in (0, 1] and angles 2πk/classes + 2π·turns·radius. `n` is split across the arms as evenly
 * as possible.
 */
export function makeSpirals(options: SpiralsOptions = {}): ToyDataset {
  const where = 'makeSpirals';
  const { n = 100, noise = 0, classes = 2, turns = 1 } = options;
  positiveInt(where, 'classes', classes);
  checkCount(n, classes, where);
  checkNoise(noise, where);
  if (!(turns > 0) || !Number.isFinite(turns))
    throw new ValueError(`${where}: turns must be positive, got ${turns}`);
  const g = generatorOf(options);
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  let i = 0;
  for (let k = 0; k < classes; k++) {
    const m = Math.floor(n / classes) + (k < n % classes ? 1 : 0);
    for (let p = 0; p < m; p++) {
      const r = (p + 1) / m;
      const angle = (2 * Math.PI * k) / classes + 2 * Math.PI * turns * r;
      x[2 * i] = r * Math.cos(angle);
      x[2 * i + 1] = r * Math.sin(angle);
      y[i++] = k;
    }
  }
  return finish(x, y, 2, options, noise, g);
}

export interface BlobsOptions extends Omit<ToyOptions, 'noise'> {
  /** How many clusters, placed uniformly at random in `centerBox` (default 3), or their coordinates. */
  centers?: number | readonly (readonly number[])[];
  /** Standard deviation of each cluster, one for all or one per cluster (default 1). */
  std?: number | readonly number[];
  /** The box random centres are drawn from, on every axis (default [−10, 10]). */
  centerBox?: readonly [number, number];
  /** Dimensions when `centers` is a count (default 2). */
  features?: number;
}

/**
 * Isotropic Gaussian clusters (scikit-learn's make_blobs): class k is the points around centre k. The points
 * are split across the centres as evenly as possible.
 */
export function makeBlobs(options: BlobsOptions = {}): ToyDataset {
  const where = 'makeBlobs';
  const { n = 100, centers = 3, std = 1, centerBox = [-10, 10], features = 2 } = options;
  const g = generatorOf(options);
  let points: number[][];
  if (typeof centers === 'number') {
    if (!Number.isInteger(centers) || centers < 1) {
      throw new ValueError(
        `${where}: centers must be a positive integer or a list of points, got ${centers}`,
      );
    }
    positiveInt(where, 'features', features);
    const [lo, hi] = centerBox;
    if (!(lo < hi))
      throw new ValueError(`${where}: centerBox must be [low, high] with low < high, got [${lo}, ${hi}]`);
    points = Array.from({ length: centers }, () =>
      Array.from({ length: features }, () => lo + (hi - lo) * g.random()),
    );
  } else {
    if (!Array.isArray(centers) || centers.length === 0) {
      throw new ValueError(`${where}: centers must be a positive integer or a non-empty list of points`);
    }
    points = centers.map((c) => [...c]);
    points.forEach((c, k) => {
      if (c.length !== points[0].length || c.length === 0 || !c.every(Number.isFinite)) {
        throw new ValueError(
          `${where}: centre ${k} is ${JSON.stringify(c)}; centres need the same number (≥ 1) of finite coordinates`,
        );
      }
    });
  }
  const k = points.length;
  const dims = points[0].length;
  const stds = typeof std === 'number' ? new Array<number>(k).fill(std) : [...std];
  if (stds.length !== k || !stds.every((s) => s >= 0 && Number.isFinite(s))) {
    throw new ValueError(
      `${where}: std must be a number ≥ 0 or one per centre (${k}), got ${JSON.stringify(std)}`,
    );
  }
  checkCount(n, 1, where);
  const x = new Float64Array(n * dims);
  const y = new Int32Array(n);
  let i = 0;
  for (let c = 0; c < k; c++) {
    const m = Math.floor(n / k) + (c < n % k ? 1 : 0);
    for (let p = 0; p < m; p++, i++) {
      for (let d = 0; d < dims; d++) x[i * dims + d] = points[c][d] + stds[c] * g.normal();
      y[i] = c;
    }
  }
  return finish(x, y, dims, options, 0, g);
}
