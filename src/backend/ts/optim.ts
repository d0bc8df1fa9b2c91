import type { AdagradHyper, AdamHyper, RmspropHyper, SgdHyper } from '../backend.js';

/**
 * Adam in float32 arithmetic, as torch.optim on the CPU: every operation rounded to float (Math.fround) in the
 * order native/optim.cc writes it, so the compiled kernels give the same bits.
 */
export function adamStep(
  p: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vMax: Float32Array | null,
  h: AdamHyper,
): void {
  const f = Math.fround;
  const beta1 = f(h.beta1);
  const keep1 = f(1 - h.beta1);
  const beta2 = f(h.beta2);
  const keep2 = f(1 - h.beta2);
  const stepSize = f(h.stepSize);
  const bias2Sqrt = f(h.bias2Sqrt);
  const eps = f(h.eps);
  const decay = f(h.decay);
  const l2 = f(h.l2);
  const sign = f(h.sign);
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const w = f(p[i] * decay);
    const g = f(f(sign * grad[i]) + f(l2 * w));
    const mi = f(f(beta1 * m[i]) + f(keep1 * g));
    m[i] = mi;
    let vi = f(f(beta2 * v[i]) + f(f(keep2 * g) * g));
    v[i] = vi;
    if (vMax) {
      if (vi > vMax[i]) vMax[i] = vi;
      else vi = vMax[i];
    }
    p[i] = f(w - f(f(stepSize * mi) / f(f(f(Math.sqrt(vi)) / bias2Sqrt) + eps)));
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
