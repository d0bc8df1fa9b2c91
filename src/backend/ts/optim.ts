import type { AdamHyper } from '../backend.js';

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
