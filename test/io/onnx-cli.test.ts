// `neurite export`: checkpoints of the CLI's presets as ONNX files that take the raw inputs (the preprocessing in
// the graph), run in ONNX Runtime against neurite's loadModel + preprocess; and its one-line errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { lastJson, removeTempDirs, runCli, tempDir } from '../cli/helpers.js';
import { relError, runOrt } from './onnx-helpers.js';

let dir: string;

// every preset but the two generators (seq2seq-reverse, charrnn), trained briefly
const PRESETS: [string, string[], number][] = [
  ['cnn-mnist', ['--epochs', '1', '--limit', '200'], 784],
  ['logreg-breast-cancer', ['--epochs', '2'], 30],
  ['linreg-diabetes', ['--epochs', '2'], 10],
  ['logreg-xor', ['--epochs', '2'], 2],
  ['mlp-digits', ['--epochs', '1'], 64],
  ['dnn-mnist', ['--epochs', '1', '--limit', '100'], 784],
  ['resnet-mnist', ['--epochs', '1', '--limit', '50'], 784],
  ['randwire-mnist', ['--epochs', '1', '--limit', '50'], 784],
  ['lstm-seqmnist', ['--epochs', '1', '--limit', '100'], 784],
  ['gru-seqmnist', ['--epochs', '1', '--limit', '100'], 784],
  ['charrnn', ['--epochs', '1', '--limit', '2000'], 0],
  ['logreg-xor', ['--epochs', '2', '--degree', '3'], 2],
];

/** logreg-xor twice: on the raw inputs, and with PolynomialFeatures of degree 3 in the graph */
const runName = (preset: string, extra: string[]) =>
  extra.includes('--degree') ? `${preset}-degree3` : preset;

beforeAll(async () => {
  dir = tempDir();
  for (const [preset, extra] of PRESETS) {
    const out = join(dir, runName(preset, extra));
    const r = await runCli(['train', preset, ...extra, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
  }
}, 600_000);

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
  for (const [preset, extra, width] of PRESETS.filter(([, , w]) => w > 0)) {
    it(`${runName(preset, extra)}: raw inputs in, the outputs of loadModel + preprocess out, any batch size`, async () => {
      const run = join(dir, runName(preset, extra));
      const scale = width === 784 ? 255 : 3;
      const res = await check(run, nt.rand([7, width]).mul(scale));
      expect(res.input).toEqual(['batch', width]);
      const one = await runOrt(
        new Uint8Array(readFileSync(join(run, 'model.onnx'))),
        nt.rand([1, width]).mul(scale),
      );
      expect(one.dims[0]).toBe(1);
    });
  }

  it('--static-batch fixes the batch axis at 1', async () => {
    const out = join(tempDir(), 'fixed.onnx');
    const r = await runCli(['export', join(dir, 'mlp-digits'), '--static-batch', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const model = nt.onnx.decodeModel(new Uint8Array(readFileSync(out))) as {
      graph: {
        input: { type: { tensorType: { shape: { dim: { dimValue?: number; dimParam?: string }[] } } } }[];
      };
    };
    expect(model.graph.input[0].type.tensorType.shape.dim).toEqual([{ dimValue: 1 }, { dimValue: 64 }]);
  });

  it('--help lists the options', async () => {
    const r = await runCli(['export', '--help']);
    expect(r.code).toBe(0);
    for (const w of [
      '--format',
      '--out',
      '--opset',
      '--no-preprocessing',
      '--input-shape',
      '--static-batch',
      '--json',
    ]) {
      expect(r.stdout).toContain(w);
    }
  });

  it('a generator (charrnn) is refused in one line', async () => {
    const r = await runCli(['export', join(dir, 'charrnn')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^neurite: CharRNN checkpoints have no ONNX export yet/);
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
