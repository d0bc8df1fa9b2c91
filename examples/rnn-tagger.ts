/**
 * Many-to-many, synchronised (one label per step): a bidirectional LSTM puts the spaces back into English.
 *
 * The text is Jane Austen's six novels shipped with neurite, lower-cased and reduced to its letters, so that
 * "It is a truth universally acknowledged" becomes "itisatruthuniversallyacknowledged". For every letter the
 * tagger (`nt.models.SequenceTagger`) says whether a word starts there (tag 1) or not (tag 0): word segmentation,
 * a real task whose answer depends on letters on both sides, hence the two directions. It reads windows of 48
 * letters from the first 90 % of the corpus and is scored on every letter of the last 10 % (the end of
 * *Persuasion*, a novel it never read), against the baseline of always answering "no word starts here".
 *
 * Usage: `npx tsx examples/rnn-tagger.ts [epochs]` (default 2)
 */
import * as nt from 'neurite';

const { data, models, optim, train } = nt;
const { seq } = models;

const EPOCHS = Number(process.argv[2] ?? 2);
const WINDOW = 48;
const TRAIN_WINDOWS = 12_000;
const BATCH_SIZE = 64;

nt.manualSeed(0);
// the letters of the corpus in windows, each letter tagged 1 where a word starts; the last 10 % held out
const corpus = nt.loadTextCorpus();
const task = data.makeSpaceRestorationTask(corpus, {
  window: WINDOW,
  testFraction: 0.1,
  maxTrain: TRAIN_WINDOWS,
});
const { vocab } = task;
const trainSet = task.train;
const testSet = task.test;
const words = data.lettersOnlyWords(corpus);

const model = new models.SequenceTagger({
  cell: 'lstm',
  vocabSize: vocab.size,
  embedDim: 16,
  hiddenSize: 64,
  numTags: 2,
  bidirectional: true,
});
console.log(
  `backend ${nt.getBackend().name}: BiLSTM tagger, ${model.numParameters()} parameters; ` +
    `${trainSet.x.size} training letters (${trainSet.x.shape[0]} windows of ${WINDOW}), ${testSet.x.size} test letters`,
);
const start = performance.now();
await train.fit(model, trainSet, {
  epochs: EPOCHS,
  batchSize: BATCH_SIZE,
  optimizer: new optim.Adam(model.parameters(), { lr: 1e-2 }),
  clipGradNorm: 1,
  loss: (out, y) => seq.sequenceCrossEntropy(out, y),
  metrics: [new seq.TokenAccuracy()],
  verbose: 'lines',
});
const seconds = (performance.now() - start) / 1000;

// per-letter accuracy and the precision / recall / F1 of the word starts on the held-out text
const predicted = train.predict(model, testSet.x, { batchSize: 256 }).argmax(2);
let tp = 0;
let fp = 0;
let fn = 0;
let right = 0;
for (let i = 0; i < predicted.size; i++) {
  const p = predicted.data[i];
  const t = testSet.y.data[i];
  if (p === t) right++;
  if (p === 1 && t === 1) tp++;
  else if (p === 1) fp++;
  else if (t === 1) fn++;
}
let positives = 0;
for (const t of testSet.y.data) positives += t;
const precision = tp / (tp + fp);
const recall = tp / (tp + fn);
console.log(
  `per-letter accuracy ${((100 * right) / predicted.size).toFixed(2)} % ` +
    `(always "no word starts here": ${((100 * (predicted.size - positives)) / predicted.size).toFixed(2)} %); ` +
    `word starts: precision ${(100 * precision).toFixed(1)} %, recall ${(100 * recall).toFixed(1)} %, ` +
    `F1 ${((200 * precision * recall) / (precision + recall)).toFixed(1)} %`,
);

/** Writes the letters of `text` back with a space before every letter the tagger marks as a word start. */
function segment(text: string): string {
  const ids = vocab.encode(text.toLowerCase().replace(/[^a-z]/g, ''));
  const tags = train.predict(model, nt.tensor(ids, [1, ids.length])).argmax(2).data;
  let out = '';
  ids.forEach((id, i) => {
    out += (tags[i] === 1 && i > 0 ? ' ' : '') + vocab.token(id);
  });
  return out;
}
console.log(`held out:  ${segment(words.slice(-40, -25).join(''))}`);
console.log(`new text:  ${segment('the quick brown fox jumps over the lazy dog')}`);
console.log(`BiLSTM word segmentation: ${EPOCHS} epochs, ${seconds.toFixed(0)} s`);
