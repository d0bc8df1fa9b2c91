/**
 * The MNIST digits that ship with neurite, as the studio's workers read them: `neurite studio` serves the
 * package's data/mnist (10,000 digits, gzipped bytes); the first 8,000 are for training, the last 2,000 for
 * testing, as the CLI's `loadMnist` splits them. Shared by every worker that trains on digits.
 */
import * as nt from 'neurite/browser';

export const PIXELS = 784;
export const IMAGES = 10_000;
export const TRAIN = 8_000;
/** MNIST's pixel mean and standard deviation (torchvision's Normalize; neurite's MNIST_MEAN/MNIST_STD in Node). */
export const MEAN = 0.1307;
export const STD = 0.3081;

export interface MnistData {
  /** Standardised pixels, as the CLI's MNIST presets feed them ((v/255 − 0.1307) / 0.3081). */
  images: Float32Array;
  bytes: Uint8Array;
  labels: Uint8Array;
}

async function fetchGzip(url: URL, expected: number): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`cannot load ${url.pathname}: the server answered ${res.status}`);
  const bytes = new Uint8Array(
    await new Response(res.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer(),
  );
  if (bytes.length !== expected) {
    throw new Error(`${url.pathname} holds ${bytes.length} bytes once unzipped, expected ${expected}`);
  }
  return bytes;
}

/** Loads the digits from `base`, the folder holding images.u8.gz and labels.u8.gz. */
export async function loadMnistData(base: string): Promise<MnistData> {
  const [bytes, labels] = await Promise.all([
    fetchGzip(new URL('images.u8.gz', base), IMAGES * PIXELS),
    fetchGzip(new URL('labels.u8.gz', base), IMAGES),
  ]);
  const images = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) images[i] = (bytes[i] / 255 - MEAN) / STD;
  return { images, bytes, labels };
}

/** The training indices 0 … TRAIN−1 in a random order drawn from `g` (Fisher–Yates). */
export function shuffledTrainOrder(g: nt.Generator): Int32Array {
  const order = Int32Array.from({ length: TRAIN }, (_, i) => i);
  for (let i = TRAIN - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Images [n, 1, 28, 28] (or [n, 784] when `flat`) from dataset indices. */
export function imageBatch(data: MnistData, indices: ArrayLike<number>, flat = false): nt.Tensor {
  const n = indices.length;
  const x = new Float32Array(n * PIXELS);
  for (let i = 0; i < n; i++)
    x.set(data.images.subarray(indices[i] * PIXELS, (indices[i] + 1) * PIXELS), i * PIXELS);
  return new nt.Tensor(x, flat ? [n, PIXELS] : [n, 1, 28, 28]);
}

/** The labels [n] (int32) of dataset indices. */
export function labelBatch(data: MnistData, indices: ArrayLike<number>): nt.Tensor {
  return new nt.Tensor(
    Int32Array.from({ length: indices.length }, (_, i) => data.labels[indices[i]]),
    [indices.length],
  );
}
