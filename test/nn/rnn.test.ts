import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

const { nn } = nt;

interface Json {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  kind: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  inputSize: number;
  hiddenSize: number;
  options: nt.nn.RNNOptions & nt.nn.RNNCellOptions;
  state: Record<string, Json>;
  x: Json;
  h0: Json | null;
  c0: Json | null;
  w?: Json;
  v: Json;
  u: Json | null;
  output?: Json;
  hN: Json;
  cN: Json | null;
  dx: Json;
  dh0: Json | null;
  dc0: Json | null;
  grads: Record<string, Json>;
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/rnn.json', import.meta.url), 'utf8')) as {
  modules: Case[];
  cells: Case[];
};
const fromJson = (j: Json): nt.Tensor => nt.tensor(Float32Array.from(j.data), j.shape);
const tol = { atol: 1e-5, rtol: 1e-4 };
const randn = (shape: number[], seed = 1) => nt.randn(shape, { generator: new nt.Generator(seed) });

function build(c: Case): nt.nn.Module {
  switch (c.kind) {
    case 'RNN':
      return new nn.RNN(c.inputSize, c.hiddenSize, c.options);
    case 'LSTM':
      return new nn.LSTM(c.inputSize, c.hiddenSize, c.options);
    case 'GRU':
      return new nn.GRU(c.inputSize, c.hiddenSize, c.options);
    case 'RNNCell':
      return new nn.RNNCell(c.inputSize, c.hiddenSize, c.options);
    case 'LSTMCell':
      return new nn.LSTMCell(c.inputSize, c.hiddenSize, c.options);
    case 'GRUCell':
      return new nn.GRUCell(c.inputSize, c.hiddenSize, c.options);
  }
}

/** Loads the PyTorch weights, runs the case, and checks outputs and every gradient. */
function checkCase(c: Case): void {
  const m = build(c);
  expect(Object.keys(m.stateDict()), `${c.name}: state-dict keys`).toEqual(Object.keys(c.state));
  m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, j]) => [k, fromJson(j)])));
  const x = fromJson(c.x).requiresGrad_();
  const h0 = c.h0 ? fromJson(c.h0).requiresGrad_() : undefined;
  const c0 = c.c0 ? fromJson(c.c0).requiresGrad_() : undefined;
  const isLstm = c.kind === 'LSTM' || c.kind === 'LSTMCell';
  let output: nt.Tensor | null = null;
  let hN: nt.Tensor;
  let cN: nt.Tensor | null = null;
  if (m instanceof nn.RNNBase) {
    if (m instanceof nn.LSTM) [output, [hN, cN]] = m.forward(x, h0 && c0 ? [h0, c0] : undefined);
    else [output, hN] = (m as nt.nn.RNN | nt.nn.GRU).forward(x, h0);
  } else if (m instanceof nn.LSTMCell) {
    [hN, cN] = m.forward(x, h0 && c0 ? [h0, c0] : undefined);
  } else {
    hN = (m as nt.nn.RNNCell | nt.nn.GRUCell).forward(x, h0);
  }
  if (output) expectClose(output.data, c.output!.data, tol, `${c.name}: output`);
  if (output) expect(output.shape).toEqual(c.output!.shape);
  expect(hN.shape).toEqual(c.hN.shape);
  expectClose(hN.data, c.hN.data, tol, `${c.name}: hN`);
  if (isLstm) {
    expect(cN!.shape).toEqual(c.cN!.shape);
    expectClose(cN!.data, c.cN!.data, tol, `${c.name}: cN`);
  }
  let objective = hN.mul(fromJson(c.v)).sum();
  if (output) objective = objective.add(output.mul(fromJson(c.w!)).sum());
  if (isLstm) objective = objective.add(cN!.mul(fromJson(c.u!)).sum());
  objective.backward();
  expectClose(x.grad!.data, c.dx.data, tol, `${c.name}: dx`);
  if (h0) expectClose(h0.grad!.data, c.dh0!.data, tol, `${c.name}: dh0`);
  if (c0) expectClose(c0.grad!.data, c.dc0!.data, tol, `${c.name}: dc0`);
  const params = Object.fromEntries(m.namedParameters());
  expect(Object.keys(params).sort()).toEqual(Object.keys(c.grads).sort());
  for (const [k, g] of Object.entries(c.grads)) {
    expectClose(params[k].grad!.data, g.data, tol, `${c.name}: d${k}`);
  }
}

/** output and hN (and cN) flattened into one vector, for gradcheck. */
const flatAll = (...ts: nt.Tensor[]) => nt.concat(ts.map((t) => t.reshape([-1])));

forEachBackend('RNN, LSTM, GRU against PyTorch', (_b, it) => {
  for (const c of fixtures.modules) it(c.name, () => checkCase(c));
  for (const c of fixtures.cells) it(c.name, () => checkCase(c));
});

forEachBackend('RNN, LSTM, GRU', (_b, it) => {
  it("has PyTorch's parameter names, shapes and order", () => {
    const lstm = new nn.LSTM(10, 20, { numLayers: 2, bidirectional: true });
    const shapes = Object.entries(lstm.stateDict()).map(([k, t]) => `${k} ${t.shape.join('x')}`);
    expect(shapes).toEqual([
      'weight_ih_l0 80x10',
      'weight_hh_l0 80x20',
      'bias_ih_l0 80',
      'bias_hh_l0 80',
      'weight_ih_l0_reverse 80x10',
      'weight_hh_l0_reverse 80x20',
      'bias_ih_l0_reverse 80',
      'bias_hh_l0_reverse 80',
      'weight_ih_l1 80x40',
      'weight_hh_l1 80x20',
      'bias_ih_l1 80',
      'bias_hh_l1 80',
      'weight_ih_l1_reverse 80x40',
      'weight_hh_l1_reverse 80x20',
      'bias_ih_l1_reverse 80',
      'bias_hh_l1_reverse 80',
    ]);
    expect(lstm.allWeights).toHaveLength(4);
    expect(Object.keys(new nn.GRU(3, 5, { bias: false }).stateDict())).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
    ]);
    expect(new nn.GRU(3, 5).stateDict().weight_hh_l0.shape).toEqual([15, 5]);
    expect(Object.keys(new nn.LSTMCell(3, 4).stateDict())).toEqual([
      'weight_ih',
      'weight_hh',
      'bias_ih',
      'bias_hh',
    ]);
    expect(new nn.GRUCell(3, 4).weight_ih.shape).toEqual([12, 3]);
    expect(new nn.RNNCell(3, 4, { bias: false }).numParameters()).toBe(4 * 3 + 4 * 4);
    expect(new nn.RNN(3, 4).numParameters()).toBe(4 * 3 + 4 * 4 + 8);
    expect(lstm.toString()).toBe('LSTM(10, 20, numLayers=2, bidirectional=true)');
  });

  it('initialises every parameter U(±1/√H), reproducibly from a generator', () => {
    const gru = new nn.GRU(6, 16, { numLayers: 2, generator: new nt.Generator(3) });
    const bound = 1 / 4;
    for (const p of gru.parameters()) {
      const values = [...p.data];
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...values)).toBeGreaterThan(0.7 * bound);
      expect(Math.min(...values)).toBeLessThan(-0.7 * bound);
    }
    const again = new nn.GRU(6, 16, { numLayers: 2, generator: new nt.Generator(3) });
    expect([...again.stateDict().weight_hh_l1.data]).toEqual([...gru.stateDict().weight_hh_l1.data]);
  });

  it('returns the shapes PyTorch returns', () => {
    const lstm = new nn.LSTM(5, 7, { numLayers: 3, bidirectional: true, batchFirst: true });
    const [out, [h, c]] = lstm.forward(nt.zeros([4, 6, 5]));
    expect(out.shape).toEqual([4, 6, 14]);
    expect(h.shape).toEqual([6, 4, 7]);
    expect(c.shape).toEqual([6, 4, 7]);
    const [o2, h2] = new nn.GRU(5, 7).forward(nt.zeros([6, 5]));
    expect(o2.shape).toEqual([6, 7]);
    expect(h2.shape).toEqual([1, 7]);
    expect(new nn.RNNCell(5, 7).forward(nt.zeros([5])).shape).toEqual([7]);
  });

  it('names the layer and both shapes when the input or a state does not fit', () => {
    expect(() => new nn.LSTM(64, 256).forward(nt.zeros([50, 32, 32]))).toThrow(
      'LSTM(input 64, hidden 256): expected input [L, N, 64], got [50, 32, 32]',
    );
    expect(() => new nn.GRU(4, 8, { batchFirst: true }).forward(nt.zeros([2, 3, 5]))).toThrow(
      'GRU(input 4, hidden 8): expected input [N, L, 4], got [2, 3, 5]',
    );
    expect(() => new nn.RNN(4, 8).forward(nt.zeros([4]))).toThrow(
      'RNN(input 4, hidden 8): expected input [L, N, 4] or unbatched [L, 4], got [4]',
    );
    expect(() =>
      new nn.GRU(4, 8, { numLayers: 2 }).forward(nt.zeros([3, 2, 4]), nt.zeros([1, 2, 8])),
    ).toThrow('GRU(input 4, hidden 8): expected h0 [2, 2, 8], got [1, 2, 8]');
    const lstm = new nn.LSTM(4, 8);
    expect(() => lstm.forward(nt.zeros([3, 2, 4]), [nt.zeros([1, 2, 8]), nt.zeros([1, 3, 8])])).toThrow(
      'LSTM(input 4, hidden 8): expected c0 [1, 2, 8], got [1, 3, 8]',
    );
    expect(() => lstm.forward(nt.zeros([3, 4]), [nt.zeros([1, 2, 8]), nt.zeros([1, 2, 8])])).toThrow(
      ShapeError,
    );
    expect(() => lstm.forward(nt.zeros([0, 2, 4]))).toThrow(ShapeError);
    expect(() =>
      new nn.LSTMCell(4, 8).forward(nt.zeros([2, 4]), [nt.zeros([2, 8]), nt.zeros([3, 8])]),
    ).toThrow('LSTMCell(input 4, hidden 8): expected c [2, 8], got [3, 8]');
    expect(() => new nn.GRUCell(4, 8).forward(nt.zeros([2, 5]))).toThrow(
      'GRUCell(input 4, hidden 8): expected input [N, 4] or unbatched [4], got [2, 5]',
    );
    expect(() => new nn.RNN(4, 8, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow(ValueError);
    expect(() => new nn.LSTM(4, 0)).toThrow(ValueError);
    expect(() => new nn.LSTM(4, 8, { dropout: 2 })).toThrow(ValueError);
  });

  it('gradchecks a tanh RNN, an LSTM and a GRU (stacked, bidirectional, batch-first) through input, states and weights', () => {
    const generator = new nt.Generator(5);
    const rnn = new nn.RNN(2, 2, { numLayers: 2, bidirectional: true, generator });
    gradcheck(
      (x, h0) => flatAll(...rnn.forward(x, h0)),
      [randn([3, 2, 2], 1), randn([4, 2, 2], 2), ...rnn.parameters()],
    );
    const lstm = new nn.LSTM(2, 2, { numLayers: 2, generator });
    gradcheck(
      (x, h0, c0) => {
        const [out, [h, c]] = lstm.forward(x, [h0, c0]);
        return flatAll(out, h, c);
      },
      [randn([3, 2, 2], 3), randn([2, 2, 2], 4), randn([2, 2, 2], 5), ...lstm.parameters()],
    );
    const gru = new nn.GRU(2, 2, { bidirectional: true, batchFirst: true, generator });
    gradcheck(
      (x, h0) => flatAll(...gru.forward(x, h0)),
      [randn([2, 3, 2], 6), randn([2, 2, 2], 7), ...gru.parameters()],
    );
  });

  it('gradchecks the cells', () => {
    const g = new nt.Generator(6);
    const rnn = new nn.RNNCell(3, 2, { nonlinearity: 'relu', generator: g });
    gradcheck((x, h) => rnn.forward(x, h), [randn([2, 3], 1), randn([2, 2], 2), ...rnn.parameters()]);
    const lstm = new nn.LSTMCell(3, 2, { generator: g });
    gradcheck(
      (x, h, c) => flatAll(...lstm.forward(x, [h, c])),
      [randn([2, 3], 3), randn([2, 2], 4), randn([2, 2], 5), ...lstm.parameters()],
    );
    const gru = new nn.GRUCell(3, 2, { generator: g });
    gradcheck((x, h) => gru.forward(x, h), [randn([3], 6), randn([2], 7), ...gru.parameters()]);
  });

  it('a one-layer LSTM is its cell applied step by step', () => {
    const lstm = new nn.LSTM(3, 4, { generator: new nt.Generator(8) });
    const cell = new nn.LSTMCell(3, 4);
    cell.loadStateDict({
      weight_ih: lstm.allWeights[0][0],
      weight_hh: lstm.allWeights[0][1],
      bias_ih: lstm.allWeights[0][2],
      bias_hh: lstm.allWeights[0][3],
    });
    const x = randn([5, 2, 3], 9);
    const [out, [hN, cN]] = lstm.forward(x);
    let state: [nt.Tensor, nt.Tensor] = [nt.zeros([2, 4]), nt.zeros([2, 4])];
    const hs: nt.Tensor[] = [];
    for (let t = 0; t < 5; t++) {
      state = cell.forward(nt.select(x, 0, t), state);
      hs.push(state[0]);
    }
    expectClose(out.data, nt.stack(hs).data, tol, 'output');
    expectClose(hN.data, state[0].data, tol, 'hN');
    expectClose(cN.data, state[1].data, tol, 'cN');
  });

  it('drops out between layers in training only, and never after the last layer', () => {
    const x = randn([4, 3, 5], 1);
    const lstm = new nn.LSTM(5, 6, { numLayers: 2, dropout: 0.5, generator: new nt.Generator(2) });
    const plain = new nn.LSTM(5, 6, { numLayers: 2 });
    plain.loadStateDict(lstm.stateDict());
    const reference = plain.forward(x)[0];
    lstm.eval();
    expect(Array.from(lstm.forward(x)[0].data)).toEqual(Array.from(reference.data));
    lstm.train();
    const a = lstm.forward(x)[0];
    const b = lstm.forward(x)[0];
    expect(Array.from(a.data)).not.toEqual(Array.from(reference.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data)); // a new mask each call
    // p = 1 zeroes the second layer's input: its output no longer depends on x
    const all = new nn.GRU(5, 6, { numLayers: 2, dropout: 1 });
    const y1 = all.forward(x)[0];
    const y2 = all.forward(randn([4, 3, 5], 7))[0];
    expect(Array.from(y1.data)).toEqual(Array.from(y2.data));
    // one layer: nothing to drop between, training or not
    const single = new nn.RNN(5, 6, { dropout: 1 });
    const s1 = single.forward(x)[0];
    expect(Array.from(single.eval().forward(x)[0].data)).toEqual(Array.from(s1.data));
  });

  it('an LSTM learns to count the ones in a sequence of five bits', () => {
    // all 32 sequences of 5 bits, [L=5, N=32, 1]; the class is how many bits are set (0…5)
    const T = 5;
    const bits = Array.from({ length: 2 ** T }, (_, n) => Array.from({ length: T }, (_, k) => (n >> k) & 1));
    const x = nt.tensor(Array.from({ length: T }, (_, t) => bits.map((b) => [b[t]])));
    const y = nt.tensor(
      bits.map((b) => b.reduce((p, q) => p + q, 0)),
      { dtype: 'int32' },
    );
    const g = new nt.Generator(0);
    const lstm = new nn.LSTM(1, 12, { generator: g });
    const head = new nn.Linear(12, T + 1, { generator: g });
    const opt = new nt.optim.Adam([...lstm.parameters(), ...head.parameters()], { lr: 0.05 });
    const logits = () => head.forward(nt.select(lstm.forward(x)[1][0], 0, 0));
    const accuracy = (out: nt.Tensor) =>
      Array.from(out.argmax(1).data).filter((p, i) => p === y.data[i]).length / y.size;
    const before = nt.noGrad(() => nt.crossEntropy(logits(), y).item());
    // full-batch Adam until every sequence is counted right (about 60 epochs; 300 is the limit)
    for (let epoch = 0; epoch < 300; epoch++) {
      const out = logits();
      if (accuracy(out) === 1) break;
      opt.zeroGrad();
      nt.crossEntropy(out, y).backward();
      opt.step();
    }
    const final = nt.noGrad(logits);
    expect(accuracy(final)).toBe(1);
    expect(nt.crossEntropy(final, y).item()).toBeLessThan(before / 4);
  });
});
