import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import { reshape } from '../ops/shape.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { CharVocab } from './vocab.js';

/** Padding, start and end tokens of the sequence tasks: ids 0, 1 and 2 of their vocabulary. */
export const PAD = '<pad>';
export const BOS = '<bos>';
export const EOS = '<eos>';

interface SeededOptions {
  /** Seed of a fresh generator, so the same seed gives the same data. */
  seed?: number;
  /** The generator to draw from (default: a fresh one from `seed`, else the global one `manualSeed` seeds). */
  generator?: Generator;
}

function generatorOf(options: SeededOptions): Generator {
  return options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator);
}

export interface SequenceTaskOptions extends SeededOptions {
  /** Number of examples (default 1000). */
  n?: number;
  /** Length of every input, or `[min, max]` for lengths drawn uniformly from min…max (default 8). */
  length?: number | readonly [number, number];
  /** How many distinct symbols, the digits '0', '1', … (default 10, at most 10). */
  digits?: number;
}

/**
 * A sequence-to-sequence task with teacher forcing laid out: sequences of digit tokens padded with `<pad>`
 * (id 0) to a fixed width, so every batch has the same shape whatever lengths it holds.
 */
export interface Seq2SeqTask {
  /** int32 `[n, maxLength]`: the input tokens, then padding. */
  src: Tensor;
  /** int32 `[n]`: how many tokens of each `src` row are real. */
  srcLengths: Tensor;
  /** int32 `[n, maxLength + 1]`: the decoder's input, `<bos>` then the output tokens, then padding. */
  tgtIn: Tensor;
  /** int32 `[n, maxLength + 1]`: what the decoder should predict, the output tokens then `<eos>`, then padding. */
  tgtOut: Tensor;
  /** int32 `[n]`: the real tokens of each `tgtOut` row, `<eos>` included. */
  tgtLengths: Tensor;
  /** The inputs as text. */
  inputs: string[];
  /** The expected outputs as text. */
  targets: string[];
  /** `<pad>`, `<bos>`, `<eos>` (ids 0, 1, 2), then the digits. */
  vocab: CharVocab;
}

function makeDigitTask(
  options: SequenceTaskOptions,
  where: string,
  transform: (s: string) => string,
): Seq2SeqTask {
  const { n = 1000, length = 8, digits = 10 } = options;
  positiveInt(where, 'n', n);
  if (!Number.isInteger(digits) || digits < 2 || digits > 10) {
    throw new ValueError(`${where}: digits must be an integer in 2…10, got ${digits}`);
  }
  const [minLength, maxLength] = typeof length === 'number' ? [length, length] : length;
  positiveInt(where, 'the minimum length', minLength);
  positiveInt(where, 'the maximum length', maxLength);
  if (minLength > maxLength)
    throw new ValueError(`${where}: length range [${minLength}, ${maxLength}] is empty`);
  const g = generatorOf(options);
  const symbols = Array.from({ length: digits }, (_, d) => String(d));
  const vocab = new CharVocab(symbols, { specials: [PAD, BOS, EOS] });
  const bos = vocab.id(BOS);
  const eos = vocab.id(EOS);
  const width = maxLength + 1;
  const src = new Int32Array(n * maxLength);
  const tgtIn = new Int32Array(n * width);
  const tgtOut = new Int32Array(n * width);
  const srcLengths = new Int32Array(n);
  const tgtLengths = new Int32Array(n);
  const inputs: string[] = [];
  const targets: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = g.int(minLength, maxLength + 1);
    let input = '';
    for (let t = 0; t < len; t++) input += symbols[g.int(0, digits)];
    const output = transform(input);
    src.set(vocab.encode(input), i * maxLength);
    const out = vocab.encode(output);
    tgtIn[i * width] = bos;
    tgtIn.set(out, i * width + 1);
    tgtOut.set(out, i * width);
    tgtOut[i * width + out.length] = eos;
    srcLengths[i] = len;
    tgtLengths[i] = out.length + 1;
    inputs.push(input);
    targets.push(output);
  }
  return {
    src: new Tensor(src, [n, maxLength]),
    srcLengths: new Tensor(srcLengths, [n]),
    tgtIn: new Tensor(tgtIn, [n, width]),
    tgtOut: new Tensor(tgtOut, [n, width]),
    tgtLengths: new Tensor(tgtLengths, [n]),
    inputs,
    targets,
    vocab,
  };
}

/**
 * Reverse a string of digits ("3141" → "1413"): the classic first sequence-to-sequence exercise, where
 * attention (or reading the input backwards) helps.
 *
 * ```ts
 * const task = makeReverseTask({ n: 5000, length: [3, 10], seed: 0 });
 * task.vocab.decode(task.tgtOut.toList().slice(0, 11)); // the first target
 * ```
 */
export function makeReverseTask(options: SequenceTaskOptions = {}): Seq2SeqTask {
  return makeDigitTask(options, 'makeReverseTask', (s) => [...s].reverse().join(''));
}

/** Sort a string of digits ascending ("3141" → "1134"), with the layout of {@link makeReverseTask}. */
export function makeSortTask(options: SequenceTaskOptions = {}): Seq2SeqTask {
  return makeDigitTask(options, 'makeSortTask', (s) => [...s].sort().join(''));
}

export interface AddingProblemOptions extends SeededOptions {
  /** Number of sequences (default 1000). */
  n?: number;
  /** Time steps per sequence (default 50). */
  length?: number;
}

/** A sequence regression set: inputs `[n, length, features]`, targets `[n, outputs]`. */
export interface SequenceRegression {
  x: Tensor;
  y: Tensor;
}

/**
 * The adding problem (Hochreiter & Schmidhuber, 1997; Le et al., 2015): each step carries a random value in
 * [0, 1) and a marker; exactly two steps are marked, one in each half, and the target is the sum of their
 * values. Always predicting 1 gives an MSE of about 0.167, the bar a model must beat; solving it needs
 * memory across the whole sequence.
 *
 * `x` is float32 `[n, length, 2]` (value, marker), batch first; `y` is float32 `[n, 1]`.
 */
export function makeAddingProblem(options: AddingProblemOptions = {}): SequenceRegression {
  const where = 'makeAddingProblem';
  const { n = 1000, length = 50 } = options;
  positiveInt(where, 'n', n);
  if (!Number.isInteger(length) || length < 2)
    throw new ValueError(`${where}: length must be an integer ≥ 2, got ${length}`);
  const g = generatorOf(options);
  const half = Math.floor(length / 2);
  const x = new Float32Array(n * length * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < length; t++) x[(i * length + t) * 2] = g.random();
    const a = g.int(0, half);
    const b = g.int(half, length);
    x[(i * length + a) * 2 + 1] = 1;
    x[(i * length + b) * 2 + 1] = 1;
    y[i] = x[(i * length + a) * 2] + x[(i * length + b) * 2];
  }
  return { x: new Tensor(x, [n, length, 2]), y: new Tensor(y, [n, 1]) };
}

export interface SineWavesOptions extends SeededOptions {
  /** Number of sequences (default 1000). */
  n?: number;
  /** Observed time steps per sequence (default 50). */
  length?: number;
  /** How many following values to predict (default 1). */
  horizon?: number;
  /** Range of frequencies, in cycles per time step (default [0.02, 0.1]). */
  frequency?: readonly [number, number];
  /** Range of amplitudes (default [0.5, 1.5]). */
  amplitude?: readonly [number, number];
  /** Standard deviation of Gaussian noise on the observed values (targets stay clean; default 0). */
  noise?: number;
}

/**
 * Forecasting sine waves: each sequence is A·sin(2πft + φ) with A, f drawn from their ranges and φ from
 * [0, 2π); the model sees `length` steps and predicts the next `horizon` ones.
 *
 * `x` is float32 `[n, length, 1]`, batch first; `y` is float32 `[n, horizon]`.
 */
export function makeSineWaves(options: SineWavesOptions = {}): SequenceRegression {
  const where = 'makeSineWaves';
  const {
    n = 1000,
    length = 50,
    horizon = 1,
    frequency = [0.02, 0.1],
    amplitude = [0.5, 1.5],
    noise = 0,
  } = options;
  positiveInt(where, 'n', n);
  positiveInt(where, 'length', length);
  positiveInt(where, 'horizon', horizon);
  for (const [name, [lo, hi]] of [
    ['frequency', frequency],
    ['amplitude', amplitude],
  ] as const) {
    if (!(lo <= hi) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw new ValueError(`${where}: ${name} must be [min, max] with min ≤ max, got [${lo}, ${hi}]`);
    }
  }
  if (!(noise >= 0) || !Number.isFinite(noise))
    throw new ValueError(`${where}: noise must be ≥ 0, got ${noise}`);
  const g = generatorOf(options);
  const x = new Float32Array(n * length);
  const y = new Float32Array(n * horizon);
  for (let i = 0; i < n; i++) {
    const f = frequency[0] + (frequency[1] - frequency[0]) * g.random();
    const a = amplitude[0] + (amplitude[1] - amplitude[0]) * g.random();
    const phase = 2 * Math.PI * g.random();
    const at = (t: number) => a * Math.sin(2 * Math.PI * f * t + phase);
    for (let t = 0; t < length; t++) x[i * length + t] = at(t) + (noise > 0 ? noise * g.normal() : 0);
    for (let h = 0; h < horizon; h++) y[i * horizon + h] = at(length + h);
  }
  return { x: new Tensor(x, [n, length, 1]), y: new Tensor(y, [n, horizon]) };
}

export interface SequentialImagesOptions {
  /** One pixel per time step, `[N, H·W, 1]` (the hard "pixel MNIST"), instead of one row per step (default false). */
  pixelwise?: boolean;
}

/**
 * Images as sequences for recurrent models ("sequential MNIST"): `[N, 1, H, W]`, `[N, H, W]` or flat
 * `[N, 784]` images become `[N, H, W]`, one row of pixels per time step, batch first (give the RNN
 * `batchFirst: true`). With `pixelwise`, `[N, H·W, 1]`.
 *
 * ```ts
 * const { images, labels } = loadMnist();
 * const seq = sequentialMnist(images); // [8000, 28, 28]
 * ```
 */
export function sequentialMnist(images: Tensor, options: SequentialImagesOptions = {}): Tensor {
  const where = 'sequentialMnist';
  if (!(images instanceof Tensor)) throw new ValueError(`${where}: expected a Tensor`);
  const s = images.shape;
  let h: number;
  let w: number;
  if (s.length === 4 && s[1] === 1) [h, w] = [s[2], s[3]];
  else if (s.length === 3) [h, w] = [s[1], s[2]];
  else if (s.length === 2 && Number.isInteger(Math.sqrt(s[1]))) [h, w] = [Math.sqrt(s[1]), Math.sqrt(s[1])];
  else {
    throw new ShapeError(
      `${where}: expected images [N, 1, H, W], [N, H, W] or square flat [N, H·W], got ${fmtShape(s)}`,
    );
  }
  return reshape(images, options.pixelwise ? [s[0], h * w, 1] : [s[0], h, w]);
}

export interface NextTokenWindowsOptions {
  /** Tokens per window (the truncated-backpropagation length). */
  seqLength: number;
  /** Distance between window starts (default `seqLength`: windows side by side, no overlap). */
  stride?: number;
}

/**
 * Cuts a long token sequence (an encoded text) into training windows for next-token prediction: `x` holds
 * `seqLength` tokens and `y` the same tokens shifted one step ahead, both int32 `[windows, seqLength]`.
 *
 * ```ts
 * const ids = vocab.encode(text);
 * const { x, y } = nextTokenWindows(ids, { seqLength: 100 });
 * ```
 */
export function nextTokenWindows(
  ids: Tensor | ArrayLike<number>,
  options: NextTokenWindowsOptions,
): { x: Tensor; y: Tensor } {
  const where = 'nextTokenWindows';
  const { seqLength, stride = seqLength } = options;
  positiveInt(where, 'seqLength', seqLength);
  positiveInt(where, 'stride', stride);
  if (ids instanceof Tensor && ids.ndim !== 1) {
    throw new ShapeError(`${where}: expected a 1-D sequence of ids, got shape ${fmtShape(ids.shape)}`);
  }
  const values = ids instanceof Tensor ? ids.data : ids;
  if (values.length < seqLength + 1) {
    throw new ValueError(`${where}: ${values.length} tokens are too few for one window of ${seqLength} + 1`);
  }
  if (!(values instanceof Int32Array)) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isInteger(values[i]))
        throw new ValueError(`${where}: token ${i} is ${values[i]}, not an integer id`);
    }
  }
  const windows = Math.floor((values.length - seqLength - 1) / stride) + 1;
  const x = new Int32Array(windows * seqLength);
  const y = new Int32Array(windows * seqLength);
  for (let w = 0; w < windows; w++) {
    for (let t = 0; t < seqLength; t++) {
      x[w * seqLength + t] = values[w * stride + t];
      y[w * seqLength + t] = values[w * stride + t + 1];
    }
  }
  return { x: new Tensor(x, [windows, seqLength]), y: new Tensor(y, [windows, seqLength]) };
}
