import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { nn, optim, train } from '../../src/index.js';
import '../../src/train/node.js'; // registers the Node file services, as the neurite/node entry does

const dir = mkdtempSync(join(tmpdir(), 'neurite-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const values = (m: nt.nn.Module) => Object.values(m.stateDict()).flatMap((t) => t.toList());

/** A small model with every kind of state: weights, batch-norm buffers (one int32), dropout drawing random masks. */
function net(): nt.nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(2, 8),
    new nn.BatchNorm1d(8),
    new nn.ReLU(),
    new nn.Dropout(0.2),
    new nn.Linear(8, 3),
  );
}

function blobs(n: number) {
  const g = new nt.Generator(5);
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    x[2 * i] = [0, 3, -3][y[i]] + g.normal();
    x[2 * i + 1] = [3, -2, -2][y[i]] + g.normal();
  }
  return { x: nt.tensor(x, [n, 2]), y: nt.tensor(y, [n]) };
}

/** Trains a few steps so the optimiser has state. */
function trained(steps = 3) {
  nt.manualSeed(3);
  const model = net();
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const { x, y } = blobs(12);
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    nt.crossEntropy(model.forward(x), y).backward();
    opt.step();
  }
  return { model, opt, x, y };
}

describe('checkpoint files', () => {
  it('round-trip model, optimiser, scheduler, generator, preprocessing and extra exactly', async () => {
    const { model, opt, x, y } = trained();
    const sched = new optim.StepLR(opt, 2, { gamma: 0.5 });
    sched.step();
    nt.defaultGenerator.normal(); // leaves a spare normal in the generator's state
    const rng = nt.defaultGenerator.getState();
    const scaler = { toJSON: () => ({ mean: [0.5, -1], scale: [2, 3] }) };
    const path = join(dir, 'roundtrip');
    const manifestPath = await train.saveCheckpoint(path, {
      model,
      optimizer: opt,
      scheduler: sched,
      epoch: 7,
      preprocessing: { scaler },
      extra: { preset: 'toy', nothing: Number.NaN, big: Number.POSITIVE_INFINITY },
    });
    expect(manifestPath).toBe(join(path, 'checkpoint.json'));
    const files = readdirSync(path).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('checkpoint.json');
    expect(files[1]).toMatch(/^weights-[0-9a-f]{16}\.safetensors$/);

    const ck = await train.loadCheckpoint(path);
    expect(ck.epoch).toBe(7);
    expect(Object.keys(ck.model)).toEqual(Object.keys(model.stateDict()));
    for (const [k, t] of Object.entries(model.stateDict())) {
      expect(ck.model[k].dtype).toBe(t.dtype);
      expect(ck.model[k].toList()).toEqual(t.toList());
    }
    expect(ck.optimizer!.type).toBe('Adam');
    expect(ck.optimizer!.state.param_groups).toEqual(opt.stateDict().param_groups);
    expect(ck.scheduler).toEqual({ type: 'StepLR', state: sched.stateDict() });
    expect(ck.rng).toEqual(rng);
    expect(ck.preprocessing).toEqual({ scaler: { mean: [0.5, -1], scale: [2, 3] } });
    expect(ck.extra).toEqual({ preset: 'toy', nothing: Number.NaN, big: Number.POSITIVE_INFINITY });

    // restored into fresh objects, the next step is the same step
    nt.manualSeed(99);
    const model2 = net();
    const opt2 = new optim.Adam(model2.parameters(), { lr: 0.01 });
    const sched2 = new optim.StepLR(opt2, 2, { gamma: 0.5 });
    nt.manualSeed(1234);
    train.restoreCheckpoint(ck, { model: model2, optimizer: opt2, scheduler: sched2 });
    expect(nt.defaultGenerator.getState()).toEqual(rng);
    expect(sched2.stateDict()).toEqual(sched.stateDict());
    for (const [m, o, s] of [
      [model, opt, sched],
      [model2, opt2, sched2],
    ] as const) {
      nt.manualSeed(0);
      o.zeroGrad();
      nt.crossEntropy(m.forward(x), y).backward();
      o.step();
      s.step();
    }
    expect(values(model2)).toEqual(values(model));
    expect(opt2.paramGroups[0].lr).toBe(opt.paramGroups[0].lr);
  });

  it('keeps non-finite scheduler state (ReduceLROnPlateau) and accepts a .json manifest path', async () => {
    const { model, opt } = trained(1);
    const plateau = new optim.ReduceLROnPlateau(opt, { patience: 3 }); // best is +Infinity until the first step
    const path = join(dir, 'plateau', 'run.json');
    expect(await train.saveCheckpoint(path, { model, optimizer: opt, scheduler: plateau })).toBe(path);
    expect(readdirSync(join(dir, 'plateau')).filter((f) => f.startsWith('run-'))).toHaveLength(1);
    const ck = await train.loadCheckpoint(path);
    expect(ck.scheduler!.state.best).toBe(Number.POSITIVE_INFINITY);
    const again = new optim.ReduceLROnPlateau(opt);
    train.restoreCheckpoint(ck, { model, optimizer: opt, scheduler: again });
    expect(again.best).toBe(Number.POSITIVE_INFINITY);
    expect(again.patience).toBe(3);
  });

  it('a save interrupted at any point leaves the previous checkpoint loadable, and the next save cleans up', async () => {
    const path = join(dir, 'crash');
    const { model, opt } = trained(1);
    await train.saveCheckpoint(path, { model, optimizer: opt, epoch: 1 });
    const [firstWeights] = readdirSync(path).filter((f) => f.endsWith('.safetensors'));
    // a crash while writing the next weights (a partial temporary file), and one after its rename but before
    // the manifest's (a complete weights file nothing references), and one while writing the manifest
    writeFileSync(join(path, '.weights-0123456789abcdef.safetensors.a1b2c3d4e5f6.tmp'), Buffer.alloc(100, 1));
    writeFileSync(join(path, 'weights-fedcba9876543210.safetensors'), Buffer.alloc(64, 2));
    writeFileSync(join(path, '.checkpoint.json.a1b2c3d4e5f6.tmp'), '{"format": "neurite-che');
    const ck = await train.loadCheckpoint(path);
    expect(ck.epoch).toBe(1);
    expect(ck.model['0.weight'].toList()).toEqual(model.stateDict()['0.weight'].toList());

    opt.zeroGrad();
    model
      .forward(nt.randn([4, 2]))
      .sum()
      .backward();
    opt.step();
    await train.saveCheckpoint(path, { model, optimizer: opt, epoch: 2 });
    const files = readdirSync(path);
    expect(files).toHaveLength(2);
    expect(files).not.toContain(firstWeights);
    expect((await train.loadCheckpoint(path)).epoch).toBe(2);
  });

  it('refuses damaged, missing and mismatched checkpoints with the file in the message', async () => {
    const path = join(dir, 'damaged');
    const { model, opt } = trained(1);
    await train.saveCheckpoint(path, { model, optimizer: opt });
    const [weights] = readdirSync(path).filter((f) => f.endsWith('.safetensors'));
    const bytes = readFileSync(join(path, weights));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(path, weights), bytes);
    await expect(train.loadCheckpoint(path)).rejects.toThrow(
      new RegExp(
        `loadCheckpoint\\(.*damaged/checkpoint\\.json\\): the weights file ${weights} does not match the manifest's SHA-256`,
      ),
    );
    await expect(train.loadCheckpoint(join(dir, 'nowhere'))).rejects.toThrow(
      /no checkpoint there \(the manifest checkpoint\.json does not exist\)/,
    );
    writeFileSync(join(dir, 'bad.json'), '{"format": 1');
    await expect(train.loadCheckpoint(join(dir, 'bad.json'))).rejects.toThrow(
      /the manifest is not valid JSON/,
    );

    await train.saveCheckpoint(path, { model, optimizer: opt });
    const ck = await train.loadCheckpoint(path);
    const sgd = new optim.SGD(model.parameters(), { lr: 0.1 });
    expect(() => train.restoreCheckpoint(ck, { model, optimizer: sgd })).toThrow(
      /the checkpoint's optimiser is Adam, the one given is SGD/,
    );
    expect(() => train.restoreCheckpoint(ck, { model: new nn.Linear(2, 3) })).toThrow(
      /missing keys: weight, bias/,
    );
    await expect(train.saveCheckpoint(path, { model, extra: { t: nt.zeros([1]) } })).rejects.toThrow(
      /extra\.t is a Tensor/,
    );
  });

  it('survives the process being killed in the middle of saving', async () => {
    const path = join(dir, 'killed');
    const root = resolve(import.meta.dirname, '../..');
    const script = join(dir, 'saver.mts');
    // every save fills the weights with its epoch number, so a mixed checkpoint would show
    writeFileSync(
      script,
      `import { Linear } from ${JSON.stringify(join(root, 'src/nn/linear.js'))};
import ${JSON.stringify(join(root, 'src/train/node.js'))};
import { saveCheckpoint } from ${JSON.stringify(join(root, 'src/train/checkpoint.js'))};
const model = new Linear(400, 400);
for (let epoch = 1; ; epoch++) {
  for (const p of model.parameters()) p.data.fill(epoch);
  await saveCheckpoint(${JSON.stringify(path)}, { model, epoch });
  process.stdout.write(epoch + '\\n');
}
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let saved = 0;
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (d: Buffer) => {
        saved = Number(d.toString().trim().split('\n').at(-1));
        if (saved >= 3) done();
      });
      child.on('exit', () => fail(new Error(`the saver exited early: ${stderr}`)));
    });
    await new Promise((r) => setTimeout(r, 7));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const ck = await train.loadCheckpoint(path);
    expect(ck.epoch).toBeGreaterThanOrEqual(3);
    const w = ck.model.weight.toList();
    expect(w.every((v) => v === ck.epoch)).toBe(true);
    expect(ck.model.bias.toList().every((v) => v === ck.epoch)).toBe(true);
  });
});

describe('resuming fit', () => {
  const data = blobs(40); // 30 to train (4 batches of 8, 8, 8, 6), 10 to validate
  const setup = () => {
    const model = net();
    const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
    const scheduler = new optim.OneCycleLR(optimizer, { maxLr: 0.05, totalSteps: 16 });
    return { model, optimizer, scheduler };
  };
  const options = (s: ReturnType<typeof setup>): train.FitOptions => ({
    epochs: 4,
    batchSize: 8,
    validationSplit: 0.25,
    metrics: ['accuracy'],
    optimizer: s.optimizer,
    scheduler: s.scheduler,
    seed: 7,
    verbose: 'silent',
  });
  const withoutTime = (h: train.History) => h.epochs.map(({ seconds: _, ...rest }) => rest);

  it('after a crash in the middle of an epoch gives the losses of the uninterrupted run, bit for bit', async () => {
    nt.manualSeed(1);
    const a = setup();
    const uninterrupted = await train.fit(a.model, data, options(a));

    nt.manualSeed(1);
    const b = setup();
    const path = join(dir, 'resume');
    const crash: train.Callback = {
      onBatchEnd: (batch, _log, ctx) => {
        if (ctx.history.epochs.length === 2 && batch === 2) throw new Error('power cut');
      },
    };
    await expect(
      train.fit(b.model, data, { ...options(b), callbacks: [new train.ModelCheckpoint({ path }), crash] }),
    ).rejects.toThrow('power cut');
    expect((await train.loadCheckpoint(path)).epoch).toBe(2);

    // a new process: different initial weights and generator state, which the checkpoint replaces
    nt.manualSeed(12345);
    const c = setup();
    const resumed = await train.fit(c.model, data, { ...options(c), resumeFrom: path });
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(withoutTime(resumed)).toEqual(withoutTime(uninterrupted));
    expect(values(c.model)).toEqual(values(a.model));
    expect(c.scheduler.lastEpoch).toBe(16);
  });

  it('from a checkpoint object, and does nothing when its epoch is already reached', async () => {
    nt.manualSeed(1);
    const a = setup();
    const path = join(dir, 'resume-object');
    await train.fit(a.model, data, {
      ...options(a),
      epochs: 2,
      callbacks: [new train.ModelCheckpoint({ path })],
    });
    const ck = await train.loadCheckpoint(path);
    const c = setup();
    const h = await train.fit(c.model, data, { ...options(c), epochs: 2, resumeFrom: ck });
    expect(h.epochs).toHaveLength(2);
    expect(values(c.model)).toEqual(values(a.model));
    // resuming needs the scheduler the checkpoint was trained with
    await expect(
      train.fit(c.model, data, { ...options(c), epochs: 3, scheduler: undefined, resumeFrom: ck }),
    ).rejects.toThrow(/the checkpoint was trained with a OneCycleLR; pass one as the scheduler to resume/);
  });
});
