import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

const { nn } = nt;

interface Json {
  shape: number[];
  data: number[];
}

interface BnStep {
  mode: 'train' | 'eval';
  input: Json;
  up: Json;
  out: Json;
  gradInput: Json;
  gradWeight: Json | null;
  gradBias: Json | null;
  runningMean: Json | null;
  runningVar: Json | null;
  numBatchesTracked: number | null;
}

interface BnCase {
  name: string;
  module: 'BatchNorm1d' | 'BatchNorm2d';
  numFeatures: number;
  options: nt.nn.BatchNormOptions;
  init: { weight?: Json; bias?: Json };
  steps: BnStep[];
}

interface LnCase {
  name: string;
  normalizedShape: number[];
  options: nt.nn.LayerNormOptions;
  init: { weight?: Json; bias?: Json };
  input: Json;
  up: Json;
  out: Json;
  gradInput: Json;
  gradWeight: Json | null;
  gradBias: Json | null;
}

const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/losses_norm.json', import.meta.url), 'utf8'),
) as { batchNorm: BnCase[]; layerNorm: LnCase[]; stateDictKeys: Record<string, string[]> };

const fromJson = (j: Json): nt.Tensor => nt.tensor(Float32Array.from(j.data), j.shape);
const tol = { atol: 1e-5, rtol: 1e-4 };

forEachBackend('BatchNorm matches PyTorch over two training steps and an evaluation step', (_b, it) => {
  for (const c of fixtures.batchNorm)
    it(c.name, () => {
      const m = new nn[c.module](c.numFeatures, c.options);
      if (c.init.weight) m.weight!.copy_(fromJson(c.init.weight));
      if (c.init.bias) m.bias!.copy_(fromJson(c.init.bias));
      for (const [i, step] of c.steps.entries()) {
        const what = `step ${i} (${step.mode})`;
        m.train(step.mode === 'train');
        m.zeroGrad();
        const x = fromJson(step.input).requiresGrad_();
        const out = m.forward(x);
        expectClose(out.data, step.out.data, tol, `${what} out`);
        out.mul(fromJson(step.up)).sum().backward();
        expectClose(x.grad!.data, step.gradInput.data, tol, `${what} gradInput`);
        if (step.gradWeight)
          expectClose(m.weight!.grad!.data, step.gradWeight.data, tol, `${what} gradWeight`);
        if (step.gradBias) expectClose(m.bias!.grad!.data, step.gradBias.data, tol, `${what} gradBias`);
        if (step.runningMean) {
          expectClose(m.running_mean!.data, step.runningMean.data, tol, `${what} running_mean`);
          expectClose(m.running_var!.data, step.runningVar!.data, tol, `${what} running_var`);
          expect(m.num_batches_tracked!.item()).toBe(step.numBatchesTracked);
        } else {
          expect(m.running_mean).toBeNull();
          expect(m.num_batches_tracked).toBeNull();
        }
      }
    });
});

forEachBackend('LayerNorm matches PyTorch', (_b, it) => {
  for (const c of fixtures.layerNorm)
    it(c.name, () => {
      const m = new nn.LayerNorm(c.normalizedShape, c.options);
      if (c.init.weight) m.weight!.copy_(fromJson(c.init.weight));
      if (c.init.bias) m.bias!.copy_(fromJson(c.init.bias));
      const x = fromJson(c.input).requiresGrad_();
      const out = m.forward(x);
      expectClose(out.data, c.out.data, tol, 'out');
      out.mul(fromJson(c.up)).sum().backward();
      expectClose(x.grad!.data, c.gradInput.data, tol, 'gradInput');
      if (c.gradWeight) expectClose(m.weight!.grad!.data, c.gradWeight.data, tol, 'gradWeight');
      if (c.gradBias) expectClose(m.bias!.grad!.data, c.gradBias.data, tol, 'gradBias');
      if (!c.gradWeight) expect(m.parameters()).toHaveLength(0);
    });
});

describe('state dicts use PyTorch keys', () => {
  const build: Record<string, () => nt.nn.Module> = {
    'BatchNorm2d(3)': () => new nn.BatchNorm2d(3),
    'BatchNorm1d(3, affine=false)': () => new nn.BatchNorm1d(3, { affine: false }),
    'BatchNorm1d(3, trackRunningStats=false)': () => new nn.BatchNorm1d(3, { trackRunningStats: false }),
    'LayerNorm([3, 4])': () => new nn.LayerNorm([3, 4]),
    'LayerNorm(4, elementwiseAffine=false)': () => new nn.LayerNorm(4, { elementwiseAffine: false }),
    'Embedding(10, 3, paddingIdx=0)': () => new nn.Embedding(10, 3, { paddingIdx: 0 }),
    'CrossEntropyLoss(weight)': () => new nn.CrossEntropyLoss({ weight: nt.ones([3]) }),
    'CrossEntropyLoss()': () => new nn.CrossEntropyLoss(),
    'BCEWithLogitsLoss(posWeight)': () => new nn.BCEWithLogitsLoss({ posWeight: nt.ones([3]) }),
    Sequential: () =>
      new nn.Sequential(
        new nn.Embedding(10, 4),
        new nn.Flatten(),
        new nn.Linear(8, 6),
        new nn.BatchNorm1d(6),
        new nn.ReLU(),
        new nn.Dropout(0.2),
        new nn.LayerNorm(6),
        new nn.Identity(),
        new nn.Linear(6, 2),
      ),
  };

  it('covers every fixture', () => {
    expect(Object.keys(build).sort()).toEqual(Object.keys(fixtures.stateDictKeys).sort());
  });

  it.each(Object.entries(fixtures.stateDictKeys))('%s', (name, keys) => {
    expect(Object.keys(build[name]().stateDict())).toEqual(keys);
  });

  it('BatchNorm buffers: initial values, dtypes, and a load round trip', () => {
    const a = new nn.BatchNorm2d(2);
    const sd = a.stateDict();
    expect(Array.from(sd.running_mean.data)).toEqual([0, 0]);
    expect(Array.from(sd.running_var.data)).toEqual([1, 1]);
    expect(sd.num_batches_tracked.dtype).toBe('int32');
    expect(sd.num_batches_tracked.shape).toEqual([]);
    expect(a.parameters()).toHaveLength(2);
    expect(a.buffers()).toHaveLength(3);
    a.forward(nt.randn([3, 2, 2, 2]));
    const b = new nn.BatchNorm2d(2);
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.running_mean!.data)).toEqual(Array.from(a.running_mean!.data));
    expect(b.num_batches_tracked!.item()).toBe(1);
    b.resetRunningStats();
    expect(Array.from(b.running_var!.data)).toEqual([1, 1]);
    expect(b.num_batches_tracked!.item()).toBe(0);
  });
});

describe('train and eval behaviour', () => {
  it('Dropout: identity in eval, masked and rescaled in training', () => {
    const d = new nn.Dropout(0.25, { generator: new nt.Generator(7) });
    const x = nt.ones([4000]);
    const y = d.forward(x);
    const values = new Set(Array.from(y.data));
    expect([...values].sort()).toEqual([0, Math.fround(1 / 0.75)]);
    const dropped = Array.from(y.data).filter((v) => v === 0).length / x.size;
    expect(dropped).toBeGreaterThan(0.2);
    expect(dropped).toBeLessThan(0.3);
    d.eval();
    expect(d.forward(x)).toBe(x);
    // the same seed gives the same mask
    const again = new nn.Dropout(0.25, { generator: new nt.Generator(7) }).forward(x);
    expect(Array.from(again.data)).toEqual(Array.from(y.data));
    expect(() => new nn.Dropout(1.5)).toThrow('Dropout: p must be in [0, 1], got 1.5');
  });

  it('Dropout: gradients flow through the kept elements only', () => {
    const d = new nn.Dropout(0.5, { generator: new nt.Generator(1) });
    const x = nt.ones([50]).requiresGrad_();
    const y = d.forward(x);
    y.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual(Array.from(y.data));
  });

  it('BatchNorm: batch statistics in training, running ones in eval', () => {
    nt.manualSeed(2);
    const m = new nn.BatchNorm1d(2);
    const x = nt.randn([8, 2]).mul(3).add(5);
    const train = m.forward(x);
    // training output is normalised per channel
    expectClose(train.mean(0).data, [0, 0], { atol: 1e-5, rtol: 0 });
    const rm = Array.from(m.running_mean!.data);
    m.eval();
    const evalOut = m.forward(x);
    // evaluation neither uses the batch statistics nor updates the running ones
    expect(Math.abs(evalOut.mean(0).data[0])).toBeGreaterThan(0.1);
    expect(Array.from(m.running_mean!.data)).toEqual(rm);
    expect(m.num_batches_tracked!.item()).toBe(1);
    // a layer without running statistics uses the batch's in eval too
    const noTrack = new nn.BatchNorm1d(2, { trackRunningStats: false }).eval();
    expectClose(noTrack.forward(x).data, train.data);
  });

  it('BatchNorm with momentum null keeps the plain average of the batch means', () => {
    const m = new nn.BatchNorm1d(1, { momentum: null });
    m.forward(nt.tensor([[1], [3]]));
    m.forward(nt.tensor([[5], [7]]));
    m.forward(nt.tensor([[0], [0]]));
    expectClose(m.running_mean!.data, [(2 + 6 + 0) / 3]);
  });

  it('train() and eval() reach nested layers', () => {
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.BatchNorm1d(2), new nn.Dropout());
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });
});

describe('Embedding', () => {
  it('looks rows up, initialised from N(0, 1)', () => {
    const e = new nn.Embedding(200, 50, { generator: new nt.Generator(3) });
    const w = Array.from(e.weight.data);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
    const idx = nt.tensor(Int32Array.from([3, 0, 199, 3]), [2, 2]);
    const out = e.forward(idx);
    expect(out.shape).toEqual([2, 2, 50]);
    expect(Array.from(out.data.slice(100, 150))).toEqual(w.slice(199 * 50, 200 * 50));
  });

  it('keeps the padding row at zero and sends it no gradient', () => {
    const e = new nn.Embedding(5, 3, { paddingIdx: -1 });
    expect(e.paddingIdx).toBe(4);
    expect(Array.from(e.weight.data.slice(12, 15))).toEqual([0, 0, 0]);
    const idx = nt.tensor(Int32Array.from([1, 4, 1, 2, 4]), [5]);
    e.forward(idx)
      .mul(nt.arange(15).reshape([5, 3]).float())
      .sum()
      .backward();
    const g = e.weight.grad!.toArray() as number[][];
    expect(g[4]).toEqual([0, 0, 0]);
    expect(g[1]).toEqual([0 + 6, 1 + 7, 2 + 8]);
    expect(g[2]).toEqual([9, 10, 11]);
    expect(g[0]).toEqual([0, 0, 0]);
  });

  it('returns the padding row as it is (it is only frozen, not masked)', () => {
    const e = new nn.Embedding(3, 2, { paddingIdx: 0 });
    e.weight.copy_(nt.tensor([1, 2, 3, 4, 5, 6], [3, 2]));
    expect(Array.from(e.forward(nt.tensor(Int32Array.from([0]), [1])).data)).toEqual([1, 2]);
  });

  it('gradchecks through the functional form', () => {
    const idx = nt.tensor(Int32Array.from([2, 0, 2]), [3]);
    gradcheck((w) => nn.functional.embedding(idx, w).square(), [nt.randn([3, 2])]);
  });

  it('errors name the layer', () => {
    const e = new nn.Embedding(10, 3);
    expect(() => e.forward(nt.tensor([1, 2]))).toThrow(
      'Embedding(10, 3): indices must be int32, got float32',
    );
    expect(() => e.forward(nt.tensor(Int32Array.from([1, 12]), [2]))).toThrow(
      'Embedding(10, 3): index 12 is out of range for 10 embeddings',
    );
    expect(() => e.forward(nt.tensor(Int32Array.from([-1]), [1]))).toThrow(
      'Embedding(10, 3): index -1 is out of range for 10 embeddings',
    );
    expect(() => new nn.Embedding(10, 3, { paddingIdx: 10 })).toThrow(nt.ValueError);
  });
});

describe('activation modules', () => {
  const x = nt.tensor([-3, -1, -0.5, 0, 0.7, 2.5]);
  it('apply their functions', () => {
    expectClose(new nn.ReLU().forward(x).data, nt.relu(x).data);
    expectClose(new nn.LeakyReLU(0.2).forward(x).data, nt.leakyRelu(x, 0.2).data);
    expectClose(new nn.ELU(0.5).forward(x).data, nt.elu(x, 0.5).data);
    expectClose(new nn.GELU().forward(x).data, nt.gelu(x).data);
    expectClose(new nn.Sigmoid().forward(x).data, nt.sigmoid(x).data);
    expectClose(new nn.Tanh().forward(x).data, nt.tanh(x).data);
    expectClose(new nn.Softplus().forward(x).data, nt.softplus(x).data);
    const m = nt.tensor([
      [1, 2, 3],
      [0, -1, 4],
    ]);
    expectClose(new nn.Softmax(0).forward(m).data, nt.softmax(m, 0).data);
    expectClose(new nn.LogSoftmax(1).forward(m).data, nt.logSoftmax(m, 1).data);
    expect(new nn.LeakyReLU(0.2).toString()).toBe('LeakyReLU(negativeSlope=0.2)');
  });

  it('GELU tanh and Softplus with beta/threshold match PyTorch', () => {
    // torch.nn.functional.gelu(x, approximate='tanh') and softplus(x, beta=2, threshold=3)
    expectClose(
      new nn.GELU({ approximate: 'tanh' }).forward(x).data,
      [-0.003637433, -0.158807993, -0.154285997, 0, 0.530570149, 2.484915733],
    );
    expectClose(
      new nn.Softplus({ beta: 2, threshold: 3 }).forward(x).data,
      [0.0012378426, 0.0634640008, 0.1566308439, 0.3465735912, 0.8102087378, 2.5],
    );
    gradcheck((a) => new nn.GELU({ approximate: 'tanh' }).forward(a), [nt.tensor([-1.3, 0.2, 2])]);
    gradcheck((a) => new nn.Softplus({ beta: 2, threshold: 3 }).forward(a), [nt.tensor([-1.3, 0.2, 2])]);
  });
});

describe('Flatten, Unflatten, Identity', () => {
  const x = nt.zeros([2, 3, 4, 5]);
  it('reshape as PyTorch', () => {
    expect(new nn.Flatten().forward(x).shape).toEqual([2, 60]);
    expect(new nn.Flatten(0, 2).forward(x).shape).toEqual([24, 5]);
    expect(new nn.Flatten(-2).forward(x).shape).toEqual([2, 3, 20]);
    expect(new nn.Unflatten(1, [3, 1]).forward(nt.zeros([2, 3])).shape).toEqual([2, 3, 1]);
    expect(new nn.Unflatten(-2, [2, -1]).forward(x).shape).toEqual([2, 3, 2, 2, 5]);
    expect(new nn.Identity().forward(x)).toBe(x);
  });

  it('errors name the layer and the shapes', () => {
    expect(() => new nn.Flatten().forward(nt.zeros([5]))).toThrow(
      'Flatten(1, -1): cannot flatten input [5] (rank 1)',
    );
    expect(() => new nn.Unflatten(1, [2, 2]).forward(nt.zeros([4, 5]))).toThrow(
      'Unflatten(1, [2, 2]): axis 1 of input [4, 5] has size 5, which does not split into [2, 2]',
    );
    expect(() => new nn.Unflatten(1, [-1, -1])).toThrow(nt.ValueError);
  });
});

describe('layer input errors name the layer and both shapes', () => {
  it.each([
    [
      () => new nn.BatchNorm2d(1).forward(nt.zeros([32, 28, 28])),
      'BatchNorm2d(1): expected input [N, 1, H, W], got [32, 28, 28]',
    ],
    [
      () => new nn.BatchNorm2d(3).forward(nt.zeros([2, 4, 5, 5])),
      'BatchNorm2d(3): expected input [N, 3, H, W], got [2, 4, 5, 5]',
    ],
    [
      () => new nn.BatchNorm1d(3).forward(nt.zeros([2, 4])),
      'BatchNorm1d(3): expected input [N, 3] or [N, 3, L], got [2, 4]',
    ],
    [
      () => new nn.LayerNorm([3, 4]).forward(nt.zeros([2, 4, 3])),
      'LayerNorm([3, 4]): expected input [..., 3, 4], got [2, 4, 3]',
    ],
  ])('%#', (f, message) => {
    expect(f).toThrow(message);
    expect(f).toThrow(nt.ShapeError);
  });

  it('BatchNorm refuses a single value per channel in training', () => {
    expect(() => new nn.BatchNorm1d(3).forward(nt.zeros([1, 3]))).toThrow(
      'expected more than 1 value per channel when training',
    );
  });
});

describe('nn.functional', () => {
  const F = nn.functional;
  it('holds the stateless forms', () => {
    for (const name of [
      'relu',
      'leakyRelu',
      'elu',
      'gelu',
      'sigmoid',
      'tanh',
      'softplus',
      'softmax',
      'logSoftmax',
      'dropout',
      'embedding',
      'linear',
      'mseLoss',
      'l1Loss',
      'huberLoss',
      'smoothL1Loss',
      'bceLoss',
      'binaryCrossEntropy',
      'bceWithLogitsLoss',
      'binaryCrossEntropyWithLogits',
      'nllLoss',
      'crossEntropy',
      'batchNorm',
      'layerNorm',
      'pad',
      'conv2d',
      'maxPool2d',
      'avgPool2d',
      'adaptiveAvgPool2d',
    ]) {
      expect(typeof (F as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('linear equals the Linear layer', () => {
    const layer = new nn.Linear(3, 2);
    const x = nt.randn([4, 3]);
    expectClose(F.linear(x, layer.weight, layer.bias).data, layer.forward(x).data);
    expectClose(F.linear(x, layer.weight).data, layer.forward(x).sub(layer.bias!).data);
    expect(() => F.linear(x, nt.zeros([2, 4]))).toThrow('linear: input [4, 3] does not fit weight [2, 4]');
  });
});
