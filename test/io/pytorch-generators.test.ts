// The generators' PyTorch export (Seq2Seq with and without attention, SequenceGenerator, CharRNN): model.py run by
// the real PyTorch gives neurite's teacher-forced logits to 1e-5, decodes greedily token for token as neurite's
// generate() / sampleIds(temperature 0), and carries neurite's state-dict keys; the CLI's two generator presets
// (seq2seq-reverse in every cell and attention, charrnn) export the same way, and their train_ddp.py continues
// training with the teacher-forced loss (torchrun with 2 processes for seq2seq) into checkpoints neurite reads. Needs /usr/bin/python3 with torch
// (.ci/run installs python3-torch); skipped elsewhere, saying why.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { lastJson, removeTempDirs, runCli, tempDir } from '../cli/helpers.js';
import { tuneEos } from './generator-helpers.js';
import { ddpSummary, hasTorch, PYTHON, run, SKIP, torchrunDdp } from './torch-helpers.js';

afterAll(removeTempDirs);

/** Loads each export's model.py and checks it against <name>.check.safetensors (see the cases below). */
const CHECK = `
import importlib.util, json, os, sys, torch
torch.set_num_threads(1)
root, names = sys.argv[1], sys.argv[2].split(",")
out = {}
def rel(a, b):
    return float((a - b).abs().max()) / max(float(b.abs().max()), 1e-30)
for name in names:
    d = os.path.join(root, name)
    spec = importlib.util.spec_from_file_location("model_" + name.replace("-", "_"), os.path.join(d, "model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.load_model()
    t = mod.read_safetensors(os.path.join(root, name + ".check.safetensors"))
    res = {"keys": list(model.state_dict().keys())}
    with torch.no_grad():
        if "x" in t:  # CharRNN: two chunks with the state carried, then greedy sampling
            logits, state = model(t["x"])
            logits2, state2 = model(t["x2"], state)
            h, c = state2 if isinstance(state2, tuple) else (state2, None)
            res["error"] = max(rel(logits, t["logits"]), rel(logits2, t["logits2"]), rel(h, t["h"]),
                               rel(c, t["c"]) if c is not None else 0.0)
            res["same_tokens"] = model.sample_ids(t["prime"].tolist(), length=t["sampled"].shape[0],
                                                  temperature=0) == t["sampled"].tolist()
        else:
            inp = t["src"] if "src" in t else t["condition"]
            gen = model.generate(inp, max_length=int(t["max_length"][0]))
            res["same_tokens"] = gen.tolist() == t["tokens"].tolist()
            res["error"] = rel(model(inp, t["tokens"]), t["logits"])
    out[name] = res
print(json.dumps(out))
`;

/** Each named export's CharVocab.load() on a text: its ids, and the ids decoded (with eos and padding after them). */
const VOCAB_CHECK = `
import importlib.util, json, os, sys
root, texts = sys.argv[1], json.loads(sys.argv[2])
out = {}
for name, text in texts.items():
    spec = importlib.util.spec_from_file_location("v_" + name.replace("-", "_"), os.path.join(root, name, "model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    v = mod.CharVocab.load()
    ids = v.encode(text)
    tail = [v.id("<eos>"), v.id("<pad>")] if "<eos>" in v.ids else []
    out[name] = {"encoded": ids, "decoded": v.decode(ids + tail)}
print(json.dumps(out))
`;

function runChecks(root: string, names: string[]) {
  const r = spawnSync(PYTHON, ['-c', CHECK, root, names.join(',')], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
    timeout: 180_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<
    string,
    { keys: string[]; error: number; same_tokens: boolean }
  >;
}

/** Weights larger than the default init, so greedy decoding ends rows at different steps. */
function spread(model: nt.nn.Module, scale: number) {
  for (const p of model.parameters()) {
    p.data.set(nt.randn(p.shape, { generator: new nt.Generator(p.size) }).mul(scale).data);
  }
}

/** Sources with trailing padding and, in some rows, a pad inside. */
function sources(n: number, vocab: number, seed: number): nt.Tensor {
  const g = new nt.Generator(seed);
  const width = 8;
  const data = new Int32Array(n * width);
  for (let i = 0; i < n; i++) {
    const len = 3 + Math.floor(g.random() * (width - 2));
    for (let t = 0; t < len; t++) data[i * width + t] = 3 + Math.floor(g.random() * (vocab - 3));
    if (i % 3 === 1) data[i * width + 1] = 0;
  }
  return new nt.Tensor(data, [n, width]);
}

describe(`nt.pytorch.exportModel: the generators in PyTorch${SKIP}`, () => {
  it.skipIf(!hasTorch)(
    'Seq2Seq (3 cells × 3 attentions), SequenceGenerator and CharRNN (3 cells): logits to 1e-5, greedy tokens identical',
    async () => {
      const root = tempDir();
      const names: string[] = [];
      const keys: Record<string, string[]> = {};
      const ends: Record<string, number[]> = {};
      const save = async (name: string, model: nt.nn.Module, check: nt.io.TensorDict) => {
        await nt.pytorch.save(model, join(root, name));
        writeFileSync(join(root, `${name}.check.safetensors`), nt.io.encodeSafetensors(check));
        names.push(name);
        keys[name] = Object.keys(model.stateDict());
      };
      const { models } = nt;
      for (const cell of ['lstm', 'gru', 'rnn'] as const) {
        for (const attention of [null, 'luong', 'bahdanau'] as const) {
          const m = new models.Seq2Seq({
            cell,
            vocabSize: 12,
            embedDim: 5,
            hiddenSize: 7,
            numLayers: cell === 'gru' ? 2 : 1,
            attention,
            generator: new nt.Generator(2),
          });
          spread(m, 0.6);
          m.eval();
          const src = sources(7, 12, 3);
          ends[`seq2seq-${cell}-${attention ?? 'none'}`] = tuneEos(m, src, 9);
          const tokens = m.generate(src, { maxLength: 9 });
          const logits = nt.noGrad(() => m.forward(src, tokens));
          await save(`seq2seq-${cell}-${attention ?? 'none'}`, m, {
            src,
            tokens,
            logits,
            max_length: nt.tensor([9], { dtype: 'int32' }),
          });
        }
        const g = new models.SequenceGenerator({
          cell,
          conditionSize: 4,
          vocabSize: 10,
          embedDim: 3,
          hiddenSize: 6,
          numLayers: 2,
          generator: new nt.Generator(4),
        });
        spread(g, 0.7);
        g.eval();
        // float features for two cells, class ids (one-hot) for the third
        const condition =
          cell === 'gru'
            ? nt.tensor([0, 3, 1, 2, 2], { dtype: 'int32' })
            : nt.randn([5, 4], { generator: new nt.Generator(6) });
        ends[`generator-${cell}`] = tuneEos(g, condition, 10);
        const tokens = g.generate(condition, { maxLength: 10 });
        await save(`generator-${cell}`, g, {
          condition,
          tokens,
          logits: nt.noGrad(() => g.forward(condition, tokens)),
          max_length: nt.tensor([10], { dtype: 'int32' }),
        });
        const c = new models.CharRNN({
          vocabSize: 15,
          embedDim: 4,
          hiddenSize: 8,
          numLayers: 2,
          cell,
          dropout: 0.2,
          generator: new nt.Generator(9),
        });
        c.eval();
        const x = nt.randint(0, 15, [7, 6], { generator: new nt.Generator(1) });
        const x2 = nt.randint(0, 15, [7, 3], { generator: new nt.Generator(2) });
        const [logits, state] = nt.noGrad(() => c.forward(x));
        const [logits2, state2] = nt.noGrad(() => c.forward(x2, state));
        const [h, cs] = state2 instanceof nt.Tensor ? [state2, null] : state2;
        const prime = nt.tensor([3, 1, 4, 1, 5], { dtype: 'int32' });
        const sampled = new nt.Tensor(c.sampleIds(prime.data, { length: 25, temperature: 0 }), [25]);
        await save(`charrnn-${cell}`, c, {
          x,
          x2,
          logits,
          logits2,
          h,
          ...(cs ? { c: cs } : {}),
          prime,
          sampled,
        });
      }
      const res = runChecks(root, names);
      const lines: string[] = [];
      for (const name of names) {
        const r = res[name];
        lines.push(
          `${name}: max relative error ${r.error.toExponential(2)}, greedy tokens identical: ${r.same_tokens}${ends[name] ? `; eos at ${ends[name]}` : ''}`,
        );
        expect(r.keys, name).toEqual(keys[name]);
        expect(r.error, name).toBeLessThan(1e-5);
        expect(r.same_tokens, name).toBe(true);
      }
      console.log(lines.join('\n'));
    },
    240_000,
  );
});

/** neurite's teacher-forced loss and token accuracy on an export's test split, in one batch (as train_ddp.py's). */
function neuriteScores(model: nt.nn.Module, folder: string, ignoreIndex: number | null) {
  const t = nt.io.decodeSafetensors(new Uint8Array(readFileSync(join(folder, 'data.safetensors')))).tensors;
  const [x, y] = [t.x_test, t.y_test];
  const logits = nt.noGrad(() =>
    model instanceof nt.models.CharRNN ? model.forward(x)[0] : (model as nt.models.Seq2Seq).forward(x, y),
  );
  const options = ignoreIndex === null ? {} : { ignoreIndex };
  const loss = nt.models.seq.sequenceCrossEntropy(logits, y, options).item();
  const acc = new nt.models.seq.TokenAccuracy(options);
  acc.update(logits, y);
  return { loss, accuracy: acc.compute() };
}

describe(`neurite export --format pytorch: the generator presets, and their train_ddp.py${SKIP}`, () => {
  const variants = (['lstm', 'gru', 'rnn'] as const).flatMap((cell) =>
    (['none', 'luong', 'bahdanau'] as const).map((attention) => ({ cell, attention })),
  );

  it.skipIf(!hasTorch)(
    "seq2seq-reverse (3 cells × 3 attentions) and charrnn: model.py decodes as loadModel's model does",
    async () => {
      const root = tempDir();
      const names: string[] = [];
      const keys: Record<string, string[]> = {};
      for (const { cell, attention } of variants) {
        const name = `seq2seq-${cell}-${attention}`;
        const runDir = join(root, `${name}-run`);
        const flags = ['--epochs', '1', '--limit', '64', '--hidden-size', '16', '--cell', cell];
        const r = await runCli([
          'train',
          'seq2seq-reverse',
          ...flags,
          '--attention',
          attention,
          '--out',
          runDir,
        ]);
        expect(r.code, r.stderr).toBe(0);
        const e = await runCli([
          'export',
          runDir,
          '--format',
          'pytorch',
          '--out',
          join(root, name),
          '--no-data',
        ]);
        expect(e.code, e.stderr).toBe(0);
        const { model } = await nt.train.loadModel<nt.models.Seq2Seq>(runDir);
        const src = nt.data.makeReverseTask({ n: 7, length: [3, 10], seed: 5 }).src;
        const tokens = model.generate(src, { maxLength: src.shape[1] + 1 });
        const logits = nt.noGrad(() => model.forward(src, tokens));
        const maxLength = nt.tensor([src.shape[1] + 1], { dtype: 'int32' });
        writeFileSync(
          join(root, `${name}.check.safetensors`),
          nt.io.encodeSafetensors({ src, tokens, logits, max_length: maxLength }),
        );
        names.push(name);
        keys[name] = Object.keys(model.stateDict());
      }
      const runDir = join(root, 'charrnn-run');
      const r = await runCli([
        'train',
        'charrnn',
        '--epochs',
        '1',
        '--limit',
        '10',
        '--hidden-size',
        '24',
        '--out',
        runDir,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const e = await runCli([
        'export',
        runDir,
        '--format',
        'pytorch',
        '--out',
        join(root, 'charrnn'),
        '--no-data',
      ]);
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toContain('classes CharRNN');
      const { model } = await nt.train.loadModel<nt.models.CharRNN>(runDir);
      const x = nt.randint(0, model.vocabSize, [5, 9], { generator: new nt.Generator(1) });
      const x2 = nt.randint(0, model.vocabSize, [5, 4], { generator: new nt.Generator(2) });
      const [logits, state] = nt.noGrad(() => model.forward(x));
      const [logits2, state2] = nt.noGrad(() => model.forward(x2, state));
      const [h, c] = state2 as [nt.Tensor, nt.Tensor];
      const prime = nt.tensor([5, 6, 7], { dtype: 'int32' });
      const sampled = new nt.Tensor(model.sampleIds(prime.data, { length: 30, temperature: 0 }), [30]);
      writeFileSync(
        join(root, 'charrnn.check.safetensors'),
        nt.io.encodeSafetensors({ x, x2, logits, logits2, h, c, prime, sampled }),
      );
      names.push('charrnn');
      keys.charrnn = Object.keys(model.stateDict());
      const res = runChecks(root, names);
      for (const name of names) {
        expect(res[name].keys, name).toEqual(keys[name]);
        expect(res[name].error, name).toBeLessThan(1e-5);
        expect(res[name].same_tokens, name).toBe(true);
      }
      console.log(names.map((n) => `${n}: max relative error ${res[n].error.toExponential(2)}`).join('\n'));
      // vocab.json and model.py's CharVocab: the same ids as neurite's vocabulary, and back to the text
      const texts: Record<string, string> = { 'seq2seq-lstm-none': '31415', charrnn: 'It is a truth' };
      const v = spawnSync(PYTHON, ['-c', VOCAB_CHECK, root, JSON.stringify(texts)], { encoding: 'utf8' });
      expect(v.status, v.stderr).toBe(0);
      const got = JSON.parse(v.stdout) as Record<string, { encoded: number[]; decoded: string }>;
      for (const [name, text] of Object.entries(texts)) {
        const run = join(root, name === 'charrnn' ? 'charrnn-run' : `${name}-run`);
        const { checkpoint } = await nt.train.loadModel(run);
        const vocab = nt.data.CharVocab.fromJSON(checkpoint.preprocessing?.vocab as nt.data.CharVocabJSON);
        expect(got[name].encoded, name).toEqual([...vocab.encode(text)]);
        expect(got[name].decoded, name).toBe(text);
      }
    },
    300_000,
  );

  it.skipIf(!hasTorch)(
    'seq2seq-reverse (luong): torchrun --nproc_per_node 2 train_ddp.py trains on the teacher-forced loss, neurite eval reads the result',
    async () => {
      const root = tempDir();
      const runDir = join(root, 'run');
      const flags = ['--epochs', '1', '--limit', '128', '--hidden-size', '24', '--attention', 'luong'];
      const r = await runCli(['train', 'seq2seq-reverse', ...flags, '--out', runDir]);
      expect(r.code, r.stderr).toBe(0);
      const out = join(root, 'pt');
      const e = await runCli(['export', runDir, '--format', 'pytorch', '--out', out, '--json']);
      expect(e.code, e.stderr).toBe(0);
      expect(lastJson(e).data).toEqual({ train: 128, test: 128 });
      const config = JSON.parse(readFileSync(join(out, 'neurite.json'), 'utf8'));
      expect(config).toMatchObject({ model: 'Seq2Seq', call: 'model(x, y)', ignoreIndex: 0 });
      const { model } = await nt.train.loadModel(runDir);
      const want = neuriteScores(model, out, 0);
      const t = await torchrunDdp(out, 30, 10);
      expect(t.code, `${t.stdout}\n${t.stderr}`).toBe(0);
      const summary = ddpSummary(t.stdout);
      expect(summary.processes).toBe(2);
      expect(summary.steps).toBe(30);
      // PyTorch scores the exported model as neurite does: same loss (padding ignored) and token accuracy
      expect(summary.before.loss).toBeCloseTo(want.loss, 4);
      expect(summary.before.accuracy).toBeCloseTo(want.accuracy, 6);
      expect(summary.after.loss).toBeLessThan(summary.before.loss);
      const trained = await nt.train.loadModel(join(out, 'trained'));
      expect(neuriteScores(trained.model, out, 0).loss).toBeCloseTo(summary.after.loss, 4);
      const ev = await runCli(['eval', join(out, 'trained'), '--json']);
      expect(ev.code, ev.stderr).toBe(0);
      const metrics = lastJson(ev).metrics as Record<string, number>;
      expect(metrics.tokenAccuracy).toBeGreaterThan(0);
      console.log(
        `seq2seq-reverse (luong) under torchrun, 2 processes, 30 steps: teacher-forced test loss ${summary.before.loss.toFixed(4)} -> ${summary.after.loss.toFixed(4)}, greedy token accuracy ${metrics.tokenAccuracy.toFixed(4)}`,
      );
    },
    240_000,
  );

  it.skipIf(!hasTorch)(
    'charrnn: train_ddp.py trains on next-character windows; neurite reads what it wrote',
    async () => {
      const root = tempDir();
      const runDir = join(root, 'run');
      const r = await runCli([
        'train',
        'charrnn',
        '--epochs',
        '1',
        '--limit',
        '20',
        '--hidden-size',
        '32',
        '--out',
        runDir,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = join(root, 'pt');
      const e = await runCli(['export', runDir, '--format', 'pytorch', '--out', out]);
      expect(e.code, e.stderr).toBe(0);
      const config = JSON.parse(readFileSync(join(out, 'neurite.json'), 'utf8'));
      expect(config).toMatchObject({ model: 'CharRNN', call: 'model(x)[0]', ignoreIndex: null });
      const { model } = await nt.train.loadModel(runDir);
      const want = neuriteScores(model, out, null);
      const t = await run(PYTHON, ['train_ddp.py', '--steps', '20', '--log-every', '100'], out, 120_000);
      expect(t.code, `${t.stdout}\n${t.stderr}`).toBe(0);
      const summary = ddpSummary(t.stdout);
      expect(summary.before.loss).toBeCloseTo(want.loss, 4);
      expect(summary.before.accuracy).toBeCloseTo(want.accuracy, 6);
      expect(summary.after.loss).toBeLessThan(summary.before.loss);
      const ev = await runCli(['eval', join(out, 'trained'), '--json']);
      expect(ev.code, ev.stderr).toBe(0);
      expect((lastJson(ev).metrics as Record<string, number>).bitsPerChar).toBeGreaterThan(0);
      const csv = await run(PYTHON, ['train_ddp.py', '--csv', join(root, 'x.csv')], out, 60_000);
      expect(csv.code).not.toBe(0);
      expect(csv.stderr).toMatch(/--csv reads rows of numbers, while a CharRNN trains on token sequences/);
    },
    180_000,
  );
});
