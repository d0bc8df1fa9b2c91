// `neurite export`: checkpoints of the CLI's presets as ONNX files that take the raw inputs (the preprocessing in
// the graph), run in ONNX Runtime against neurite's loadModel + preprocess; the two generators (seq2seq-reverse in
// every cell and attention, charrnn) as step graphs that reproduce generate() and forward(); and its one-line errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { lastJson, removeTempDirs, runCli, tempDir } from '../cli/helpers.js';
import { greedy, relError, runOrt, stepError } from './onnx-helpers.js';

let dir: string;

// every preset, trained briefly (the generators, width 0, are checked below)
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
  ['charrnn', ['--epochs', '1', '--limit', '20', '--hidden-size', '24', '--seq-length', '32'], 0],
  ...(['lstm', 'gru', 'rnn'] as const).flatMap((cell) =>
    (['none', 'luong', 'bahdanau'] as const).map((attention): [string, string[], number] => [
      'seq2seq-reverse',
      ['--epochs', '1', '--limit', '64', '--hidden-size', '16', '--cell', cell, '--attention', attention],
      0,
    ]),
  ),
  ['logreg-xor', ['--epochs', '2', '--degree', '3'], 2],
];

/** logreg-xor twice (on the raw inputs, and with PolynomialFeatures of degree 3 in the graph); seq2seq per variant */
const runName = (preset: string, extra: string[]) => {
  if (extra.includes('--degree')) return `${preset}-degree3`;
  if (preset !== 'seq2seq-reverse') return preset;
  return `${preset}-${extra[extra.indexOf('--cell') + 1]}-${extra[extra.indexOf('--attention') + 1]}`;
};

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

  for (const [preset, extra] of PRESETS.filter(([p]) => p === 'seq2seq-reverse')) {
    it(`${runName(preset, extra)}: encoder.onnx + decoder_step.onnx, and generate.onnx alone, decode greedily as neurite's generate()`, async () => {
      const run = join(dir, runName(preset, extra));
      const r = await runCli(['export', run, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`wrote ${join(run, 'onnx')}/: Seq2Seq as 3 ONNX files`);
      const res = lastJson(r) as {
        out: string;
        files: Record<string, { inputs: string[] }>;
        metadata: Record<string, string>;
      };
      expect(res.out).toBe(join(run, 'onnx'));
      expect(Object.keys(res.files)).toEqual(['encoder.onnx', 'decoder_step.onnx', 'generate.onnx']);
      const { model, checkpoint } = await nt.train.loadModel<nt.models.Seq2Seq>(run);
      // the vocabulary travels in the files' metadata
      expect(JSON.parse(res.metadata.vocab)).toEqual(checkpoint.preprocessing?.vocab);
      const vocab = nt.data.CharVocab.fromJSON(JSON.parse(res.metadata.vocab));
      const encoder = await ort.InferenceSession.create(readFileSync(join(res.out, 'encoder.onnx')));
      const step = await ort.InferenceSession.create(readFileSync(join(res.out, 'decoder_step.onnx')));
      const whole = await ort.InferenceSession.create(readFileSync(join(res.out, 'generate.onnx')));
      for (const strings of [['31415'], ['1234567890', '27', '907', '5550', '31', '8', '602214']]) {
        const width = Math.max(...strings.map((s) => s.length));
        const ids = new Int32Array(strings.length * width);
        for (const [i, s] of strings.entries()) ids.set(vocab.encode(s), i * width);
        const src = new nt.Tensor(ids, [strings.length, width]);
        const enc = await encoder.run({ src: new ort.Tensor('int32', ids, src.shape) });
        const start: Record<string, ort.Tensor> = {};
        for (const name of step.inputNames) if (name !== 'token') start[name] = enc[name];
        const got = await greedy(step, start, strings.length, model, width + 1);
        const want = model.generate(src, { maxLength: width + 1 });
        expect(got.tokens.toArray()).toEqual(want.toArray());
        const maxLength = new ort.Tensor('int32', Int32Array.of(width + 1), []);
        const loop = await whole.run({ src: new ort.Tensor('int32', ids, src.shape), max_length: maxLength });
        expect([...loop.tokens_out.dims]).toEqual(want.shape);
        expect(Array.from(loop.tokens_out.data as Int32Array)).toEqual(Array.from(want.data));
        expect(
          stepError(
            got.logits,
            nt.noGrad(() => model.forward(src, want)),
          ),
        ).toBeLessThan(1e-5);
      }
    });
  }

  it("charrnn: model.onnx gives forward()'s logits and state, for batches of 1 and 7", async () => {
    const run = join(dir, 'charrnn');
    const r = await runCli(['export', run]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${join(run, 'onnx')}/: CharRNN as 1 ONNX file`);
    expect(r.stdout).toMatch(/input {2}'tokens' int32 \[batch, steps\]/);
    const { model } = await nt.train.loadModel<nt.models.CharRNN>(run);
    const session = await ort.InferenceSession.create(readFileSync(join(run, 'onnx', 'model.onnx')));
    for (const n of [1, 7]) {
      const x = nt.randint(0, model.vocabSize, [n, 12]);
      const zero = new ort.Tensor('float32', new Float32Array(n * model.hiddenSize), [
        1,
        n,
        model.hiddenSize,
      ]);
      const out = await session.run({
        tokens: new ort.Tensor('int32', x.data as Int32Array, x.shape),
        h: zero,
        c: zero,
      });
      const [logits, state] = nt.noGrad(() => model.forward(x));
      expect([...out.logits.dims]).toEqual(logits.shape);
      expect(relError(out.logits.data as Float32Array, logits.data as Float32Array)).toBeLessThan(1e-5);
      const [h, c] = state as [nt.Tensor, nt.Tensor];
      expect(relError(out.h_out.data as Float32Array, h.data as Float32Array)).toBeLessThan(1e-5);
      expect(relError(out.c_out.data as Float32Array, c.data as Float32Array)).toBeLessThan(1e-5);
    }
  });

  it('a generator: --out names a folder, and --input-shape does not apply, in one line each', async () => {
    const run = join(dir, 'charrnn');
    const file = await runCli(['export', run, '--out', join(tempDir(), 'x.onnx')]);
    expect(file.code).toBe(1);
    expect(file.stderr.trim().split('\n')).toHaveLength(1);
    expect(file.stderr).toMatch(/^neurite: a CharRNN exports to several ONNX files: give --out a folder/);
    const shape = await runCli(['export', run, '--input-shape', '1,2']);
    expect(shape.code).toBe(1);
    expect(shape.stderr).toMatch(/^neurite: --input-shape and --static-batch do not apply to a CharRNN/);
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
