import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';
import {
  gruCell,
  gruCellStep,
  gruSequence,
  lstmCell,
  lstmCellStep,
  lstmSequence,
  rnnCellStep,
  rnnSequence,
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

  // Each sequence node against its cell step chained over the steps: [name, gate blocks, has c, has b_hh, run
  // the node, run one step]
  type Kind = {
    name: string;
    gates: number;
    cell: boolean;
    bias: boolean;
    node: (p: nt.Tensor, s: nt.Tensor[], w: nt.Tensor, b: nt.Tensor | null, reverse: boolean) => nt.Tensor[];
    step: (p: nt.Tensor, s: nt.Tensor[], w: nt.Tensor, b: nt.Tensor | null) => nt.Tensor[];
  };
  const kinds: Kind[] = [
    {
      name: 'lstmSequence',
      gates: 4,
      cell: true,
      bias: false,
      node: (p, [h, c], w, _b, r) => lstmSequence(p, h, c, w, r),
      step: (p, [h, c], w) => lstmCellStep(p, h, c, w, null),
    },
    ...[true, false].map(
      (bias): Kind => ({
        name: `gruSequence${bias ? '' : ' without b_hh'}`,
        gates: 3,
        cell: false,
        bias,
        node: (p, [h], w, b, r) => gruSequence(p, h, w, b, r),
        step: (p, [h], w, b) => [gruCellStep(p, h, w, b)],
      }),
    ),
    ...(['tanh', 'relu'] as const).map(
      (act): Kind => ({
        name: `rnnSequence ${act}`,
        gates: 1,
        cell: false,
        bias: false,
        node: (p, [h], w, _b, r) => rnnSequence(p, h, w, act, r),
        step: (p, [h], w) => [rnnCellStep(p, h, w, null, act)],
      }),
    ),
  ];

  it('the sequence nodes give the values and gradients of their cell steps chained, both directions', () => {
    const [N, H] = [3, 4];
    for (const kind of kinds) {
      for (const reverse of [false, true]) {
        for (const steps of [1, 5]) {
          const G = kind.gates * H;
          const inputs = () => [
            randn([steps, N, G], 41),
            randn([N, H], 42),
            ...(kind.cell ? [randn([N, H], 43)] : []),
            randn([G, H], 44).mul(0.5),
            ...(kind.bias ? [randn([G], 48)] : []),
          ];
          const nStates = kind.cell ? 2 : 1;
          const split = (xs: nt.Tensor[]) =>
            [xs[0], xs.slice(1, 1 + nStates), xs[1 + nStates], kind.bias ? xs[2 + nStates] : null] as const;
          // upstream weights for every output: each step's h, and the final states
          const wHs = randn([steps, N, H], 45);
          const wLast = [randn([N, H], 46), randn([N, H], 47)];
          const loss = (hs: nt.Tensor, last: nt.Tensor[]) =>
            last.reduce((l, s, k) => nt.add(l, s.mul(wLast[k]).sum()), hs.mul(wHs).sum());

          const fused = inputs().map((t) => t.requiresGrad_());
          const [fp, fs, fw, fb] = split(fused);
          const [hs, ...last] = kind.node(fp, fs, fw, fb, reverse);
          loss(hs, last).backward();

          const chained = inputs().map((t) => t.requiresGrad_());
          const [cp, cs, cw, cb] = split(chained);
          const outs: nt.Tensor[] = new Array(steps);
          let state = cs;
          for (let i = 0; i < steps; i++) {
            const t = reverse ? steps - 1 - i : i;
            state = kind.step(nt.select(cp, 0, t), state, cw, cb);
            outs[t] = state[0];
          }
          const what = `${kind.name}, ${reverse ? 'reverse' : 'forward'}, ${steps} steps`;
          expectClose(hs.data, nt.stack(outs, 0).data, {}, `${what}: outputs`);
          state.forEach((s, k) => {
            expectClose(last[k].data, s.data, {}, `${what}: final state ${k}`);
          });
          loss(nt.stack(outs, 0), state).backward();
          fused.forEach((t, k) => {
            expectClose(t.grad!.data, chained[k].grad!.data, {}, `${what}: gradient of input ${k}`);
          });
        }
      }
    }
  });

  it('the sequence nodes gradcheck, run a retained graph twice, skip the graph without gradients and check shapes', () => {
    const H = 2;
    const flat = (ts: nt.Tensor[]) =>
      nt.concat(
        ts.map((t, k) => t.reshape([-1]).mul(k + 1)),
        0,
      );
    for (const reverse of [false, true]) {
      gradcheck(
        (p, h0, c0, w) => flat(lstmSequence(p, h0, c0, w, reverse)),
        [randn([3, 2, 4 * H], 51), randn([2, H], 52), randn([2, H], 53), randn([4 * H, H], 54)],
      );
      gradcheck(
        (p, h0, w, b) => flat(gruSequence(p, h0, w, b, reverse)),
        [randn([3, 2, 3 * H], 61), randn([2, H], 62), randn([3 * H, H], 63), randn([3 * H], 64)],
      );
      gradcheck(
        (p, h0, w) => flat(rnnSequence(p, h0, w, 'tanh', reverse)),
        [randn([3, 2, H], 71), randn([2, H], 72), randn([H, H], 73)],
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
    expect(() => gruSequence(nt.zeros([3, 2, 6]), nt.zeros([2, 2]), nt.zeros([6, 2]), nt.zeros([4]))).toThrow(
      'gruSequence: projections [3, 2, 6], states [2, 2] and W_hh [6, 2], b_hh [4] do not fit (expected [T ≥ 1, N, 3H], [N, H] and [3H, H], [3H])',
    );
    expect(() =>
      rnnSequence(nt.zeros([3, 2, 2]), nt.zeros([2, 2]), nt.zeros([2, 2]), 'gelu' as never),
    ).toThrow(`rnnSequence: nonlinearity must be 'tanh' or 'relu', got "gelu"`);
  });
});
