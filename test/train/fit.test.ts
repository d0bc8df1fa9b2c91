import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nt from '../../src/index.js';
import { nn, optim, train } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

/** Three well-separated Gaussian blobs in 2-D, labels 0, 1, 2 in turn. */
function blobs(n: number, seed = 3): { x: nt.Tensor; y: nt.Tensor } {
  const g = new nt.Generator(seed);
  const centers = [
    [0, 4],
    [4, -2],
    [-4, -2],
  ];
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    x[2 * i] = centers[y[i]][0] + 0.5 * g.normal();
    x[2 * i + 1] = centers[y[i]][1] + 0.5 * g.normal();
  }
  return { x: nt.tensor(x, [n, 2]), y: nt.tensor(y, [n]) };
}

function mlp(hidden = 16, out = 3): nt.nn.Sequential {
  return new nn.Sequential(new nn.Linear(2, hidden), new nn.ReLU(), new nn.Linear(hidden, out));
}

const losses = (h: train.History) => h.epochs.map((e) => e.loss);

afterEach(() => {
  vi.restoreAllMocks();
});

forEachBackend('fit', (_backend, itOn) => {
  itOn('learns a separable toy set to 100% accuracy, the loss falling', async () => {
    nt.manualSeed(0);
    const model = mlp();
    const data = blobs(60);
    const history = await train.fit(model, data, {
      epochs: 25,
      batchSize: 16,
      optimizer: new optim.Adam(model.parameters(), { lr: 0.03 }),
      metrics: ['accuracy'],
      verbose: 'silent',
      seed: 1,
    });
    const l = losses(history);
    expect(l).toHaveLength(25);
    expect(l[24]).toBeLessThan(l[0] / 10);
    expect(history.epochs[24].metrics.accuracy).toBe(1);
    const { loss, metrics } = await train.evaluate(model, data, {
      loss: 'crossEntropy',
      metrics: ['accuracy', 'f1'],
    });
    expect(metrics).toEqual({ accuracy: 1, f1: 1 });
    expect(loss).toBeLessThan(0.1);
  });

  itOn('repeats its losses exactly with the same seed, and not with another', async () => {
    const run = async (seed: number) => {
      nt.manualSeed(seed);
      const model = new nn.Sequential(
        new nn.Linear(2, 8),
        new nn.ReLU(),
        new nn.Dropout(0.3),
        new nn.Linear(8, 3),
      );
      const history = await train.fit(model, blobs(30), { epochs: 3, batchSize: 8, verbose: 'silent', seed });
      return losses(history);
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });
});

describe('fit', () => {
  it('validationSplit validates on the last fraction, before shuffling, and never trains on it', async () => {
    const n = 10;
    const x = nt.arange(0, n, 1, { dtype: 'float32' }).reshape([n, 1]);
    const y = nt.zeros([n], { dtype: 'int32' });
    const seenTraining = new Set<number>();
    const seenValidation = new Set<number>();
    const model = new nn.Linear(1, 2);
    const history = await train.fit(
      model,
      { x, y },
      {
        epochs: 2,
        batchSize: 3,
        validationSplit: 0.3,
        verbose: 'silent',
        forward: (m, xb) => {
          for (const v of xb.toList()) (m.training ? seenTraining : seenValidation).add(v);
          return m.forward(xb);
        },
      },
    );
    expect([...seenTraining].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...seenValidation].sort((a, b) => a - b)).toEqual([7, 8, 9]);
    expect(history.epochs[0].valLoss).toBeGreaterThan(0);
    // the same split by hand gives the same validation loss
    const byHand = await train.evaluate(
      model,
      { x: nt.narrow(x, 0, 7, 3), y: nt.narrow(y, 0, 7, 3) },
      { loss: 'crossEntropy' },
    );
    expect(history.epochs[1].valLoss).toBeCloseTo(byHand.loss!, 6);
  });

  it('trains in training mode, validates in evaluation mode, and leaves the model in evaluation mode', async () => {
    const model = new nn.Sequential(new nn.Linear(2, 4), new nn.Dropout(0.5), new nn.Linear(4, 3));
    expect(model.training).toBe(true); // a new model trains, as in PyTorch
    const modes: string[] = [];
    await train.fit(model, blobs(6), {
      epochs: 1,
      batchSize: 3,
      validationData: blobs(3),
      verbose: 'silent',
      forward: (m, xb) => {
        modes.push(m.training ? 'train' : 'eval');
        return m.forward(xb);
      },
    });
    expect(modes).toEqual(['train', 'train', 'eval']);
    expect(model.modules().map((m) => m.training)).toEqual([false, false, false, false]);
    // so a plain forward after fit is deterministic: Dropout is off
    const x = blobs(4).x;
    expect(model.forward(x).toList()).toEqual(model.forward(x).toList());
  });

  it('leaves the model in evaluation mode when training stops with an error too', async () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.Dropout(0.5));
    const data = blobs(6);
    await expect(
      train.fit(model, data, {
        verbose: 'silent',
        loss: () => nt.tensor([Number.NaN]).reshape([]),
      }),
    ).rejects.toThrow(/NaN/);
    expect(model.training).toBe(false);
    expect(model.at(1).training).toBe(false);
  });

  it('accepts the data as an [x, y] pair (the Keras habit) as well as { x, y }', async () => {
    const data = blobs(12);
    nt.manualSeed(1);
    const a = mlp();
    const ha = await train.fit(a, [data.x, data.y], { epochs: 2, batchSize: 4, seed: 2, verbose: 'silent' });
    nt.manualSeed(1);
    const b = mlp();
    const hb = await train.fit(b, data, { epochs: 2, batchSize: 4, seed: 2, verbose: 'silent' });
    expect(losses(ha)).toEqual(losses(hb));
    const split = await train.fit(mlp(), [data.x, data.y], {
      validationSplit: 0.25,
      verbose: 'silent',
    });
    expect(split.epochs[0].valLoss).toBeGreaterThan(0);
    const e = await train.evaluate(a, [data.x, data.y], { loss: 'crossEntropy' });
    expect(e.loss).toBeCloseTo((await train.evaluate(a, data, { loss: 'crossEntropy' })).loss!, 6);
    await expect(train.fit(mlp(), [data.x] as never, { verbose: 'silent' })).rejects.toThrow(/\[x, y\]/);
  });

  it('stops with a clear error at the batch whose loss is NaN, before it changes the weights', async () => {
    const data = blobs(12);
    (data.x.data as Float32Array)[2 * 7] = Number.NaN; // sample 7 is in batch 3 of 4
    const model = mlp();
    let before: number[] = [];
    const err = await train
      .fit(model, data, {
        epochs: 2,
        batchSize: 3,
        shuffle: false,
        verbose: 'silent',
        callbacks: [
          {
            onBatchEnd: (b) => {
              if (b === 2) before = model.parameters().flatMap((p) => p.toList());
            },
          },
        ],
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(train.NonFiniteLossError);
    expect(err.message).toMatch(/the loss became NaN at epoch 1, batch 3 of 4/);
    expect(err.epoch).toBe(1);
    expect(err.batch).toBe(3);
    expect(model.parameters().flatMap((p) => p.toList())).toEqual(before);
  });

  it('reports an infinite loss too', async () => {
    const model = new nn.Linear(2, 1);
    const data = { x: nt.tensor([[1e30, 1e30]]), y: nt.tensor([[0]]) };
    await expect(train.fit(model, data, { loss: 'mse', verbose: 'silent' })).rejects.toThrow(
      /the loss became Infinity at epoch 1, batch 1 of 1/,
    );
  });

  it('maps loss names to the loss functions and adapts common target layouts', async () => {
    nt.manualSeed(2);
    // regression: outputs [N, 1] against targets [N]
    const x = nt.randn([16, 3]);
    const w = nt.tensor([[1], [-2], [0.5]]);
    const yReg = x.matmul(w).reshape([16]);
    const reg = new nn.Linear(3, 1);
    const h = await train.fit(
      reg,
      { x, y: yReg },
      {
        epochs: 60,
        batchSize: 16,
        loss: 'mse',
        metrics: ['mae', 'r2'],
        optimizer: new optim.Adam(reg.parameters(), { lr: 0.1 }),
        verbose: 'silent',
      },
    );
    expect(h.epochs.at(-1)!.loss).toBeLessThan(h.epochs[0].loss / 20);
    expect(h.epochs.at(-1)!.metrics.r2).toBeGreaterThan(0.95);
    const manual = nt.mseLoss(train.predict(reg, x), yReg.reshape([16, 1])).item();
    const { loss } = await train.evaluate(reg, { x, y: yReg }, { loss: 'mse' });
    expect(loss).toBeCloseTo(manual, 6);

    // binary logits against int32 0/1 labels, with accuracy thresholding the logits at 0
    const xb = nt.tensor([[-2], [-1], [1], [2]]);
    const yb = nt.tensor(Int32Array.from([0, 0, 1, 1]));
    const clf = new nn.Linear(1, 1);
    const hb = await train.fit(
      clf,
      { x: xb, y: yb },
      {
        epochs: 40,
        batchSize: 4,
        loss: 'bceWithLogits',
        metrics: ['accuracy'],
        optimizer: new optim.SGD(clf.parameters(), { lr: 0.5 }),
        verbose: 'silent',
      },
    );
    expect(hb.epochs.at(-1)!.metrics.accuracy).toBe(1);

    // a custom loss function
    const calls: number[] = [];
    await train.fit(
      new nn.Linear(3, 1),
      { x, y: yReg },
      {
        loss: (out, target) => {
          calls.push(out.shape[0]);
          return nt.l1Loss(out.reshape([out.shape[0]]), target);
        },
        batchSize: 10,
        verbose: 'silent',
        shuffle: false,
      },
    );
    expect(calls).toEqual([10, 6]);
    await expect(
      train.fit(new nn.Linear(3, 1), { x, y: yReg }, { loss: (o) => o, verbose: 'silent' }),
    ).rejects.toThrow(/the loss must be a scalar, got shape \[16, 1\]/);
    await expect(
      train.fit(new nn.Linear(3, 1), { x, y: yReg }, { loss: 'hinge' as train.LossName }),
    ).rejects.toThrow(/unknown loss 'hinge'/);
  });

  it('accepts a Dataset and a DataLoader, and rejects what it cannot split', async () => {
    const { x, y } = blobs(12);
    const ds = new nt.data.TensorDataset(x, y);
    const h1 = await train.fit(mlp(), ds, {
      epochs: 1,
      batchSize: 5,
      validationSplit: 0.25,
      verbose: 'silent',
    });
    expect(h1.epochs[0].valLoss).toBeDefined();
    const sizes: number[] = [];
    const loader = new nt.data.DataLoader(ds, { batchSize: 4 });
    await train.fit(mlp(), loader, {
      verbose: 'silent',
      callbacks: [{ onBatchEnd: (_b, log) => void sizes.push(log.size) }],
    });
    expect(sizes).toEqual([4, 4, 4]);
    await expect(train.fit(mlp(), loader, { validationSplit: 0.2 })).rejects.toThrow(
      /cannot split a DataLoader/,
    );
    await expect(train.fit(mlp(), { x, y: nt.narrow(y, 0, 0, 5) })).rejects.toThrow(
      /x \[12, 2\] and y \[5\] must have the same number of samples/,
    );
    await expect(train.fit(mlp(), x as never)).rejects.toThrow(/got a Tensor \[12, 2\] \(pass \{ x, y \}\)/);
  });

  it('clips the gradient norm before each step', async () => {
    const model = mlp();
    const norms: number[] = [];
    await train.fit(model, blobs(9), {
      epochs: 2,
      batchSize: 3,
      clipGradNorm: 0.01,
      verbose: 'silent',
      callbacks: [
        {
          onBatchEnd: () => {
            let s = 0;
            for (const p of model.parameters()) for (const g of p.grad!.toList()) s += g * g;
            norms.push(Math.sqrt(s));
          },
        },
      ],
    });
    expect(norms).toHaveLength(6);
    for (const n of norms) expect(n).toBeLessThanOrEqual(0.01 + 1e-6);
  });

  it('steps an epoch scheduler per epoch and OneCycleLR per batch', async () => {
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const h = await train.fit(model, blobs(6), {
      epochs: 4,
      batchSize: 3,
      optimizer: opt,
      scheduler: new optim.StepLR(opt, 2, { gamma: 0.5 }),
      verbose: 'silent',
    });
    expect(h.epochs.map((e) => e.lr)).toEqual([0.1, 0.1, 0.05, 0.05]);

    const model2 = mlp();
    const opt2 = new optim.SGD(model2.parameters(), { lr: 0.1, momentum: 0.9 });
    const sched = new optim.OneCycleLR(opt2, { maxLr: 0.1, totalSteps: 6 });
    const lrs: number[] = [];
    await train.fit(model2, blobs(9), {
      epochs: 2,
      batchSize: 3,
      optimizer: opt2,
      scheduler: sched,
      verbose: 'silent',
      callbacks: [{ onBatchEnd: () => void lrs.push(opt2.paramGroups[0].lr) }],
    });
    expect(sched.lastEpoch).toBe(6);
    // the same schedule stepped by hand, once per optimiser step
    const reference = new optim.OneCycleLR(new optim.SGD(mlp().parameters(), { lr: 0.1, momentum: 0.9 }), {
      maxLr: 0.1,
      totalSteps: 6,
    });
    const expected = Array.from({ length: 6 }, () => {
      reference.step();
      return reference.getLastLr()[0];
    });
    expect(lrs).toEqual(expected);
    expect(Math.max(...lrs)).toBeGreaterThan(0.09);
  });

  it('gives ReduceLROnPlateau the monitored value', async () => {
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const values = [3, 2, 2.5, 2.4, 1];
    let epoch = 0;
    const score: train.Metric = {
      name: 'score',
      higherIsBetter: false,
      reset: () => {},
      update: () => {},
      compute: () => values[epoch],
    };
    const plateau = new optim.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
    const h = await train.fit(model, blobs(3), {
      epochs: 5,
      batchSize: 3,
      optimizer: opt,
      metrics: [score],
      scheduler: plateau,
      schedulerMonitor: 'score',
      verbose: 'silent',
      callbacks: [{ onEpochEnd: () => void epoch++ }],
    });
    // epoch 3 does not improve on 2 → halve; epoch 4 (2.4) neither → halve again
    expect(h.epochs.map((e) => e.lr)).toEqual([0.1, 0.1, 0.1, 0.05, 0.025]);
  });

  it('gives the event loop a turn during long epochs, not a task per batch', async () => {
    const model = new nn.Linear(2, 3);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let batches = 0;
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        // spin: a slow model
      }
    };
    try {
      await train.fit(model, blobs(30), {
        epochs: 1,
        batchSize: 1,
        verbose: 'silent',
        forward: (m, xb) => {
          busy(4); // 120 ms of model time in all
          batches++;
          return m.forward(xb);
        },
      });
    } finally {
      clearInterval(timer);
    }
    expect(batches).toBe(30);
    // at least a turn per ~50 ms of work, and far fewer than one per batch
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(ticks).toBeLessThan(20);
  });

  it('predict runs in batches in evaluation mode and joins the outputs', () => {
    nt.manualSeed(4);
    const model = new nn.Sequential(new nn.Linear(2, 5), new nn.Dropout(0.5), new nn.Linear(5, 3));
    const { x } = blobs(10);
    const whole = nt.noGrad(() => model.eval().forward(x));
    model.train();
    const out = train.predict(model, x, { batchSize: 4 });
    expect(out.shape).toEqual([10, 3]);
    expect(out.toList()).toEqual(whole.toList());
    expect(out.requiresGrad).toBe(false);
    expect(model.training).toBe(true);
  });

  it('evaluate over batches equals the metrics of the whole set', async () => {
    nt.manualSeed(8);
    const model = mlp(4);
    const { x, y } = blobs(21);
    const out = train.predict(model, x);
    const r = await train.evaluate(
      model,
      { x, y },
      { batchSize: 4, loss: 'crossEntropy', metrics: ['accuracy', 'logLoss', 'f1'] },
    );
    expect(r.metrics.accuracy).toBe(train.accuracy(out, y));
    expect(r.metrics.f1).toBeCloseTo(train.precisionRecallF1(out, y).f1, 14);
    expect(r.metrics.logLoss).toBeCloseTo(train.logLoss(out, y), 10);
    expect(r.loss).toBeCloseTo(nt.crossEntropy(out, y).item(), 5);
  });

  it('validates its options', async () => {
    const data = blobs(3);
    await expect(train.fit(mlp(), data, { epochs: 0 })).rejects.toThrow(
      /epochs must be a positive integer, got 0/,
    );
    await expect(train.fit(mlp(), data, { validationSplit: 1.5 })).rejects.toThrow(
      /validationSplit must be between 0 and 1/,
    );
    await expect(train.fit(mlp(), data, { validationSplit: 0.2, validationData: data })).rejects.toThrow(
      /not both/,
    );
    await expect(train.fit(mlp(), data, { validationSplit: 0.8 })).rejects.toThrow(
      /leaves 0 for training and 3/,
    );
    await expect(train.fit(mlp(), data, { metrics: ['accuracy', 'accuracy'] })).rejects.toThrow(
      /listed twice/,
    );
    await expect(train.fit(mlp(), data, { verbose: 'loud' as never })).rejects.toThrow(/verbose must be/);
    await expect(
      train.fit(mlp(), data, { forward: () => [nt.zeros([3, 3])] as never, verbose: 'silent' }),
    ).rejects.toThrow(/the model returned an array, not a Tensor/);
  });
});
