/**
 * Sequence presets: an encoder–decoder that reverses (or sorts) strings of digits, and a character-level
 * language model on Jane Austen's novels.
 *
 * These two stay code presets, not named configs (named.ts), because a config cannot express them: configs hold
 * tables, images and row-by-row classifiers whose samples are `{ x, y }` rows of a dataset, while these generate
 * their data (random digit strings and their targets; windows cut from a text corpus with a character
 * vocabulary), train models a config has no type for (Seq2Seq with teacher forcing, CharRNN), measure their own
 * way (greedy decoding's token and sequence accuracy; bits per character), and read and write text for
 * `predict` and `sample`. A config that could say all that would be this code in JSON.
 */
import { z } from 'zod';
import * as nt from '../../node.js';
import { CliError, fmtCount } from '../common.js';
import {
  type DataSplits,
  type Experiment,
  type ExperimentIO,
  head,
  inputText,
  isInlineJson,
  lazy,
  makeOptimizer,
  makeScheduler,
  type Prediction,
} from '../experiment.js';
import type { Preset } from './types.js';

type Tensor = nt.Tensor;
const { seq } = nt.models;

// ---------------------------------------------------------------------------------------------------------------
// seq2seq-reverse

const LENGTH: [number, number] = [3, 10];

const seq2seqOptions = z.strictObject({
  task: z.enum(['reverse', 'sort']).default('reverse'),
  cell: z.enum(['lstm', 'gru', 'rnn']).default('lstm'),
  hiddenSize: z.number().int().positive().default(128),
  embedDim: z.number().int().positive().default(32),
  attention: z.enum(['none', 'luong', 'bahdanau']).default('none'),
});

/** Strings of digits from a JSON array, inline JSON, or a text/CSV file with one string per line. */
function readStrings(input: string, source: string): string[][] {
  let rows: string[][];
  const fromJson = (text: string, src: string): string[][] => {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new CliError(`${src}: not valid JSON: ${(e as Error).message}`);
    }
    const list = Array.isArray(v) ? v : [v];
    return list.map((s, i) => {
      if (typeof s === 'string' || typeof s === 'number') return [String(s)];
      if (Array.isArray(s) && s.every((p) => typeof p === 'string' || typeof p === 'number'))
        return s.map(String);
      throw new CliError(`${src}: entry ${i + 1} is not a string of digits`);
    });
  };
  if (isInlineJson(input)) rows = fromJson(input, source);
  else {
    const text = inputText(input, 'the inputs');
    if (input.toLowerCase().endsWith('.json') || isInlineJson(text)) rows = fromJson(text, source);
    else {
      rows = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '')
        .map((l) => l.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1')));
      if (rows.length > 0 && !/^\d+$/.test(rows[0][0])) rows.shift(); // a header line
    }
  }
  if (rows.length === 0) throw new CliError(`${source}: no strings to read`);
  return rows;
}

function encodeStrings(
  strings: string[],
  vocab: nt.data.CharVocab,
  digits: number,
  source: string,
  width?: number,
): Tensor {
  const w = width ?? Math.max(...strings.map((s) => s.length));
  const out = new Int32Array(strings.length * w);
  strings.forEach((s, i) => {
    if (!new RegExp(`^[0-${digits - 1}]+$`).test(s)) {
      throw new CliError(
        `${source}: ${JSON.stringify(s)} (row ${i + 1}) is not a string of the digits 0–${digits - 1}`,
      );
    }
    if (s.length > w)
      throw new CliError(`${source}: ${JSON.stringify(s)} (row ${i + 1}) is longer than ${w}`);
    out.set(vocab.encode(s), i * w);
  });
  return new nt.Tensor(out, [strings.length, w]);
}

export const seq2seqReverse: Preset<z.infer<typeof seq2seqOptions>> = {
  name: 'seq2seq-reverse',
  description:
    'an LSTM encoder–decoder that reverses strings of 3–10 digits; --task reverse|sort --cell --hidden-size --attention luong|bahdanau',
  defaults: { epochs: 12, batchSize: 64, lr: 3e-3 },
  options: seq2seqOptions,
  build: ({ options: o, training }) => {
    const makeTask = o.task === 'reverse' ? nt.data.makeReverseTask : nt.data.makeSortTask;
    // the vocabulary is fixed by the task: <pad>, <bos>, <eos>, then the ten digits
    const vocab = makeTask({ n: 1, length: 1, seed: 0 }).vocab;
    const padId = vocab.id(nt.data.PAD);
    const model = nt.train.buildModel('Seq2Seq', {
      cell: o.cell,
      vocabSize: vocab.size,
      embedDim: o.embedDim,
      hiddenSize: o.hiddenSize,
      // left out without attention, so the checkpoint's config is the one it always was
      ...(o.attention === 'none' ? {} : { attention: o.attention }),
    });
    const data = lazy((): DataSplits => {
      const train = makeTask({ n: 10_000, length: LENGTH, seed: 1 });
      const test = makeTask({ n: 2_000, length: LENGTH, seed: 2 });
      const trainXY = head({ x: train.src, y: train.tgtOut }, training.limit);
      const testXY = head({ x: test.src, y: test.tgtOut }, training.limit);
      return {
        train: trainXY,
        trainSize: trainXY.x.shape[0],
        test: testXY,
        testSize: testXY.x.shape[0],
        description: `${o.task} task (${fmtCount(trainXY.x.shape[0])} train / ${fmtCount(testXY.x.shape[0])} held-out strings of ${LENGTH[0]}–${LENGTH[1]} digits)`,
      };
    });
    const forward = (m: nt.models.Seq2Seq, x: Tensor, y?: Tensor) => m.forward(x, y as Tensor);
    const loss = (out: Tensor, y: Tensor) => seq.sequenceCrossEntropy(out, y, { ignoreIndex: padId });
    const generate = (x: Tensor) => model.generate(x, { maxLength: x.shape[1] + 1 });
    const io: ExperimentIO = {
      inputHelp:
        'strings of digits: a JSON array ["3141", "27"], a .json file, or a text file with one string per line',
      readInputs(input) {
        const source = isInlineJson(input) ? 'the inline JSON input' : input;
        const strings = readStrings(input, source).map((r) => r[0]);
        return { x: encodeStrings(strings, vocab, 10, source), inputs: strings };
      },
      readLabelled(path) {
        const rows = readStrings(path, path);
        rows.forEach((r, i) => {
          if (r.length < 2)
            throw new CliError(`${path}: line ${i + 1} needs an input and its expected output ("3141,1413")`);
        });
        const inputs = rows.map((r) => r[0]);
        const outputs = rows.map((r) => r[1]);
        const x = encodeStrings(inputs, vocab, 10, path);
        const width = x.shape[1] + 1;
        const y = new Int32Array(rows.length * width);
        outputs.forEach((s, i) => {
          const ids = encodeStrings([s], vocab, 10, path).data;
          if (ids.length >= width)
            throw new CliError(
              `${path}: the output ${JSON.stringify(s)} (line ${i + 1}) is longer than its input`,
            );
          y.set(ids, i * width);
          y[i * width + ids.length] = vocab.id(nt.data.EOS);
        });
        return { x, y: new nt.Tensor(y, [rows.length, width]) };
      },
      run: (_m, x) => generate(x),
      describe(output: Tensor, inputs?: string[]): Prediction[] {
        const rows = output.toArray() as number[][];
        return rows.map((r, index) => ({ index, input: inputs?.[index], prediction: vocab.decode(r) }));
      },
    };
    const exp: Experiment = {
      title: `${o.cell.toUpperCase()} encoder–decoder${o.attention === 'none' ? '' : ` with ${o.attention} attention`} (${o.task} digit strings)`,
      task: 'seq2seq',
      model,
      loss,
      metrics: () => [new seq.TokenAccuracy({ ignoreIndex: padId })],
      forward,
      clipGradNorm: 1,
      makeOptimizer: (lr) => makeOptimizer(model, { type: 'adam' }, lr),
      makeScheduler: (opt, epochs) => makeScheduler(opt, { type: 'cosine' }, epochs),
      data,
      preprocessing: () => ({ vocab: vocab.toJSON() }),
      info: () => ({}),
      async evaluate(d, batchSize) {
        const teacher = await nt.train.evaluate(model, d, { loss, batchSize, forward });
        const generated = generate(d.x);
        const tokens = new seq.TokenAccuracy({ ignoreIndex: padId });
        const exact = new seq.SequenceAccuracy({ ignoreIndex: padId });
        tokens.update(generated, d.y);
        exact.update(generated, d.y);
        return {
          tokenAccuracy: tokens.compute(),
          sequenceAccuracy: exact.compute(),
          loss: teacher.loss ?? Number.NaN,
        };
      },
      io,
      summaryInput: {
        shape: [1, LENGTH[1]],
        dtype: 'int32',
        forward: (m: nt.models.Seq2Seq, x: Tensor) =>
          m.forward(x, nt.zeros([1, LENGTH[1] + 1], { dtype: 'int32' })),
      },
    };
    return exp;
  },
};

// ---------------------------------------------------------------------------------------------------------------
// charrnn

const CORPORA = ['austen', ...nt.AUSTEN_NOVELS] as const;

const charrnnOptions = z.strictObject({
  corpus: z.enum(CORPORA).default('pride-and-prejudice'),
  cell: z.enum(['lstm', 'gru', 'rnn']).default('lstm'),
  hiddenSize: z.number().int().positive().default(256),
  layers: z.number().int().min(1).max(8).default(1),
  embedDim: z.number().int().positive().default(32),
  seqLength: z.number().int().min(2).max(10_000).default(128),
  dropout: z.number().min(0).lt(1).default(0),
});

/** The share of the text (its end) held out to measure bits per character. */
const TEST_FRACTION = 0.1;

export const charrnn: Preset<z.infer<typeof charrnnOptions>> = {
  name: 'charrnn',
  description:
    'a character-level LSTM language model on Jane Austen (Pride and Prejudice by default); --corpus --cell --hidden-size --seq-length',
  defaults: { epochs: 2, batchSize: 64, lr: 4e-3 },
  options: charrnnOptions,
  build: ({ options: o, training, restored }) => {
    const text = lazy(() => nt.loadTextCorpus({ name: o.corpus }));
    let vocab: nt.data.CharVocab;
    const saved = restored?.preprocessing.vocab;
    if (saved) {
      try {
        vocab = nt.data.CharVocab.fromJSON(saved as nt.data.CharVocabJSON);
      } catch (e) {
        throw new CliError(`the checkpoint's vocabulary is damaged: ${(e as Error).message}`);
      }
    } else {
      vocab = nt.data.CharVocab.fromText(text());
    }
    const model = nt.train.buildModel('CharRNN', {
      vocabSize: vocab.size,
      embedDim: o.embedDim,
      hiddenSize: o.hiddenSize,
      numLayers: o.layers,
      cell: o.cell,
      dropout: o.dropout,
    });
    const split = lazy(() => {
      const ids = vocab.encode(text());
      const cut = Math.floor(ids.length * (1 - TEST_FRACTION));
      let trainIds = ids.subarray(0, cut);
      let testIds = ids.subarray(cut);
      if (training.limit !== undefined) {
        trainIds = trainIds.subarray(0, Math.min(trainIds.length, training.limit * o.seqLength + 1));
        testIds = testIds.subarray(0, Math.min(testIds.length, training.limit * o.seqLength + 1));
      }
      return { trainIds, testIds };
    });
    const data = lazy((): DataSplits => {
      const { trainIds, testIds } = split();
      const windows = nt.data.nextTokenWindows(trainIds, { seqLength: o.seqLength });
      // the test part is scored as one stream (bitsPerCharacter), so it is kept whole, as a single row of ids
      const test = new nt.Tensor(Int32Array.from(testIds), [1, testIds.length]);
      return {
        train: windows,
        trainSize: windows.x.shape[0],
        test: { x: test, y: test },
        testSize: testIds.length,
        description: `${o.corpus} (${fmtCount(trainIds.length)} training characters in windows of ${o.seqLength}, ${fmtCount(testIds.length)} held out; ${vocab.size} symbols)`,
      };
    });
    const textIds = (source: string, t: string): Tensor => {
      try {
        return new nt.Tensor(vocab.encode(t), [1, [...t].length]);
      } catch (e) {
        throw new CliError(`${source}: ${(e as Error).message.replace(/^CharVocab\.encode: /, '')}`);
      }
    };
    const exp: Experiment = {
      title: `char-RNN (${o.cell.toUpperCase()} ${o.hiddenSize}${o.layers > 1 ? ` × ${o.layers}` : ''}) on ${o.corpus}`,
      task: 'language-model',
      model,
      loss: (out, y) => seq.sequenceCrossEntropy(out, y),
      metrics: () => [new seq.TokenAccuracy()],
      forward: (m: nt.models.CharRNN, x: Tensor) => m.forward(x)[0],
      clipGradNorm: 1,
      makeOptimizer: (lr) => makeOptimizer(model, { type: 'adam' }, lr),
      makeScheduler: (opt, epochs) => makeScheduler(opt, { type: 'cosine' }, epochs),
      data,
      preprocessing: () => ({ vocab: vocab.toJSON() }),
      info: () => ({}),
      async evaluate(d) {
        const ids = d.x.data as Int32Array;
        if (ids.length < 2) throw new CliError('the evaluation text needs at least 2 characters');
        const bitsPerChar = model.bitsPerCharacter(ids);
        return {
          bitsPerChar,
          bigramBitsPerChar: seq.bigramBitsPerCharacter(split().trainIds, ids, vocab.size),
        };
      },
      io: {
        inputHelp: 'a text file (for eval --data: its bits per character)',
        readInputs() {
          throw new CliError(
            'a char-RNN writes text rather than classifying inputs: use `neurite sample <checkpoint>`',
          );
        },
        readLabelled(path) {
          const ids = textIds(path, inputText(path, 'the text'));
          return { x: ids, y: ids };
        },
        describe: () => [],
      },
      summaryInput: {
        shape: [1, o.seqLength],
        dtype: 'int32',
        forward: (m: nt.models.CharRNN, x: Tensor) => m.forward(x)[0],
      },
      sample({ prime, length, temperature, seed }) {
        const p = prime ?? '\n';
        if (p.length === 0) throw new CliError('--prime must not be empty');
        textIds('--prime', p);
        return model.sample(vocab, { prime: p, length, temperature, generator: new nt.Generator(seed) });
      },
    };
    return exp;
  },
};
