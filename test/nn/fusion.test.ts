/**
 * Layers that run fused where nothing else sees what passes between them (nn/internal.ts): a plain ReLU followed
 * by a plain max-pool runs as pooling then ReLU (reluThenPool), and a plain batch norm followed by a plain ReLU as
 * one kernel (normThenRelu), inside a Sequential and in the library's models. The fused and the written orders
 * must agree bit for bit, values and every gradient (and the running statistics), on every backend: the inputs
 * below are rounded to a few levels so that windows tie, hold only negative values, zeros of both signs, NaN and
 * −∞, and the pools overlap, pad and run in ceil mode. Each comparison is against the same layers run as written:
 * one by one, or with every layer given a forward of its own (which the fusion leaves alone).
 */
import { afterEach, beforeEach, expect } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import * as nt from '../../src/index.js';
import { isPlainMaxPool } from '../../src/nn/internal.js';
import { forEachBackend } from '../helpers/backends.js';

type Fwd = { forward(x: nt.Tensor): nt.Tensor };
const fwd = (m: nt.nn.Module, x: nt.Tensor) => (m as unknown as Fwd).forward(x);

/** The layers of `seq` run one by one, as written (no reordering). */
function oneByOne(seq: nt.nn.Sequential, x: nt.Tensor): nt.Tensor {
  let y = x;
  for (const m of seq) y = fwd(m, y);
  return y;
}

/** Values on a coarse grid (many ties, zeros and negative windows), with a few NaN, −∞ and −0 cells. */
function coarse(shape: number[], seed: number, specials = false): nt.Tensor {
  nt.manualSeed(seed);
  const t = nt.randn(shape);
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] = Math.round(d[i] * 2) / 2;
  if (specials) {
    d[3] = Number.NaN;
    d[17] = Number.NEGATIVE_INFINITY;
    d[29] = -0;
    d[30] = 0;
  }
  return t;
}

/** Output, input gradient and parameter gradients of `run(x)` under a fixed random upstream gradient. */
function outcome(model: nt.nn.Module, x: nt.Tensor, run: (x: nt.Tensor) => nt.Tensor, seed: number) {
  model.zeroGrad();
  const xi = x.detach().requiresGrad_();
  const y = run(xi);
  nt.manualSeed(seed);
  const w = nt.randn(y.shape);
  // the upstream gradient is w everywhere, NaN outputs included (y·w would be NaN there, its gradient is not)
  y.mul(w).sum().backward();
  return {
    y: Array.from(y.data as Float32Array),
    dx: Array.from(xi.grad!.data as Float32Array),
    params: model.parameters().map((p) => Array.from(p.grad!.data as Float32Array)),
  };
}

/** Counts the elements each ReLU kernel call (forward and gradient) is given. */
function reluSizes(backend: Backend, body: () => void): number[] {
  const sizes: number[] = [];
  const b = backend as unknown as Record<string, (...a: unknown[]) => unknown>;
  const unary = b.unary;
  const unaryGrad = b.unaryGrad;
  b.unary = function (op: unknown, x: unknown, ...rest: unknown[]) {
    if (op === 'relu') sizes.push((x as Float32Array).length);
    return unary.call(this, op, x, ...rest);
  };
  b.unaryGrad = function (op: unknown, x: unknown, ...rest: unknown[]) {
    if (op === 'relu') sizes.push((x as Float32Array).length);
    return unaryGrad.call(this, op, x, ...rest);
  };
  try {
    body();
  } finally {
    b.unary = unary;
    b.unaryGrad = unaryGrad;
  }
  return sizes;
}

/** The values of every buffer (running statistics, batch counters). */
function buffers(m: nt.nn.Module): number[][] {
  return m.namedBuffers().map(([, t]) => Array.from(t.data as ArrayLike<number>));
}

/**
 * `net` with every batch norm, ReLU and max-pool given a forward of its own, the prototype's: the same math, but no
 * longer a plain library layer, so nothing fuses them and every layer runs as written.
 */
function unfused<M extends nt.nn.Module>(net: M): M {
  for (const m of net.modules()) {
    if (
      m instanceof nt.nn.BatchNorm2d ||
      m instanceof nt.nn.BatchNorm1d ||
      m instanceof nt.nn.ReLU ||
      m instanceof nt.nn.MaxPool2d
    ) {
      const own = Object.getPrototypeOf(m).forward as (x: nt.Tensor) => nt.Tensor;
      Object.defineProperty(m, 'forward', { value: (x: nt.Tensor) => own.call(m, x) });
    }
  }
  return net;
}

forEachBackend('fused layers', (backend, it) => {
  beforeEach(() => nt.clearBufferPool());
  afterEach(() => nt.clearBufferPool());

  it('a Sequential gives the same values and gradients as its layers one by one (2-D pools)', () => {
    nt.manualSeed(1);
    const seq = new nt.nn.Sequential(
      new nt.nn.Conv2d(2, 4, 3, { padding: 1 }),
      new nt.nn.ReLU(),
      new nt.nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
      new nt.nn.Conv2d(4, 3, 1),
      new nt.nn.ReLU(),
      new nt.nn.MaxPool2d(2),
      new nt.nn.Flatten(),
      new nt.nn.Linear(3 * 3 * 3, 5),
      new nt.nn.ReLU(),
    );
    // weights on a coarse grid too, so the convolutions' outputs tie and cancel to exact zeros
    nt.noGrad(() => {
      for (const p of seq.parameters()) {
        const d = p.data as Float32Array;
        for (let i = 0; i < d.length; i++) d[i] = Math.round(d[i] * 8) / 8;
      }
    });
    for (const seed of [2, 3, 4]) {
      const x = coarse([3, 2, 11, 11], seed);
      const fused = outcome(seq, x, (xi) => fwd(seq, xi), seed + 10);
      const written = outcome(seq, x, (xi) => oneByOne(seq, xi), seed + 10);
      expect(fused).toEqual(written);
    }
  });

  it('ReLU then pool alone, with NaN, −∞, ±0 and overlapping, padded, ceil-mode and 1-D windows', () => {
    const cases: [nt.nn.Module, number[]][] = [
      [new nt.nn.MaxPool2d(2), [2, 3, 6, 6]],
      [new nt.nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), [2, 3, 7, 7]],
      [new nt.nn.MaxPool2d([3, 2], { stride: [1, 2], padding: [1, 0] }), [2, 2, 5, 6]],
      [new nt.nn.MaxPool1d(3, { stride: 2, padding: 1, ceilMode: true }), [2, 3, 12]],
      [new nt.nn.MaxPool1d(2), [3, 16]],
    ];
    for (const [pool, shape] of cases) {
      const seq = new nt.nn.Sequential(new nt.nn.ReLU(), pool);
      const x = coarse(shape, 5, true);
      const fused = outcome(seq, x, (xi) => fwd(seq, xi), 6);
      const written = outcome(seq, x, (xi) => oneByOne(seq, xi), 6);
      expect(fused).toEqual(written);
      expect(fused.y.some(Number.isNaN)).toBe(true);
    }
  });

  it('runs the ReLU on the pooled map, forward and backward', () => {
    const seq = new nt.nn.Sequential(new nt.nn.ReLU(), new nt.nn.MaxPool2d(2));
    const x = nt.randn([2, 3, 8, 8], { requiresGrad: true });
    const sizes = reluSizes(backend, () => fwd(seq, x).sum().backward());
    expect(sizes).toEqual([2 * 3 * 4 * 4, 2 * 3 * 4 * 4]);
  });

  it('keeps the written order where the ReLU output could be seen or the orders differ', () => {
    const spied: number[][] = [];
    const own = new nt.nn.ReLU();
    // an instance with its own forward may keep or show what it returns
    Object.defineProperty(own, 'forward', {
      value: (x: nt.Tensor) => {
        const y = nt.relu(x);
        spied.push([...y.shape]);
        return y;
      },
    });
    const x = nt.randn([1, 2, 4, 4]);
    fwd(new nt.nn.Sequential(own, new nt.nn.MaxPool2d(2)), x);
    expect(spied).toEqual([[1, 2, 4, 4]]);
    // average pooling does not commute with ReLU; a max-pool with its own forward may look at its input
    const ownPool = new nt.nn.MaxPool2d(2);
    Object.defineProperty(ownPool, 'forward', { value: (t: nt.Tensor) => nt.maxPool2d(t, 2) });
    for (const pool of [new nt.nn.AvgPool2d(2), ownPool]) {
      const seq = new nt.nn.Sequential(new nt.nn.ReLU(), pool);
      expect(reluSizes(backend, () => fwd(seq, x))).toEqual([32]);
    }
    // a dilated window can lie wholly on padding: −∞ pooled from the ReLU's output, but relu(−∞) = 0 after it
    const dilated = new nt.nn.MaxPool1d(2, { padding: 1, dilation: 3 });
    expect(isPlainMaxPool(dilated)).toBe(false);
    const seq = new nt.nn.Sequential(new nt.nn.ReLU(), dilated);
    const y = fwd(seq, nt.tensor([[[1, 2]]]));
    expect(Array.from(y.data)).toEqual([Number.NEGATIVE_INFINITY]);
    expect(Array.from(y.data)).toEqual(Array.from(oneByOne(seq, nt.tensor([[[1, 2]]])).data));
  });

  it('LeNet-5 with ReLU and max-pooling gives the same values and gradients as its layers in the written order', () => {
    nt.manualSeed(7);
    const net = new nt.models.LeNet5({ activation: 'relu', pooling: 'max' });
    const written = (x: nt.Tensor): nt.Tensor => {
      const field = nt.pad(x, [2, 2, 2, 2]);
      const s2 = fwd(net.s2, nt.relu(fwd(net.c1, field)));
      const s4 = fwd(net.s4, nt.relu(fwd(net.c3, s2)));
      const c5 = nt.flatten(nt.relu(fwd(net.c5, s4)), 1);
      return fwd(net.output, nt.relu(fwd(net.f6, c5)));
    };
    const x = coarse([4, 1, 28, 28], 8);
    const sizes: number[] = [];
    const fused = outcome(
      net,
      x,
      (xi) => {
        sizes.push(...reluSizes(backend, () => fwd(net, xi)));
        return fwd(net, xi);
      },
      9,
    );
    expect(fused).toEqual(outcome(net, x, written, 9));
    // C1's ReLU on the 14×14 pooled maps, C3's on 5×5, C5's and F6's on the vectors
    expect(sizes).toEqual([4 * 6 * 14 * 14, 4 * 16 * 5 * 5, 4 * 120, 4 * 84]);
  });

  it('a batch norm then a ReLU gives the same values, gradients and running statistics as written', () => {
    const make = () =>
      new nt.nn.Sequential(
        new nt.nn.Conv2d(2, 4, 3, { padding: 1 }),
        new nt.nn.BatchNorm2d(4),
        new nt.nn.ReLU(),
        new nt.nn.MaxPool2d(2),
        new nt.nn.Conv2d(4, 3, 3),
        new nt.nn.BatchNorm2d(3, { affine: false }),
        new nt.nn.ReLU(),
        new nt.nn.Flatten(),
        new nt.nn.Linear(3 * 2 * 2, 6),
        new nt.nn.BatchNorm1d(6, { trackRunningStats: false }),
        new nt.nn.ReLU(),
      );
    for (const training of [true, false]) {
      nt.manualSeed(11);
      const fusedNet = make();
      nt.manualSeed(11);
      const writtenNet = make();
      fusedNet.train(training);
      writtenNet.train(training);
      for (const seed of [12, 13]) {
        const x = coarse([3, 2, 8, 8], seed);
        const fused = outcome(fusedNet, x, (xi) => fwd(fusedNet, xi), seed + 10);
        const written = outcome(writtenNet, x, (xi) => oneByOne(writtenNet, xi), seed + 10);
        expect(fused).toEqual(written);
        expect(buffers(fusedNet)).toEqual(buffers(writtenNet));
      }
    }
  });

  it('runs a batch norm and its ReLU as one kernel, forward and backward', () => {
    const seq = new nt.nn.Sequential(new nt.nn.BatchNorm2d(3), new nt.nn.ReLU());
    const x = nt.randn([2, 3, 4, 4], { requiresGrad: true });
    expect(reluSizes(backend, () => fwd(seq, x).sum().backward())).toEqual([]);
    expect(x.grad).not.toBeNull();
  });

  it('the classic, residual and Inception networks give the same values, gradients and statistics as written', () => {
    const nets: [string, () => nt.nn.Module][] = [
      ['ResNet-18 mini', () => nt.models.resnet18Mini({ inChannels: 3, baseWidth: 4 })],
      [
        'GoogLeNet-mini',
        () => new nt.models.GoogLeNetMini({ inChannels: 3, widthMultiplier: 0.0625, dropout: 0 }),
      ],
      [
        'VGG-11 with batch norm',
        () => new nt.models.VGG({ inChannels: 3, widthMultiplier: 0.125, hiddenFeatures: 8, dropout: 0 }),
      ],
      [
        'AlexNet',
        () => new nt.models.AlexNet({ inChannels: 3, width: 0.0625, hiddenFeatures: 8, dropout: 0 }),
      ],
      [
        'LeNet-5 (ReLU, max)',
        () => new nt.models.LeNet5({ inChannels: 3, activation: 'relu', pooling: 'max' }),
      ],
    ];
    for (const [name, make] of nets) {
      nt.manualSeed(21);
      const fusedNet = make();
      nt.manualSeed(21);
      const writtenNet = unfused(make());
      const x = coarse([2, 3, 32, 32], 22);
      const fused = outcome(fusedNet, x, (xi) => fwd(fusedNet, xi), 23);
      const written = outcome(writtenNet, x, (xi) => fwd(writtenNet, xi), 23);
      expect(fused, name).toEqual(written);
      expect(buffers(fusedNet), name).toEqual(buffers(writtenNet));
    }
  });
});
