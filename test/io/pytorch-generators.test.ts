// The generators' PyTorch export (Seq2Seq with and without attention, SequenceGenerator, CharRNN): model.py run by
// the real PyTorch gives neurite's teacher-forced logits to 1e-5, decodes greedily token for token as neurite's
// generate() / sampleIds(temperature 0), and carries neurite's state-dict keys. Needs /usr/bin/python3 with torch
// (.ci/run installs python3-torch); skipped elsewhere, saying why.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { removeTempDirs, tempDir } from '../cli/helpers.js';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const SKIP = hasTorch ? '' : ' [skipped: /usr/bin/python3 has no torch; apt-get install python3-torch]';

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
          `${name}: max relative error ${r.error.toExponential(2)}, greedy tokens identical: ${r.same_tokens}`,
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
