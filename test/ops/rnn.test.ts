import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';
import {
  gruCell,
  gruCellStep,
  lstmCell,
  lstmCellStep,
  lstmSequence,
  rnnCellStep,
  splitParts,
  unbind,
} from '../../src/ops/rnn.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

const randn = (shape: number[], seed = 1) => nt.randn(shape, { generator: new nt.Generator(seed) });

forEachBackend('rnn ops', (_b, it) => {
  it('unbind matches select, and its gradient puts zeros where a piece was not used', () => {
    const x = randn([4, 2, 3], 1).requiresGrad_();
    const parts = unbind(x, 0);
    expect(parts).toHaveLength(4);
    parts.forEach((p, i) => {
      expect(p.shape).toEqual([2, 3]);
      expect(Array.from(p.data)).toEqual(Array.from(nt.select(x, 0, i).data));
    });
    // pieces 1 and 3 only, weighted differently
    nt.add(parts[1].mul(2).sum(), parts[3].mul(-1).sum()).backward();
    const g = x.grad!.toArray() as number[][][];
    expect(g[0].flat()).toEqual(new Array(6).fill(0));
    expect(g[1].flat()).toEqual(new Array(6).fill(2));
    expect(g[2].flat()).toEqual(new Array(6).fill(0));
    expect(g[3].flat()).toEqual(new Array(6).fill(-1));
  });

  it('unbind and splitParts gradcheck along inner axes, also when x has other consumers', () => {
    gradcheck(
      (x) =>
        nt.stack(
          unbind(x, 1).map((p, i) => p.mul(i + 1)),
          0,
        ),
      [randn([2, 3, 2], 1)],
    );
    gradcheck(
      (x) => {
        const [a, b, c] = splitParts(x, [1, 3, 2], 1);
        return nt.concat([c.tanh(), a.mul(b.sum(1, true)), x.sum(1, true)], 1);
      },
      [randn([3, 6], 2)],
    );
  });

  it('splitParts gives a fresh gradient on every backward pass through a retained graph', () => {
    const x = randn([2, 4], 3).requiresGrad_();
    const [a, b] = splitParts(x, 2, 1);
    const y = nt.add(a.mul(3).sum(), b.sum());
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(Array.from(x.grad!.data)).toEqual([6, 6, 2, 2, 6, 6, 2, 2]);
  });

  it('splitParts checks its sizes', () => {
    expect(() => splitParts(nt.zeros([2, 5]), 2, 1)).toThrow(ValueError);
    expect(() => splitParts(nt.zeros([2, 5]), [2, 2], 1)).toThrow(ShapeError);
  });

  it('the cell steps follow the equations written out with plain ops', () => {
    const N = 2;
    const H = 3;
    const h = randn([N, H], 1);
    const c = randn([N, H], 2);
    const sig = (t: nt.Tensor) => t.sigmoid();
    const hh = (w: nt.Tensor, b: nt.Tensor) => nt.add(nt.matmul(h, nt.transpose(w)), b);
    // RNN
    const xr = randn([N, H], 3);
    const wr = randn([H, H], 4);
    const br = randn([H], 5);
    expectClose(rnnCellStep(xr, h, wr, br).data, nt.add(xr, hh(wr, br)).tanh().data, {}, 'rnn tanh');
    expectClose(rnnCellStep(xr, h, wr, null, 'relu').data, nt.add(xr, hh(wr, nt.zeros([H]))).relu().data);
    // LSTM
    const xl = randn([N, 4 * H], 6);
    const wl = randn([4 * H, H], 7);
    const bl = randn([4 * H], 8);
    const gates = nt.add(xl, hh(wl, bl));
    const [i, f, g, o] = nt.split(gates, H, 1);
    const cRef = nt.add(sig(f).mul(c), sig(i).mul(g.tanh()));
    const [hOut, cOut] = lstmCellStep(xl, h, c, wl, bl);
    expectClose(cOut.data, cRef.data, {}, 'lstm c');
    expectClose(hOut.data, sig(o).mul(cRef.tanh()).data, {}, 'lstm h');
    // GRU
    const xg = randn([N, 3 * H], 9);
    const wg = randn([3 * H, H], 10);
    const bg = randn([3 * H], 11);
    const [xrg, xz, xn] = nt.split(xg, H, 1);
    const [hr, hz, hn] = nt.split(hh(wg, bg), H, 1);
    const r = sig(nt.add(xrg, hr));
    const z = sig(nt.add(xz, hz));
    const n = nt.add(xn, r.mul(hn)).tanh();
    const ref = nt.add(nt.sub(1, z).mul(n), z.mul(h));
    expectClose(gruCellStep(xg, h, wg, bg).data, ref.data, {}, 'gru h');
  });

  it('the fused LSTM and GRU cells give the values and gradients of the same cells composed from ops', () => {
    const N = 5;
    const H = 7;
    const sig = (t: nt.Tensor) => t.sigmoid();
    /** Values and input gradients of f under the upstream gradients `ups`, one per output. */
    const run = (f: (...xs: nt.Tensor[]) => nt.Tensor[], inputs: nt.Tensor[], ups: nt.Tensor[]) => {
      const xs = inputs.map((x) =>
        nt.tensor(x.data.slice() as Float32Array, x.shape, { requiresGrad: true }),
      );
      const outs = f(...xs);
      let loss = nt.sum(nt.mul(outs[0], ups[0]));
      for (let k = 1; k < outs.length; k++) loss = nt.add(loss, nt.sum(nt.mul(outs[k], ups[k])));
      loss.backward();
      return { outs: outs.map((o) => o.data), grads: xs.map((x) => x.grad?.data ?? null) };
    };
    const compare = (a: ReturnType<typeof run>, b: ReturnType<typeof run>, what: string) => {
      for (let k = 0; k < a.outs.length; k++) expectClose(a.outs[k], b.outs[k], {}, `${what} output ${k}`);
      for (let k = 0; k < a.grads.length; k++) {
        const g = a.grads[k];
        expect(g, `${what} gradient ${k}`).not.toBeNull();
        expectClose(g as ArrayLike<number>, b.grads[k] as ArrayLike<number>, {}, `${what} gradient ${k}`);
      }
    };

    // LSTM, with pre-activations wide enough to saturate some gates
    const gates = nt.mul(randn([N, 4 * H], 21), 4);
    const c = randn([N, H], 22);
    const lstmComposed = (g: nt.Tensor, cPrev: nt.Tensor) => {
      const [i, f, gg, o] = nt.split(g, H, 1);
      const cNext = nt.add(sig(f).mul(cPrev), sig(i).mul(gg.tanh()));
      return [sig(o).mul(cNext.tanh()), cNext];
    };
    const ups = [randn([N, H], 23), randn([N, H], 24)];
    compare(
      run((g, cp) => lstmCell(g, cp), [gates, c], ups),
      run(lstmComposed, [gates, c], ups),
      'lstm',
    );
    // only h' used downstream: the cell state's gradient is zero, the gates' still flows
    compare(
      run((g, cp) => [lstmCell(g, cp)[0]], [gates, c], ups),
      run((g, cp) => [lstmComposed(g, cp)[0]], [gates, c], ups),
      'lstm h only',
    );

    // GRU
    const xProj = nt.mul(randn([N, 3 * H], 25), 3);
    const hProj = nt.mul(randn([N, 3 * H], 26), 3);
    const h = randn([N, H], 27);
    const gruComposed = (xp: nt.Tensor, hp: nt.Tensor, hPrev: nt.Tensor) => {
      const [xr, xz, xn] = nt.split(xp, H, 1);
      const [hr, hz, hn] = nt.split(hp, H, 1);
      const r = sig(nt.add(xr, hr));
      const z = sig(nt.add(xz, hz));
      const n = nt.add(xn, r.mul(hn)).tanh();
      return [nt.add(nt.sub(1, z).mul(n), z.mul(hPrev))];
    };
    compare(
      run((xp, hp, hPrev) => [gruCell(xp, hp, hPrev)], [xProj, hProj, h], [ups[0]]),
      run(gruComposed, [xProj, hProj, h], [ups[0]]),
      'gru',
    );
  });

  it('the fused cells gradcheck and refuse shapes that do not fit', () => {
    gradcheck((g, c) => nt.concat(lstmCell(g, c), 1), [randn([2, 8], 31), randn([2, 2], 32)]);
    gradcheck((x, p, h) => gruCell(x, p, h), [randn([2, 6], 33), randn([2, 6], 34), randn([2, 2], 35)]);
    expect(() => lstmCell(nt.zeros([2, 6]), nt.zeros([2, 2]))).toThrow(
      'lstmCell: gates [2, 6] do not fit cell state [2, 2] (expected [N, 4H] and [N, H])',
    );
    expect(() => gruCell(nt.zeros([2, 6]), nt.zeros([2, 6]), nt.zeros([3, 2]))).toThrow(ShapeError);
  });

  it('the cell steps gradcheck', () => {
    const H = 2;
    gradcheck(
      (x, h, w, b) => rnnCellStep(x, h, w, b),
      [randn([2, H], 1), randn([2, H], 2), randn([H, H], 3), randn([H], 4)],
    );
    gradcheck(
      (x, h, c, w, b) => nt.concat(lstmCellStep(x, h, c, w, b), 1),
      [randn([2, 4 * H], 5), randn([2, H], 6), randn([2, H], 7), randn([4 * H, H], 8), randn([4 * H], 9)],
    );
    gradcheck(
      (x, h, w, b) => gruCellStep(x, h, w, b),
      [randn([2, 3 * H], 10), randn([2, H], 11), randn([3 * H, H], 12), randn([3 * H], 13)],
    );
  });

  it('lstmSequence gives the values and gradients of lstmCellStep chained over the steps, both directions', () => {
    const [T, N, H] = [5, 3, 4];
    for (const reverse of [false, true]) {
      for (const steps of [1, T]) {
        const inputs = () => [
          randn([steps, N, 4 * H], 41),
          randn([N, H], 42),
          randn([N, H], 43),
          randn([4 * H, H], 44).mul(0.5),
        ];
        // upstream weights for every output: each step's h, and the final h and c
        const wHs = randn([steps, N, H], 45);
        const wH = randn([N, H], 46);
        const wC = randn([N, H], 47);
        const loss = (hs: nt.Tensor, hN: nt.Tensor, cN: nt.Tensor) =>
          nt.add(nt.add(hs.mul(wHs).sum(), hN.mul(wH).sum()), cN.mul(wC).sum());

        const fused = inputs().map((t) => t.requiresGrad_());
        const [hs, hN, cN] = lstmSequence(fused[0], fused[1], fused[2], fused[3], reverse);
        loss(hs, hN, cN).backward();

        const chained = inputs().map((t) => t.requiresGrad_());
        const outs: nt.Tensor[] = new Array(steps);
        let [h, c] = [chained[1], chained[2]];
        for (let i = 0; i < steps; i++) {
          const t = reverse ? steps - 1 - i : i;
          [h, c] = lstmCellStep(nt.select(chained[0], 0, t), h, c, chained[3], null);
          outs[t] = h;
        }
        const what = `${reverse ? 'reverse' : 'forward'}, ${steps} steps`;
        expectClose(hs.data, nt.stack(outs, 0).data, {}, `${what}: outputs`);
        expectClose(hN.data, h.data, {}, `${what}: h_T`);
        expectClose(cN.data, c.data, {}, `${what}: c_T`);
        loss(nt.stack(outs, 0), h, c).backward();
        ['proj', 'h0', 'c0', 'W_hh'].forEach((name, k) => {
          expectClose(fused[k].grad!.data, chained[k].grad!.data, {}, `${what}: gradient of ${name}`);
        });
      }
    }
  });

  it('lstmSequence gradchecks, runs a retained graph twice, skips the graph without gradients and checks shapes', () => {
    const H = 2;
    for (const reverse of [false, true]) {
      gradcheck(
        (p, h0, c0, w) => {
          const [hs, hN, cN] = lstmSequence(p, h0, c0, w, reverse);
          return nt.concat([hs.reshape([-1]), hN.reshape([-1]), cN.reshape([-1]).mul(2)], 0);
        },
        [randn([3, 2, 4 * H], 51), randn([2, H], 52), randn([2, H], 53), randn([4 * H, H], 54)],
      );
    }
    const p = randn([3, 2, 4 * H], 55).requiresGrad_();
    const w = randn([4 * H, H], 56).requiresGrad_();
    const [hs] = lstmSequence(p, nt.zeros([2, H]), nt.zeros([2, H]), w);
    const l = hs.sum();
    l.backward(undefined, { retainGraph: true });
    const first = Array.from(w.grad!.data);
    l.backward();
    expect(Array.from(w.grad!.data)).toEqual(first.map((v) => 2 * v));
    const plain = nt.noGrad(() => lstmSequence(p, nt.zeros([2, H]), nt.zeros([2, H]), w));
    expect(plain[0].requiresGrad).toBe(false);
    expectClose(plain[0].data, hs.data, {}, 'without gradients');
    expect(() =>
      lstmSequence(nt.zeros([3, 2, 7]), nt.zeros([2, 2]), nt.zeros([2, 2]), nt.zeros([8, 2])),
    ).toThrow(
      'lstmSequence: projections [3, 2, 7], states [2, 2] and [2, 2] and W_hh [8, 2] do not fit (expected [T ≥ 1, N, 4H], [N, H], [N, H] and [4H, H])',
    );
    expect(() =>
      lstmSequence(nt.zeros([0, 2, 8]), nt.zeros([2, 2]), nt.zeros([2, 2]), nt.zeros([8, 2])),
    ).toThrow(ShapeError);
  });
});
