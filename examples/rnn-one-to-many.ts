/**
 * One-to-many: from one image, a recurrent decoder writes a sequence — the English name of the digit, letter
 * by letter ("show and tell" in miniature).
 *
 * A small MLP turns each MNIST image into 256 features; `nt.models.SequenceGenerator` maps them to the initial
 * state of a GRU, which then spells the digit's name ("seven") one character at a time, each character fed back
 * as the next input, and stops by emitting `<eos>`. Nothing tells it there are ten words: it learns the spelling
 * and the reading together, from the 8,000 real training digits shipped with neurite, with teacher forcing.
 * On the 2,000 test digits it decodes greedily; reported are the share of images whose whole word is right, the
 * character accuracy, and how many outputs are not one of the ten words at all.
 *
 * Usage: `npx tsx examples/rnn-one-to-many.ts [epochs]` (default 10)
 */
import * as nt from 'neurite';

const { data, models, nn, optim, train } = nt;
const { seq } = models;

const EPOCHS = Number(process.argv[2] ?? 10);
const BATCH_SIZE = 64;
const NAMES: readonly string[] = data.DIGIT_NAMES;

nt.manualSeed(0);
// `<pad>`, `<bos>`, `<eos>`, then the letters of the ten names
const vocab = data.digitNameVocab();
const padId = vocab.id(data.PAD);
const width = Math.max(...NAMES.map((w) => w.length)) + 1;

/** The name of each label as character ids, then `<eos>`, then padding: `[N, width]`. */
const spell = (labels: nt.Tensor): nt.Tensor => data.spellDigitNames(labels).target;

/** An image encoder feeding a sequence generator. */
class DigitSpeller extends nn.Module {
  encoder = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Dropout(0.2));
  speller = new seq.SequenceGenerator({
    cell: 'gru',
    conditionSize: 256,
    vocabSize: vocab.size,
    embedDim: 16,
    hiddenSize: 128,
  });

  /** Logits `[N, T, vocab]` for the target words (teacher forcing). */
  forward(images: nt.Tensor, target: nt.Tensor): nt.Tensor {
    return this.speller.forward(this.encoder.forward(images), target);
  }

  /** Greedy spelling: character ids `[N, ≤ maxLength]`. */
  spell(images: nt.Tensor, maxLength: number): nt.Tensor {
    this.eval();
    return nt.noGrad(() => this.speller.generate(this.encoder.forward(images), { maxLength }));
  }
}

const trainSet = nt.loadMnist({ split: 'train', flatten: true, normalize: 'standard' });
const testSet = nt.loadMnist({ split: 'test', flatten: true, normalize: 'standard' });
const model = new DigitSpeller();
console.log(
  `backend ${nt.getBackend().name}: MLP encoder + GRU speller, ${model.numParameters()} parameters; ` +
    `${trainSet.labels.size} training and ${testSet.labels.size} test digits; alphabet ${JSON.stringify(vocab.chars.join(''))}`,
);

const start = performance.now();
await train.fit(
  model,
  { x: trainSet.images, y: spell(trainSet.labels) },
  {
    epochs: EPOCHS,
    batchSize: BATCH_SIZE,
    optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }),
    forward: (m, x, y) => m.forward(x, y!),
    loss: (out, y) => seq.sequenceCrossEntropy(out, y, { ignoreIndex: padId }),
    metrics: [new seq.TokenAccuracy({ ignoreIndex: padId })],
    verbose: 'lines',
  },
);
const seconds = (performance.now() - start) / 1000;

const target = spell(testSet.labels);
const written = model.spell(testSet.images, width + 2);
const chars = new seq.TokenAccuracy({ ignoreIndex: padId });
const words = new seq.SequenceAccuracy({ ignoreIndex: padId });
chars.update(written, target);
words.update(written, target);
const texts = (written.toArray() as number[][]).map((row) => vocab.decode(row));
const invented = texts.filter((w) => !NAMES.includes(w));
console.log(`first test digits: ${texts.slice(0, 12).join(' ')}`);
console.log(
  `(true labels:      ${Array.from(testSet.labels.data.subarray(0, 12), (l) => NAMES[l]).join(' ')})`,
);
if (invented.length > 0) console.log(`words it made up: ${[...new Set(invented)].slice(0, 8).join(', ')}`);
console.log(
  `image → word: ${(100 * words.compute()).toFixed(2)} % of test images spelled exactly right, character accuracy ` +
    `${(100 * chars.compute()).toFixed(2)} %, ${invented.length} outputs not a digit name; ${EPOCHS} epochs, ${seconds.toFixed(0)} s`,
);
