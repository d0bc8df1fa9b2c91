/**
 * traceRecurrent recomputes a recurrent layer step by step from its weights with PyTorch's equations, in plain
 * ops; the traced hidden states must be the layer's own output (its fused cell kernels), the final states its
 * hN/cN, and the gates must satisfy the cell equations they came from.
 */
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';

const { nn } = nt;

function maxDiff(a: nt.Tensor, b: nt.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

/** The traced runs' last layer, both directions side by side: what module.forward returns as output. */
function lastLayerOutput(trace: nt.nn.RecurrentTrace, layers: number, batched: boolean) {
  const top = trace.runs.filter((r) => r.layer === layers - 1);
  return top.length === 1
    ? top[0].h
    : nt.concat(
        top.map((r) => r.h),
        batched ? 2 : 1,
      );
}

interface Case {
  name: string;
  make: (g: nt.Generator) => nt.nn.RNN | nt.nn.LSTM | nt.nn.GRU;
  batchFirst?: boolean;
  layers?: number;
  bidirectional?: boolean;
  batched?: boolean;
  withState?: boolean;
}

const cases: Case[] = [
  { name: 'RNN tanh', make: (g) => new nn.RNN(5, 7, { generator: g }) },
  {
    name: 'RNN relu, 2 layers',
    make: (g) => new nn.RNN(5, 7, { nonlinearity: 'relu', numLayers: 2, generator: g }),
    layers: 2,
  },
  { name: 'LSTM', make: (g) => new nn.LSTM(5, 7, { generator: g }), withState: true },
  {
    name: 'LSTM 2 layers, bidirectional, batch first',
    make: (g) => new nn.LSTM(5, 7, { numLayers: 2, bidirectional: true, batchFirst: true, generator: g }),
    layers: 2,
    bidirectional: true,
    batchFirst: true,
  },
  {
    name: 'LSTM unbatched',
    make: (g) => new nn.LSTM(5, 7, { generator: g }),
    batched: false,
    withState: true,
  },
  { name: 'GRU', make: (g) => new nn.GRU(5, 7, { generator: g }), withState: true },
  {
    name: 'GRU bidirectional, batch first, no bias',
    make: (g) => new nn.GRU(5, 7, { bidirectional: true, batchFirst: true, bias: false, generator: g }),
    bidirectional: true,
    batchFirst: true,
  },
];

describe('traceRecurrent (TypeScript backend)', () => {
  for (const c of cases) {
    it(`${c.name}: the traced h sequence is the module's output and its final states hN (cN)`, () => {
      nt.setBackend('ts');
      const g = new nt.Generator(7);
      const m = c.make(g);
      const layers = c.layers ?? 1;
      const dirs = c.bidirectional ? 2 : 1;
      const batched = c.batched ?? true;
      const [L, N] = [6, 3];
      const x = batched
        ? nt.randn(c.batchFirst ? [N, L, 5] : [L, N, 5], { generator: g })
        : nt.randn([L, 5], { generator: g });
      const stateShape = batched ? [layers * dirs, N, 7] : [layers * dirs, 7];
      const h0 = c.withState ? nt.randn(stateShape, { generator: g }) : undefined;
      const c0 = c.withState ? nt.randn(stateShape, { generator: g }) : undefined;
      let output: nt.Tensor;
      let hN: nt.Tensor;
      let cN: nt.Tensor | null = null;
      let trace: nt.nn.RecurrentTrace;
      if (m instanceof nn.LSTM) {
        [output, [hN, cN]] = m.forward(x, h0 && c0 ? [h0, c0] : undefined);
        trace = nn.traceRecurrent(m, x, h0 && c0 ? [h0, c0] : undefined);
      } else {
        [output, hN] = m.forward(x, h0);
        trace = nn.traceRecurrent(m, x, h0);
      }
      expect(trace.steps).toBe(L);
      expect(trace.runs.length).toBe(layers * dirs);
      expect(maxDiff(lastLayerOutput(trace, layers, batched), output)).toBeLessThan(1e-6);
      // the final state of each layer and direction: after the last step forward, after the first step backward
      const timeAxis = batched && c.batchFirst ? 1 : 0;
      trace.runs.forEach((r, k) => {
        const at = r.direction === 0 ? L - 1 : 0;
        const last = nt.select(r.h, timeAxis, at);
        const expected = batched ? nt.select(hN, 0, k) : nt.select(hN, 0, k);
        expect(maxDiff(last, expected)).toBeLessThan(1e-6);
        if (cN) expect(maxDiff(nt.select(r.c!, timeAxis, at), nt.select(cN, 0, k))).toBeLessThan(1e-6);
      });
    });
  }

  it('LSTM gates: in range, and c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t)', () => {
    nt.setBackend('ts');
    const g = new nt.Generator(3);
    const m = new nn.LSTM(4, 6, { generator: g });
    const x = nt.randn([5, 2, 4], { generator: g });
    const { runs } = nn.traceRecurrent(m, x);
    const { h, c, gates } = runs[0];
    expect(Object.keys(gates)).toEqual(['input', 'forget', 'candidate', 'output']);
    for (const name of ['input', 'forget', 'output']) {
      for (const v of gates[name].data) expect(v > 0 && v < 1).toBe(true);
    }
    for (const v of gates.candidate.data) expect(v > -1 && v < 1).toBe(true);
    const H = 6;
    for (let t = 0; t < 5; t++) {
      for (let j = 0; j < 2 * H; j++) {
        const at = t * 2 * H + j;
        const prev = t === 0 ? 0 : c!.data[at - 2 * H];
        const cExpect = gates.forget.data[at] * prev + gates.input.data[at] * gates.candidate.data[at];
        expect(c!.data[at]).toBeCloseTo(cExpect, 6);
        expect(h.data[at]).toBeCloseTo(gates.output.data[at] * Math.tanh(c!.data[at]), 6);
      }
    }
  });

  it('GRU gates: in range, and h_t = (1 − z)⊙n + z⊙h_{t−1}', () => {
    nt.setBackend('ts');
    const g = new nt.Generator(4);
    const m = new nn.GRU(4, 6, { generator: g });
    const x = nt.randn([5, 4], { generator: g });
    const { runs } = nn.traceRecurrent(m, x);
    const { h, c, gates } = runs[0];
    expect(c).toBeNull();
    expect(Object.keys(gates)).toEqual(['reset', 'update', 'candidate']);
    for (const v of [...gates.reset.data, ...gates.update.data]) expect(v > 0 && v < 1).toBe(true);
    for (let t = 0; t < 5; t++) {
      for (let j = 0; j < 6; j++) {
        const at = t * 6 + j;
        const prev = t === 0 ? 0 : h.data[at - 6];
        const z = gates.update.data[at];
        expect(h.data[at]).toBeCloseTo((1 - z) * gates.candidate.data[at] + z * prev, 6);
      }
    }
  });

  it('a plain RNN has no gates; no gradients are recorded', () => {
    const m = new nn.RNN(3, 4);
    const x = nt.randn([4, 3], { requiresGrad: true });
    const { runs, kind } = nn.traceRecurrent(m, x);
    expect(kind).toBe('RNN');
    expect(runs[0].gates).toEqual({});
    expect(runs[0].h.requiresGrad).toBe(false);
  });

  it('names the layer and the bad shape or state in its errors', () => {
    const lstm = new nn.LSTM(3, 4);
    expect(() => nn.traceRecurrent(lstm, nt.randn([4, 2, 5]))).toThrow(ShapeError);
    expect(() => nn.traceRecurrent(lstm, nt.randn([4, 2, 5]))).toThrow(
      /LSTM\(input 3, hidden 4\).*\[4, 2, 5\]/,
    );
    expect(() => nn.traceRecurrent(lstm, nt.randn([4, 2, 3]), nt.zeros([1, 2, 4]) as never)).toThrow(
      ValueError,
    );
    const gru = new nn.GRU(3, 4);
    expect(() => nn.traceRecurrent(gru, nt.randn([4, 2, 3]), nt.zeros([1, 3, 4]))).toThrow(/h0 \[1, 2, 4\]/);
    expect(() => nn.traceRecurrent(new nn.Linear(3, 4) as never, nt.randn([4, 3]))).toThrow(
      /nn\.RNN, nn\.LSTM or nn\.GRU.*Linear/,
    );
  });
});
