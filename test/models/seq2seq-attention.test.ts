import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { ValueError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectDecodingPathsAgree, expectLearnsReversal } from '../helpers/seq2seq.js';

const { data, models } = nt;
const { seq } = models;
const ints = (values: number[], shape: number[]) => nt.tensor(Int32Array.from(values), shape);
const shapes = (m: nt.nn.Module) =>
  Object.entries(m.stateDict()).map(([k, t]) => `${k} ${t.shape.join('x')}`);

describe('Seq2Seq attention option: the model and its state dict', () => {
  it('without attention the keys and shapes are the ones checkpoints were saved with', () => {
    const m = new seq.Seq2Seq({ vocabSize: 13, embedDim: 4, hiddenSize: 6 });
    expect(m.attention).toBeNull();
    expect(shapes(m)).toEqual([
      'embedding.weight 13x4',
      'encoder.weight_ih_l0 24x4',
      'encoder.weight_hh_l0 24x6',
      'encoder.bias_ih_l0 24',
      'encoder.bias_hh_l0 24',
      'decoder.weight_ih_l0 24x4',
      'decoder.weight_hh_l0 24x6',
      'decoder.bias_ih_l0 24',
      'decoder.bias_hh_l0 24',
      'fc.weight 13x6',
      'fc.bias 13',
    ]);
  });

  it("adds the child 'attention'; Bahdanau's decoder reads [embedding; context]", () => {
    const luong = new seq.Seq2Seq({ vocabSize: 13, embedDim: 4, hiddenSize: 6, attention: 'luong' });
    expect(shapes(luong).slice(-2)).toEqual([
      'attention.linear_in.weight 6x6',
      'attention.linear_out.weight 6x12',
    ]);
    expect(luong.decoder.inputSize).toBe(4);
    const bahdanau = new seq.Seq2Seq({ vocabSize: 13, embedDim: 4, hiddenSize: 6, attention: 'bahdanau' });
    expect(shapes(bahdanau)).toContain('decoder.weight_ih_l0 24x10');
    expect(shapes(bahdanau).slice(-5)).toEqual([
      'attention.query.weight 6x6',
      'attention.key.weight 6x6',
      'attention.key.bias 6',
      'attention.v.weight 1x6',
      'attention.linear_out.weight 6x12',
    ]);
  });

  it('names the option and the value when it is wrong', () => {
    expect(
      () => new seq.Seq2Seq({ vocabSize: 5, embedDim: 2, hiddenSize: 2, attention: 'dot' as never }),
    ).toThrow(/Seq2Seq: attention must be 'luong' or 'bahdanau' \(or left out\), got "dot"/);
    expect(
      () => new seq.Seq2Seq({ vocabSize: 5, embedDim: 2, hiddenSize: 2, attention: 'dot' as never }),
    ).toThrow(ValueError);
  });
});

forEachBackend('Seq2Seq with attention', (_b, it) => {
  for (const attention of ['luong', 'bahdanau'] as const) {
    it(`${attention}: padding changes nothing (a padded row decodes as it does alone)`, () => {
      nt.manualSeed(3);
      const m = new seq.Seq2Seq({
        cell: 'lstm',
        vocabSize: 8,
        embedDim: 3,
        hiddenSize: 5,
        numLayers: 2,
        attention,
      });
      const target = ints([4, 5, 2, 3, 3, 2], [2, 3]);
      const padded = m.forward(ints([3, 4, 5, 0, 0, 6, 7, 3, 4, 5], [2, 5]), target);
      const alone = m.forward(ints([3, 4, 5], [1, 3]), ints([4, 5, 2], [1, 3]));
      expectClose(padded.select(0, 0).data, alone.select(0, 0).data, {}, `${attention}: padded row`);
    });

    it(`${attention}: step by step equals one call; free running equals greedy; every parameter learns`, () => {
      nt.manualSeed(17);
      const task = data.makeReverseTask({ n: 6, length: [2, 5], seed: 3 });
      const m = new seq.Seq2Seq({
        cell: 'gru',
        vocabSize: task.vocab.size,
        embedDim: 4,
        hiddenSize: 8,
        attention,
      });
      const forced = expectDecodingPathsAgree(m, task.src, task.tgtOut);
      seq.sequenceCrossEntropy(forced, task.tgtOut, { ignoreIndex: 0 }).backward();
      for (const [name, p] of m.namedParameters()) {
        const norm = p.grad ? Array.from(p.grad.data).reduce((s, v) => s + Math.abs(v), 0) : 0;
        if (name === 'embedding.weight' || norm > 0) continue;
        throw new Error(`${attention}: ${name} got no gradient`);
      }
    });
  }
});

describe('Seq2Seq with attention trains', () => {
  for (const attention of ['luong', 'bahdanau'] as const) {
    it(`${attention}: learns to reverse short strings and decodes them greedily`, async () => {
      nt.manualSeed(14);
      const task = data.makeReverseTask({ n: 160, length: [1, 4], digits: 3, seed: 14 });
      const model = new seq.Seq2Seq({
        cell: 'gru',
        vocabSize: task.vocab.size,
        embedDim: 8,
        hiddenSize: 24,
        attention,
      });
      await expectLearnsReversal(model, task);
    });
  }
});
