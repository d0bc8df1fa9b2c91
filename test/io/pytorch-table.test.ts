// PyTorch export of a CSV run with categorical columns: model.py's preprocess() takes raw rows (dicts by column
// name, or values in column order, as text or numbers), one-hot encodes them as neurite's CSV reader does, and the
// model gives neurite's outputs to 1e-5; an unseen category is a ValueError as in neurite; train_ddp.py --csv reads a
// raw CSV with text categories and a text target. Needs /usr/bin/python3 with torch; skipped elsewhere.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { lastJson, removeTempDirs, runCli, tempDir } from '../cli/helpers.js';
import { hasTorch, PYTHON, SKIP } from './torch-helpers.js';

type Net = nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor };
type Row = { size: number; colour: string; weight: number; shape: number; kind?: string };

const COLUMNS = ['size', 'colour', 'weight', 'shape'] as const;
let dir: string;

function makeRows(n: number, seed: number): Row[] {
  const g = new nt.Generator(seed);
  return Array.from({ length: n }, () => {
    const size = Math.round(g.random() * 10_000) / 1000;
    const colour = ['red', 'green', 'blue'][g.int(0, 3)];
    const weight = Math.round(g.random() * 300) / 100;
    const shape = [1, 2, 5][g.int(0, 3)];
    return { size, colour, weight, shape, kind: size > 5 !== (colour === 'blue') ? 'big' : 'small' };
  });
}

const csvText = (rows: Row[], header: string[]) =>
  `${[header.join(','), ...rows.map((r) => header.map((h) => r[h as keyof Row]).join(','))].join('\n')}\n`;

function python(script: string, args: string[], cwd: string) {
  return spawnSync(PYTHON, ['-c', script, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
    timeout: 120_000,
  });
}

beforeAll(async () => {
  if (!hasTorch) return;
  dir = tempDir();
  writeFileSync(join(dir, 'things.csv'), csvText(makeRows(200, 1), [...COLUMNS, 'kind']));
  writeFileSync(
    join(dir, 'things.json'),
    JSON.stringify({
      model: { type: 'mlp', hidden: [16] },
      data: { csv: 'things.csv', target: 'kind', categorical: ['colour', 'shape', 'kind'] },
      optimizer: { lr: 0.02 },
      training: { epochs: 20, batchSize: 16 },
    }),
  );
  const r = await runCli(['train', join(dir, 'things.json'), '--out', join(dir, 'run')]);
  expect(r.code, r.stderr).toBe(0);
  const e = await runCli(['export', join(dir, 'run'), '--format', 'pytorch']);
  expect(e.code, e.stderr).toBe(0);
}, 180_000);

afterAll(removeTempDirs);

const CHECK = `
import importlib.util, json, sys, torch
torch.set_num_threads(1)
spec = importlib.util.spec_from_file_location("model", "model.py")
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
rows = json.load(open(sys.argv[1]))
model = m.load_model()
columns = [c["name"] for c in m.load_preprocessing()["columns"]]
out = {}
with torch.no_grad():
    encoded = m.encode_rows(rows)
    y = model(m.preprocess(rows))
    # the same rows as text in column order (a CSV's cells), and as lists of values
    as_text = [[str(r[c]) for c in columns] for r in rows]
    out["text_diff"] = float((model(m.preprocess(as_text)) - y).abs().max())
    out["encoded"] = encoded.tolist()
    out["output"] = y.tolist()
try:
    m.preprocess([dict(rows[0], colour="pink")])
    out["unknown"] = None
except ValueError as e:
    out["unknown"] = str(e)
print(json.dumps(out))
`;

describe(`neurite export --format pytorch of a CSV run with categorical columns${SKIP}`, () => {
  it.skipIf(!hasTorch)(
    "model.py's preprocess() one-hot encodes raw rows: neurite's features and outputs, batches of 1 and 7",
    async () => {
      const folder = join(dir, 'run', 'pytorch');
      const pre = JSON.parse(readFileSync(join(folder, 'preprocessing.json'), 'utf8'));
      expect(pre.columns).toEqual([
        { name: 'size' },
        { name: 'colour', encoding: 'onehot', categories: ['blue', 'green', 'red'], handleUnknown: 'error' },
        { name: 'weight' },
        { name: 'shape', encoding: 'onehot', categories: [1, 2, 5], handleUnknown: 'error' },
      ]);
      expect(pre.target).toEqual({ name: 'kind', classes: ['big', 'small'] });
      const { model, preprocess, checkpoint } = await nt.train.loadModel<Net>(join(dir, 'run'));
      const encoders = (checkpoint.preprocessing as { encoders: Record<string, nt.data.OneHotEncoderJSON> })
        .encoders;
      for (const [n, seed] of [
        [1, 5],
        [7, 6],
      ]) {
        const rows = makeRows(n, seed).map(({ kind, ...r }) => r);
        const file = join(dir, `rows-${n}.json`);
        writeFileSync(file, JSON.stringify(rows));
        const r = python(CHECK, [file], folder);
        expect(r.status, r.stderr).toBe(0);
        const got = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
          encoded: number[][];
          output: number[][];
          text_diff: number;
          unknown: string | null;
        };
        const encoded = nt.concat(
          COLUMNS.map((c) =>
            encoders[c]
              ? nt.data.OneHotEncoder.fromJSON(encoders[c]).transform(rows.map((row) => [row[c]]))
              : new nt.Tensor(Float32Array.from(rows.map((row) => row[c] as number)), [n, 1]),
          ),
          1,
        );
        expect(got.encoded.flat()).toEqual(Array.from(encoded.data));
        const want = nt.noGrad(() => model.forward(preprocess(encoded)));
        const flat = got.output.flat();
        let scale = 0;
        let diff = 0;
        for (let i = 0; i < want.size; i++) {
          scale = Math.max(scale, Math.abs(want.data[i]));
          diff = Math.max(diff, Math.abs(flat[i] - want.data[i]));
        }
        expect(flat).toHaveLength(want.size);
        expect(diff).toBeLessThan(1e-5 * Math.max(1, scale));
        expect(got.text_diff).toBe(0);
        expect(got.unknown).toMatch(
          /row 0, column 'colour': 'pink' is not one of the categories seen in training/,
        );
      }
    },
    120_000,
  );

  it.skipIf(!hasTorch)(
    'train_ddp.py --csv reads a raw CSV with text categories and a text target, and neurite eval reads the result',
    async () => {
      const folder = join(dir, 'run', 'pytorch');
      // the columns in another order than the training file's: rows are read by header name
      const csv = join(dir, 'more.csv');
      writeFileSync(csv, csvText(makeRows(120, 9), ['kind', 'shape', 'weight', 'colour', 'size']));
      const out = join(dir, 'from-csv');
      const r = spawnSync(PYTHON, ['train_ddp.py', '--csv', csv, '--epochs', '1', '--out', out], {
        cwd: folder,
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
        timeout: 120_000,
      });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
        before: { accuracy: number };
      };
      // the trained model on the encoded rows: far above guessing, so the columns were encoded as in training
      expect(summary.before.accuracy).toBeGreaterThan(0.8);
      expect(existsSync(join(out, 'checkpoint.json'))).toBe(true);
      const ev = await runCli(['eval', out, '--data', csv, '--json']);
      expect(ev.code, ev.stderr).toBe(0);
      expect((lastJson(ev).metrics as Record<string, number>).accuracy).toBeGreaterThan(0.8);
    },
    120_000,
  );
});
