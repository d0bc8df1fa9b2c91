/**
 * The training data of the epoch cases, as a source that the case code calls: the MNIST digits in Node
 * (bench/neurite.ts, bench/tfjs.ts), seeded synthetic data of the same shape in a browser page, which has no file
 * system (bench/browser-*.ts). Browser-safe: no Node imports.
 */

/** `samples` images of 28×28 pixels (row-major, one channel: the same bytes in NCHW and NHWC) and their digits. */
export interface MnistData {
  samples: number;
  images: Float32Array;
  labels: Int32Array;
}

/** Where a case gets its training data. */
export type MnistSource = () => MnistData;

/**
 * `samples` images of MNIST's shape and value range from a seeded generator (mulberry32): about a fifth of the
 * pixels lit in [0, 1), the rest 0, as in the digits, and labels spread evenly over 0–9. The kernels' time does
 * not depend on the values, so an epoch on these takes as long as one on the digits.
 */
export function syntheticMnist(samples: number, seed = 0): MnistData {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const images = new Float32Array(samples * 784);
  for (let i = 0; i < images.length; i++) images[i] = next() < 0.19 ? next() : 0;
  const labels = new Int32Array(samples);
  for (let i = 0; i < samples; i++) labels[i] = Math.floor(next() * 10);
  return { samples, images, labels };
}
