import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { DTypeError, ShapeError, ValueError } from '../../src/index.js';
import { encodeMasked, makeRecurrent } from '../../src/models/seq/common.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';
import { expectDecodingPathsAgree, expectLearnsReversal } from '../helpers/seq2seq.js';

const { models, nn, data } = nt;
const { seq } = models;

const ints = (values: number[], shape: number[]) => nt.tensor(Int32Array.from(values), shape);
const randn = (shape: number[], seed = 1) => nt.randn(shape, { generator: new nt.Generator(seed) });
const randTokens = (low: number, high: number, shape: number[], seed = 2) => {
  const g = new nt.Generator(seed);
  return ints(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => g.int(low, high)),
    shape,
  );
};

/** Backpropagates `loss` and asserts every parameter received a gradient that is not all zeros. */
function expectGradientsEverywhere(model: nt.nn.Module, loss: nt.Tensor): void {
  model.zeroGrad();
  loss.backward();
  for (const [name, p] of model.namedParameters()) {
    expect(p.grad, `${name} got no gradient`).not.toBeNull();
    let norm = 0;
    for (const v of p.grad!.data) norm += Math.abs(v);
    expect(norm, `${name}: gradient is all zeros`).toBeGreaterThan(0);
  }
}

const silent = { verbose: 'silent' as const };

forEachBackend('sequence models: shapes and gradients', (_backend, it) => {
  it('SequenceClassifier: logits [N, C] for every cell, layers and directions; PyTorch keys', () => {
    for (const cell of ['rnn', 'lstm', 'gru'] as const) {
      for (const bidirectional of [false, true]) {
        const m = new seq.SequenceClassifier({
          cell,
          inputSize: 3,
          hiddenSize: 5,
          numLayers: 2,
          numClasses: 4,
          bidirectional,
        });
        expect(m.forward(randn([2, 6, 3])).shape).toEqual([2, 4]);
        expect(m.features(randn([2, 6, 3])).shape).toEqual([2, bidirectional ? 10 : 5]);
      }
    }
    const m = new seq.SequenceClassifier({ cell: 'gru', inputSize: 3, hiddenSize: 5, numClasses: 4 });
    expect(Object.keys(m.stateDict())).toEqual([
      'rnn.weight_ih_l0',
      'rnn.weight_hh_l0',
      'rnn.bias_ih_l0',
      'rnn.bias_hh_l0',
      'fc.weight',
      'fc.bias',
    ]);
    const tokens = new seq.SequenceClassifier({ vocabSize: 7, embedDim: 4, hiddenSize: 5, numClasses: 2 });
    expect(tokens.forward(randTokens(0, 7, [3, 5])).shape).toEqual([3, 2]);
    expect(Object.keys(tokens.stateDict())[0]).toBe('embedding.weight');
  });

  it('SequenceClassifier reads the final states: forward h after the last step, backward h after the first', () => {
    nt.manualSeed(3);
    const m = new seq.SequenceClassifier({
      cell: 'lstm',
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      numClasses: 2,
      bidirectional: true,
    });
    const x = randn([2, 5, 3]);
    const [out] = m.rnn.forward(x) as [nt.Tensor, unknown];
    const f = m.features(x);
    // the output at the last step holds the forward direction's final h, at the first step the backward one's
    expectClose(f.narrow(1, 0, 4).data, out.select(1, 4).narrow(1, 0, 4).data, {}, 'forward');
    expectClose(f.narrow(1, 4, 4).data, out.select(1, 0).narrow(1, 4, 4).data, {}, 'backward');
  });

  it('batchFirst: false takes [L, N, F] and gives what batch-first gives on the same sequences', () => {
    nt.manualSeed(4);
    const first = new seq.SequenceClassifier({
      cell: 'gru',
      inputSize: 3,
      hiddenSize: 5,
      numClasses: 4,
      bidirectional: true,
    });
    const timeMajor = new seq.SequenceClassifier({
      cell: 'gru',
      inputSize: 3,
      hiddenSize: 5,
      numClasses: 4,
      bidirectional: true,
      batchFirst: false,
    });
    timeMajor.loadStateDict(first.stateDict());
    const x = randn([2, 6, 3]);
    const xt = nt.transposeAxes(x, 0, 1);
    expectClose(timeMajor.forward(xt).data, first.forward(x).data, {}, 'classifier');
    expect(() => first.forward(randn([2, 6, 4]))).toThrow(/expected float32 input \[N, L, 3\]/);
    expect(() => timeMajor.forward(randn([2, 6, 4]))).toThrow(/expected float32 input \[L, N, 3\]/);

    const tagger = new seq.SequenceTagger({ cell: 'lstm', inputSize: 3, hiddenSize: 4, numTags: 3 });
    const taggerT = new seq.SequenceTagger({
      cell: 'lstm',
      inputSize: 3,
      hiddenSize: 4,
      numTags: 3,
      batchFirst: false,
    });
    taggerT.loadStateDict(tagger.stateDict());
    const tags = tagger.forward(x);
    expect(tags.shape).toEqual([2, 6, 3]);
    // the tagger answers batch first whatever the input layout
    expectClose(taggerT.forward(xt).data, tags.data, {}, 'tagger');
  });

  it('SequenceTagger: one row of logits per step, float or token inputs', () => {
    for (const cell of ['rnn', 'lstm', 'gru'] as const) {
      const m = new seq.SequenceTagger({
        cell,
        inputSize: 3,
        hiddenSize: 4,
        numLayers: 2,
        numTags: 5,
        bidirectional: true,
      });
      expect(m.forward(randn([2, 7, 3])).shape).toEqual([2, 7, 5]);
    }
    const m = new seq.SequenceTagger({ vocabSize: 9, embedDim: 3, hiddenSize: 4, numTags: 2 });
    expect(m.forward(randTokens(0, 9, [3, 4])).shape).toEqual([3, 4, 2]);
    expect(() => m.forward(randn([3, 4, 3]))).toThrow(DTypeError);
  });

  it('Seq2Seq: logits [N, T, V] with teacher forcing and with scheduled sampling; generate gives token rows', () => {
    const task = data.makeReverseTask({ n: 5, length: [2, 4], seed: 0 });
    for (const cell of ['rnn', 'lstm', 'gru'] as const) {
      const m = new seq.Seq2Seq({
        cell,
        vocabSize: task.vocab.size,
        embedDim: 4,
        hiddenSize: 6,
        numLayers: 2,
      });
      expect(m.forward(task.src, task.tgtOut).shape).toEqual([5, 5, task.vocab.size]);
      expect(m.forward(task.src, task.tgtOut, { teacherForcingRatio: 0.3 }).shape).toEqual([
        5,
        5,
        task.vocab.size,
      ]);
      const out = m.generate(task.src, { maxLength: 6 });
      expect(out.dtype).toBe('int32');
      expect(out.shape[0]).toBe(5);
      expect(out.shape[1]).toBeLessThanOrEqual(6);
    }
    const m = new seq.Seq2Seq({ vocabSize: task.vocab.size, embedDim: 4, hiddenSize: 6 });
    expect(Object.keys(m.stateDict())).toEqual([
      'embedding.weight',
      'encoder.weight_ih_l0',
      'encoder.weight_hh_l0',
      'encoder.bias_ih_l0',
      'encoder.bias_hh_l0',
      'decoder.weight_ih_l0',
      'decoder.weight_hh_l0',
      'decoder.bias_ih_l0',
      'decoder.bias_hh_l0',
      'fc.weight',
      'fc.bias',
    ]);
    expect(() => m.forward(task.src, nt.narrow(task.tgtOut, 0, 0, 3))).toThrow(ShapeError);
    expect(() => m.forward(ints([0, 99], [1, 2]), ints([1, 2], [1, 2]))).toThrow(/token 99, outside/);
    expect(() => new seq.Seq2Seq({ vocabSize: 5, embedDim: 2, hiddenSize: 2, bosId: 0 })).toThrow(ValueError);
  });

  it('SequenceGenerator: the condition (features or class ids) sets the state; logits per target step', () => {
    for (const cell of ['rnn', 'lstm', 'gru'] as const) {
      const m = new seq.SequenceGenerator({
        cell,
        conditionSize: 4,
        vocabSize: 8,
        embedDim: 3,
        hiddenSize: 5,
        numLayers: 2,
      });
      const target = randTokens(3, 8, [3, 6]);
      expect(m.forward(randn([3, 4]), target).shape).toEqual([3, 6, 8]);
      expect(m.forward(ints([0, 3, 1], [3]), target).shape).toEqual([3, 6, 8]);
      const state = m.initialState(randn([3, 4]));
      const h = state instanceof nt.Tensor ? state : state[0];
      expect(h.shape).toEqual([2, 3, 5]);
      expect(m.generate(randn([3, 4]), { maxLength: 4 }).shape[1]).toBeLessThanOrEqual(4);
    }
    const m = new seq.SequenceGenerator({ conditionSize: 4, vocabSize: 8, embedDim: 3, hiddenSize: 5 });
    expect(() => m.initialState(ints([4], [1]))).toThrow(/class 4 is outside 0…3/);
    expect(() => m.initialState(randn([2, 5]))).toThrow(/expected a condition \[N, 4\]/);
  });

  it('CharRNN: next-character logits [N, T, V] and a state to carry on', () => {
    for (const cell of ['rnn', 'lstm', 'gru'] as const) {
      const m = new seq.CharRNN({ vocabSize: 6, embedDim: 3, hiddenSize: 5, numLayers: 2, cell });
      const [logits, state] = m.forward(randTokens(0, 6, [2, 7]));
      expect(logits.shape).toEqual([2, 7, 6]);
      const h = state instanceof nt.Tensor ? state : state[0];
      expect(h.shape).toEqual([2, 2, 5]);
    }
  });

  it('every parameter of every structure receives a gradient', () => {
    nt.manualSeed(5);
    const x = randn([3, 5, 2]);
    const labels = ints([0, 1, 2], [3]);
    const classifier = new seq.SequenceClassifier({
      cell: 'lstm',
      inputSize: 2,
      hiddenSize: 4,
      numLayers: 2,
      numClasses: 3,
      bidirectional: true,
    });
    expectGradientsEverywhere(classifier, nt.crossEntropy(classifier.forward(x), labels));

    const tagger = new seq.SequenceTagger({
      cell: 'gru',
      vocabSize: 5,
      embedDim: 3,
      hiddenSize: 4,
      numTags: 3,
      bidirectional: true,
      numLayers: 2,
    });
    const tokens = randTokens(0, 5, [3, 5]);
    expectGradientsEverywhere(
      tagger,
      seq.sequenceCrossEntropy(tagger.forward(tokens), randTokens(0, 3, [3, 5], 7)),
    );

    const task = data.makeSortTask({ n: 4, length: [2, 4], seed: 1 });
    const s2s = new seq.Seq2Seq({
      cell: 'lstm',
      vocabSize: task.vocab.size,
      embedDim: 3,
      hiddenSize: 4,
      numLayers: 2,
    });
    const loss = seq.sequenceCrossEntropy(s2s.forward(task.src, task.tgtOut), task.tgtOut, {
      ignoreIndex: 0,
    });
    expectGradientsEverywhere(s2s, loss);
    // the padding row of the shared embedding stays out of training
    expect(Array.from(s2s.embedding.weight.grad!.data.subarray(0, 3))).toEqual([0, 0, 0]);

    const gen = new seq.SequenceGenerator({
      cell: 'lstm',
      conditionSize: 3,
      vocabSize: 6,
      embedDim: 3,
      hiddenSize: 4,
      numLayers: 2,
    });
    const target = ints([3, 4, 2, 5, 2, 0, 4, 3, 2], [3, 3]);
    expectGradientsEverywhere(
      gen,
      seq.sequenceCrossEntropy(gen.forward(randn([3, 3]), target), target, { ignoreIndex: 0 }),
    );

    const char = new seq.CharRNN({ vocabSize: 6, embedDim: 3, hiddenSize: 4, numLayers: 2, cell: 'gru' });
    const [logits] = char.forward(randTokens(0, 6, [2, 5]));
    expectGradientsEverywhere(char, seq.sequenceCrossEntropy(logits, randTokens(0, 6, [2, 5], 9)));
  });

  it('the masked encoder passes a correct gradient to its inputs (gradcheck)', () => {
    nt.manualSeed(6);
    // the second sequence is padded: its state must ignore its last two steps
    const mask = Uint8Array.from([1, 1, 1, 1, 0, 0]);
    for (const cell of ['gru', 'lstm'] as const) {
      const rnn = makeRecurrent(cell, 2, 3, { batchFirst: true, numLayers: 2 });
      gradcheck(
        (x) => {
          const s = encodeMasked(rnn, x, mask);
          return s instanceof nt.Tensor ? s : nt.concat([s[0], s[1]], 2);
        },
        [randn([2, 3, 2], 6)],
      );
    }
  });
});

describe('Seq2Seq encoding and decoding', () => {
  it('padding leaves the encoder state where the last real token left it', () => {
    nt.manualSeed(7);
    for (const cell of ['lstm', 'gru'] as const) {
      const m = new seq.Seq2Seq({ cell, vocabSize: 8, embedDim: 3, hiddenSize: 4, numLayers: 2 });
      const padded = m.encode(ints([3, 4, 5, 0, 0, 6, 7, 3, 4, 5], [2, 5]));
      const alone = m.encode(ints([3, 4, 5], [1, 3]));
      const full = m.encode(ints([6, 7, 3, 4, 5], [1, 5]));
      const parts = (s: unknown) => (s instanceof nt.Tensor ? [s] : (s as nt.Tensor[]));
      parts(padded).forEach((t, k) => {
        expectClose(t.select(1, 0).data, parts(alone)[k].select(1, 0).data, {}, `${cell} padded row`);
        expectClose(t.select(1, 1).data, parts(full)[k].select(1, 0).data, {}, `${cell} full row`);
      });
    }
  });

  it('step-by-step decoding reading the truth equals teacher forcing; reading its own output equals greedy', () => {
    nt.manualSeed(17);
    const task = data.makeReverseTask({ n: 6, length: [2, 5], seed: 3 });
    const m = new seq.Seq2Seq({
      cell: 'gru',
      vocabSize: task.vocab.size,
      embedDim: 4,
      hiddenSize: 8,
      numLayers: 2,
    });
    expectDecodingPathsAgree(m, task.src, task.tgtOut);
  });

  it('greedy decoding stops at eos, pads after it, and stops at maxLength without one', () => {
    nt.manualSeed(8);
    const m = new seq.Seq2Seq({ vocabSize: 6, embedDim: 3, hiddenSize: 4 });
    const src = ints([3, 4, 5, 3, 0, 0], [2, 3]);
    // only the output bias speaks: eos wins at every step
    m.fc.weight.data.fill(0);
    m.fc.bias!.data.set([0, 0, 10, 0, 0, 0]);
    const stopped = m.generate(src, { maxLength: 5 });
    expect(stopped.toArray()).toEqual([[2], [2]]);
    // token 4 wins: no eos, so decoding runs to maxLength
    m.fc.bias!.data.set([0, 0, 0, 0, 10, 0]);
    expect(m.generate(src, { maxLength: 3 }).toArray()).toEqual([
      [4, 4, 4],
      [4, 4, 4],
    ]);
    // the fed-back token decides: after a 4 comes eos, after bos a 4 (a decoder that reads its own output)
    m.fc.weight.data.fill(0);
    m.fc.bias!.data.fill(0);
    const [wIh, wHh, bIh, bHh] = m.decoder.allWeights[0];
    wIh.data.fill(0);
    wHh.data.fill(0);
    m.embedding.weight.data.fill(0);
    m.embedding.weight.data[1 * 3] = 1; // bos
    m.embedding.weight.data[4 * 3] = -1; // token 4
    // h = o·tanh(c) follows the input sign through the LSTM's g gate: make its first unit copy it
    const w = wIh.data; // [4·4, 3]
    for (let gate = 0; gate < 4; gate++) w[(gate * 4 + 0) * 3 + 0] = gate === 2 ? 5 : 0;
    bIh.data.fill(0);
    bHh.data.fill(0);
    const fw = m.fc.weight.data; // [6, 4]
    fw[4 * 4 + 0] = 10; // positive h (after bos) → token 4
    fw[2 * 4 + 0] = -10; // negative h (after token 4) → eos
    const out = m.generate(src, { maxLength: 6 });
    expect(out.toArray()).toEqual([
      [4, 2],
      [4, 2],
    ]);
  });
});

describe('token loss and metrics', () => {
  it('sequenceCrossEntropy is the mean per-token cross-entropy over the tokens not ignored', () => {
    const logits = nt.tensor([Math.log(3), 0, 0, 0, 0, 5, 7, 7], [1, 4, 2]);
    const target = ints([0, 1, 0, -100], [1, 4]);
    // p = 3/4, 1/2, 1/(1+e^5); the last step is ignored
    const expected = -(Math.log(0.75) + Math.log(0.5) + Math.log(1 / (1 + Math.exp(5)))) / 3;
    expect(seq.sequenceCrossEntropy(logits, target).item()).toBeCloseTo(expected, 5);
    expect(seq.sequenceCrossEntropy(logits, target, { reduction: 'none' }).shape).toEqual([1, 4]);
    expect(() => seq.sequenceCrossEntropy(logits, ints([0, 1], [1, 2]))).toThrow(ShapeError);
  });

  it('TokenAccuracy and SequenceAccuracy score logits or generated rows of any length, skipping padding', () => {
    const target = ints([5, 6, 2, 0, 7, 2, 0, 0], [2, 4]);
    const tokens = new seq.TokenAccuracy({ ignoreIndex: 0 });
    const exact = new seq.SequenceAccuracy({ ignoreIndex: 0 });
    // row 0 right except its eos; row 1 right, shorter than the target width
    const generated = ints([5, 6, 3, 7, 2, 0], [2, 3]);
    tokens.update(generated, target);
    exact.update(generated, target);
    expect(tokens.compute()).toBeCloseTo(4 / 5);
    expect(exact.compute()).toBeCloseTo(1 / 2);
    // a generated row that stops early counts its missing tokens as wrong
    tokens.reset();
    tokens.update(ints([5, 7], [2, 1]), target);
    expect(tokens.compute()).toBeCloseTo(2 / 5);
    // logits [N, T, C] are read by their argmax
    const logits = nt.tensor([0, 1, 1, 0], [1, 2, 2]);
    tokens.reset();
    tokens.update(logits, ints([1, 1], [1, 2]));
    expect(tokens.compute()).toBe(0.5);
  });
});

describe('CharRNN scoring and sampling', () => {
  it('bitsPerCharacter by hand: −mean log₂ p(target)', () => {
    // p = 1/2 for the first target, 1/(1+3) for the second: 1 and 2 bits
    const logits = nt.tensor([0, 0, Math.log(3), 0], [1, 2, 2]);
    expect(seq.bitsPerCharacter(logits, ints([0, 1], [1, 2]))).toBeCloseTo(1.5, 5);
    expect(seq.bitsPerCharacter(nt.tensor([0, 0, 0, 0], [4]).reshape([1, 4]), ints([2], [1]))).toBeCloseTo(
      2,
      5,
    );
  });

  it('the bigram baseline by hand, with add-k smoothing', () => {
    // train a→b twice, b→a once; test transitions a→b and b→b
    const bpc = seq.bigramBitsPerCharacter([0, 1, 0, 1], [0, 1, 1], 2);
    expect(bpc).toBeCloseTo(-(Math.log2(3 / 4) + Math.log2(1 / 3)) / 2, 10);
    const k = 0.5;
    const half = seq.bigramBitsPerCharacter([0, 1, 0, 1], [0, 1, 1], 2, { smoothing: k });
    expect(half).toBeCloseTo(-(Math.log2(2.5 / 3) + Math.log2(0.5 / 2)) / 2, 10);
    expect(() => seq.bigramBitsPerCharacter([0, 5], [0, 1], 2)).toThrow(/id 5 is outside/);
  });

  it('stateful evaluation equals one pass over each stream, whatever the chunk length', () => {
    nt.manualSeed(9);
    const m = new seq.CharRNN({ vocabSize: 5, embedDim: 3, hiddenSize: 6, cell: 'lstm', dropout: 0.5 });
    const g = new nt.Generator(3);
    const ids = Int32Array.from({ length: 41 }, () => g.int(0, 5));
    // 2 streams of 20 transitions: ids[0..20] and ids[20..40]
    const byHand = nt.noGrad(() => {
      m.eval();
      const x = ints([...ids.subarray(0, 20), ...ids.subarray(20, 40)], [2, 20]);
      const y = ints([...ids.subarray(1, 21), ...ids.subarray(21, 41)], [2, 20]);
      return seq.bitsPerCharacter(m.forward(x)[0], y);
    });
    m.train();
    expect(m.bitsPerCharacter(ids, { batchSize: 2, seqLength: 7 })).toBeCloseTo(byHand, 5);
    expect(m.bitsPerCharacter(ids, { batchSize: 2, seqLength: 100 })).toBeCloseTo(byHand, 5);
    expect(m.training).toBe(true);
  });

  it('sampling repeats with a seeded generator, and temperature 0 (or close to it) is the argmax', () => {
    nt.manualSeed(10);
    const text = 'the cat sat on the mat. ';
    const vocab = data.CharVocab.fromText(text);
    const m = new seq.CharRNN({ vocabSize: vocab.size, embedDim: 4, hiddenSize: 8 });
    const a = m.sample(vocab, { prime: 'the', length: 40, temperature: 1, generator: new nt.Generator(42) });
    const b = m.sample(vocab, { prime: 'the', length: 40, temperature: 1, generator: new nt.Generator(42) });
    const c = m.sample(vocab, { prime: 'the', length: 40, temperature: 1, generator: new nt.Generator(43) });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a.startsWith('the')).toBe(true);
    expect(a.length).toBe(43);

    // the argmax path by hand
    const greedy: number[] = [];
    nt.noGrad(() => {
      m.eval();
      let [logits, state] = m.forward(ints(Array.from(vocab.encode('the')), [1, 3]));
      let last = Array.from(logits.data.subarray(2 * vocab.size));
      for (let i = 0; i < 20; i++) {
        const id = last.indexOf(Math.max(...last));
        greedy.push(id);
        [logits, state] = m.forward(ints([id], [1, 1]), state);
        last = Array.from(logits.data);
      }
      m.train();
    });
    const cold = m.sampleIds(vocab.encode('the'), { length: 20, temperature: 0 });
    const nearlyCold = m.sampleIds(vocab.encode('the'), {
      length: 20,
      temperature: 1e-4,
      generator: new nt.Generator(1),
    });
    expect(Array.from(cold)).toEqual(greedy);
    expect(Array.from(nearlyCold)).toEqual(greedy);
  });

  it('a higher temperature spreads the samples: more distinct characters, closer to uniform', () => {
    nt.manualSeed(11);
    const m = new seq.CharRNN({ vocabSize: 12, embedDim: 4, hiddenSize: 8 });
    // sharpen the model so that temperatures differ clearly
    for (let i = 0; i < m.fc.bias!.size; i++) m.fc.bias!.data[i] = i === 3 ? 4 : 0;
    const entropy = (ids: Int32Array) => {
      const counts = new Map<number, number>();
      for (const v of ids) counts.set(v, (counts.get(v) ?? 0) + 1);
      let h = 0;
      for (const c of counts.values()) h -= (c / ids.length) * Math.log2(c / ids.length);
      return h;
    };
    const cold = m.sampleIds([0], { length: 300, temperature: 0.3, generator: new nt.Generator(5) });
    const warm = m.sampleIds([0], { length: 300, temperature: 1, generator: new nt.Generator(5) });
    const hot = m.sampleIds([0], { length: 300, temperature: 5, generator: new nt.Generator(5) });
    expect(entropy(cold)).toBeLessThan(entropy(warm));
    expect(entropy(warm)).toBeLessThan(entropy(hot));
    expect(entropy(hot)).toBeGreaterThan(3); // log₂ 12 ≈ 3.58
    expect(() => m.sampleIds([0], { temperature: -1 })).toThrow(ValueError);
    expect(() => m.sampleIds([], {})).toThrow(/at least one character/);
  });
});

describe('small learning tests (seconds, tiny data)', () => {
  it('many-to-one: an LSTM classifies sequences by a value it saw at the first step', async () => {
    nt.manualSeed(12);
    const g = new nt.Generator(12);
    const n = 96;
    const steps = 6;
    const xs = new Float32Array(n * steps * 2);
    const ys = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < steps * 2; k++) xs[i * steps * 2 + k] = g.normal() * 0.5;
      ys[i] = g.int(0, 3);
      xs[i * steps * 2] = ys[i] - 1; // the class, only at step 0, then noise
    }
    const x = nt.tensor(xs, [n, steps, 2]);
    const y = nt.tensor(ys, [n]);
    const model = new seq.SequenceClassifier({ cell: 'lstm', inputSize: 2, hiddenSize: 12, numClasses: 3 });
    const optimizer = new nt.optim.Adam(model.parameters(), { lr: 0.02 });
    const history = await nt.train.fit(
      model,
      { x, y },
      { epochs: 25, batchSize: 32, optimizer, metrics: ['accuracy'], ...silent },
    );
    expect(history.epochs.at(-1)!.metrics.accuracy).toBeGreaterThan(0.95);
  });

  it('many-to-many synced: a GRU tagger learns to label each step with the previous token', async () => {
    nt.manualSeed(13);
    const n = 64;
    const steps = 6;
    const x = randTokens(1, 5, [n, steps], 13);
    // tag t = token t−1 (tag 0 at the first step)
    const y = ints(
      Array.from({ length: n * steps }, (_, i) => (i % steps === 0 ? 0 : x.data[i - 1])),
      [n, steps],
    );
    const model = new seq.SequenceTagger({
      cell: 'gru',
      vocabSize: 5,
      embedDim: 6,
      hiddenSize: 16,
      numTags: 5,
    });
    const optimizer = new nt.optim.Adam(model.parameters(), { lr: 0.03 });
    await nt.train.fit(
      model,
      { x, y },
      { epochs: 20, batchSize: 32, optimizer, loss: (o, t) => seq.sequenceCrossEntropy(o, t), ...silent },
    );
    const acc = new seq.TokenAccuracy();
    acc.update(nt.train.predict(model, x), y);
    expect(acc.compute()).toBeGreaterThan(0.95);
  });

  it('many-to-many encoder–decoder: Seq2Seq learns to reverse short strings and decodes them greedily', async () => {
    nt.manualSeed(14);
    const task = data.makeReverseTask({ n: 160, length: [1, 3], digits: 3, seed: 14 });
    const model = new seq.Seq2Seq({ cell: 'gru', vocabSize: task.vocab.size, embedDim: 8, hiddenSize: 24 });
    const out = await expectLearnsReversal(model, task);
    const row = out.toArray() as number[][];
    expect(task.vocab.decode(row[0])).toBe(task.targets[0]);
  });

  it('one-to-many: a SequenceGenerator writes the word of a class, stopping at eos', async () => {
    nt.manualSeed(15);
    const words = ['ab', 'bca', 'c', 'acbb'];
    const vocab = new data.CharVocab(['a', 'b', 'c'], { specials: [data.PAD, data.BOS, data.EOS] });
    const n = 64;
    const classes = ints(
      Array.from({ length: n }, (_, i) => i % 4),
      [n],
    );
    const target = new Int32Array(n * 5);
    for (let i = 0; i < n; i++) {
      const w = vocab.encode(words[i % 4]);
      target.set(w, i * 5);
      target[i * 5 + w.length] = 2;
    }
    const y = nt.tensor(target, [n, 5]);
    const model = new seq.SequenceGenerator({
      cell: 'lstm',
      conditionSize: 4,
      vocabSize: vocab.size,
      embedDim: 4,
      hiddenSize: 16,
    });
    const optimizer = new nt.optim.Adam(model.parameters(), { lr: 0.03 });
    await nt.train.fit(
      model,
      { x: classes, y },
      {
        epochs: 25,
        batchSize: 16,
        optimizer,
        forward: (m, x, t) => m.forward(x, t!),
        loss: (o, t) => seq.sequenceCrossEntropy(o, t, { ignoreIndex: 0 }),
        ...silent,
      },
    );
    const out = model.generate(ints([0, 1, 2, 3], [4]), { maxLength: 8 });
    expect((out.toArray() as number[][]).map((r) => vocab.decode(r))).toEqual(words);
    expect(out.shape[1]).toBe(5); // the longest word and its eos
  });

  it('char-RNN: beats the bigram baseline on a text whose next character needs two of context', async () => {
    nt.manualSeed(16);
    const text = 'abcabd'.repeat(60);
    const vocab = data.CharVocab.fromText(text);
    const ids = vocab.encode(text);
    const { x, y } = data.nextTokenWindows(ids, { seqLength: 12, stride: 6 });
    const model = new seq.CharRNN({ vocabSize: vocab.size, embedDim: 4, hiddenSize: 16, cell: 'lstm' });
    const optimizer = new nt.optim.Adam(model.parameters(), { lr: 0.02 });
    await nt.train.fit(
      model,
      { x, y },
      {
        epochs: 12,
        batchSize: 16,
        optimizer,
        forward: (m, xb) => m.forward(xb)[0],
        loss: (o, t) => seq.sequenceCrossEntropy(o, t),
        ...silent,
      },
    );
    const bigram = seq.bigramBitsPerCharacter(ids, ids, vocab.size);
    const bpc = model.bitsPerCharacter(ids, { batchSize: 4, seqLength: 30 });
    // after "ab" comes c or d, which only the character before "ab" tells apart: the bigram pays ~1/3 bit per char
    expect(bigram).toBeGreaterThan(0.3);
    expect(bpc).toBeLessThan(0.5 * bigram);
    expect(model.sample(vocab, { prime: 'abcab', length: 7, temperature: 0 })).toBe('abcabdabcabd');
  });
});

describe('option checks', () => {
  it('names the model and the bad option', () => {
    expect(
      () => new seq.SequenceClassifier({ cell: 'tcn' as 'rnn', inputSize: 2, hiddenSize: 3, numClasses: 2 }),
    ).toThrow(/SequenceClassifier: cell must be 'rnn', 'lstm', 'gru', got "tcn"/);
    expect(() => new seq.SequenceClassifier({ hiddenSize: 3, numClasses: 2 })).toThrow(/give inputSize/);
    expect(
      () => new seq.SequenceTagger({ inputSize: 2, vocabSize: 3, embedDim: 2, hiddenSize: 3, numTags: 2 }),
    ).toThrow(/not both/);
    expect(() => new seq.CharRNN({ vocabSize: 5, embedDim: 2, hiddenSize: 0 })).toThrow(
      /CharRNN: hiddenSize must be a positive integer/,
    );
    expect(
      () => new seq.Seq2Seq({ vocabSize: 5, embedDim: 2, hiddenSize: 2, teacherForcingRatio: 2 }),
    ).toThrow(/teacherForcingRatio must be in \[0, 1\]/);
    expect(nn.LSTM).toBeDefined();
  });
});
