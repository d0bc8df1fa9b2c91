import { expect } from 'vitest';
import { noGrad } from '../../src/autograd/engine.js';
import { Tensor } from '../../src/index.js';

/**
 * Central finite differences in float64 arithmetic on float32 storage, against the analytic gradient of
 * sum(f(inputs) * w) for a fixed random weighting w (so every output element matters).
 */
export function gradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  { eps = 1e-2, atol = 2e-3, rtol = 2e-2 }: { eps?: number; atol?: number; rtol?: number } = {},
): void {
  for (const x of inputs) x.requiresGrad = true;
  for (const x of inputs) x.grad = null;
  const out = f(...inputs);
  const w = new Float32Array(out.size).map((_, i) => Math.sin(i * 1.7 + 0.3) + 1.2);
  const wt = new Tensor(w, out.shape);
  out.mul(wt).sum().backward();
  const objective = (): number =>
    noGrad(() => {
      const o = f(...inputs);
      let s = 0;
      for (let i = 0; i < o.size; i++) s += o.data[i] * w[i];
      return s;
    });
  for (const [k, x] of inputs.entries()) {
    expect(x.grad, `input ${k} got no gradient`).not.toBeNull();
    const analytic = x.grad!.data;
    for (let i = 0; i < x.size; i++) {
      const orig = x.data[i];
      x.data[i] = orig + eps;
      const up = objective();
      x.data[i] = orig - eps;
      const down = objective();
      x.data[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(numeric - analytic[i]);
      if (err > atol + rtol * Math.abs(numeric)) {
        throw new Error(`gradcheck: input ${k} element ${i}: analytic ${analytic[i]} vs numeric ${numeric}`);
      }
    }
  }
}

/** Asserts two arrays agree elementwise within atol + rtol·|expected|. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-4 }: { atol?: number; rtol?: number } = {},
  what = 'value',
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (e === a) continue;
    const err = Math.abs(a - e);
    if (!(err <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${err})`);
    }
  }
}
