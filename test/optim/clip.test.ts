import { describe, expect, it } from 'vitest';
import { nn, optim, Tensor } from '../../src/index.js';
import { expectClose } from '../helpers/gradcheck.js';
import { fixture } from './fixture.js';

const clip = fixture.clip as {
  shapes: number[][];
  grads: number[][];
  norm: { maxNorm: number; normType: number; totalNorm: number; grads: number[][] }[];
  value: { clipValue: number; grads: number[][] }[];
};
const TOL = { rtol: 1e-5, atol: 1e-7 };

function withGrads(): nn.Parameter[] {
  return clip.shapes.map((s, i) => {
    const p = new nn.Parameter(new Float32Array(clip.grads[i].length), s);
    p.grad = new Tensor(Float32Array.from(clip.grads[i]), s);
    return p;
  });
}

describe('clipGradNorm against torch.nn.utils.clip_grad_norm_', () => {
  it.each(clip.norm.map((c) => [c.maxNorm, c.normType, c] as const))(
    'maxNorm %s, normType %s',
    (_, __, c) => {
      const ps = withGrads();
      const total = optim.clipGradNorm(ps, c.maxNorm, c.normType);
      expectClose([total], [c.totalNorm], TOL, 'total norm');
      ps.forEach((p, i) => {
        expectClose(p.grad!.data, c.grads[i], TOL, `grad ${i}`);
      });
    },
  );

  it('scales a gradient shared by two parameters once', () => {
    const a = new nn.Parameter(new Float32Array([1, 2]), [2]);
    const b = new nn.Parameter(new Float32Array([3, 4]), [2]);
    a.add(b).sum().backward(); // both receive the same gradient of ones
    const total = optim.clipGradNorm([a, b], 1);
    expect(total).toBeCloseTo(2, 6);
    expectClose(a.grad!.data, [0.5, 0.5]);
    expectClose(b.grad!.data, [0.5, 0.5]);
  });

  it('skips parameters without gradients, returns 0 when none has one, and rejects bad arguments', () => {
    const a = new nn.Parameter(new Float32Array([1]), [1]);
    expect(optim.clipGradNorm([a], 1)).toBe(0);
    a.grad = new Tensor(new Float32Array([3]), [1]);
    const b = new nn.Parameter(new Float32Array([1]), [1]);
    expect(optim.clipGradNorm([a, b], 1)).toBe(3);
    expect(b.grad).toBeNull();
    expect(() => optim.clipGradNorm([a], -1)).toThrow(/maxNorm must be >= 0, got -1/);
    expect(() => optim.clipGradNorm([a], 1, 0)).toThrow(/normType must be > 0/);
    a.grad = new Tensor(new Float32Array([Number.NaN]), [1]);
    expect(() => optim.clipGradNorm(a, 1, 2, { errorIfNonfinite: true })).toThrow(/total norm of order 2/);
  });
});

describe('clipGradValue against torch.nn.utils.clip_grad_value_', () => {
  it.each(clip.value.map((c) => [c.clipValue, c] as const))('clipValue %s', (_, c) => {
    const ps = withGrads();
    optim.clipGradValue(ps, c.clipValue);
    ps.forEach((p, i) => {
      expectClose(p.grad!.data, c.grads[i], { rtol: 0, atol: 0 }, `grad ${i}`);
    });
  });

  it('rejects a negative clip value', () => {
    expect(() => optim.clipGradValue([], -1)).toThrow(/clipValue must be >= 0, got -1/);
  });
});
