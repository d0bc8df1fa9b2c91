// The generators (Seq2Seq with and without attention, SequenceGenerator, CharRNN) as ONNX step graphs, run in ONNX
// Runtime: greedy decoding driven from JavaScript over the encoder / decoder_step files gives neurite's generate()
// token for token, and every step's logits equal neurite's (teacher-forced on the same tokens) within 1e-5 of their
// scale, for batches of 1 and 7.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { tuneEos } from './generator-helpers.js';
import { type Feeds, greedy, relError, stepError } from './onnx-helpers.js';

ort.env.wasm.numThreads = 1;

const { models } = nt;

const sessionOf = (exp: nt.onnx.OnnxGeneratorExport, name: string) => {
  const f = exp.files.find((x) => x.name === name);
  if (!f) throw new Error(`no ${name} in the export`);
  return ort.InferenceSession.create(f.bytes);
};

const int32 = (t: nt.Tensor) =>
  new ort.Tensor('int32', Int32Array.from(t.data as ArrayLike<number>), t.shape);
const maxLengthTensor = (n: number) => new ort.Tensor('int32', Int32Array.of(n), []);
const float32 = (t: nt.Tensor) =>
  new ort.Tensor('float32', Float32Array.from(t.data as ArrayLike<number>), t.shape);

/** One exported file for the report: its name, node count and size. */
const fileLine = (f: nt.onnx.OnnxGeneratorExport['files'][number]) =>
  `${f.name} ${Object.values(f.ops).reduce((a, b) => a + b, 0)} ops ${(f.bytes.length / 1024).toFixed(1)} KiB`;

/** Sources of 3–9 tokens from 3…vocab−1, padded with 0 at the end and, in some rows, in the middle. */
function sources(n: number, vocab: number, seed: number): nt.Tensor {
  const g = new nt.Generator(seed);
  const width = 9;
  const data = new Int32Array(n * width);
  for (let i = 0; i < n; i++) {
    const len = 3 + Math.floor(g.random() * (width - 2));
    for (let t = 0; t < len; t++) data[i * width + t] = 3 + Math.floor(g.random() * (vocab - 3));
    if (i % 3 === 1) data[i * width + 1] = 0; // a pad inside the row: skipped like the trailing ones
  }
  return new nt.Tensor(data, [n, width]);
}

const report: string[] = [];

describe('onnx.exportGenerator: Seq2Seq as encoder.onnx + decoder_step.onnx in ONNX Runtime', () => {
  const cases: [nt.models.seq.CellType, 'luong' | 'bahdanau' | null, number][] = [
    ['lstm', null, 1],
    ['gru', null, 1],
    ['rnn', null, 1],
    ['lstm', 'luong', 1],
    ['gru', 'luong', 1],
    ['rnn', 'luong', 1],
    ['lstm', 'bahdanau', 1],
    ['gru', 'bahdanau', 1],
    ['rnn', 'bahdanau', 1],
    ['lstm', 'bahdanau', 2],
    ['gru', null, 2],
  ];
  for (const [cell, attention, numLayers] of cases) {
    it(`${cell}, attention ${attention ?? 'none'}, ${numLayers} layer(s): greedy tokens and step logits equal neurite's`, async () => {
      const vocab = 13;
      const m = new models.Seq2Seq({
        cell,
        vocabSize: vocab,
        embedDim: 6,
        hiddenSize: 8,
        numLayers,
        attention,
        generator: new nt.Generator(5),
      });
      // larger weights than the default init, so greedy decoding writes eos at different steps per row
      for (const p of m.parameters())
        p.data.set(nt.randn(p.shape, { generator: new nt.Generator(p.size) }).mul(0.6).data);
      m.eval();
      const ends = tuneEos(m, sources(7, vocab, 7), 10);
      // the two-layer models at the lowest opset, the others at the default
      const exp = nt.onnx.exportGenerator(m, { opset: numLayers === 2 ? 13 : 17 });
      expect(exp.files.map((f) => f.name)).toEqual(['encoder.onnx', 'decoder_step.onnx', 'generate.onnx']);
      expect(exp.metadata).toMatchObject({ pad_id: '0', bos_id: '1', eos_id: '2' });
      const encoder = await sessionOf(exp, 'encoder.onnx');
      const step = await sessionOf(exp, 'decoder_step.onnx');
      const whole = await sessionOf(exp, 'generate.onnx');
      let maxError = 0;
      for (const n of [1, 7]) {
        const src = sources(n, vocab, n);
        const enc = await encoder.run({ src: int32(src) });
        // the state neurite's encoder leaves, padding skipped
        const state = m.encode(src);
        const [h, c] = state instanceof nt.Tensor ? [state, null] : state;
        expect(relError(enc.h.data as Float32Array, h.data as Float32Array)).toBeLessThan(1e-5);
        if (c) expect(relError(enc.c.data as Float32Array, c.data as Float32Array)).toBeLessThan(1e-5);
        const start: Feeds = {};
        for (const name of step.inputNames) if (name !== 'token') start[name] = enc[name];
        const maxLength = src.shape[1] + 1;
        const got = await greedy(step, start, n, m, maxLength);
        const want = m.generate(src, { maxLength });
        expect(got.tokens.toArray()).toEqual(want.toArray());
        // generate.onnx: the same greedy loop inside the graph (an ONNX Loop), for this and a shorter limit
        for (const limit of [maxLength, 3]) {
          const loop = await whole.run({ src: int32(src), max_length: maxLengthTensor(limit) });
          expect([...loop.tokens_out.dims]).toEqual(m.generate(src, { maxLength: limit }).shape);
          expect(Array.from(loop.tokens_out.data as Int32Array)).toEqual(
            Array.from(m.generate(src, { maxLength: limit }).data),
          );
        }
        const logits = nt.noGrad(() => m.forward(src, want));
        const err = stepError(got.logits, logits);
        expect(err).toBeLessThan(1e-5);
        maxError = Math.max(maxError, err);
      }
      const ops = exp.files.map(fileLine);
      report.push(
        `Seq2Seq ${cell} ${attention ?? 'none'} x${numLayers}: ${ops.join(', ')}; max error ${maxError.toExponential(2)}; eos at ${ends}`,
      );
    });
  }
});

describe('onnx.exportGenerator: SequenceGenerator and CharRNN in ONNX Runtime', () => {
  for (const cell of ['lstm', 'gru', 'rnn'] as const) {
    it(`SequenceGenerator (${cell}, 2 layers): init.onnx + decoder_step.onnx give generate() and its logits`, async () => {
      const m = new models.SequenceGenerator({
        cell,
        conditionSize: 5,
        vocabSize: 11,
        embedDim: 4,
        hiddenSize: 7,
        numLayers: 2,
        generator: new nt.Generator(3),
      });
      for (const p of m.parameters())
        p.data.set(nt.randn(p.shape, { generator: new nt.Generator(p.size + 1) }).mul(0.7).data);
      m.eval();
      const ends = tuneEos(m, nt.randn([7, 5], { generator: new nt.Generator(7) }), 12);
      const exp = nt.onnx.exportGenerator(m);
      expect(exp.files.map((f) => f.name)).toEqual(['init.onnx', 'decoder_step.onnx', 'generate.onnx']);
      const init = await sessionOf(exp, 'init.onnx');
      const step = await sessionOf(exp, 'decoder_step.onnx');
      const whole = await sessionOf(exp, 'generate.onnx');
      let maxError = 0;
      for (const n of [1, 7]) {
        const condition = nt.randn([n, 5], { generator: new nt.Generator(n) });
        const state = await init.run({ condition: float32(condition) });
        const got = await greedy(step, { ...state }, n, m, 12);
        const want = m.generate(condition, { maxLength: 12 });
        expect(got.tokens.toArray()).toEqual(want.toArray());
        const loop = await whole.run({ condition: float32(condition), max_length: maxLengthTensor(12) });
        expect([...loop.tokens_out.dims]).toEqual(want.shape);
        expect(Array.from(loop.tokens_out.data as Int32Array)).toEqual(Array.from(want.data));
        const err = stepError(
          got.logits,
          nt.noGrad(() => m.forward(condition, want)),
        );
        expect(err).toBeLessThan(1e-5);
        maxError = Math.max(maxError, err);
      }
      const ops = exp.files.map(fileLine);
      report.push(
        `SequenceGenerator ${cell} x2: ${ops.join(', ')}; max error ${maxError.toExponential(2)}; eos at ${ends}`,
      );
    });
  }

  for (const cell of ['lstm', 'gru', 'rnn'] as const) {
    it(`CharRNN (${cell}, 2 layers): model.onnx gives forward's logits and state, chunk after chunk, and greedy sampleIds`, async () => {
      const m = new models.CharRNN({
        vocabSize: 17,
        embedDim: 5,
        hiddenSize: 9,
        numLayers: 2,
        cell,
        dropout: 0.3,
        generator: new nt.Generator(8),
      });
      m.eval();
      const exp = nt.onnx.exportGenerator(m);
      expect(exp.files.map((f) => f.name)).toEqual(['model.onnx']);
      const s = await sessionOf(exp, 'model.onnx');
      let maxError = 0;
      const L = 2;
      for (const n of [1, 7]) {
        const zero = new ort.Tensor('float32', new Float32Array(L * n * 9), [L, n, 9]);
        let feeds: Feeds = cell === 'lstm' ? { h: zero, c: zero } : { h: zero };
        let state: nt.models.seq.RecurrentState | undefined;
        for (const [k, steps] of [6, 3].entries()) {
          const x = nt.randint(0, 17, [n, steps], { generator: new nt.Generator(10 * n + k) });
          const out = await s.run({ ...feeds, tokens: int32(x) });
          let logits: nt.Tensor;
          [logits, state] = nt.noGrad(() => m.forward(x, state));
          expect([...out.logits.dims]).toEqual(logits.shape);
          const err = relError(out.logits.data as Float32Array, logits.data as Float32Array);
          const [h, c] = state instanceof nt.Tensor ? [state, null] : state;
          expect(err).toBeLessThan(1e-5);
          expect(relError(out.h_out.data as Float32Array, h.data as Float32Array)).toBeLessThan(1e-5);
          if (c) expect(relError(out.c_out.data as Float32Array, c.data as Float32Array)).toBeLessThan(1e-5);
          maxError = Math.max(maxError, err);
          feeds = cell === 'lstm' ? { h: out.h_out, c: out.c_out } : { h: out.h_out };
        }
      }
      // temperature 0: the prime in one call, then the argmax fed back one character at a time
      const prime = [3, 1, 4, 1, 5];
      const want = m.sampleIds(prime, { length: 20, temperature: 0 });
      const zero = new ort.Tensor('float32', new Float32Array(L * 9), [L, 1, 9]);
      let feeds: Feeds = cell === 'lstm' ? { h: zero, c: zero } : { h: zero };
      let tokens = new ort.Tensor('int32', Int32Array.from(prime), [1, prime.length]);
      const got: number[] = [];
      for (let i = 0; i < 20; i++) {
        const out = await s.run({ ...feeds, tokens });
        const l = (out.logits.data as Float32Array).subarray(out.logits.data.length - 17);
        let best = 0;
        for (let j = 1; j < 17; j++) if (l[j] > l[best]) best = j;
        got.push(best);
        tokens = new ort.Tensor('int32', Int32Array.of(best), [1, 1]);
        feeds = cell === 'lstm' ? { h: out.h_out, c: out.c_out } : { h: out.h_out };
      }
      expect(got).toEqual([...want]);
      const f = exp.files[0];
      report.push(`CharRNN ${cell} x2: ${fileLine(f)}; max error ${maxError.toExponential(2)}`);
    });
  }

  it('refuses what is not a generator, naming it', () => {
    expect(() => nt.onnx.exportGenerator(new nt.nn.Linear(2, 2))).toThrow(
      /onnx\.exportGenerator: Linear is not one of the generators \(Seq2Seq, SequenceGenerator, CharRNN\)/,
    );
    const charrnn = new models.CharRNN({ vocabSize: 3, embedDim: 2, hiddenSize: 2 });
    expect(nt.onnx.isGenerator(charrnn)).toBe(true);
    expect(() => nt.onnx.exportModel(charrnn, nt.zeros([1, 4], { dtype: 'int32' }))).toThrow(
      /onnx\.exportModel: a CharRNN feeds its own tokens back, .*; export it with onnx\.exportGenerator/,
    );
  });

  it('report', () => {
    console.log(report.join('\n'));
  });
});
