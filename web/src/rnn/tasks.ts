/**
 * The RNN page's live tasks, one per structure of the lecture, built on neurite's sequence models and task
 * generators: each holds its data and model, trains one batch, evaluates on held-out data, lists test examples
 * with the model's answers, and unrolls the network over time for one example (hidden state, cell state and
 * gates from `nn.traceRecurrent`). No DOM here: the worker runs it, and so can Node.
 */
import * as nt from 'neurite/browser';
import { IMAGES, type MnistData, PIXELS, TRAIN } from '../worker/mnist-data.js';
import type { CellName, ExampleView, RnnSettings, StepView, Strip, UnrolledView } from './protocol.js';
import { DEFAULT_EMBED } from './settings.js';

const { data, models, nn } = nt;
const { seq } = models;
type Tensor = nt.Tensor;

// the MNIST digits as every studio worker reads them: the first 8,000 train, the last 2,000 test
const MNIST_TRAIN = TRAIN;
const MNIST_TOTAL = IMAGES;
/** Test examples offered in the chooser. */
export const EXAMPLES = 12;

/** What the worker loads before it builds a task. */
export interface TaskInputs {
  mnist?: MnistData;
  text?: string;
}

export interface BatchResult {
  loss: number;
  /** Correct predictions and how many were scored (tokens, letters or images). */
  correct: number;
  scored: number;
}

export interface Evaluation {
  accuracy: number;
  loss: number | null;
  /** A line for the page: "97.3 % of 2,000 test digits", with the baseline. */
  detail: string;
}

export interface LiveTask {
  readonly model: nt.nn.Module;
  readonly trainSize: number;
  readonly testSize: number;
  readonly description: string;
  /** The name of the test metric, as the page shows it. */
  readonly metric: string;
  /** What a model that learned nothing scores. */
  readonly baseline: string;
  /** One optimisation step on the training examples `indices`. */
  trainBatch(indices: Int32Array, optimizer: nt.optim.Optimizer): BatchResult;
  evaluate(): Evaluation;
  examples(): ExampleView[];
  unroll(index: number): UnrolledView;
}

/** Which of the task's inputs the worker must load for these settings. */
export function needs(settings: RnnSettings): { mnist: boolean; text: boolean } {
  return {
    mnist: settings.task === 'rows' || (settings.task === 'speller' && settings.fromImage),
    text: settings.task === 'spaces',
  };
}

export function makeTask(settings: RnnSettings, inputs: TaskInputs): LiveTask {
  const generator = new nt.Generator(settings.seed);
  switch (settings.task) {
    case 'speller':
      return new SpellerTask(settings, inputs, generator);
    case 'rows':
      return new RowsTask(settings, need(inputs.mnist, 'the MNIST digits'), generator);
    case 'reverse':
    case 'sort':
      return new DigitStringTask(settings, generator);
    case 'spaces':
      return new SpacesTask(settings, need(inputs.text, 'the text'), generator);
  }
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`the task needs ${what}, which did not load`);
  return v;
}

const KIND: Record<CellName, 'RNN' | 'LSTM' | 'GRU'> = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' };

const GATE_LABELS: Record<string, string> = {
  input: 'input gate i',
  forget: 'forget gate f',
  candidate: 'candidate',
  output: 'output gate o',
  reset: 'reset gate r',
  update: 'update gate z',
};

/**
 * The strips of one traced layer run over one sequence ([1, L, H] tensors, batch first): h and an LSTM's c on
 * the diverging map, the sigmoid gates on viridis, the tanh candidates on the diverging map.
 */
function stripsOf(trace: nt.nn.RecurrentTrace): Strip[] {
  const strips: Strip[] = [];
  for (const run of trace.runs.filter((r) => r.layer === 0)) {
    const arrow = trace.runs.length > 1 ? (run.direction === 0 ? ' →' : ' ←') : '';
    const copy = (t: Tensor) => Float32Array.from(t.data as Float32Array);
    strips.push({
      name: 'h',
      label: `hidden state h${arrow}`,
      map: 'diverging',
      direction: run.direction,
      data: copy(run.h),
    });
    if (run.c) {
      strips.push({
        name: 'c',
        label: `cell state c${arrow}`,
        map: 'diverging',
        direction: run.direction,
        data: copy(run.c),
      });
    }
    for (const [name, t] of Object.entries(run.gates)) {
      const label =
        name === 'candidate'
          ? trace.kind === 'LSTM'
            ? 'cell candidate g'
            : 'candidate n'
          : GATE_LABELS[name];
      strips.push({
        name,
        label: `${label}${arrow}`,
        map: name === 'candidate' ? 'diverging' : 'viridis',
        direction: run.direction,
        data: copy(t),
      });
    }
  }
  return strips;
}

/** Two traces (encoder, decoder) as one sequence of strips, joined along time. */
function joinStrips(a: Strip[], b: Strip[]): Strip[] {
  return a.map((s, k) => {
    const data = new Float32Array(s.data.length + b[k].data.length);
    data.set(s.data);
    data.set(b[k].data, s.data.length);
    return { ...s, data };
  });
}

/** The trace of a decoder writing `outputs` from `state`: it reads bos, then its own previous outputs. */
function traceDecoder(
  embedding: nt.nn.Embedding,
  rnn: nt.models.seq.RecurrentLayer,
  state: nt.models.seq.RecurrentState,
  inputs: Int32Array,
): nt.nn.RecurrentTrace {
  const x = embedding.forward(new nt.Tensor(inputs, [1, inputs.length]));
  return nn.traceRecurrent(rnn, x, state);
}

/**
 * A decoder's greedy outputs up to and including eos. Padding follows eos in a generated row, but an untrained
 * model may also write the padding token itself before any eos: that is one of its (wrong) outputs, kept.
 */
function rowUntilEos(row: ArrayLike<number>, eosId: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < row.length; i++) {
    out.push(row[i]);
    if (row[i] === eosId) break;
  }
  return out;
}

/** How a token shows in the unrolled view: the specials as ‹bos›, ‹eos›, ‹pad›. */
function tokenText(vocab: nt.data.CharVocab, id: number): string {
  const t = vocab.token(id);
  return t.startsWith('<') && t.length > 1 ? `‹${t.slice(1, -1)}›` : t;
}

function argmax(v: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (v[from + j] > v[from + best]) best = j;
  return best;
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)} %`;
}

function gather(src: Float32Array, indices: ArrayLike<number>, width: number): Float32Array {
  const out = new Float32Array(indices.length * width);
  for (let i = 0; i < indices.length; i++)
    out.set(src.subarray(indices[i] * width, (indices[i] + 1) * width), i * width);
  return out;
}

function gatherInt(src: Int32Array | Uint8Array, indices: ArrayLike<number>, width: number): Int32Array {
  const out = new Int32Array(indices.length * width);
  for (let i = 0; i < indices.length; i++) {
    for (let j = 0; j < width; j++) out[i * width + j] = src[indices[i] * width + j];
  }
  return out;
}

/** One optimisation step: backward, gradients clipped to norm 1 (as the CLI's sequence presets), Adam. */
function optimise(loss: Tensor, model: nt.nn.Module, optimizer: nt.optim.Optimizer): number {
  optimizer.zeroGrad();
  loss.backward();
  nt.optim.clipGradNorm(model.parameters(), 1);
  optimizer.step();
  const value = loss.item();
  if (!Number.isFinite(value)) {
    throw new Error(`the training loss became ${value}: the learning rate is too high; lower it and reset`);
  }
  return value;
}

/** Token-level hits of logits [N, T, V] against targets [N, T], padding left out. */
function tokenHits(logits: Tensor, target: Tensor, padId: number): { correct: number; scored: number } {
  const [n, steps, v] = logits.shape;
  const d = logits.data;
  let correct = 0;
  let scored = 0;
  for (let i = 0; i < n * steps; i++) {
    const y = target.data[i];
    if (y === padId) continue;
    scored++;
    if (argmax(d, i * v, v) === y) correct++;
  }
  return { correct, scored };
}

// ---------------------------------------------------------------------------------------------------------------
// one-to-many: a digit (its image, or only its class) → its name, letter by letter

class DigitSpeller extends nn.Module {
  encoder: nt.nn.Sequential | null;
  speller: nt.models.SequenceGenerator;

  constructor(settings: RnnSettings, vocabSize: number, generator: nt.Generator) {
    super();
    const features = 64;
    this.encoder = settings.fromImage
      ? new nn.Sequential(new nn.Linear(PIXELS, features, { generator }), new nn.ReLU())
      : null;
    this.speller = new models.SequenceGenerator({
      cell: settings.cell,
      conditionSize: settings.fromImage ? features : 10,
      vocabSize,
      embedDim: 8,
      hiddenSize: settings.hidden,
      generator,
    });
  }

  condition(x: Tensor): Tensor {
    return this.encoder ? this.encoder.forward(x) : x;
  }

  forward(x: Tensor, target: Tensor): Tensor {
    return this.speller.forward(this.condition(x), target);
  }
}

class SpellerTask implements LiveTask {
  readonly model: DigitSpeller;
  readonly trainSize: number;
  readonly testSize: number;
  readonly description: string;
  readonly metric = 'names spelled exactly right';
  readonly baseline: string;
  private images: Float32Array | null;
  private bytes: Uint8Array | null;
  private labels: Int32Array;
  private targets: Int32Array;
  private vocab: nt.data.CharVocab;
  private width: number;
  private padId: number;
  private eosId: number;
  private bosId: number;

  constructor(
    private settings: RnnSettings,
    inputs: TaskInputs,
    generator: nt.Generator,
  ) {
    if (settings.fromImage) {
      const m = need(inputs.mnist, 'the MNIST digits');
      this.bytes = m.bytes;
      this.images = m.images;
      this.labels = Int32Array.from(m.labels);
      this.trainSize = MNIST_TRAIN;
      this.testSize = MNIST_TOTAL - MNIST_TRAIN;
      this.description = 'MNIST images → the digit’s English name (8,000 training, 2,000 test digits)';
      this.baseline = 'guessing one name: about 10 %';
    } else {
      // every class equally often; the test set is the same ten classes (this half is pure memory)
      this.bytes = null;
      this.images = null;
      this.labels = Int32Array.from({ length: 1000 }, (_, i) => i % 10);
      this.trainSize = 900;
      this.testSize = 100;
      this.description = 'the digit’s class (one of 10) → its English name';
      this.baseline = 'guessing one name: 10 %';
    }
    const spelled = data.spellDigitNames(new nt.Tensor(this.labels, [this.labels.length]));
    this.targets = spelled.target.data as Int32Array;
    this.vocab = spelled.vocab;
    this.width = spelled.width;
    this.padId = this.vocab.id(data.PAD);
    this.bosId = this.vocab.id(data.BOS);
    this.eosId = this.vocab.id(data.EOS);
    this.model = new DigitSpeller(settings, this.vocab.size, generator);
  }

  private inputsOf(indices: ArrayLike<number>): Tensor {
    if (this.images) return new nt.Tensor(gather(this.images, indices, PIXELS), [indices.length, PIXELS]);
    return new nt.Tensor(
      Int32Array.from(indices, (i) => this.labels[i]),
      [indices.length],
    );
  }

  private targetsOf(indices: ArrayLike<number>): Tensor {
    return new nt.Tensor(gatherInt(this.targets, indices, this.width), [indices.length, this.width]);
  }

  trainBatch(indices: Int32Array, optimizer: nt.optim.Optimizer): BatchResult {
    this.model.train();
    const y = this.targetsOf(indices);
    const logits = this.model.forward(this.inputsOf(indices), y);
    const loss = optimise(
      seq.sequenceCrossEntropy(logits, y, { ignoreIndex: this.padId }),
      this.model,
      optimizer,
    );
    return { loss, ...tokenHits(logits, y, this.padId) };
  }

  private testIndices(count = this.testSize): Int32Array {
    return Int32Array.from({ length: count }, (_, i) => this.trainSize + i);
  }

  private spell(indices: Int32Array): Tensor {
    this.model.eval();
    return nt.noGrad(() =>
      this.model.speller.generate(this.model.condition(this.inputsOf(indices)), {
        maxLength: this.width + 1,
      }),
    );
  }

  evaluate(): Evaluation {
    const idx = this.testIndices();
    const written = this.spell(idx);
    const y = this.targetsOf(idx);
    const exact = new seq.SequenceAccuracy({ ignoreIndex: this.padId });
    exact.update(written, y);
    this.model.eval();
    const loss = nt.noGrad(() =>
      seq
        .sequenceCrossEntropy(this.model.forward(this.inputsOf(idx), y), y, { ignoreIndex: this.padId })
        .item(),
    );
    const accuracy = exact.compute();
    return {
      accuracy,
      loss,
      detail: `${pct(accuracy)} of ${this.testSize.toLocaleString('en')} test ${this.images ? 'images' : 'classes'} spelled exactly right`,
    };
  }

  private pixelsOf(index: number): Float32Array | null {
    if (!this.bytes) return null;
    return Float32Array.from(this.bytes.subarray(index * PIXELS, (index + 1) * PIXELS), (v) => v / 255);
  }

  examples(): ExampleView[] {
    const idx = this.testIndices(EXAMPLES);
    const rows = this.spell(idx).toArray() as number[][];
    return Array.from(idx, (i, k) => {
      const output = this.vocab.decode(rowUntilEos(rows[k], this.eosId));
      const target = data.DIGIT_NAMES[this.labels[i]];
      return {
        index: k,
        input: this.images ? '' : String(this.labels[i]),
        pixels: this.pixelsOf(i),
        target,
        output,
        correct: output === target,
      };
    });
  }

  unroll(index: number): UnrolledView {
    const i = this.trainSize + index;
    const row = this.spell(Int32Array.of(i)).data as Int32Array;
    const outputs = rowUntilEos(row, this.eosId);
    const target = data.DIGIT_NAMES[this.labels[i]];
    const inputs = Int32Array.from([this.bosId, ...outputs.slice(0, -1)]);
    const trace = nt.noGrad(() => {
      this.model.eval();
      const state = this.model.speller.initialState(this.model.condition(this.inputsOf([i])));
      return traceDecoder(this.model.speller.embedding, this.model.speller.decoder, state, inputs);
    });
    const show = (id: number) => tokenText(this.vocab, id);
    const targetIds = [...this.vocab.encode(target), this.eosId];
    const steps: StepView[] = Array.from(inputs, (id, t) => ({
      input: show(id),
      output: show(outputs[t]),
      target: t < targetIds.length ? show(targetIds[t]) : '',
    }));
    const written = this.vocab.decode(outputs);
    return {
      index,
      kind: KIND[this.settings.cell],
      hidden: this.settings.hidden,
      steps,
      strips: stripsOf(trace),
      phases: [{ from: 0, label: 'decoder: writes one letter per step' }],
      picture: {
        pixels: this.pixelsOf(i),
        caption: this.images
          ? 'this image, through one dense layer, sets the decoder’s first state'
          : `the class ${this.labels[i]} sets the decoder’s first state`,
      },
      verdict: `writes “${written}” for ${this.images ? 'this image of ' : ''}a ${this.labels[i]} (“${target}”)`,
      correct: written === target,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// many-to-one: an MNIST image read as 28 rows of 28 pixels, classified after the last row

class RowsTask implements LiveTask {
  readonly model: nt.models.SequenceClassifier;
  readonly trainSize = MNIST_TRAIN;
  readonly testSize = MNIST_TOTAL - MNIST_TRAIN;
  readonly description =
    'MNIST images read row by row: 28 steps of 28 pixels → the digit (8,000 training, 2,000 test)';
  readonly metric = 'test accuracy';
  readonly baseline = 'guessing: 10 %';
  private images: Float32Array;
  private labels: Int32Array;

  constructor(
    private settings: RnnSettings,
    private mnist: MnistData,
    generator: nt.Generator,
  ) {
    this.images = mnist.images;
    this.labels = Int32Array.from(mnist.labels);
    this.model = new models.SequenceClassifier({
      cell: settings.cell,
      inputSize: 28,
      hiddenSize: settings.hidden,
      numClasses: 10,
      generator,
    });
  }

  private rows(indices: ArrayLike<number>): Tensor {
    return new nt.Tensor(gather(this.images, indices, PIXELS), [indices.length, 28, 28]);
  }

  trainBatch(indices: Int32Array, optimizer: nt.optim.Optimizer): BatchResult {
    this.model.train();
    const logits = this.model.forward(this.rows(indices));
    const y = new nt.Tensor(
      Int32Array.from(indices, (i) => this.labels[i]),
      [indices.length],
    );
    const loss = optimise(nt.crossEntropy(logits, y), this.model, optimizer);
    let correct = 0;
    for (let i = 0; i < indices.length; i++) if (argmax(logits.data, i * 10, 10) === y.data[i]) correct++;
    return { loss, correct, scored: indices.length };
  }

  private predict(indices: Int32Array): Float32Array {
    this.model.eval();
    return nt.noGrad(() => this.model.forward(this.rows(indices)).softmax(1).data as Float32Array);
  }

  evaluate(): Evaluation {
    let correct = 0;
    let lossSum = 0;
    this.model.eval();
    nt.noGrad(() => {
      for (let start = this.trainSize; start < MNIST_TOTAL; start += 500) {
        const idx = Int32Array.from({ length: Math.min(500, MNIST_TOTAL - start) }, (_, i) => start + i);
        const logits = this.model.forward(this.rows(idx));
        const y = new nt.Tensor(
          Int32Array.from(idx, (i) => this.labels[i]),
          [idx.length],
        );
        lossSum += nt.crossEntropy(logits, y).item() * idx.length;
        for (let i = 0; i < idx.length; i++) if (argmax(logits.data, i * 10, 10) === y.data[i]) correct++;
      }
    });
    const accuracy = correct / this.testSize;
    return { accuracy, loss: lossSum / this.testSize, detail: `${pct(accuracy)} of 2,000 test digits` };
  }

  private pixels(i: number): Float32Array {
    return Float32Array.from(this.mnist.bytes.subarray(i * PIXELS, (i + 1) * PIXELS), (v) => v / 255);
  }

  examples(): ExampleView[] {
    const idx = Int32Array.from({ length: EXAMPLES }, (_, k) => this.trainSize + k);
    const p = this.predict(idx);
    return Array.from(idx, (i, k) => {
      const output = argmax(p, k * 10, 10);
      return {
        index: k,
        input: '',
        pixels: this.pixels(i),
        target: String(this.labels[i]),
        output: String(output),
        correct: output === this.labels[i],
      };
    });
  }

  unroll(index: number): UnrolledView {
    const i = this.trainSize + index;
    const p = this.predict(Int32Array.of(i));
    const output = argmax(p, 0, 10);
    this.model.eval();
    const trace = nt.noGrad(() => nn.traceRecurrent(this.model.rnn, this.rows([i])));
    const pixels = this.pixels(i);
    const steps: StepView[] = Array.from({ length: 28 }, (_, t) => ({
      input: '',
      pixels: pixels.subarray(t * 28, (t + 1) * 28),
      ...(t === 27 ? { output: String(output), target: String(this.labels[i]) } : {}),
    }));
    return {
      index,
      kind: KIND[this.settings.cell],
      hidden: this.settings.hidden,
      steps,
      strips: stripsOf(trace),
      phases: [{ from: 0, label: 'reads one row per step; answers after the last' }],
      picture: { pixels, caption: 'read top to bottom, one row of 28 pixels per step' },
      verdict: `says ${output} (${pct(p[output])} sure) for a ${this.labels[i]}`,
      correct: output === this.labels[i],
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// encoder–decoder: reverse or sort a string of digits

const STRING_LENGTH: [number, number] = [3, 7];

class DigitStringTask implements LiveTask {
  readonly model: nt.models.Seq2Seq;
  readonly trainSize = 8000;
  readonly testSize = 1000;
  readonly description: string;
  readonly metric = 'strings written exactly right';
  readonly baseline = 'random digits: about 0 %';
  private train: nt.data.Seq2SeqTask;
  private test: nt.data.Seq2SeqTask;
  private padId: number;

  constructor(
    private settings: RnnSettings,
    generator: nt.Generator,
  ) {
    const make = settings.task === 'reverse' ? data.makeReverseTask : data.makeSortTask;
    // the data are the same whatever the seed (as the CLI's seq2seq-reverse preset): the seed draws the weights
    this.train = make({ n: this.trainSize, length: STRING_LENGTH, seed: 1 });
    this.test = make({ n: this.testSize, length: STRING_LENGTH, seed: 2 });
    this.padId = this.train.vocab.id(data.PAD);
    this.description = `${settings.task === 'reverse' ? 'reverse' : 'sort'} strings of ${STRING_LENGTH[0]}–${STRING_LENGTH[1]} digits (${this.trainSize.toLocaleString('en')} training, ${this.testSize.toLocaleString('en')} held-out strings)`;
    this.model = new models.Seq2Seq({
      cell: settings.cell,
      vocabSize: this.train.vocab.size,
      embedDim: settings.embed ?? DEFAULT_EMBED,
      hiddenSize: settings.hidden,
      generator,
    });
  }

  private rows(t: Tensor, indices: ArrayLike<number>): Tensor {
    const w = t.shape[1];
    return new nt.Tensor(gatherInt(t.data as Int32Array, indices, w), [indices.length, w]);
  }

  trainBatch(indices: Int32Array, optimizer: nt.optim.Optimizer): BatchResult {
    this.model.train();
    const y = this.rows(this.train.tgtOut, indices);
    const logits = this.model.forward(this.rows(this.train.src, indices), y);
    const loss = optimise(
      seq.sequenceCrossEntropy(logits, y, { ignoreIndex: this.padId }),
      this.model,
      optimizer,
    );
    return { loss, ...tokenHits(logits, y, this.padId) };
  }

  private generate(indices: ArrayLike<number>): Tensor {
    return this.model.generate(this.rows(this.test.src, indices), { maxLength: STRING_LENGTH[1] + 1 });
  }

  evaluate(): Evaluation {
    const all = Int32Array.from({ length: this.testSize }, (_, i) => i);
    const exact = new seq.SequenceAccuracy({ ignoreIndex: this.padId });
    exact.update(this.generate(all), this.test.tgtOut);
    this.model.eval();
    const loss = nt.noGrad(() =>
      seq
        .sequenceCrossEntropy(this.model.forward(this.test.src, this.test.tgtOut), this.test.tgtOut, {
          ignoreIndex: this.padId,
        })
        .item(),
    );
    const accuracy = exact.compute();
    return {
      accuracy,
      loss,
      detail: `${pct(accuracy)} of ${this.testSize.toLocaleString('en')} held-out strings exactly right`,
    };
  }

  examples(): ExampleView[] {
    const idx = Array.from({ length: EXAMPLES }, (_, i) => i);
    const rows = this.generate(idx).toArray() as number[][];
    const eos = this.train.vocab.id(data.EOS);
    return idx.map((i) => {
      const output = this.train.vocab.decode(rowUntilEos(rows[i], eos));
      return {
        index: i,
        input: this.test.inputs[i],
        pixels: null,
        target: this.test.targets[i],
        output,
        correct: output === this.test.targets[i],
      };
    });
  }

  unroll(index: number): UnrolledView {
    const vocab = this.train.vocab;
    const [bos, eos] = [vocab.id(data.BOS), vocab.id(data.EOS)];
    const text = this.test.inputs[index];
    const src = new nt.Tensor(vocab.encode(text), [1, text.length]);
    const row = this.model.generate(src, { maxLength: STRING_LENGTH[1] + 1 }).data as Int32Array;
    const outputs = rowUntilEos(row, eos);
    const inputs = Int32Array.from([bos, ...outputs.slice(0, -1)]);
    this.model.eval();
    const [enc, dec] = nt.noGrad(() => {
      const encTrace = nn.traceRecurrent(this.model.encoder, this.model.embedding.forward(src));
      const state = this.model.encode(src);
      return [encTrace, traceDecoder(this.model.embedding, this.model.decoder, state, inputs)];
    });
    const show = (id: number) => tokenText(vocab, id);
    const targetIds = [...vocab.encode(this.test.targets[index]), eos];
    const steps: StepView[] = [
      ...[...text].map((ch) => ({ input: ch })),
      ...Array.from(inputs, (id, t) => ({
        input: show(id),
        output: show(outputs[t]),
        target: t < targetIds.length ? show(targetIds[t]) : '',
      })),
    ];
    const written = vocab.decode(outputs);
    return {
      index,
      kind: KIND[this.settings.cell],
      hidden: this.settings.hidden,
      steps,
      strips: joinStrips(stripsOf(enc), stripsOf(dec)),
      phases: [
        { from: 0, label: 'encoder: reads' },
        { from: text.length, label: 'decoder: writes' },
      ],
      picture: null,
      verdict: `writes “${written}” for “${text}” (expected “${this.test.targets[index]}”)`,
      correct: written === this.test.targets[index],
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// synced many-to-many: restore the spaces of text, one tag per letter

const WINDOW = 40;

class SpacesTask implements LiveTask {
  readonly model: nt.models.SequenceTagger;
  readonly trainSize: number;
  readonly testSize: number;
  readonly description: string;
  readonly metric = 'letters tagged right';
  readonly baseline: string;
  private task: nt.data.SpaceRestorationTask;

  constructor(
    private settings: RnnSettings,
    text: string,
    generator: nt.Generator,
  ) {
    this.task = data.makeSpaceRestorationTask(text, { window: WINDOW, maxTrain: 4000, maxTest: 250 });
    this.trainSize = this.task.train.x.shape[0];
    this.testSize = this.task.test.x.shape[0];
    this.description = `Persuasion without its spaces, windows of ${WINDOW} letters (${this.trainSize.toLocaleString('en')} training windows; the test is the novel’s last ${(this.testSize * WINDOW).toLocaleString('en')} letters)`;
    this.baseline = `“no word starts here” everywhere: ${pct(1 - this.task.testStartRate)}`;
    this.model = new models.SequenceTagger({
      cell: settings.cell,
      vocabSize: 26,
      embedDim: 16,
      hiddenSize: settings.hidden,
      numTags: 2,
      bidirectional: settings.bidirectional,
      generator,
    });
  }

  private rows(t: Tensor, indices: ArrayLike<number>): Tensor {
    return new nt.Tensor(gatherInt(t.data as Int32Array, indices, WINDOW), [indices.length, WINDOW]);
  }

  trainBatch(indices: Int32Array, optimizer: nt.optim.Optimizer): BatchResult {
    this.model.train();
    const y = this.rows(this.task.train.y, indices);
    const logits = this.model.forward(this.rows(this.task.train.x, indices));
    const loss = optimise(seq.sequenceCrossEntropy(logits, y), this.model, optimizer);
    return { loss, ...tokenHits(logits, y, -1) };
  }

  private tags(x: Tensor): { tags: Int32Array; logits: Tensor } {
    this.model.eval();
    return nt.noGrad(() => {
      const logits = this.model.forward(x);
      const [n, steps] = logits.shape;
      const tags = new Int32Array(n * steps);
      for (let i = 0; i < n * steps; i++) tags[i] = argmax(logits.data, i * 2, 2);
      return { tags, logits };
    });
  }

  evaluate(): Evaluation {
    const { x, y } = this.task.test;
    const { tags, logits } = this.tags(x);
    let right = 0;
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < tags.length; i++) {
      const [p, t] = [tags[i], y.data[i]];
      if (p === t) right++;
      if (p === 1 && t === 1) tp++;
      else if (p === 1) fp++;
      else if (t === 1) fn++;
    }
    const accuracy = right / tags.length;
    const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    const loss = nt.noGrad(() => seq.sequenceCrossEntropy(logits, y).item());
    return {
      accuracy,
      loss,
      detail: `${pct(accuracy)} of ${tags.length.toLocaleString('en')} test letters; word starts found with F1 ${pct(f1)}`,
    };
  }

  private text(index: number, tags: ArrayLike<number>): string {
    const ids = this.task.test.x.data.subarray(index * WINDOW, (index + 1) * WINDOW);
    return data.restoreSpaces(this.task.vocab.decode(ids), tags);
  }

  examples(): ExampleView[] {
    const n = Math.min(EXAMPLES, this.testSize);
    const idx = Array.from({ length: n }, (_, i) => i);
    const { tags } = this.tags(this.rows(this.task.test.x, idx));
    return idx.map((i) => {
      const truth = this.task.test.y.data.subarray(i * WINDOW, (i + 1) * WINDOW);
      const mine = tags.subarray(i * WINDOW, (i + 1) * WINDOW);
      const output = this.text(i, mine);
      const target = this.text(i, truth);
      // the input is the same letters without spaces: the answer alone shows it
      return { index: i, input: '', pixels: null, target, output, correct: output === target };
    });
  }

  unroll(index: number): UnrolledView {
    const x = this.rows(this.task.test.x, [index]);
    const { tags } = this.tags(x);
    this.model.eval();
    const trace = nt.noGrad(() => nn.traceRecurrent(this.model.rnn, this.model.embedding!.forward(x)));
    const truth = this.task.test.y.data.subarray(index * WINDOW, (index + 1) * WINDOW);
    const mark = (tag: number) => (tag === 1 ? '␣' : '·');
    const steps: StepView[] = Array.from({ length: WINDOW }, (_, t) => ({
      input: this.task.vocab.token(x.data[t]),
      output: mark(tags[t]),
      target: mark(truth[t]),
    }));
    const output = this.text(index, tags);
    let wrong = 0;
    for (let t = 0; t < WINDOW; t++) if (tags[t] !== truth[t]) wrong++;
    return {
      index,
      kind: KIND[this.settings.cell],
      hidden: this.settings.hidden,
      steps,
      strips: stripsOf(trace),
      phases: [{ from: 0, label: 'one tag per letter: ␣ a word starts here, · it does not' }],
      picture: null,
      verdict: `“${output}” — ${wrong === 0 ? 'every letter right' : `${wrong} of ${WINDOW} letters wrong`}`,
      correct: wrong === 0,
    };
  }
}
