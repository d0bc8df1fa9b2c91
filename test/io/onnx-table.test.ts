// `neurite export` of CSV runs with categorical columns: the file takes raw rows (the numeric columns in one float
// input, each categorical column in its own [batch, 1] input of strings or numbers), one-hot encodes them in the
// graph as neurite's CSV reader does, and gives what `neurite predict` and loadModel + encoders + preprocess give;
// a category not seen in training fails the run as neurite rejects it. nt.onnx.exportTable on its own: encoders
// with handleUnknown 'ignore' (all zeros), label-encoded feature columns, opsets 13 to 21.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { lastJson, removeTempDirs, runCli, tempDir } from '../cli/helpers.js';
import { relError } from './onnx-helpers.js';

ort.env.wasm.numThreads = 1;

type Net = nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor };
type Row = Record<string, string | number>;

const COLOURS = ['red', 'green', 'blue'];
const SHAPES = [1, 2, 5];
let dir: string;

/** Rows of size, colour (text), weight, shape (numeric categories), with a text class and a numeric price. */
function makeRows(n: number, seed: number): Row[] {
  const g = new nt.Generator(seed);
  return Array.from({ length: n }, () => {
    const size = Math.round(g.random() * 10_000) / 1000;
    const weight = Math.round(g.random() * 300) / 100;
    const colour = COLOURS[g.int(0, 3)];
    const shape = SHAPES[g.int(0, 3)];
    const kind = size > 5 !== (colour === 'blue') ? 'big' : 'small';
    const price = size * 2 + weight * shape + (colour === 'red' ? 3 : 0);
    return { size, colour, weight, shape, kind, price: Math.round(price * 100) / 100 };
  });
}

/** The runs: an MLP classifier (scaler), linear regression on crosses (polynomial features + scaler), an LSTM. */
const RUNS: Record<
  string,
  { model: Record<string, unknown>; target: string; extra?: Record<string, unknown> }
> = {
  mlp: { model: { type: 'mlp', hidden: [16] }, target: 'kind' },
  // ridge: exact least squares on one-hot crosses (collinear columns) cancels weights of ±6000, which float32
  // inputs cannot follow to 1e-5 in any runtime
  linear: { model: { type: 'linear', alpha: 1 }, target: 'price', extra: { degree: 2 } },
  lstm: { model: { type: 'lstm-classifier', hiddenSize: 8 }, target: 'kind' },
};

beforeAll(async () => {
  dir = tempDir();
  const rows = makeRows(160, 1);
  const header = ['size', 'colour', 'weight', 'shape', 'kind', 'price'];
  writeFileSync(
    join(dir, 'things.csv'),
    `${[header.join(','), ...rows.map((r) => header.map((h) => r[h]).join(','))].join('\n')}\n`,
  );
  for (const [name, { model, target, extra }] of Object.entries(RUNS)) {
    const other = target === 'kind' ? 'price' : 'kind';
    writeFileSync(
      join(dir, `${name}.json`),
      JSON.stringify({
        model,
        data: {
          csv: 'things.csv',
          target,
          columns: ['size', 'colour', 'weight', 'shape'].filter((c) => c !== other),
          categorical: ['colour', 'shape', ...(target === 'kind' ? ['kind'] : [])],
          ...extra,
        },
        training: { epochs: 2, batchSize: 16 },
      }),
    );
    const r = await runCli(['train', join(dir, `${name}.json`), '--out', join(dir, name)]);
    expect(r.code, r.stderr).toBe(0);
  }
}, 300_000);

afterAll(removeTempDirs);

/** The ONNX feeds of raw rows: numeric columns [n, 2], colour strings [n, 1], shape numbers [n, 1]. */
function feeds(rows: Row[]): Record<string, ort.Tensor> {
  const n = rows.length;
  return {
    numeric: new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => [+r.size, +r.weight])), [n, 2]),
    colour: new ort.Tensor(
      'string',
      rows.map((r) => String(r.colour)),
      [n, 1],
    ),
    shape: new ort.Tensor('float32', Float32Array.from(rows.map((r) => +r.shape)), [n, 1]),
  };
}

/** neurite's output on raw rows: each column encoded by the checkpoint's encoder, side by side, then preprocess. */
async function neuriteOutput(run: string, rows: Row[]): Promise<nt.Tensor> {
  const { model, preprocess, checkpoint } = await nt.train.loadModel<Net>(run);
  const encoders = (checkpoint.preprocessing as { encoders: Record<string, nt.data.OneHotEncoderJSON> })
    .encoders;
  const blocks = ['size', 'colour', 'weight', 'shape'].map((c) =>
    encoders[c]
      ? nt.data.OneHotEncoder.fromJSON(encoders[c]).transform(rows.map((r) => [r[c]]))
      : new nt.Tensor(Float32Array.from(rows.map((r) => +r[c])), [rows.length, 1]),
  );
  return nt.noGrad(() => model.forward(preprocess(nt.concat(blocks, 1))));
}

function softmaxRows(data: Float32Array, n: number): number[][] {
  const k = data.length / n;
  return Array.from({ length: n }, (_, i) => {
    const row = Array.from(data.subarray(i * k, (i + 1) * k));
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

describe('neurite export --format onnx of a CSV run with categorical columns', () => {
  for (const name of Object.keys(RUNS)) {
    it(`${name}: raw rows in (batch 1 and 7), neurite's outputs out`, async () => {
      const run = join(dir, name);
      const r = await runCli(['export', run, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const res = lastJson(r) as {
        out: string;
        bytes: number;
        inputs: Record<string, unknown>[];
        ops: Record<string, number>;
      };
      expect(res.inputs).toEqual([
        { name: 'numeric', type: 'float32', shape: ['batch', 2], columns: ['size', 'weight'] },
        {
          name: 'colour',
          type: 'string',
          shape: ['batch', 1],
          columns: ['colour'],
          categories: ['blue', 'green', 'red'],
        },
        { name: 'shape', type: 'float32', shape: ['batch', 1], columns: ['shape'], categories: [1, 2, 5] },
      ]);
      expect(res.ops.LabelEncoder).toBe(2);
      const session = await ort.InferenceSession.create(readFileSync(res.out));
      expect(session.inputNames).toEqual(['numeric', 'colour', 'shape']);
      let maxError = 0;
      for (const [n, seed] of [
        [1, 11],
        [7, 12],
      ]) {
        const rows = makeRows(n, seed);
        const got = (await session.run(feeds(rows))).output;
        const want = await neuriteOutput(run, rows);
        expect([...got.dims]).toEqual(want.shape);
        const err = relError(got.data as Float32Array, want.data as Float32Array);
        expect(err).toBeLessThan(1e-5);
        maxError = Math.max(maxError, err);
        // and what `neurite predict` says for the same rows, given as objects keyed by column
        const inline = JSON.stringify(
          rows.map(({ size, colour, weight, shape }) => ({ size, colour, weight, shape })),
        );
        const p = await runCli(['predict', run, inline, '--json']);
        expect(p.code, p.stderr).toBe(0);
        const preds = lastJson(p).predictions as { probabilities?: number[]; prediction: number }[];
        if (name === 'linear') {
          expect(
            relError(
              got.data as Float32Array,
              preds.map((q) => q.prediction),
            ),
          ).toBeLessThan(1e-5);
        } else {
          const probs = softmaxRows(got.data as Float32Array, n);
          for (const [i, q] of preds.entries()) {
            for (const [k, v] of (q.probabilities ?? []).entries())
              expect(Math.abs(probs[i][k] - v)).toBeLessThan(1e-5);
          }
        }
      }
      const nodes = Object.values(res.ops).reduce((a, b) => a + b, 0);
      console.log(`${name}: ${nodes} nodes, ${res.bytes} bytes, max error ${maxError.toExponential(2)}`);
    });
  }

  it('a category not seen in training: neurite predict rejects it, and so does the ONNX run', async () => {
    const run = join(dir, 'mlp');
    const rows = [...makeRows(2, 3), { size: 1, colour: 'pink', weight: 1, shape: 2 }];
    const p = await runCli(['predict', run, JSON.stringify(rows.map(({ kind, price, ...r }) => r))]);
    expect(p.code).toBe(1);
    expect(p.stderr).toContain('"pink" is not one of the categories');
    const session = await ort.InferenceSession.create(readFileSync(join(run, 'model.onnx')));
    await expect(session.run(feeds(rows))).rejects.toThrow(
      /colour\/index_3_is_a_category_not_seen_in_training/,
    );
    const shape = [{ size: 1, colour: 'red', weight: 1, shape: 3 }];
    await expect(session.run(feeds(shape))).rejects.toThrow(
      /shape\/index_3_is_a_category_not_seen_in_training/,
    );
  });

  it('says what the file takes: names, types, shapes, columns and categories', async () => {
    const out = join(tempDir(), 'fixed.onnx');
    const r = await runCli(['export', join(dir, 'mlp'), '--out', out, '--static-batch']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}: ONNX opset 17`);
    expect(r.stdout).toMatch(/input {2}'numeric' float32 \[1, 2\] \(columns size, weight\)/);
    expect(r.stdout).toMatch(/input {2}'colour' {2}string {2}\[1, 1\] \(3 categories: blue, green, red\)/);
    expect(r.stdout).toMatch(/input {2}'shape' {3}float32 \[1, 1\] \(3 categories: 1, 2, 5\)/);
    expect(r.stdout).toMatch(/output 'output' +float32 \[1, 2\]/);
    expect(r.stdout).toContain('a category not seen in training fails the run');
    const session = await ort.InferenceSession.create(readFileSync(out));
    const rows = makeRows(1, 5);
    const got = (await session.run(feeds(rows))).output;
    const want = await neuriteOutput(join(dir, 'mlp'), rows);
    expect(relError(got.data as Float32Array, want.data as Float32Array)).toBeLessThan(1e-5);
    const shapeOpt = await runCli(['export', join(dir, 'mlp'), '--input-shape', '8']);
    expect(shapeOpt.code).toBe(1);
    expect(shapeOpt.stderr).toMatch(
      /^neurite: --input-shape does not apply to a CSV run with categorical columns/,
    );
  });

  it('--no-preprocessing still exports the bare model on encoded rows', async () => {
    const out = join(tempDir(), 'bare.onnx');
    const r = await runCli(['export', join(dir, 'mlp'), '--no-preprocessing', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const session = await ort.InferenceSession.create(readFileSync(out));
    expect(session.inputNames).toEqual(['input']);
  });
});

describe('nt.onnx.exportTable', () => {
  /** A small MLP on the encoded width, with weights away from zero. */
  const mlp = (inputs: number) =>
    new nt.models.MLP({ sizes: [inputs, 6, 3], generator: new nt.Generator(2) });

  async function run(bytes: Uint8Array, feed: Record<string, ort.Tensor>) {
    const session = await ort.InferenceSession.create(bytes);
    return (await session.run(feed)).output;
  }

  it("handleUnknown 'ignore' encodes an unknown category as zeros; a LabelEncoder column gives its codes", async () => {
    const onehot = new nt.data.OneHotEncoder({ handleUnknown: 'ignore' }).fit([['b'], ['a'], ['c']]);
    const label = new nt.data.LabelEncoder().fit([0.5, 2.5, 1.5]);
    // columns: city (one-hot, 3), x (numeric), grade (codes), y (numeric): width 6, the numeric ones apart
    const model = mlp(6) as Net;
    const table: nt.onnx.TableSpec = {
      columns: ['city', 'x', 'grade', 'y'],
      encoders: { city: onehot.toJSON(), grade: label.toJSON() },
      input: null,
    };
    const rows: [string, number, number, number][] = [
      ['a', 0.3, 2.5, -1],
      ['zz', 1.2, 0.5, 2],
      ['c', -0.7, 1.5, 0.25],
    ];
    const want = nt.noGrad(() =>
      model.forward(
        nt.concat(
          [
            onehot.transform(rows.map((r) => [r[0]])),
            new nt.Tensor(Float32Array.from(rows.map((r) => r[1])), [3, 1]),
            label
              .transform(rows.map((r) => r[2]))
              .to('float32')
              .reshape([3, 1]),
            new nt.Tensor(Float32Array.from(rows.map((r) => r[3])), [3, 1]),
          ],
          1,
        ),
      ),
    );
    // unknown 'zz' really is all zeros in neurite
    expect(Array.from(onehot.transform([['zz']]).data)).toEqual([0, 0, 0]);
    for (const opset of [13, 16, 21]) {
      const result = nt.onnx.exportTable(model, table, { opset });
      expect(result.inputs.map((v) => [v.name, v.dims])).toEqual([
        ['numeric', ['batch', 2]],
        ['city', ['batch', 1]],
        ['grade', ['batch', 1]],
      ]);
      const got = await run(result.bytes, {
        numeric: new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => [r[1], r[3]])), [3, 2]),
        city: new ort.Tensor(
          'string',
          rows.map((r) => r[0]),
          [3, 1],
        ),
        grade: new ort.Tensor('float32', Float32Array.from(rows.map((r) => r[2])), [3, 1]),
      });
      expect(relError(got.data as Float32Array, want.data as Float32Array)).toBeLessThan(1e-5);
      // a label-encoded value not seen in fit is an error, as LabelEncoder.transform's
      await expect(
        run(result.bytes, {
          numeric: new ort.Tensor('float32', Float32Array.of(0, 0), [1, 2]),
          city: new ort.Tensor('string', ['a'], [1, 1]),
          grade: new ort.Tensor('float32', Float32Array.of(9), [1, 1]),
        }),
      ).rejects.toThrow(/grade\/index_3_is_a_category_not_seen_in_training/);
    }
  });

  it('categorical columns only: no numeric input', async () => {
    const enc = new nt.data.OneHotEncoder().fit([['x'], ['y']]);
    const model = mlp(2) as Net;
    const result = nt.onnx.exportTable(model, { columns: ['c'], encoders: { c: enc.toJSON() }, input: null });
    expect(result.inputs.map((v) => v.name)).toEqual(['c']);
    const got = await run(result.bytes, { c: new ort.Tensor('string', ['y', 'x'], [2, 1]) });
    const want = nt.noGrad(() => model.forward(enc.transform([['y'], ['x']])));
    expect(relError(got.data as Float32Array, want.data as Float32Array)).toBeLessThan(1e-5);
  });

  it('bad specs get one clear error', () => {
    const enc = new nt.data.OneHotEncoder().fit([['x'], ['y']]).toJSON();
    const model = mlp(3);
    expect(() => nt.onnx.exportTable(model, { columns: ['a', 'a'], encoders: {}, input: null })).toThrow(
      /the column 'a' is listed twice/,
    );
    expect(() =>
      nt.onnx.exportTable(model, { columns: ['output', 'n'], encoders: { output: enc }, input: null }),
    ).toThrow(/'output' would be both an input and the output/);
    expect(() =>
      nt.onnx.exportTable(
        model,
        { columns: ['c', 'n'], encoders: { c: enc }, input: null },
        { inputNames: ['x'] },
      ),
    ).toThrow(/inputNames does not apply/);
    const close = new nt.data.OneHotEncoder().fit([[0.1], [0.1 + 1e-12]]).toJSON();
    expect(() =>
      nt.onnx.exportTable(mlp(2), { columns: ['c'], encoders: { c: close }, input: null }),
    ).toThrow(/the categories of 'c' \(.*\) are not all apart in float32/);
  });
});
