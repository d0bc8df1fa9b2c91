/**
 * Fused batch normalisation: per-channel statistics, the normalisation with its affine part (and an optional
 * ReLU after it), and the whole gradient in one kernel each. Channel sums are float64.
 */
import type { BatchNormInfo } from '../backend.js';
import { unaryGrad } from './elementwise.js';

export function batchNormStats(
  x: Float32Array,
  batch: number,
  channels: number,
  inner: number,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const count = batch * inner;
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let b = 0; b < batch; b++) {
      const row = (b * channels + c) * inner;
      for (let k = 0; k < inner; k++) s += x[row + k];
    }
    const mu = s / count;
    // two passes: the centred sum of squares does not cancel catastrophically
    let q = 0;
    for (let b = 0; b < batch; b++) {
      const row = (b * channels + c) * inner;
      for (let k = 0; k < inner; k++) {
        const d = x[row + k] - mu;
        q += d * d;
      }
    }
    mean[c] = mu;
    variance[c] = q / count;
  }
}

export function batchNorm(
  x: Float32Array,
  batch: number,
  channels: number,
  inner: number,
  mean: Float32Array,
  invStd: Float32Array,
  weight: Float32Array | null,
  bias: Float32Array | null,
  out: Float32Array,
  relu: boolean,
): void {
  for (let c = 0; c < channels; c++) {
    const scale = invStd[c] * (weight ? weight[c] : 1);
    const shift = (bias ? bias[c] : 0) - mean[c] * scale;
    for (let b = 0; b < batch; b++) {
      const row = (b * channels + c) * inner;
      if (relu) {
        // the float value, then Math.max as the ReLU kernel (NaN stays NaN, −0 becomes +0)
        for (let k = 0; k < inner; k++) out[row + k] = Math.max(Math.fround(x[row + k] * scale + shift), 0);
      } else {
        for (let k = 0; k < inner; k++) out[row + k] = x[row + k] * scale + shift;
      }
    }
  }
}

export function batchNormBackward(
  x: Float32Array,
  dy: Float32Array,
  mean: Float32Array,
  invStd: Float32Array,
  weight: Float32Array | null,
  info: BatchNormInfo,
  dx: Float32Array,
  dWeight: Float32Array,
  dBias: Float32Array,
  y: Float32Array | null,
): void {
  const { batch, channels, inner, training } = info;
  const count = batch * inner;
  // with a ReLU after the norm (y its output), the upstream gradient goes through the ReLU's own gradient first
  if (y) {
    const masked = new Float32Array(dy.length);
    unaryGrad('relu', y, y, dy, masked, 0);
    dy = masked;
  }
  for (let c = 0; c < channels; c++) {
    const mu = mean[c];
    const is = invStd[c];
    let sdy = 0;
    let sdyx = 0;
    for (let b = 0; b < batch; b++) {
      const row = (b * channels + c) * inner;
      for (let k = 0; k < inner; k++) {
        const g = dy[row + k];
        sdy += g;
        sdyx += g * (x[row + k] - mu);
      }
    }
    sdyx *= is;
    dBias[c] = sdy;
    dWeight[c] = sdyx;
    const scale = is * (weight ? weight[c] : 1);
    if (!training) {
      for (let b = 0; b < batch; b++) {
        const row = (b * channels + c) * inner;
        for (let k = 0; k < inner; k++) dx[row + k] = dy[row + k] * scale;
      }
      continue;
    }
    // dx = w·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)): the batch statistics' own gradient terms
    const mdy = sdy / count;
    const mdyx = (sdyx / count) * is;
    for (let b = 0; b < batch; b++) {
      const row = (b * channels + c) * inner;
      for (let k = 0; k < inner; k++) {
        dx[row + k] = scale * (dy[row + k] - mdy - (x[row + k] - mu) * mdyx);
      }
    }
  }
}
