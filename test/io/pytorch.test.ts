// PyTorch export: model.py run by the real PyTorch (Debian's python3-torch) against neurite's own outputs, the MNIST
// CNN's train_ddp.py run under torchrun with two processes and its checkpoint read back by neurite, and the clear
// errors for what the exporter cannot write. The PyTorch parts need /usr/bin/python3 with torch (.ci/run installs
// python3-torch); elsewhere they are skipped and say why.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { lastJson, removeTempDirs, runCli, tempDir } from '../cli/helpers.js';
import { randomiseNorms } from './onnx-helpers.js';
import { ddpSummary, hasTorch, PYTHON, run, SKIP, torchrunDdp } from './torch-helpers.js';

if (!hasTorch) console.warn(`test/io/pytorch.test.ts:${SKIP}`);

type Net = nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor };

afterAll(removeTempDirs);

/** Runs a Python script; its last stdout line is JSON. */
function python(script: string, args: string[] = [], cwd?: string): Record<string, unknown> {
  const r = spawnSync(PYTHON, ['-c', script, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

/** Loads each named export's model.py, runs it on <name>.safetensors' input and compares with its expected output. */
const CHECK = `
import importlib.util, json, os, sys, torch
torch.set_num_threads(1)
root, names = sys.argv[1], sys.argv[2].split(",")
out = {}
for name in names:
    d = os.path.join(root, name)
    spec = importlib.util.spec_from_file_location("model_" + name.replace("-", "_"), os.path.join(d, "model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.load_model()
    t = mod.read_safetensors(os.path.join(root, name + ".check.safetensors"))
    x = mod.preprocess(t["raw"]) if "raw" in t else t["input"]
    with torch.no_grad():
        y = model(x)
    e = t["expected"]
    res = {"diff": float((y - e).abs().max()), "scale": float(e.abs().max()), "shape": list(y.shape),
           "keys": list(model.state_dict().keys()), "training": model.training}
    if "model_input" in t:
        res["preprocess_diff"] = float((x - t["model_input"]).abs().max())
    out[name] = res
print(json.dumps(out))
`;

interface CheckResult {
  diff: number;
  scale: number;
  shape: number[];
  keys: string[];
  preprocess_diff?: number;
}

function runChecks(root: string, names: string[]): Record<string, CheckResult> {
  return python(CHECK, [root, names.join(',')]) as unknown as Record<string, CheckResult>;
}

// ---------------------------------------------------------------------------------------------------------------

describe(`neurite export --format pytorch: the MNIST CNN through PyTorch and torchrun${SKIP}`, () => {
  let dir: string;
  let runDir: string;
  let out: string;

  beforeAll(async () => {
    if (!hasTorch) return;
    dir = tempDir();
    runDir = join(dir, 'cnn');
    // one short epoch on 300 digits: far from done, so continued training has room to improve it
    const r = await runCli(['train', 'cnn-mnist', '--epochs', '1', '--limit', '300', '--out', runDir]);
    expect(r.code, r.stderr).toBe(0);
    out = join(dir, 'cnn-pt');
    const e = await runCli(['export', runDir, '--format', 'pytorch', '--out', out, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const res = lastJson(e) as { files: Record<string, number>; data: unknown; classes: string[] };
    expect(Object.keys(res.files).sort()).toEqual([
      'data.safetensors',
      'model.py',
      'neurite.json',
      'preprocessing.json',
      'train_ddp.py',
      'weights.safetensors',
    ]);
    expect(res.data).toEqual({ train: 300, test: 300 });
    expect(res.classes).toEqual(['LeNet5']);
  }, 120_000);

  it.skipIf(!hasTorch)(
    'model.py on raw pixels gives neurite loadModel + preprocess outputs to 1e-5',
    async () => {
      const { model, preprocess } = await nt.train.loadModel(runDir);
      const raw = nt
        .rand([16, 784], { generator: new nt.Generator(3) })
        .mul(255)
        .floor();
      const input = preprocess(raw);
      const expected = nt.noGrad(() => (model as Net).forward(input));
      writeFileSync(
        join(dir, 'cnn-pt.check.safetensors'),
        nt.io.encodeSafetensors({ raw, model_input: input, expected }),
      );
      const res = runChecks(dir, ['cnn-pt']);
      const r = res['cnn-pt'];
      console.log(
        `MNIST CNN: max |torch - neurite| = ${r.diff.toExponential(2)} (outputs up to ${r.scale.toFixed(2)})`,
      );
      expect(r.shape).toEqual([16, 10]);
      expect(r.keys).toEqual(Object.keys(model.stateDict()));
      expect(r.preprocess_diff).toBe(0);
      expect(r.diff).toBeLessThan(1e-5 * Math.max(1, r.scale));
    },
  );

  it.skipIf(!hasTorch)(
    'torchrun --nproc_per_node 2 continues training; neurite eval reads the result and it is better',
    async () => {
      const before = await runCli(['eval', runDir, '--json']);
      expect(before.code, before.stderr).toBe(0);
      const accBefore = (lastJson(before).metrics as { accuracy: number }).accuracy;
      const r = await torchrunDdp(out, 200, 100);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const summary = ddpSummary(r.stdout);
      expect(summary.processes).toBe(2);
      expect(summary.steps).toBe(200);
      const trained = join(out, 'trained');
      const after = await runCli(['eval', trained, '--json']);
      expect(after.code, after.stderr).toBe(0);
      const accAfter = (lastJson(after).metrics as { accuracy: number }).accuracy;
      console.log(
        `torchrun 2 processes, 200 steps: ${summary.seconds.toFixed(1)} s of training (${r.seconds.toFixed(1)} s in all); test accuracy ${accBefore.toFixed(4)} -> ${accAfter.toFixed(4)}`,
      );
      // PyTorch's own figures are neurite's: before on the exported weights, after on the weights read back
      expect(summary.before.accuracy).toBeCloseTo(accBefore, 6);
      expect(summary.after.accuracy).toBeCloseTo(accAfter, 6);
      expect(accAfter).toBeGreaterThan(accBefore + 0.05);
      // and nt.train.loadModel reads it like any checkpoint
      const loaded = await nt.train.loadModel(trained);
      expect(loaded.model).toBeInstanceOf(nt.models.LeNet5);
      expect(loaded.checkpoint.epoch).toBeGreaterThan(1);
      expect(readdirSync(trained).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    },
    200_000,
  );
});

// ---------------------------------------------------------------------------------------------------------------

describe(`train_ddp.py on the other kinds of run: binary, regression, recurrent, a raw CSV${SKIP}`, () => {
  // one process (python3 train_ddp.py, no torchrun): the loss, task, clipping and data paths of each kind of run
  const RUNS: [string, string[], string[]][] = [
    ['logreg-breast-cancer', ['--epochs', '2'], ['--epochs', '2']],
    ['linreg-diabetes', ['--epochs', '2'], ['--epochs', '2']],
    ['lstm-seqmnist', ['--epochs', '1', '--limit', '100', '--hidden-size', '16'], ['--steps', '5']],
  ];
  let dir: string;

  beforeAll(async () => {
    if (!hasTorch) return;
    dir = tempDir();
    for (const [preset, flags] of RUNS) {
      const r = await runCli(['train', preset, ...flags, '--out', join(dir, preset)]);
      expect(r.code, r.stderr).toBe(0);
      const e = await runCli(['export', join(dir, preset), '--format', 'pytorch']);
      expect(e.code, e.stderr).toBe(0);
    }
  }, 180_000);

  for (const [preset, , args] of RUNS) {
    it.skipIf(!hasTorch)(`${preset}: trains, and neurite eval reads what it wrote`, async () => {
      const folder = join(dir, preset, 'pytorch');
      const r = await run(PYTHON, ['train_ddp.py', ...args, '--log-every', '1000'], folder, 120_000);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
        loss: string;
        after: Record<string, number>;
      };
      const config = JSON.parse(readFileSync(join(folder, 'neurite.json'), 'utf8')) as { loss: string };
      expect(summary.loss).toBe(config.loss);
      const ev = await runCli(['eval', join(folder, 'trained'), '--json']);
      expect(ev.code, ev.stderr).toBe(0);
      const metrics = lastJson(ev).metrics as Record<string, number>;
      if (preset === 'linreg-diabetes') {
        expect(summary.loss).toBe('mse');
        expect(metrics.mse).toBeCloseTo(summary.after.mse, 2);
      } else {
        expect(summary.loss).toBe(preset === 'logreg-breast-cancer' ? 'bceWithLogits' : 'crossEntropy');
        expect(metrics.accuracy).toBeCloseTo(summary.after.accuracy, 6);
      }
    });
  }

  it.skipIf(!hasTorch)(
    "--csv: raw rows go through preprocessing.json (the run's StandardScaler)",
    async () => {
      const folder = join(dir, 'logreg-breast-cancer', 'pytorch');
      const { x, y, featureNames } = nt.loadBreastCancer();
      const rows = [[...featureNames, 'target'].join(',')];
      const f = x.shape[1];
      for (let i = 0; i < x.shape[0]; i++) {
        rows.push([...Array.from(x.data.subarray(i * f, (i + 1) * f)), y.data[i]].join(','));
      }
      const csv = join(dir, 'rows.csv');
      writeFileSync(csv, `${rows.join('\n')}\n`);
      const out = join(dir, 'from-csv');
      const r = await run(
        PYTHON,
        ['train_ddp.py', '--csv', csv, '--epochs', '1', '--out', out],
        folder,
        120_000,
      );
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
        data: string;
        before: { accuracy: number };
      };
      expect(summary.data).toBe(csv);
      // the exported model, fed the CSV's raw rows through preprocess(), is already far above the 63 % of always
      // guessing the majority class: the run's scaler was applied
      expect(summary.before.accuracy).toBeGreaterThan(0.8);
      expect(existsSync(join(out, 'checkpoint.json'))).toBe(true);
    },
  );
});

// ---------------------------------------------------------------------------------------------------------------

describe(`neurite export --format pytorch: the other presets, raw inputs through model.py${SKIP}`, () => {
  // with cnn-mnist, logreg-breast-cancer, linreg-diabetes and lstm-seqmnist above; the generators (seq2seq-reverse,
  // charrnn) in pytorch-generators.test.ts
  const PRESETS: [string, string[], number][] = [
    ['logreg-xor', ['--epochs', '2', '--degree', '3'], 2],
    ['mlp-digits', ['--epochs', '1'], 64],
    ['dnn-mnist', ['--epochs', '1', '--limit', '100'], 784],
    ['resnet-mnist', ['--epochs', '1', '--limit', '50'], 784],
    ['randwire-mnist', ['--epochs', '1', '--limit', '50'], 784],
    ['gru-seqmnist', ['--epochs', '1', '--limit', '100', '--hidden-size', '16'], 784],
  ];

  it.skipIf(!hasTorch)(
    'each one exported by the CLI gives loadModel + preprocess outputs to 1e-5',
    async () => {
      const root = tempDir();
      for (const [preset, flags, width] of PRESETS) {
        const runDir = join(root, `${preset}-run`);
        const r = await runCli(['train', preset, ...flags, '--out', runDir]);
        expect(r.code, r.stderr).toBe(0);
        const e = await runCli([
          'export',
          runDir,
          '--format',
          'pytorch',
          '--out',
          join(root, preset),
          '--no-data',
        ]);
        expect(e.code, e.stderr).toBe(0);
        const { model, preprocess } = await nt.train.loadModel(runDir);
        const raw = nt.rand([5, width], { generator: new nt.Generator(4) }).mul(width === 784 ? 255 : 3);
        const input = preprocess(raw);
        const expected = nt.noGrad(() => (model as Net).forward(input));
        writeFileSync(
          join(root, `${preset}.check.safetensors`),
          nt.io.encodeSafetensors({ raw, model_input: input, expected }),
        );
      }
      const res = runChecks(
        root,
        PRESETS.map(([p]) => p),
      );
      for (const [preset] of PRESETS) {
        const r = res[preset];
        expect(r.preprocess_diff, preset).toBe(0);
        expect(r.diff, preset).toBeLessThan(1e-5 * Math.max(1, r.scale));
      }
      console.log(PRESETS.map(([p]) => `${p}: max diff ${res[p].diff.toExponential(2)}`).join('\n'));
    },
    300_000,
  );
});

// ---------------------------------------------------------------------------------------------------------------

describe(`nt.pytorch.exportModel: every architecture in one PyTorch process${SKIP}`, () => {
  const g = () => new nt.Generator(11);
  const image = () => nt.randn([3, 1, 28, 28], { generator: new nt.Generator(5) });
  const { models, nn } = nt;
  const lin = new models.LinearRegression({ inFeatures: 5, outFeatures: 2 });
  const logit = new models.LogisticRegression({ inFeatures: 4, numClasses: 3 });
  for (const m of [lin, logit]) {
    for (const p of m.parameters()) p.data.set(nt.randn(p.shape, { generator: g() }).data);
  }
  // VGG's linear layers start at N(0, 0.01), which leaves outputs too small to compare meaningfully
  const linearsUp = (model: nt.nn.Module) => {
    for (const m of model.modules()) if (m instanceof nn.Linear) m.weight.data.set(m.weight.mul(30).data);
    return model;
  };
  const cases: [string, nt.nn.Module, nt.Tensor][] = [
    [
      'mlp',
      new models.MLP({
        sizes: [8, 16, 12, 3],
        batchNorm: true,
        activation: 'gelu',
        dropout: 0.2,
        generator: g(),
      }),
      nt.randn([4, 8]),
    ],
    ['linreg', lin, nt.randn([4, 5])],
    ['logreg', logit, nt.randn([4, 4])],
    ['lenet-relu-max', new models.LeNet5({ activation: 'relu', pooling: 'max', generator: g() }), image()],
    ['resnet', new models.ResNet({ widthMultiplier: 0.125, generator: g() }), image()],
    [
      'resnet-bottleneck',
      new models.ResNet({ block: 'bottleneck', layers: [1, 1], widthMultiplier: 0.125, generator: g() }),
      image(),
    ],
    ['inception', new models.GoogLeNetMini({ widthMultiplier: 0.0625, generator: g() }), image()],
    [
      'vgg',
      linearsUp(new models.VGG({ widthMultiplier: 0.0625, hiddenFeatures: 16, generator: g() })),
      image(),
    ],
    ['alexnet', new models.AlexNet({ width: 0.0625, hiddenFeatures: 16, generator: g() }), image()],
    [
      'randwire',
      new models.RandWireNet({
        graph: { type: 'ws', k: 2, p: 0.5 },
        nodes: 5,
        channels: 8,
        stages: 2,
        inChannels: 1,
        numClasses: 10,
        headChannels: 16,
        seed: 1,
      }),
      image(),
    ],
    [
      'lstm',
      new models.SequenceClassifier({
        cell: 'lstm',
        inputSize: 4,
        hiddenSize: 5,
        numClasses: 3,
        numLayers: 2,
        bidirectional: true,
        generator: g(),
      }),
      nt.randn([2, 6, 4]),
    ],
    [
      'gru-time-major',
      new models.SequenceClassifier({
        cell: 'gru',
        inputSize: 4,
        hiddenSize: 5,
        numClasses: 3,
        batchFirst: false,
        generator: g(),
      }),
      nt.randn([6, 2, 4]),
    ],
    [
      'rnn-tagger-tokens',
      new models.SequenceTagger({
        cell: 'rnn',
        vocabSize: 9,
        embedDim: 4,
        hiddenSize: 5,
        numTags: 3,
        generator: g(),
      }),
      nt.tensor(
        [
          [1, 2, 3, 4, 8],
          [0, 5, 6, 7, 1],
        ],
        { dtype: 'int32' },
      ),
    ],
    [
      'layers',
      new nn.Sequential(
        new nn.Conv2d(1, 4, 3, { padding: 'same', dilation: 2, generator: g() }),
        new nn.BatchNorm2d(4, { eps: 1e-3, momentum: 0.2 }),
        new nn.ELU(0.5),
        new nn.Conv2d(4, 4, [3, 2], {
          stride: [2, 1],
          padding: [1, 0],
          groups: 2,
          bias: false,
          generator: g(),
        }),
        new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
        new nn.AvgPool2d(2, { stride: 1, ceilMode: true, countIncludePad: false }),
        new nn.SeparableConv2d(4, 6, 3, { padding: 1, generator: g() }),
        new nn.AdaptiveAvgPool2d([3, 2]),
        new nn.Flatten(),
        new nn.Linear(36, 12, { generator: g() }),
        new nn.LayerNorm(12),
        new nn.Unflatten(1, [3, 4]),
        new nn.PReLU({ numParameters: 3 }),
        new nn.Hardswish(),
        new nn.Flatten(),
        new nn.Softplus({ beta: 2, threshold: 5 }),
        new nn.LeakyReLU(0.2),
        new nn.Mish(),
        new nn.GLU(),
        new nn.LogSoftmax(1),
      ),
      nt.randn([2, 1, 11, 9]),
    ],
  ];

  it.skipIf(!hasTorch)(
    'model.py reproduces neurite to 1e-5 with the same state-dict keys',
    async () => {
      const root = tempDir();
      for (const [name, model, input] of cases) {
        randomiseNorms(model);
        model.eval();
        const expected = nt.noGrad(() => (model as Net).forward(input));
        await nt.pytorch.save(model, join(root, name));
        writeFileSync(join(root, `${name}.check.safetensors`), nt.io.encodeSafetensors({ input, expected }));
      }
      const res = runChecks(
        root,
        cases.map(([name]) => name),
      );
      const lines: string[] = [];
      for (const [name, model] of cases) {
        const r = res[name];
        lines.push(`${name}: max diff ${r.diff.toExponential(2)} (scale ${r.scale.toFixed(2)})`);
        expect(r.keys, name).toEqual(Object.keys(model.stateDict()));
        expect(r.scale, `${name}: outputs too small for the check to mean anything`).toBeGreaterThan(0.05);
        expect(r.diff, name).toBeLessThan(1e-5 * Math.max(1, r.scale));
      }
      console.log(lines.join('\n'));
    },
    120_000,
  );

  it.skipIf(!hasTorch)(
    'preprocess() in model.py applies scalers and polynomial features as neurite does',
    async () => {
      const x = nt.randn([6, 3], { generator: g() }).mul(4).add(1);
      const poly = new nt.data.PolynomialFeatures({ degree: 3 }).fit(x);
      const wide = poly.transform(x);
      const scaler = new nt.data.StandardScaler().fit(wide);
      const minmax = new nt.data.MinMaxScaler({ featureRange: [-1, 1], clip: true }).fit(
        scaler.transform(wide),
      );
      const input: nt.train.InputSpec = {
        description: 'three numbers per row',
        steps: [poly.toJSON(), scaler.toJSON(), minmax.toJSON()],
      };
      const model = new nt.nn.Linear(wide.shape[1], 2, { generator: g() });
      const pre = nt.train.inputTransform(input);
      const raw = nt.randn([5, 3], { generator: new nt.Generator(9) }).mul(5);
      const expected = nt.noGrad(() => model.forward(pre(raw)));
      const root = tempDir();
      await nt.pytorch.save(model, join(root, 'tab'), { input });
      writeFileSync(
        join(root, 'tab.check.safetensors'),
        nt.io.encodeSafetensors({ raw, model_input: pre(raw), expected }),
      );
      const r = runChecks(root, ['tab']).tab;
      expect(r.preprocess_diff).toBe(0);
      expect(r.diff).toBeLessThan(1e-5 * Math.max(1, r.scale));
    },
  );
});

// ---------------------------------------------------------------------------------------------------------------

describe('PyTorch export: what it refuses, in one clear line', () => {
  it('names a module without a PyTorch form, with its path', () => {
    class Scale extends nt.nn.Module {
      forward(x: nt.Tensor) {
        return x.mul(2);
      }
    }
    const model = new nt.nn.Sequential(new nt.nn.Linear(2, 3), new Scale());
    expect(nt.pytorch.canExport(model)).toBe(true);
    expect(() => nt.pytorch.exportModel(model)).toThrow(
      /pytorch\.exportModel: cannot export '1' \(Scale\): model\.py has no PyTorch form of Scale; the exporter knows .*Linear/,
    );
    expect(nt.pytorch.canExport(new Scale())).toBe(false);
  });

  it('refuses a layer whose forward differs from the class it extends', () => {
    class Doubled extends nt.nn.Linear {
      override forward(x: nt.Tensor) {
        return super.forward(x).mul(2);
      }
    }
    const model = new nt.nn.Sequential(new nt.nn.ReLU(), new nt.nn.Sequential(new Doubled(2, 2)));
    expect(() => nt.pytorch.exportModel(model)).toThrow(
      "cannot export '1.0' (Doubled): it overrides Linear.forward, so model.py's Linear would not be what it computes",
    );
  });

  it('a generator whose forward differs from the one model.py spells is refused by name', () => {
    const charrnn = new nt.models.CharRNN({ vocabSize: 5, embedDim: 3, hiddenSize: 4 });
    expect(nt.pytorch.canExport(charrnn)).toBe(true);
    class Louder extends nt.models.CharRNN {
      override forward(x: nt.Tensor): [nt.Tensor, nt.models.seq.RecurrentState] {
        const [logits, state] = super.forward(x);
        return [logits.mul(2), state];
      }
    }
    const louder = new Louder({ vocabSize: 5, embedDim: 3, hiddenSize: 4 });
    expect(nt.pytorch.canExport(louder)).toBe(false);
    expect(() => nt.pytorch.exportModel(louder)).toThrow(
      "cannot export Louder: it overrides CharRNN.forward, so model.py's CharRNN would not be what it computes",
    );
  });

  it('refuses preprocessing model.py cannot apply, and data over the size limit', () => {
    const model = new nt.nn.Linear(2, 2);
    const onehot = new nt.data.OneHotEncoder().fit(nt.tensor([[0], [1]]));
    expect(() =>
      nt.pytorch.exportModel(model, { input: { description: 'x', steps: [onehot.toJSON()] } }),
    ).toThrow('pytorch.exportModel: the preprocessing step OneHotEncoder has no PyTorch form in model.py');
    const xy = { x: nt.zeros([100, 2]), y: nt.zeros([100], { dtype: 'int32' }) };
    expect(() =>
      nt.pytorch.exportModel(model, { data: { train: xy, test: xy }, maxDataBytes: 1000 }),
    ).toThrow(
      /the data would take 0\.0 MiB, more than the 0 MiB limit; export without it \(neurite export --no-data\) and train on a CSV/,
    );
  });

  it('save never replaces a folder holding other files, and replaces a previous export whole', async () => {
    const root = tempDir();
    const model = new nt.nn.Linear(2, 2);
    const target = join(root, 'export');
    mkdirSync(target);
    writeFileSync(join(target, 'notes.txt'), 'mine');
    await expect(nt.pytorch.save(model, target)).rejects.toThrow(
      /pytorch\.save\(.*export\): the folder holds files an export does not write \(notes\.txt\)/,
    );
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('mine');
    const again = join(root, 'again');
    await nt.pytorch.save(model, again, { input: { description: 'x', steps: [] } });
    expect(existsSync(join(again, 'preprocessing.json'))).toBe(true);
    await nt.pytorch.save(model, again);
    expect(readdirSync(again).sort()).toEqual([
      'model.py',
      'neurite.json',
      'train_ddp.py',
      'weights.safetensors',
    ]);
    expect(readdirSync(root).sort()).toEqual(['again', 'export']);
  });

  it('the CLI: a missing checkpoint and an unwritable folder are one-line errors', async () => {
    const missing = await runCli(['export', join(tempDir(), 'nothing'), '--format', 'pytorch']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/no checkpoint there/);
    const dir = tempDir();
    const model = nt.train.buildModel('MLP', { sizes: [3, 2] });
    await nt.train.saveCheckpoint(join(dir, 'run'), { model });
    writeFileSync(join(dir, 'file'), 'x');
    const bad = await runCli([
      'export',
      join(dir, 'run'),
      '--format',
      'pytorch',
      '--out',
      join(dir, 'file', 'sub'),
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/pytorch\.save\(.*sub\): cannot write the folder/);
    const flags = await runCli(['export', join(dir, 'run'), '--format', 'pytorch', '--static-batch']);
    expect(flags.stderr).toMatch(/--input-shape and --static-batch apply to --format onnx, not pytorch/);
  });

  it('neurite export --help tells the PyTorch path', async () => {
    const r = await runCli(['export', '--help']);
    expect(r.stdout).toMatch(/--format <format>.*onnx, pytorch/);
    expect(r.stdout).toMatch(/train_ddp\.py/);
    expect(r.stdout).toMatch(/--no-data/);
  });
});
