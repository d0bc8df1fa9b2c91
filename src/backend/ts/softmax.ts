export function softmax(x: Float32Array, rows: number, cols: number, log: boolean, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) if (x[base + j] > max) max = x[base + j];
    if (max === Number.NEGATIVE_INFINITY) max = 0;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[base + j] - max);
    if (log) {
      const lse = max + Math.log(sum);
      for (let j = 0; j < cols; j++) out[base + j] = x[base + j] - lse;
    } else {
      const inv = 1 / sum;
      for (let j = 0; j < cols; j++) out[base + j] = Math.exp(x[base + j] - max) * inv;
    }
  }
}

export function softmaxGrad(
  y: Float32Array,
  dy: Float32Array,
  rows: number,
  cols: number,
  log: boolean,
  out: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    if (log) {
      // d/dx log_softmax: dx = dy - softmax · Σdy
      let s = 0;
      for (let j = 0; j < cols; j++) s += dy[base + j];
      for (let j = 0; j < cols; j++) out[base + j] = dy[base + j] - Math.exp(y[base + j]) * s;
    } else {
      // d/dx softmax: dx = y · (dy - Σ y·dy)
      let s = 0;
      for (let j = 0; j < cols; j++) s += y[base + j] * dy[base + j];
      for (let j = 0; j < cols; j++) out[base + j] = y[base + j] * (dy[base + j] - s);
    }
  }
}

export function softmaxCrossEntropy(
  x: Float32Array,
  rows: number,
  cols: number,
  target: Int32Array,
  ignoreIndex: number,
  loss: Float32Array,
  logp: Float32Array,
): void {
  softmax(x, rows, cols, true, logp);
  for (let r = 0; r < rows; r++) {
    const t = target[r];
    loss[r] = t === ignoreIndex ? 0 : -logp[r * cols + t];
  }
}

export function softmaxCrossEntropyBackward(
  logp: Float32Array,
  rows: number,
  cols: number,
  target: Int32Array,
  scale: Float32Array,
  dx: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const s = scale[r];
    for (let j = 0; j < cols; j++) dx[base + j] = Math.exp(logp[base + j]) * s;
    const t = target[r];
    if (s !== 0 && t >= 0 && t < cols) dx[base + t] -= s;
  }
}
