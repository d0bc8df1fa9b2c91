// `neurite export`: checkpoints of the CLI's presets as ONNX files that take the raw inputs (the preprocessing in
// the graph), run in ONNX Runtime against neurite's loadModel + preprocess; and its one-line errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { lastJson, removeTempDirs, runCli, tempDir } from '../cli/helpers.js';
import { relError, runOrt } from './onnx-helpers.js';

let dir: string;

beforeAll(async () => {
  dir = tempDir();
  for (const [preset, extra] of [
    ['cnn-mnist', ['--epochs', '1', '--limit', '200']],
    ['logreg-breast-cancer', ['--epochs', '2']],
  ] as const) {
    const r = await runCli(['train', preset, ...extra, '--out', join(dir, preset)]);
    expect(r.code, r.stderr).toBe(0);
  }
}, 300_000);

afterAll(removeTempDirs);

async function check(run: string, raw: nt.Tensor) {
  const r = await runCli(['export', run, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const res = lastJson(r) as { out: string; bytes: number; input: unknown[] };
  expect(res.out).toBe(join(run, 'model.onnx'));
  const bytes = new Uint8Array(readFileSync(res.out));
  expect(bytes.length).toBe(res.bytes);
  const { model, preprocess } = await nt.train.loadModel(run);
  const want = nt.noGrad(() =>
    (model as nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor }).forward(preprocess(raw)),
  );
  const got = await runOrt(bytes, raw);
  expect(got.dims).toEqual(want.shape);
  expect(relError(got.data, want.data as Float32Array)).toBeLessThan(1e-5);
  return res;
}

describe('neurite export --format onnx', () => {
  it('cnn-mnist: raw pixels 0–255 in, the logits of neurite eval out, any batch size', async () => {
    const run = join(dir, 'cnn-mnist');
    const res = await check(run, nt.rand([7, 784]).mul(255).floor());
    expect(res.input).toEqual(['batch', 784]);
    const one = await runOrt(
      new Uint8Array(readFileSync(join(run, 'model.onnx'))),
      nt.rand([1, 784]).mul(255),
    );
    expect(one.dims).toEqual([1, 10]);
  });

  it('logreg-breast-cancer: the StandardScaler as Sub/Div nodes', async () => {
    const raw = nt.rand([7, 30]).mul(100);
    const res = await check(join(dir, 'logreg-breast-cancer'), raw);
    expect(res.input).toEqual(['batch', 30]);
  });

  it('--no-preprocessing, --out and --opset', async () => {
    const out = join(tempDir(), 'lenet.onnx');
    const r = await runCli([
      'export',
      join(dir, 'cnn-mnist'),
      '--no-preprocessing',
      '--out',
      out,
      '--opset',
      '13',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}: ONNX opset 13`);
    const { model } = await nt.train.loadModel(join(dir, 'cnn-mnist'));
    const x = nt.randn([3, 1, 28, 28]);
    const want = nt.noGrad(() => (model as nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor }).forward(x));
    const got = await runOrt(new Uint8Array(readFileSync(out)), x);
    expect(relError(got.data, want.data as Float32Array)).toBeLessThan(1e-5);
  });

  it('one-line errors: a missing checkpoint, an unwritable output folder, an unknown format', async () => {
    const missing = await runCli(['export', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^neurite: .*nope/);
    const unwritable = await runCli([
      'export',
      join(dir, 'cnn-mnist'),
      '--out',
      join(dir, 'no-such-dir', 'm.onnx'),
    ]);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(/^neurite: onnx\.save\(.*m\.onnx\): cannot write the file/);
    const format = await runCli(['export', join(dir, 'cnn-mnist'), '--format', 'tflite']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format.*onnx/);
  });
});
