import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { gradcheck } from '../helpers/gradcheck.js';

describe('core smoke', () => {
  it('broadcast add and autograd', () => {
    const a = nt.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    const b = nt.tensor([10, 20, 30], { requiresGrad: true });
    const y = a.add(b).mul(a).sum();
    y.backward();
    expect(y.item()).toBe(1 * 11 + 2 * 22 + 3 * 33 + 4 * 14 + 5 * 25 + 6 * 36);
    expect(b.grad!.toArray()).toEqual([5, 7, 9]);
    expect(a.grad!.toArray()).toEqual([
      [12, 24, 36],
      [18, 30, 42],
    ]);
  });
  it('gradchecks matmul + softmax + logsumexp', () => {
    nt.manualSeed(1);
    gradcheck((x, w) => nt.logSoftmax(x.matmul(w), 1).logsumexp(0), [nt.randn([3, 4]), nt.randn([4, 5])]);
  });
});
