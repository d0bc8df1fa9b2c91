import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { ValueError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend('dropout', (_b, it) => {
  it('is the identity when not training or p = 0', () => {
    const x = nt.randn([4, 5]);
    expect(nt.dropout(x, 0.5, { training: false })).toBe(x);
    expect(nt.dropout(x, 0)).toBe(x);
  });

  it('zeroes about p of the values, scales the rest by 1/(1-p), and passes the same mask to the gradient', () => {
    const x = nt.ones([10_000], { requiresGrad: true });
    const y = nt.dropout(x, 0.3, { generator: new nt.Generator(1) });
    const kept = Array.from(y.data).filter((v) => v !== 0);
    expect(Math.abs(kept.length / 10_000 - 0.7)).toBeLessThan(0.02);
    for (const v of kept) expect(v).toBeCloseTo(1 / 0.7, 5);
    y.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual(Array.from(y.data));
  });

  it('is reproducible from a seeded generator and zeroes everything at p = 1', () => {
    const x = nt.ones([50]);
    const a = nt.dropout(x, 0.5, { training: true, generator: new nt.Generator(9) });
    const b = nt.dropout(x, 0.5, { training: true, generator: new nt.Generator(9) });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(nt.dropout(x, 1).data).every((v) => v === 0)).toBe(true);
    expect(() => nt.dropout(x, 1.5)).toThrow(ValueError);
    expect(() => nt.dropout(x, Number.NaN)).toThrow(ValueError);
  });
});
