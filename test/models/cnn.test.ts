import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import * as nt from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';

const { models, nn } = nt;

type Net = nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor };

interface Case {
  name: string;
  model: 'LeNet5' | 'AlexNet' | 'VGG' | 'GoogLeNetMini' | 'ResNet' | 'resnetMini' | 'resnet18Mini';
  options: Record<string, unknown>;
  input: number[];
  numParameters: number;
  state: [string, number[]][];
  output: { shape: number[]; data: number[] } | null;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/cnn_models.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

function build(c: Case): Net {
  const o = c.options as never;
  switch (c.model) {
    case 'LeNet5':
      return new models.LeNet5(o);
    case 'AlexNet':
      return new models.AlexNet(o);
    case 'VGG':
      return new models.VGG(o);
    case 'GoogLeNetMini':
      return new models.GoogLeNetMini(o);
    case 'ResNet':
      return new models.ResNet(o);
    case 'resnetMini':
      return models.resnetMini(o);
    case 'resnet18Mini':
      return models.resnet18Mini(o);
  }
}

/** The fixture's weight formula (scripts/fixtures/cnn_models.py, `fill`), entry by entry in state-dict order. */
function fill(model: nt.nn.Module): void {
  Object.entries(model.stateDict()).forEach(([key, t], k) => {
    if (key.endsWith('num_batches_tracked')) return;
    const fanIn = t.size / t.shape[0];
    for (let i = 0; i < t.size; i++) {
      const v = Math.sin(0.37 * i + 1.3 * k + 0.5);
      let w: number;
      if (key.endsWith('running_var')) w = 0.75 + 0.25 * v;
      else if (key.endsWith('running_mean') || (key.endsWith('bias') && t.ndim === 1)) w = 0.1 * v;
      else if (t.ndim === 1) w = 1 + 0.2 * v;
      else w = (v * 2) / Math.sqrt(fanIn);
      t.data[i] = w;
    }
  });
}

function formulaInput(shape: number[]): nt.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return nt.tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(0.05 * i + 0.3)),
    shape,
  );
}

describe('CNN zoo against PyTorch: parameter counts, state-dict keys and shapes', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const model = build(c);
      expect(model.numParameters()).toBe(c.numParameters);
      const state = Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.shape]]);
      expect(state).toEqual(c.state);
    });
  }
});

forEachBackend('CNN zoo against PyTorch: eval-mode logits with the same weights', (_backend, itOn) => {
  for (const c of fixture.cases.filter((f) => f.output !== null)) {
    itOn(c.name, () => {
      const model = build(c);
      fill(model);
      model.eval();
      const y = nt.noGrad(() => model.forward(formulaInput(c.input)));
      expect(y.shape).toEqual(c.output!.shape);
      expectClose(y.data, c.output!.data, { atol: 1e-4, rtol: 1e-3 }, c.name);
    });
  }
});

/** Every architecture, narrowed where the width is an option (shapes and gradient flow do not depend on it). */
const zoo: [string, (inChannels: number) => Net][] = [
  ['LeNet5', (inChannels) => new models.LeNet5({ inChannels })],
  ['LeNet5 relu/max', (inChannels) => new models.LeNet5({ inChannels, activation: 'relu', pooling: 'max' })],
  ['AlexNet', (inChannels) => new models.AlexNet({ inChannels, width: 0.0625, hiddenFeatures: 32 })],
  ['VGG-11', (inChannels) => new models.VGG({ inChannels, widthMultiplier: 0.0625, hiddenFeatures: 32 })],
  [
    'VGG-19 without batch norm',
    (inChannels) =>
      new models.VGG({
        config: 'vgg19',
        inChannels,
        batchNorm: false,
        widthMultiplier: 0.0625,
        hiddenFeatures: 32,
      }),
  ],
  ['GoogLeNetMini', (inChannels) => new models.GoogLeNetMini({ inChannels, widthMultiplier: 0.0625 })],
  [
    'GoogLeNetMini double 3×3',
    (inChannels) => new models.GoogLeNetMini({ inChannels, widthMultiplier: 0.0625, branch3: 'double3x3' }),
  ],
  ['ResNet-18-mini', (inChannels) => models.resnet18Mini({ inChannels, widthMultiplier: 0.125 })],
  [
    'ResNet bottleneck',
    (inChannels) => new models.ResNet({ block: 'bottleneck', layers: [1, 2, 1], inChannels, baseWidth: 4 }),
  ],
];

describe('CNN zoo: output shapes', () => {
  for (const [name, make] of zoo) {
    it(`${name}: [N, 1, 28, 28] and [N, 3, 32, 32] → [N, 10]`, () => {
      for (const [c, size] of [
        [1, 28],
        [3, 32],
      ]) {
        const model = make(c);
        const y = model.forward(nt.randn([2, c, size, size]));
        expect(y.shape).toEqual([2, 10]);
        expect([...y.data].every(Number.isFinite)).toBe(true);
      }
    });
  }

  it('numClasses sets the logits, and the defaults are 10 classes of 1-channel images', () => {
    const x = nt.randn([1, 1, 28, 28]);
    expect(new models.LeNet5({ numClasses: 7 }).forward(x).shape).toEqual([1, 7]);
    expect(models.resnet18Mini({ numClasses: 3, baseWidth: 2 }).forward(x).shape).toEqual([1, 3]);
    expect(new models.VGG({ numClasses: 4, widthMultiplier: 0.0625 }).eval().forward(x).shape).toEqual([
      1, 4,
    ]);
  });
});

describe('CNN zoo: gradients reach every parameter', () => {
  for (const [name, make] of zoo) {
    it(name, () => {
      nt.manualSeed(1);
      const model = make(1);
      const x = nt.randn([2, 1, 28, 28]);
      const loss = nt.crossEntropy(model.forward(x), nt.tensor(Int32Array.from([3, 7]), [2]));
      loss.backward();
      for (const [key, p] of model.namedParameters()) {
        expect(p.grad, key).not.toBeNull();
        expect(p.grad!.shape, key).toEqual(p.shape);
        const g = [...p.grad!.data];
        expect(g.every(Number.isFinite), `${key}: finite`).toBe(true);
        expect(
          g.some((v) => v !== 0),
          `${key}: some non-zero gradient`,
        ).toBe(true);
      }
    });
  }
});

describe('LeNet5', () => {
  it("has the paper's layers: C1 6@5×5, C3 16@5×5, C5 120@5×5, F6 84", () => {
    const net = new models.LeNet5();
    expect(net.c1.weight.shape).toEqual([6, 1, 5, 5]);
    expect(net.c3.weight.shape).toEqual([16, 6, 5, 5]);
    expect(net.c5.weight.shape).toEqual([120, 16, 5, 5]);
    expect(net.f6.weight.shape).toEqual([84, 120]);
    expect(net.output.weight.shape).toEqual([10, 84]);
    expect(net.s2).toBeInstanceOf(nn.AvgPool2d);
    expect(new models.LeNet5({ pooling: 'max' }).s4).toBeInstanceOf(nn.MaxPool2d);
  });

  it('pads 28×28 inputs to the 32×32 field: the same as C1 with padding 2', () => {
    const net = new models.LeNet5({ activation: 'relu' });
    const x = nt.randn([2, 1, 28, 28]);
    const padded = net.forward(nt.pad(x, [2, 2, 2, 2]));
    expectClose(net.forward(x).data, padded.data, { atol: 1e-6, rtol: 1e-6 });
  });

  it('rejects inputs it cannot take, naming itself and the shape', () => {
    const net = new models.LeNet5();
    expect(() => net.forward(nt.randn([2, 3, 28, 28]))).toThrow(
      /LeNet5: expected input \[N, 1, H, W\].*\[2, 3, 28, 28\]/,
    );
    expect(() => net.forward(nt.randn([1, 1, 36, 36]))).toThrow(nt.ShapeError);
    expect(() => net.forward(nt.randn([1, 28, 28]))).toThrow(nt.ShapeError);
    expect(() => new models.LeNet5({ activation: 'sigmoid' as never })).toThrow(/LeNet5: activation/);
    expect(() => new models.LeNet5({ numClasses: 0 })).toThrow(nt.ValueError);
  });
});

describe('AlexNet', () => {
  it("keeps the paper's pattern: five convolutions, three overlapping max-pools, dropout before both hidden layers", () => {
    const net = new models.AlexNet({ width: 0.25 });
    const features = [...net.features];
    const convs = features.filter((m): m is nt.nn.Conv2d => m instanceof nn.Conv2d);
    expect(convs.map((c) => c.outChannels)).toEqual([24, 64, 96, 96, 64]);
    expect(convs.map((c) => c.kernelSize[0])).toEqual([5, 5, 3, 3, 3]);
    const pools = features.filter((m): m is nt.nn.MaxPool2d => m instanceof nn.MaxPool2d);
    expect(pools.map((p) => [p.kernelSize, p.stride])).toEqual([
      [3, 2],
      [3, 2],
      [3, 2],
    ]);
    const kinds = [...net.classifier].map((m) => m.constructor.name);
    expect(kinds).toEqual(['Dropout', 'Linear', 'ReLU', 'Dropout', 'Linear', 'ReLU', 'Linear']);
    expect(() => new models.AlexNet({ width: 0 })).toThrow(/AlexNet: width/);
  });
});

describe('VGG', () => {
  it('named configurations have 8, 10, 13 and 16 convolutions (A, B, D, E: 11 to 19 weight layers)', () => {
    const depths = Object.entries(models.VGG_CONFIGS).map(([name, cfg]) => [
      name,
      cfg.filter((v) => v !== 'M').length + 3,
    ]);
    expect(depths).toEqual([
      ['vgg11', 11],
      ['vgg13', 13],
      ['vgg16', 16],
      ['vgg19', 19],
    ]);
    for (const cfg of Object.values(models.VGG_CONFIGS)) expect(cfg.filter((v) => v === 'M').length).toBe(5);
  });

  it('scales named configurations by widthMultiplier and uses a custom one as written', () => {
    expect(new models.VGG({ config: 'vgg11', widthMultiplier: 0.5 }).config).toEqual([
      32,
      'M',
      64,
      'M',
      128,
      128,
      'M',
      256,
      256,
      'M',
      256,
      256,
      'M',
    ]);
    expect(new models.VGG({ config: [8, 'M', 16], widthMultiplier: 0.5 }).config).toEqual([8, 'M', 16]);
    const plain = new models.VGG({ config: [4, 'M'], batchNorm: false });
    expect([...plain.features].map((m) => m.constructor.name)).toEqual(['Conv2d', 'ReLU', 'MaxPool2d']);
  });

  it('rejects bad configurations', () => {
    expect(() => new models.VGG({ config: 'vgg12' as never })).toThrow(/unknown config "vgg12"/);
    expect(() => new models.VGG({ config: ['M'] })).toThrow(/at least one convolution/);
    expect(() => new models.VGG({ config: [8, 0] })).toThrow(nt.ValueError);
    expect(() => new models.VGG().forward(nt.randn([1, 3, 32, 32]))).toThrow(
      /VGG: expected input \[N, 1, H, W\]/,
    );
  });
});

describe('Inception', () => {
  it("concatenates the four branches on channels and keeps the size: the paper's (3a), 192 → 256", () => {
    const block = new models.Inception(192, 64, 96, 128, 16, 32, 32, { batchNorm: false });
    expect(block.outChannels).toBe(256);
    // 1×1: 192·64+64; 1×1 → 3×3: 192·96+96 + 96·128·9+128; 1×1 → 5×5: 192·16+16 + 16·32·25+32; pool → 1×1: 192·32+32
    expect(block.numParameters()).toBe(12352 + 18528 + 110720 + 3088 + 12832 + 6176);
    expect(block.forward(nt.randn([1, 192, 5, 7])).shape).toEqual([1, 256, 5, 7]);
  });

  it('puts the branches in the order 1×1, 3×3, 5×5, pool', () => {
    const block = new models.Inception(3, 1, 1, 2, 1, 3, 4);
    // ReLU outputs are ≥ 0; forcing one branch's batch-norm shift to -∞ zeroes exactly its channels
    const branches = [block.branch1, block.branch2.at(-1), block.branch3.at(-1), block.branch4.at(-1)];
    const ranges = [
      [0, 1],
      [1, 3],
      [3, 6],
      [6, 10],
    ];
    branches.forEach((b, i) => {
      const bn = (b as nt.models.BasicConv2d).bn!;
      const saved = Float32Array.from(bn.bias!.data);
      bn.bias!.data.fill(-1e30);
      const y = block.forward(nt.randn([1, 3, 4, 4]));
      bn.bias!.data.set(saved);
      for (let ch = 0; ch < 10; ch++) {
        const plane = [...y.data.subarray(ch * 16, ch * 16 + 16)];
        const inBranch = ch >= ranges[i][0] && ch < ranges[i][1];
        expect(
          plane.every((v) => v === 0),
          `branch ${i + 1} off, channel ${ch}`,
        ).toBe(inBranch);
      }
    });
  });

  it('double3x3 replaces the 5×5 by two 3×3 convolutions', () => {
    const block = new models.Inception(4, 2, 2, 2, 2, 3, 2, { branch3: 'double3x3' });
    expect(
      Object.keys(block.stateDict()).filter((k) => k.startsWith('branch3.') && k.endsWith('conv.weight')),
    ).toEqual(['branch3.0.conv.weight', 'branch3.1.conv.weight', 'branch3.2.conv.weight']);
    expect(block.branch3.at(1).stateDict()['conv.weight'].shape).toEqual([3, 2, 3, 3]);
    expect(() => new models.Inception(4, 2, 2, 2, 2, 0, 2)).toThrow(/Inception: ch5x5/);
    expect(() => block.forward(nt.randn([1, 5, 4, 4]))).toThrow(
      /Inception\(4 -> 9\): expected input \[N, 4, H, W\]/,
    );
  });
});

describe('ResNet', () => {
  it('uses projection shortcuts exactly where a block changes the shape', () => {
    const net = models.resnet18Mini();
    const withShortcut = Object.keys(net.stateDict())
      .filter((k) => k.endsWith('downsample.0.weight'))
      .map((k) => k.split('.').slice(0, 2).join('.'));
    expect(withShortcut).toEqual(['layer2.0', 'layer3.0', 'layer4.0']);
    expect(net.layer(2).at(0).stateDict()['downsample.0.weight'].shape).toEqual([32, 16, 1, 1]);
    // bottlenecks expand 4×, so even the first block of layer1 needs one
    const deep = models.resnetMini({ depth: 50 });
    expect(Object.keys(deep.stateDict()).filter((k) => k.endsWith('downsample.0.weight'))).toEqual([
      'layer1.0.downsample.0.weight',
      'layer2.0.downsample.0.weight',
      'layer3.0.downsample.0.weight',
      'layer4.0.downsample.0.weight',
    ]);
  });

  it('zeroInitResidual zeroes the last batch norm of every block, so each block starts as relu(shortcut)', () => {
    for (const block of ['basic', 'bottleneck'] as const) {
      const net = new models.ResNet({ block, layers: [1, 1], baseWidth: 4, zeroInitResidual: true });
      const last = block === 'basic' ? 'bn2' : 'bn3';
      const bnWeights = Object.entries(net.stateDict()).filter(([k]) => /layer\d\.\d\.bn\d\.weight$/.test(k));
      for (const [k, t] of bnWeights) {
        expect(
          [...t.data].every((v) => v === (k.endsWith(`${last}.weight`) ? 0 : 1)),
          k,
        ).toBe(true);
      }
      const first = net.layer(1).at(0) as nt.models.BasicBlock | nt.models.Bottleneck;
      const x = nt.randn([2, first.inplanes, 5, 5]);
      const shortcut = first.downsample ? (first.downsample as nt.nn.Sequential).forward(x) : x;
      expectClose(first.forward(x).data, nt.relu(shortcut).data, { atol: 1e-6, rtol: 1e-6 }, block);
    }
    const plain = models.resnet18Mini();
    expect([...plain.layer(1).at(0).stateDict()['bn2.weight'].data].every((v) => v === 1)).toBe(true);
  });

  it('counts its stages from `layers`, doubling the planes and halving the size at each', () => {
    const net = new models.ResNet({ layers: [1, 1, 1], baseWidth: 8 });
    expect(Object.keys(net.stateDict()).some((k) => k.startsWith('layer4'))).toBe(false);
    expect(net.fc.inFeatures).toBe(32);
    expect(() => net.layer(4)).toThrow(/no layer4/);
    expect(() => new models.ResNet({ layers: [] })).toThrow(/ResNet: layers/);
    expect(() => models.resnetMini({ depth: 20 as never })).toThrow(
      /depth must be one of 18, 34, 50, 101, 152/,
    );
    expect(() => net.forward(nt.randn([1, 3, 28, 28]))).toThrow(
      /ResNet: expected input \[N, 1, H, W\], got \[1, 3, 28, 28\]/,
    );
  });
});

forEachBackend('LeNet5 learns', (backend, itOn) => {
  itOn('overfits a handful of MNIST digits to 100% training accuracy', () => {
    // 64 digits where training is fast; half that on the (slow) TypeScript reference backend
    const n = backend.name === 'ts' ? 32 : 64;
    nt.manualSeed(0);
    const { images, labels } = loadMnist({ split: 'train', normalize: 'standard' });
    const x = images.slice([0, 0, 0, 0], [n, 1, 28, 28]);
    const y = labels.slice([0], [n]);
    const model = new models.LeNet5();
    const optimizer = new nt.optim.Adam(model.parameters(), { lr: 1e-2 });
    let accuracy = 0;
    for (let step = 0; step < 40 && accuracy < 1; step++) {
      const logits = model.forward(x);
      accuracy = logits.argmax(1).eq(y).sum().item() / n;
      const loss = nt.crossEntropy(logits, y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    }
    expect(accuracy).toBe(1);
  });
});
