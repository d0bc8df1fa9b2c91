import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

const { models, nn } = nt;

const kinds = (net: nt.nn.Sequential) => [...net].map((m) => m.constructor.name);

function std(t: nt.Tensor): number {
  let mean = 0;
  for (let i = 0; i < t.size; i++) mean += t.data[i];
  mean /= t.size;
  let v = 0;
  for (let i = 0; i < t.size; i++) v += (t.data[i] - mean) ** 2;
  return Math.sqrt(v / t.size);
}

describe('MLP builder', () => {
  it('lays out Linear → activation per hidden layer, then the output Linear', () => {
    const net = new models.MLP({ sizes: [4, 8, 6, 3] });
    expect(net).toBeInstanceOf(nn.Sequential);
    expect(kinds(net)).toEqual(['Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']);
    expect(net.depth).toBe(2);
    expect(Object.keys(net.stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
      '4.weight',
      '4.bias',
    ]);
    expect(net.numParameters()).toBe(4 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3);
    expect(net.forward(nt.zeros([5, 4])).shape).toEqual([5, 3]);
  });

  it('numbers batch norm, dropout and the output activation as PyTorch’s nn.Sequential would', () => {
    const net = new models.MLP({
      sizes: [4, 8, 2],
      activation: 'tanh',
      batchNorm: true,
      dropout: 0.3,
      outputActivation: 'softmax',
    });
    expect(kinds(net)).toEqual(['Linear', 'BatchNorm1d', 'Tanh', 'Dropout', 'Linear', 'Softmax']);
    expect(Object.keys(net.stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
      '4.weight',
      '4.bias',
    ]);
    net.eval();
    const p = net.forward(nt.randn([3, 4]));
    expect(
      p
        .sum(1)
        .toList()
        .map((v) => Number(v.toFixed(5))),
    ).toEqual([1, 1, 1]);
    expect(String(net)).toContain('(1): BatchNorm1d');
  });

  it('builds every activation and honours bias: false and leakyRelu’s slope', () => {
    for (const [activation, name] of [
      ['relu', 'ReLU'],
      ['tanh', 'Tanh'],
      ['sigmoid', 'Sigmoid'],
      ['gelu', 'GELU'],
      ['leakyRelu', 'LeakyReLU'],
    ] as const) {
      expect(kinds(new models.MLP({ sizes: [2, 3, 1], activation }))[1]).toBe(name);
    }
    const leaky = new models.MLP({
      sizes: [2, 3, 1],
      activation: 'leakyRelu',
      negativeSlope: 0.2,
      bias: false,
    });
    expect((leaky.at(1) as nt.nn.LeakyReLU).negativeSlope).toBe(0.2);
    expect(Object.keys(leaky.stateDict())).toEqual(['0.weight', '2.weight']);
  });

  it('initialises: PyTorch default, He (std √2/√fan_in, zero bias) and Xavier (bound gain·√(6/(in+out)))', () => {
    const gen = () => new nt.Generator(11);
    const byDefault = new models.MLP({ sizes: [400, 300, 10], generator: gen() });
    const w0 = byDefault.at(0) as nt.nn.Linear;
    expect(Math.max(...[...w0.weight.data].map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(400));
    expect(Math.max(...[...w0.bias!.data].map(Math.abs))).toBeGreaterThan(0);

    const he = new models.MLP({ sizes: [400, 300, 10], init: 'he', generator: gen() });
    const h0 = he.at(0) as nt.nn.Linear;
    const h2 = he.at(2) as nt.nn.Linear;
    expect(std(h0.weight)).toBeCloseTo(Math.sqrt(2 / 400), 3);
    expect(std(h2.weight)).toBeCloseTo(Math.sqrt(1 / 300), 3); // the output layer: gain 1
    expect([...h0.bias!.data].every((v) => v === 0)).toBe(true);

    const xavier = new models.MLP({
      sizes: [400, 300, 10],
      activation: 'tanh',
      init: 'xavier',
      generator: gen(),
    });
    const x0 = xavier.at(0) as nt.nn.Linear;
    const bound = (5 / 3) * Math.sqrt(6 / 700);
    const values = [...x0.weight.data];
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...values)).toBeGreaterThan(0.95 * bound);

    const again = new models.MLP({ sizes: [400, 300, 10], init: 'he', generator: gen() });
    expect([...(again.at(0) as nt.nn.Linear).weight.data]).toEqual([...h0.weight.data]);
  });

  it('rejects bad configurations, naming the option', () => {
    expect(() => new models.MLP({ sizes: [3] })).toThrow(
      /sizes must list at least an input and an output width/,
    );
    expect(() => new models.MLP({ sizes: [3, 0, 1] })).toThrow(
      'MLP: sizes[1] must be a positive integer, got 0',
    );
    expect(() => new models.MLP({ sizes: [3, 1], activation: 'swish' as 'relu' })).toThrow(
      /activation must be one of relu, tanh/,
    );
    expect(() => new models.MLP({ sizes: [3, 1], dropout: 1 })).toThrow(/dropout must be in \[0, 1\)/);
    expect(() => new models.MLP({ sizes: [3, 1], init: 'lecun' as 'he' })).toThrow(
      /init must be 'default', 'he' or 'xavier'/,
    );
    expect(() => new models.MLP({ sizes: [3, 2] }).forward(nt.zeros([4, 5]))).toThrow(
      'Linear(3 -> 2): expected input [..., 3], got [4, 5]',
    );
  });

  it('loads its own state dict into a twin and computes the same outputs', () => {
    const a = new models.MLP({ sizes: [3, 5, 2], batchNorm: true, generator: new nt.Generator(1) });
    const b = new models.MLP({ sizes: [3, 5, 2], batchNorm: true, generator: new nt.Generator(2) });
    a.forward(nt.randn([8, 3])); // moves the running statistics away from their start
    b.loadStateDict(a.stateDict());
    a.eval();
    b.eval();
    const x = nt.randn([4, 3]);
    expect([...b.forward(x).data]).toEqual([...a.forward(x).data]);
  });
});

forEachBackend('MLP learning', (_backend, it) => {
  it('learns XOR from raw inputs (a linear model cannot)', () => {
    const x = nt.tensor([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const y = nt.tensor([0, 1, 1, 0], [4], { dtype: 'int32' });
    const net = new models.MLP({
      sizes: [2, 8, 2],
      activation: 'tanh',
      init: 'xavier',
      generator: new nt.Generator(0),
    });
    const opt = new nt.optim.Adam(net.parameters(), { lr: 0.05 });
    let loss = Infinity;
    for (let step = 0; step < 300; step++) {
      opt.zeroGrad();
      const l = nt.crossEntropy(net.forward(x), y);
      l.backward();
      opt.step();
      loss = l.item();
    }
    expect(loss).toBeLessThan(0.05);
    expect([...net.forward(x).argmax(1).data]).toEqual([0, 1, 1, 0]);
  });
});
