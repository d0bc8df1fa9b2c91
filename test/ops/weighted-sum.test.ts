/**
 * weightedSum: Σᵢ wᵢ·xᵢ in one op (a randomly wired network's aggregation). Its gradients by finite differences, its
 * values and gradients against the same sum written with mul and add (bit for bit: the same products, added in
 * the same order), the fused ReLU against relu(…), and its errors. PyTorch parity is in test/fixtures/ops.json.
 */
import { describe, expect, it as plainIt } from 'vitest';
import * as nt from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';

/** The same sum as products and additions, with the ReLU after it when asked. */
function composed(xs: nt.Tensor[], w: nt.Tensor, relu: boolean): nt.Tensor {
  let y = nt.mul(xs[0], nt.select(w, 0, 0));
  for (let i = 1; i < xs.length; i++) y = nt.add(y, nt.mul(xs[i], nt.select(w, 0, i)));
  return relu ? nt.relu(y) : y;
}

function gradsOf(loss: nt.Tensor, ts: nt.Tensor[]): Float32Array[] {
  for (const t of ts) t.grad = null;
  loss.backward();
  return ts.map((t) => t.grad!.data as Float32Array);
}

forEachBackend('weightedSum', (_b, it) => {
  it('gradcheck: one to four tensors, with and without the ReLU', () => {
    nt.manualSeed(5);
    for (const k of [1, 2, 4]) {
      const xs = Array.from({ length: k }, () => nt.randn([2, 3, 2]));
      gradcheck((w, ...rest) => nt.weightedSum(rest, w), [nt.randn([k]), ...xs]);
      // the ReLU's kink is not differentiable: draw until every sum is clear of it
      let w = nt.randn([k]);
      for (let tries = 0; tries < 50; tries++) {
        const y = nt.weightedSum(xs, w);
        if (Array.from(y.data as Float32Array).every((v) => Math.abs(v) > 0.05)) break;
        w = nt.randn([k]);
      }
      gradcheck((wt, ...rest) => nt.weightedSum(rest, wt, { relu: true }), [w, ...xs]);
    }
  });

  it('is the sum written with mul and add, values and gradients bit for bit, NaN included', () => {
    const g = new nt.Generator(3);
    for (const relu of [false, true]) {
      const xs = Array.from({ length: 3 }, () => nt.randn([4, 5, 3], { generator: g }));
      (xs[1].data as Float32Array)[7] = Number.NaN;
      const w = nt.sigmoid(nt.randn([3], { generator: g }));
      const up = nt.randn([4, 5, 3], { generator: g });
      const inputs = [...xs, w];
      for (const t of inputs) t.requiresGrad = true;
      const fused = nt.weightedSum(xs, w, { relu });
      const plain = composed(xs, w, relu);
      expect(Array.from(fused.data), `values${relu ? ' with ReLU' : ''}`).toEqual(Array.from(plain.data));
      const gf = gradsOf(nt.sum(nt.mul(fused, up)), inputs);
      const gp = gradsOf(nt.sum(nt.mul(plain, up)), inputs);
      // the inputs' gradients are the same products; the weights' are sums in another order
      for (let i = 0; i < 3; i++)
        expect(Array.from(gf[i]), `gradient of tensor ${i}`).toEqual(Array.from(gp[i]));
      const dw = Array.from(gf[3]);
      Array.from(gp[3]).forEach((v, i) => {
        if (Number.isNaN(v)) expect(dw[i]).toBeNaN();
        else expect(dw[i]).toBeCloseTo(v, 4);
      });
    }
  });

  it('sends gradients only where they are wanted, and adds up a tensor given twice', () => {
    const x = nt.randn([6]).requiresGrad_();
    const other = nt.randn([6]);
    const w = nt.tensor([0.5, 2, -1]);
    nt.weightedSum([x, other, x], w).sum().backward();
    expect(other.grad).toBeNull();
    expect(w.grad).toBeNull();
    // x appears with weights 0.5 and −1
    expect(Array.from(x.grad!.data)).toEqual(new Array(6).fill(-0.5));
  });
});

describe('weightedSum errors', () => {
  plainIt('names the op and the shapes', () => {
    const w2 = nt.ones([2]);
    expect(() => nt.weightedSum([nt.zeros([2, 3]), nt.zeros([3, 2])], w2)).toThrow(
      'weightedSum: tensor 1 has shape [3, 2], tensor 0 [2, 3]; all must have one shape',
    );
    expect(() => nt.weightedSum([nt.zeros([2]), nt.zeros([2])], nt.ones([3]))).toThrow(
      'weightedSum: weights have shape [3], expected [2] (one per tensor)',
    );
    expect(() => nt.weightedSum([nt.zeros([2])], nt.ones([1, 1]))).toThrow(
      'weightedSum: weights have shape [1, 1], expected [1] (one per tensor)',
    );
    expect(() => nt.weightedSum([], nt.ones([0]))).toThrow('weightedSum: needs at least one tensor');
    expect(() => nt.weightedSum([nt.zeros([2], { dtype: 'int32' })], nt.ones([1]))).toThrow(
      'weightedSum: tensor 0 must be float32, got int32',
    );
    expect(() => nt.weightedSum([nt.zeros([2])], nt.ones([1]), { relu: 1 as never })).toThrow(/relu/);
    expect(() => nt.weightedSum(nt.zeros([2]) as never, w2)).toThrow(
      'weightedSum: tensors must be an array of tensors',
    );
  });
});
