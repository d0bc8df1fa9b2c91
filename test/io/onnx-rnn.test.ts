// RNN/LSTM/GRU (multi-layer, bidirectional, batch-first or time-major, with and without bias) inside the sequence
// models, exported as ONNX's RNN/LSTM/GRU operators (gate blocks reordered) and run in ONNX Runtime against
// neurite for batches 1 and 7.
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { exportAndCheck, type Net, relError, runOrt } from './onnx-helpers.js';

const { models } = nt;
const gen = () => new nt.Generator(21);

type Cell = 'lstm' | 'gru' | 'rnn';

describe('onnx export of recurrent models, checked in ONNX Runtime', () => {
  const shapes: [string, { numLayers: number; bidirectional: boolean; batchFirst: boolean }][] = [
    ['1 layer', { numLayers: 1, bidirectional: false, batchFirst: true }],
    ['2 layers, bidirectional', { numLayers: 2, bidirectional: true, batchFirst: true }],
    ['2 layers, time-major', { numLayers: 2, bidirectional: false, batchFirst: false }],
  ];
  for (const cell of ['lstm', 'gru', 'rnn'] as Cell[]) {
    for (const [label, o] of shapes) {
      it(`SequenceClassifier, ${cell}, ${label}`, async () => {
        const m = new models.SequenceClassifier({
          cell,
          inputSize: 5,
          hiddenSize: 6,
          numClasses: 4,
          ...o,
          generator: gen(),
        });
        // time-major input [L, N, in]: axis 0 is the sequence, which ONNX's operators leave free as well
        const sample = o.batchFirst ? [9, 5] : [3, 5];
        const r = await exportAndCheck(m as typeof m & Net, sample);
        expect(r.ops[cell === 'rnn' ? 'RNN' : cell.toUpperCase()]).toBe(o.numLayers);
      });
    }
  }

  it('SequenceTagger, bidirectional GRU', async () => {
    const m = new models.SequenceTagger({
      cell: 'gru',
      inputSize: 4,
      hiddenSize: 5,
      numTags: 3,
      bidirectional: true,
      generator: gen(),
    });
    await exportAndCheck(m as typeof m & Net, [6, 4]);
  });

  it('SequenceTagger, Elman RNN, time-major', async () => {
    const m = new models.SequenceTagger({
      cell: 'rnn',
      inputSize: 4,
      hiddenSize: 5,
      numTags: 3,
      batchFirst: false,
      generator: gen(),
    });
    await exportAndCheck(m as typeof m & Net, [2, 4]);
  });

  it('SequenceClassifier on tokens: Embedding → LSTM', async () => {
    const m = new models.SequenceClassifier({
      vocabSize: 30,
      embedDim: 6,
      hiddenSize: 7,
      numClasses: 3,
      numLayers: 2,
      generator: gen(),
    });
    m.eval();
    const bytes = nt.onnx.exportModel(m, nt.randint(0, 30, [2, 8], { generator: gen() }));
    for (const n of [1, 7]) {
      const x = nt.randint(0, 30, [n, 8], { generator: gen() });
      const want = nt.noGrad(() => m.forward(x));
      const got = await runOrt(bytes, x);
      expect(got.dims).toEqual(want.shape);
      expect(relError(got.data, want.data as Float32Array)).toBeLessThan(1e-5);
    }
  });
});
