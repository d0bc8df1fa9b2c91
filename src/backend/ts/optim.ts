import type { AdagradHyper, AdamHyper, RmspropHyper, SgdHyper } from '../backend.js';

export function adamStep(
  p: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vMax: Float32Array | null,
  h: AdamHyper,
): void {
  const { beta1, beta2, stepSize, bias2Sqrt, eps, decay, l2, sign } = h;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const w = p[i] * decay;
    const g = sign * grad[i] + l2 * w;
    const mi = beta1 * m[i] + (1 - beta1) * g;
    m[i] = mi;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    let vi = v[i];
    if (vMax) {
      if (vi > vMax[i]) vMax[i] = vi;
      else vi = vMax[i];
    }
    p[i] = w - (stepSize * mi) / (Math.sqrt(vi) / bias2Sqrt + eps);
  }
}

export function sgdStep(p: Float32Array, grad: Float32Array, buf: Float32Array | null, h: SgdHyper): void {
  const { lr, momentum, keep, l2, sign, nesterov } = h;
  const n = p.length;
  if (buf === null) {
    for (let i = 0; i < n; i++) p[i] -= lr * (sign * grad[i] + l2 * p[i]);
    return;
  }
  for (let i = 0; i < n; i++) {
    const d = sign * grad[i] + l2 * p[i];
    const b = momentum * buf[i] + keep * d;
    buf[i] = b;
    p[i] -= lr * (nesterov ? d + momentum * b : b);
  }
}

export function rmspropStep(
  p: Float32Array,
  grad: Float32Array,
  sq: Float32Array,
  avg: Float32Array | null,
  buf: Float32Array | null,
  h: RmspropHyper,
): void {
  const { lr, alpha, eps, l2, momentum, sign } = h;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = sign * grad[i] + l2 * p[i];
    sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
    let denom: number;
    if (avg) {
      avg[i] = alpha * avg[i] + (1 - alpha) * gi;
      denom = Math.sqrt(sq[i] - avg[i] * avg[i]) + eps;
    } else {
      denom = Math.sqrt(sq[i]) + eps;
    }
    if (buf) {
      buf[i] = momentum * buf[i] + gi / denom;
      p[i] -= lr * buf[i];
    } else {
      p[i] -= (lr * gi) / denom;
    }
  }
}

export function adagradStep(p: Float32Array, grad: Float32Array, sum: Float32Array, h: AdagradHyper): void {
  const { lr, eps, l2, sign } = h;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = sign * grad[i] + l2 * p[i];
    sum[i] += gi * gi;
    p[i] -= (lr * gi) / (Math.sqrt(sum[i]) + eps);
  }
}
