import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { nn, optim, train } from '../../src/index.js';
import '../../src/train/node.js'; // registers the Node file services, as the neurite/node entry does

const dir = mkdtempSync(join(tmpdir(), 'neurite-callbacks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function data(n = 6) {
  nt.manualSeed(11);
  return { x: nt.randn([n, 2]), y: nt.tensor(Int32Array.from({ length: n }, (_, i) => i % 2)) };
}

/** A metric whose value at epoch e (counting from 1) is values[e - 1], whatever the model does. */
function scripted(name: string, values: number[], higherIsBetter = false): train.Metric & { epoch: number } {
  return {
    name,
    higherIsBetter,
    epoch: 0,
    reset() {
      this.epoch++;
    },
    update() {},
    compute() {
      return values[this.epoch - 1];
    },
  };
}

const model = () => new nn.Linear(2, 2);

describe('callback hooks', () => {
  it('are called in order with the epoch, batch and logs', async () => {
    const events: string[] = [];
    const rec: train.Callback = {
      onTrainBegin: (ctx) =>
        void events.push(`trainBegin ${ctx.epochs} ${ctx.batchesPerEpoch} ${ctx.samplesPerEpoch}`),
      onEpochBegin: (e) => void events.push(`epochBegin ${e}`),
      onBatchEnd: (b, log) =>
        void events.push(`batch ${b}/${log.batches} size ${log.size} seen ${log.samples}`),
      onEpochEnd: (e, log) =>
        void events.push(`epochEnd ${e} ${log.epoch} ${typeof log.loss} ${log.valLoss !== undefined}`),
      onTrainEnd: (h) => void events.push(`trainEnd ${h.epochs.length}`),
    };
    await train.fit(model(), data(5), {
      epochs: 2,
      batchSize: 3,
      validationData: data(2),
      callbacks: [rec],
      verbose: 'silent',
    });
    expect(events).toEqual([
      'trainBegin 2 2 5',
      'epochBegin 1',
      'batch 1/2 size 3 seen 3',
      'batch 2/2 size 2 seen 5',
      'epochEnd 1 1 number true',
      'epochBegin 2',
      'batch 1/2 size 3 seen 3',
      'batch 2/2 size 2 seen 5',
      'epochEnd 2 2 number true',
      'trainEnd 2',
    ]);
  });

  it('await asynchronous hooks and tell them when training fails', async () => {
    const events: string[] = [];
    const slow: train.Callback = {
      onEpochEnd: async (e) => {
        await new Promise((r) => setTimeout(r, 5));
        events.push(`saved ${e}`);
      },
      onEpochBegin: (e) => {
        events.push(`begin ${e}`);
        if (e === 2) throw new Error('disk full');
      },
      onTrainAbort: (err) => void events.push(`abort ${(err as Error).message}`),
    };
    await expect(
      train.fit(model(), data(), { epochs: 3, callbacks: [slow], verbose: 'silent' }),
    ).rejects.toThrow('disk full');
    expect(events).toEqual(['begin 1', 'saved 1', 'begin 2', 'abort disk full']);
  });
});

describe('EarlyStopping', () => {
  it('stops after patience epochs without improvement and says why', async () => {
    const stop = new train.EarlyStopping({ monitor: 'score', patience: 1 });
    const h = await train.fit(model(), data(), {
      epochs: 10,
      metrics: [scripted('score', [5, 4, 4.5, 4.2, 3])],
      callbacks: [stop],
      verbose: 'silent',
    });
    expect(h.epochs).toHaveLength(4);
    expect(stop.bestEpoch).toBe(2);
    expect(stop.stoppedEpoch).toBe(4);
    expect(h.stopReason).toMatch(/early stopping: score has not improved for 2 epochs \(best 4 at epoch 2\)/);
  });

  it('needs improvements larger than minDelta, and picks max for metrics where higher is better', async () => {
    const h1 = await train.fit(model(), data(), {
      epochs: 10,
      metrics: [scripted('score', [5, 4.95, 4.9, 1])],
      callbacks: [new train.EarlyStopping({ monitor: 'score', minDelta: 0.1, patience: 1 })],
      verbose: 'silent',
    });
    expect(h1.epochs).toHaveLength(3);
    const stop = new train.EarlyStopping({ monitor: 'valAcc', patience: 0 });
    const h2 = await train.fit(model(), data(), {
      epochs: 10,
      // training and validation use the same metric object: each epoch resets it twice
      metrics: [scripted('acc', [0, 0.5, 0, 0.7, 0, 0.6, 0, 0.9], true)],
      validationData: data(2),
      callbacks: [stop],
      verbose: 'silent',
    });
    expect(h2.epochs.map((e) => e.valMetrics!.acc)).toEqual([0.5, 0.7, 0.6]);
    expect(stop.bestEpoch).toBe(2);
  });

  it('restores the best weights at the end', async () => {
    const m = model();
    const weights: number[][] = [];
    const keep: train.Callback = {
      onEpochEnd: () => void weights.push(m.parameters().flatMap((p) => p.toList())),
    };
    await train.fit(m, data(), {
      epochs: 10,
      optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }),
      metrics: [scripted('score', [3, 1, 2, 2.5])],
      callbacks: [keep, new train.EarlyStopping({ monitor: 'score', patience: 1, restoreBestWeights: true })],
      verbose: 'silent',
    });
    expect(weights).toHaveLength(4);
    expect(weights[1]).not.toEqual(weights[3]);
    expect(m.parameters().flatMap((p) => p.toList())).toEqual(weights[1]);
  });

  it('names the values it could monitor when its own is missing', async () => {
    await expect(
      train.fit(model(), data(), {
        metrics: ['accuracy'],
        callbacks: [new train.EarlyStopping()],
        verbose: 'silent',
      }),
    ).rejects.toThrow(
      /EarlyStopping: monitor 'valLoss' is not in the epoch's logs \(available: loss, accuracy\); pass validationData/,
    );
  });
});

describe('LRSchedulerCallback', () => {
  it('steps ReduceLROnPlateau on the monitored value, on training loss without validation', async () => {
    const m = model();
    const opt = new optim.SGD(m.parameters(), { lr: 1 });
    const plateau = new optim.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5, mode: 'max' });
    const h = await train.fit(m, data(), {
      epochs: 4,
      optimizer: opt,
      metrics: [scripted('score', [1, 2, 2, 3], true)],
      callbacks: [new train.LRSchedulerCallback(plateau, { monitor: 'score' })],
      verbose: 'silent',
    });
    expect(h.epochs.map((e) => e.lr)).toEqual([1, 1, 1, 0.5]);
    expect(() => new train.LRSchedulerCallback(plateau, { interval: 'batch' })).toThrow(/once per epoch/);
  });
});

describe('ModelCheckpoint', () => {
  it('saves after every epoch, or only after improvements, replacing {epoch}', async () => {
    const every = new train.ModelCheckpoint({ path: join(dir, 'every') });
    const best = new train.ModelCheckpoint({
      path: join(dir, 'best-{epoch}'),
      monitor: 'score',
      saveBestOnly: true,
    });
    await train.fit(model(), data(), {
      epochs: 4,
      metrics: [scripted('score', [3, 2, 2.5, 1])],
      callbacks: [every, best],
      verbose: 'silent',
    });
    expect(every.lastSaved).toBe(join(dir, 'every', 'checkpoint.json'));
    expect((await train.loadCheckpoint(join(dir, 'every'))).epoch).toBe(4);
    expect([1, 2, 3, 4].map((e) => existsSync(join(dir, `best-${e}`, 'checkpoint.json')))).toEqual([
      true,
      true,
      false,
      true,
    ]);
    const ck = await train.loadCheckpoint(join(dir, 'best-2'));
    expect(ck.epoch).toBe(2);
    expect(ck.history!.epochs.map((e) => e.metrics.score)).toEqual([3, 2]);
    // its own state travels with the checkpoint, for resuming
    expect(Object.values(ck.callbacks!)).toContainEqual({ best: 2, bestEpoch: 2 });
  });

  it('stores preprocessing and extra data', async () => {
    const scaler = {
      mean: [1, 2],
      scale: [3, 4],
      toJSON: () => ({ kind: 'StandardScaler', mean: [1, 2], scale: [3, 4] }),
    };
    const cb = new train.ModelCheckpoint({
      path: join(dir, 'prep'),
      preprocessing: { scaler },
      extra: { preset: 'toy' },
    });
    await train.fit(model(), data(), { callbacks: [cb], verbose: 'silent' });
    const ck = await train.loadCheckpoint(join(dir, 'prep'));
    expect(ck.preprocessing).toEqual({ scaler: { kind: 'StandardScaler', mean: [1, 2], scale: [3, 4] } });
    expect(ck.extra).toEqual({ preset: 'toy' });
  });
});

describe('JsonLinesLogger', () => {
  it('writes one JSON object per epoch, anew for a fresh fit and appended when resuming', async () => {
    const path = join(dir, 'log.jsonl');
    const ckpt = join(dir, 'log-ckpt');
    const m = model();
    await train.fit(m, data(), {
      epochs: 2,
      metrics: ['accuracy'],
      validationData: data(2),
      callbacks: [new train.JsonLinesLogger(path), new train.ModelCheckpoint({ path: ckpt })],
      verbose: 'silent',
    });
    let lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    expect(Object.keys(lines[0])).toEqual([
      'epoch',
      'loss',
      'accuracy',
      'valLoss',
      'valAccuracy',
      'lr',
      'seconds',
    ]);
    await train.fit(m, data(), {
      epochs: 3,
      metrics: ['accuracy'],
      validationData: data(2),
      resumeFrom: ckpt,
      callbacks: [new train.JsonLinesLogger(path)],
      verbose: 'silent',
    });
    lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3]);
    await train.fit(model(), data(), { callbacks: [new train.JsonLinesLogger(path)], verbose: 'silent' });
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('monitored values', () => {
  it('resolve camelCase and Keras names', () => {
    const log: train.EpochLog = {
      epoch: 1,
      loss: 1,
      metrics: { accuracy: 0.5, top5Accuracy: 0.9 },
      valLoss: 2,
      valMetrics: { accuracy: 0.4, top5Accuracy: 0.8 },
      lr: 0.1,
      seconds: 1,
    };
    expect(train.monitorValue(log, 'valLoss')).toBe(2);
    expect(train.monitorValue(log, 'val_loss')).toBe(2);
    expect(train.monitorValue(log, 'valAccuracy')).toBe(0.4);
    expect(train.monitorValue(log, 'val_accuracy')).toBe(0.4);
    expect(train.monitorValue(log, 'valTop5Accuracy')).toBe(0.8);
    expect(train.monitorValue(log, 'accuracy')).toBe(0.5);
    expect(train.monitorValue(log, 'lr')).toBe(0.1);
    expect(train.monitorValue(log, 'f1')).toBeUndefined();
    expect(train.flattenLog(log)).toEqual({
      epoch: 1,
      loss: 1,
      accuracy: 0.5,
      top5Accuracy: 0.9,
      valLoss: 2,
      valAccuracy: 0.4,
      valTop5Accuracy: 0.8,
      lr: 0.1,
      seconds: 1,
    });
  });
});
