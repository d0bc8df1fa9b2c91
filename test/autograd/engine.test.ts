import { describe, expect, it } from 'vitest';
import { record } from '../../src/autograd/engine.js';
import * as nt from '../../src/index.js';
import { DTypeError, GradError, ShapeError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';

const values = (t: nt.Tensor | null) => Array.from(t!.data);

forEachBackend('autograd engine', (_backend, it) => {
  it('accumulates gradients over two backward calls', () => {
    const x = nt.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(values(x.grad)).toEqual([2, 4, 6]);
    x.mul(3).sum().backward();
    expect(values(x.grad)).toEqual([5, 7, 9]);
  });

  it('sums the paths of a tensor used twice (diamond)', () => {
    const x = nt.tensor([0.5, -1], { requiresGrad: true });
    const h = x.exp(); // used by both branches
    const y = h.mul(2).add(h.square());
    y.sum().backward();
    const e = [Math.exp(0.5), Math.exp(-1)];
    // d/dx (2e^x + e^{2x}) = 2e^x + 2e^{2x}
    values(x.grad).forEach((g, i) => {
      expect(g).toBeCloseTo(2 * e[i] + 2 * e[i] * e[i], 5);
    });
  });

  it('handles an op that reads the same tensor twice', () => {
    const x = nt.tensor([3], { requiresGrad: true });
    nt.mul(x, x).mul(x).sum().backward();
    expect(values(x.grad)).toEqual([27]);
  });

  it('records nothing under noGrad, and enableGrad switches recording back on', () => {
    const x = nt.tensor([1, 2], { requiresGrad: true });
    const y = nt.noGrad(() => x.mul(2).sum());
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(nt.isGradEnabled()).toBe(true);
    const z = nt.noGrad(() => nt.enableGrad(() => x.mul(2)));
    expect(z.requiresGrad).toBe(true);
    expect(() => y.backward()).toThrow(GradError);
    // noGrad restores the previous state even when its body throws
    expect(() =>
      nt.noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(nt.isGradEnabled()).toBe(true);
  });

  it('detach cuts the graph', () => {
    const x = nt.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x);
    const z = y.detach().mul(x).sum(); // only the direct x path carries a gradient
    z.backward();
    expect(values(x.grad)).toEqual([1, 4]);
  });

  it('retainGraph allows a second backward; without it the second one throws a GradError', () => {
    const x = nt.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(values(x.grad)).toEqual([4, 8]);
    expect(() => y.backward()).toThrow(GradError);
    expect(() => y.backward()).toThrow(/released.*retainGraph/);
  });

  it('backward on a non-scalar needs a gradient of the same shape', () => {
    const x = nt.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    expect(() => y.backward()).toThrow(GradError);
    expect(() => y.backward()).toThrow(/non-scalar.*\[2\]/);
    expect(() => y.backward(nt.ones([3]))).toThrow(ShapeError);
    // PyTorch's backward(retain_graph=True) written as the first argument: said, not a TypeError from inside
    const s = y.sum();
    expect(() => s.backward({ retainGraph: true } as never)).toThrow(
      'backward: grad must be a Tensor, got an object; options go second: backward(undefined, { retainGraph: true })',
    );
    expect(() => s.backward([1] as never)).toThrow('backward: grad must be a Tensor, got an array');
    y.backward(nt.tensor([1, -1]));
    expect(values(x.grad)).toEqual([3, -3]);
  });

  it('backward on a tensor that does not require grad throws', () => {
    expect(() => nt.tensor([1]).mul(2).sum().backward()).toThrow(GradError);
  });

  it('keeps gradients of intermediates only with retainGrad', () => {
    const x = nt.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2).retainGrad();
    const k = x.mul(3);
    h.mul(k).sum().backward();
    expect(values(h.grad)).toEqual([3, 6]); // = k
    expect(k.grad).toBeNull();
    expect(h.isLeaf).toBe(false);
    expect(x.isLeaf).toBe(true);
  });

  it('reduces broadcast gradients back to each input shape', () => {
    const a = nt.tensor([[1], [2], [3]], { requiresGrad: true }); // [3, 1]
    const b = nt.tensor([[10, 20, 30, 40]], { requiresGrad: true }); // [1, 4]
    const c = nt.tensor(2, { requiresGrad: true }); // []
    a.add(b).mul(c).sum().backward();
    expect(a.grad!.shape).toEqual([3, 1]);
    expect(values(a.grad)).toEqual([8, 8, 8]);
    expect(b.grad!.shape).toEqual([1, 4]);
    expect(values(b.grad)).toEqual([6, 6, 6, 6]);
    expect(c.grad!.shape).toEqual([]);
    expect(values(c.grad)).toEqual([3 * 100 + 4 * 6]);
    const d = nt.tensor([1, 2, 3, 4], { requiresGrad: true }); // rank mismatch: [4] against [2, 3, 4]
    nt.mul(d, nt.ones([2, 3, 4]))
      .sum()
      .backward();
    expect(values(d.grad)).toEqual([6, 6, 6, 6]);
  });

  it('refuses requiresGrad on int and bool tensors', () => {
    expect(() => nt.tensor([1, 2], { dtype: 'int32' }).requiresGrad_()).toThrow(DTypeError);
    expect(() => {
      nt.tensor([true]).requiresGrad = true;
    }).toThrow(DTypeError);
    expect(() => nt.arange(3).requiresGrad_()).toThrow(/only float32/);
  });

  it('does not let a non-leaf turn gradients off', () => {
    const y = nt.tensor([1], { requiresGrad: true }).mul(2);
    expect(() => {
      y.requiresGrad = false;
    }).toThrow(/detach/);
  });

  it('gives every leaf its own gradient array', () => {
    // add passes the same upstream gradient to both inputs; in-place gradient edits (clipping, zeroing) of one
    // leaf must not show up in the other
    const a = nt.tensor([1, 2], { requiresGrad: true });
    const b = nt.tensor([3, 4], { requiresGrad: true });
    const seed = nt.tensor([1, 1]);
    a.add(b.reshape([2])).backward(seed);
    expect(a.grad!.data).not.toBe(b.grad!.data);
    expect(a.grad!.data).not.toBe(seed.data);
    a.grad!.data[0] = 100;
    expect(values(b.grad)).toEqual([1, 1]);
    const leaf = nt.tensor([5], { requiresGrad: true });
    const g = nt.tensor([2]);
    leaf.backward(g);
    expect(leaf.grad!.data).not.toBe(g.data);
  });

  it('never lets two .grad arrays, or a .grad and the seed, share memory, views included', () => {
    // a view of the caller's seed reaches a leaf
    const a = nt.tensor([1, 2, 3, 4], { requiresGrad: true });
    const seed = nt.tensor([1, 2, 3, 4]);
    a.reshape([2, 2]).backward(seed.reshape([2, 2]));
    expect(a.grad!.data.buffer).not.toBe(seed.data.buffer);
    // an intermediate that keeps its gradient, and the two leaves add hands the same gradient to
    const x = nt.tensor([1, 2], { requiresGrad: true });
    const y = nt.tensor([3, 4], { requiresGrad: true });
    const h = x.add(y.reshape([2]));
    h.retainGrad();
    h.mul(3).sum().backward();
    const buffers = [x.grad!, y.grad!, h.grad!].map((g) => g.data.buffer);
    expect(new Set(buffers).size).toBe(3);
    x.grad!.data[0] = 100;
    expect(values(y.grad)).toEqual([3, 3]);
    expect(values(h.grad)).toEqual([3, 3]);
  });

  it('int inputs of a float op get no gradient and do not block the float ones', () => {
    const x = nt.tensor([1.5, 2], { requiresGrad: true });
    const i = nt.tensor([2, 3], { dtype: 'int32' });
    x.mul(i).sum().backward();
    expect(values(x.grad)).toEqual([2, 3]);
    expect(i.grad).toBeNull();
  });

  it('skips branches that do not require gradients', () => {
    const x = nt.tensor([1, 2], { requiresGrad: true });
    const w = nt.tensor([5, 6]);
    const y = x.mul(w);
    expect(y.gradFn?.name).toBe('mul');
    y.sum().backward();
    expect(w.grad).toBeNull();
    expect(values(x.grad)).toEqual([5, 6]);
  });

  it('runs a deep chain without recursion limits', () => {
    const x = nt.tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20_000; i++) y = y.add(1);
    y.sum().backward();
    expect(values(x.grad)).toEqual([1]);
  });
});

describe('sumToShape', () => {
  it('sums leading and unit axes', () => {
    const g = nt.ones([2, 3, 4]);
    expect(nt.sumToShape(g, [3, 1]).toArray()).toEqual([[8], [8], [8]]);
    expect(() => nt.sumToShape(g, [2, 4])).toThrow(ShapeError);
  });
});

describe('gradcheck helper', () => {
  it('catches a wrong gradient rule', () => {
    // a deliberately wrong rule: d(x³)/dx reported as 2x²
    const cube = (x: nt.Tensor) =>
      record(
        nt.noGrad(() => x.mul(x).mul(x)),
        'cube',
        [x],
        (g) => [g.mul(x.square().mul(2))],
      );
    expect(() => gradcheck(cube, [nt.tensor([0.5, 1.5])])).toThrow(/gradcheck: input 0/);
    const right = (x: nt.Tensor) =>
      record(
        nt.noGrad(() => x.mul(x).mul(x)),
        'cube',
        [x],
        (g) => [g.mul(x.square().mul(3))],
      );
    gradcheck(right, [nt.tensor([0.5, 1.5])]);
  });
});
