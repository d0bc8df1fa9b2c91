// Runs exported ONNX models in ONNX Runtime (onnxruntime-web's WebAssembly build, in Node) and compares them with
// neurite's own outputs.
import * as ort from 'onnxruntime-web';
import { expect } from 'vitest';
import * as nt from '../../src/index.js';

ort.env.wasm.numThreads = 1;

export type Net = nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor };

export async function runOrt(bytes: Uint8Array, x: nt.Tensor, inputName = 'input', outputName = 'output') {
  const session = await ort.InferenceSession.create(bytes);
  const feed =
    x.dtype === 'int32'
      ? new ort.Tensor('int32', Int32Array.from(x.data as ArrayLike<number>), x.shape)
      : new ort.Tensor('float32', Float32Array.from(x.data as ArrayLike<number>), x.shape);
  const out = await session.run({ [inputName]: feed });
  const y = out[outputName];
  return { data: y.data as Float32Array, dims: [...y.dims] };
}

/** max |onnx − neurite| over max |neurite|: the error relative to the output's scale. */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / (scale || 1);
}

/** Gives BatchNorm layers statistics and affine parameters away from their defaults, so the test can fail. */
export function randomiseNorms(model: nt.nn.Module, seed = 7): void {
  const g = new nt.Generator(seed);
  for (const m of model.modules()) {
    if (!(m instanceof nt.nn.BatchNorm1d || m instanceof nt.nn.BatchNorm2d)) continue;
    const n = [m.numFeatures];
    m.running_mean?.data.set(nt.randn(n, { generator: g }).mul(0.3).data);
    m.running_var?.data.set(nt.rand(n, { generator: g }).add(0.5).data);
    m.weight?.data.set(nt.rand(n, { generator: g }).add(0.5).data);
    m.bias?.data.set(nt.randn(n, { generator: g }).mul(0.1).data);
  }
}

export interface Checked {
  ops: Record<string, number>;
  opCount: number;
  bytes: number;
  maxError: number;
}

/**
 * Exports `model` with a batch of 2, then runs batches of 1 and 7 through ONNX Runtime and neurite (evaluation
 * mode) and requires the same outputs within 1e-5 of their scale.
 */
export async function exportAndCheck(
  model: Net,
  sample: number[],
  options: nt.onnx.OnnxExportOptions = {},
  seed = 1,
): Promise<Checked> {
  const g = new nt.Generator(seed);
  model.eval();
  const result = nt.onnx.exportOnnx(model, nt.randn([2, ...sample], { generator: g }), options);
  let maxError = 0;
  for (const n of [1, 7]) {
    const x = nt.randn([n, ...sample], { generator: g });
    const want = nt.noGrad(() => model.forward(x));
    const got = await runOrt(result.bytes, x, options.inputNames?.[0], options.outputNames?.[0]);
    expect(got.dims).toEqual(want.shape);
    const err = relError(got.data, want.data as Float32Array);
    expect(err).toBeLessThan(1e-5);
    maxError = Math.max(maxError, err);
  }
  const opCount = Object.values(result.ops).reduce((a, b) => a + b, 0);
  return { ops: result.ops, opCount, bytes: result.bytes.length, maxError };
}

/** Graph inputs by name. */
export type Feeds = Record<string, ort.Tensor>;

/**
 * Greedy decoding over the step graph as a deployment would write it: from the initial feeds (state and memory),
 * bos first, each row's argmax (the first maximum) fed back, pad once a row has written eos.
 */
export async function greedy(
  step: ort.InferenceSession,
  start: Feeds,
  batch: number,
  ids: { padId: number; bosId: number; eosId: number },
  maxLength: number,
) {
  let feeds: Feeds = { ...start };
  let tokens = new Int32Array(batch).fill(ids.bosId);
  const done = new Uint8Array(batch);
  const rows: Int32Array[] = [];
  const logits: Float32Array[] = [];
  for (let t = 0; t < maxLength && !done.every((d) => d === 1); t++) {
    const out = await step.run({ ...feeds, token: new ort.Tensor('int32', tokens, [batch]) });
    const l = out.logits.data as Float32Array;
    const vocab = l.length / batch;
    logits.push(l);
    const next = new Int32Array(batch);
    for (let i = 0; i < batch; i++) {
      if (done[i]) {
        next[i] = ids.padId;
        continue;
      }
      let best = 0;
      for (let j = 1; j < vocab; j++) if (l[i * vocab + j] > l[i * vocab + best]) best = j;
      next[i] = best;
      if (best === ids.eosId) done[i] = 1;
    }
    rows.push(next);
    tokens = next;
    feeds = { ...feeds, h: out.h_out };
    if (out.c_out) feeds.c = out.c_out;
  }
  const steps = rows.length;
  const out = new Int32Array(batch * steps);
  rows.forEach((r, t) => {
    for (let i = 0; i < batch; i++) out[i * steps + t] = r[i];
  });
  return { tokens: new nt.Tensor(out, [batch, steps]), logits };
}

/** The step logits [T][N·V] of the ONNX loop against neurite's teacher-forced logits [N, T, V] on the same tokens. */
export function stepError(logits: Float32Array[], want: nt.Tensor): number {
  const [n, steps, vocab] = want.shape;
  expect(logits.length).toBe(steps);
  const got = new Float32Array(n * steps * vocab);
  logits.forEach((l, t) => {
    for (let i = 0; i < n; i++) got.set(l.subarray(i * vocab, (i + 1) * vocab), (i * steps + t) * vocab);
  });
  return relError(got, want.data as Float32Array);
}
