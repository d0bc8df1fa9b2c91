import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { FormatError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/** Pixel mean of the full MNIST training set (60,000 images, values in [0, 1]), as torchvision examples use. */
export const MNIST_MEAN = 0.1307;
/** Pixel standard deviation of the full MNIST training set (values in [0, 1]). */
export const MNIST_STD = 0.3081;

const IMAGES = 10_000;
const TRAIN = 8_000;
const PIXELS = 28 * 28;

export interface MnistOptions {
  /** `'train'`: the first 8,000 digits (default); `'test'`: the last 2,000; `'all'`: all 10,000. */
  split?: 'train' | 'test' | 'all';
  /** Images as `[N, 784]` instead of `[N, 1, 28, 28]` (default false). */
  flatten?: boolean;
  /**
   * Pixel scaling: `'unit'` divides by 255 into [0, 1] (default); `'standard'` further subtracts
   * {@link MNIST_MEAN} and divides by {@link MNIST_STD}, like torchvision's `Normalize((0.1307,), (0.3081,))`;
   * `'none'` keeps the raw values 0…255 (as float32).
   */
  normalize?: 'unit' | 'standard' | 'none';
  /** The folder holding `images.u8.gz` and `labels.u8.gz` (default: the copy shipped in neurite's `data/mnist`). */
  dataDir?: string;
}

export interface Mnist {
  /** float32 `[N, 1, 28, 28]`, or `[N, 784]` with `flatten`. */
  images: Tensor;
  /** int32 `[N]`, the digits 0–9. */
  labels: Tensor;
}

/**
 * The folder of the MNIST copy shipped with neurite. This file sits two levels below the package root both as
 * `src/data/mnist.ts` and as `dist/data/mnist.js`, so the same relative path works from the sources, the
 * build, and an installed package.
 */
export function mnistDataDir(): string {
  return fileURLToPath(new URL('../../data/mnist/', import.meta.url));
}

function readGzip(dir: string, name: string, expectedBytes: number): Uint8Array {
  const file = join(dir, name);
  let compressed: Buffer;
  try {
    compressed = readFileSync(file);
  } catch (e) {
    throw new FormatError(`loadMnist: cannot read ${file}: ${(e as Error).message}`);
  }
  let bytes: Buffer;
  try {
    bytes = gunzipSync(compressed);
  } catch (e) {
    throw new FormatError(`loadMnist: ${file} is not valid gzip data: ${(e as Error).message}`);
  }
  if (bytes.length !== expectedBytes) {
    throw new FormatError(
      `loadMnist: ${file} holds ${bytes.length} bytes once unzipped, expected ${expectedBytes}`,
    );
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * Loads the 10,000 real MNIST digits that ship with neurite (see data/mnist/README.md): a fixed, stratified
 * split of 8,000 training and 2,000 test images. Node only.
 *
 * ```ts
 * const { images, labels } = loadMnist({ split: 'train', flatten: true }); // [8000, 784], [8000]
 * ```
 */
export function loadMnist(options: MnistOptions = {}): Mnist {
  const { split = 'train', flatten = false, normalize = 'unit', dataDir = mnistDataDir() } = options;
  if (split !== 'train' && split !== 'test' && split !== 'all') {
    throw new ValueError(`loadMnist: split must be 'train', 'test' or 'all', got ${JSON.stringify(split)}`);
  }
  if (normalize !== 'unit' && normalize !== 'standard' && normalize !== 'none') {
    throw new ValueError(
      `loadMnist: normalize must be 'unit', 'standard' or 'none', got ${JSON.stringify(normalize)}`,
    );
  }
  const pixels = readGzip(dataDir, 'images.u8.gz', IMAGES * PIXELS);
  const digits = readGzip(dataDir, 'labels.u8.gz', IMAGES);

  const [start, end] = split === 'train' ? [0, TRAIN] : split === 'test' ? [TRAIN, IMAGES] : [0, IMAGES];
  const n = end - start;

  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const d = digits[start + i];
    if (d > 9) {
      throw new FormatError(
        `loadMnist: ${join(dataDir, 'labels.u8.gz')} has label ${d} at index ${start + i}`,
      );
    }
    labels[i] = d;
  }

  // the same arithmetic as torchvision's ToTensor (÷ 255) followed by Normalize
  const [divisor, mean, std] =
    normalize === 'none' ? [1, 0, 1] : normalize === 'unit' ? [255, 0, 1] : [255, MNIST_MEAN, MNIST_STD];
  const images = new Float32Array(n * PIXELS);
  const offset = start * PIXELS;
  for (let i = 0; i < images.length; i++) images[i] = (pixels[offset + i] / divisor - mean) / std;

  return {
    images: new Tensor(images, flatten ? [n, PIXELS] : [n, 1, 28, 28]),
    labels: new Tensor(labels, [n]),
  };
}
