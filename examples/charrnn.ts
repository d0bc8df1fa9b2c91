/**
 * A character-level language model (char-RNN) learns to write like Jane Austen.
 *
 * The corpus is the six novels shipped with neurite (about 4 million characters). The first 90 % trains, the
 * last 10 % (most of *Persuasion*) is held out. `nt.models.CharRNN` — an embedding, one LSTM layer of 128 units
 * and a linear layer over the characters — learns to predict each next character by truncated backpropagation
 * through time: windows of 50 characters, each backpropagated on its own, spread evenly across the training text
 * and read once in a shuffled order (1,000 batches of 32). Adam at a learning rate of 0.02 decayed on a cosine over
 * the batches, gradients clipped to norm 1.
 *
 * It is scored in bits per character on the held-out text (read as 64 long streams with the state carried
 * along), next to a bigram model (add-one smoothed counts of character pairs from the same training text), which
 * it must clearly beat, and then writes text at temperatures 0.5 and 1.0 from a seeded generator.
 *
 * Usage: `npx tsx examples/charrnn.ts [training windows]` (default 32,000, i.e. 1,000 batches)
 */
import * as nt from 'neurite';

const { data, models, optim, train } = nt;
const { seq } = models;

const WINDOWS = Number(process.argv[2] ?? 32_000);
const SEQ_LENGTH = 50;
const HIDDEN = 128;
const BATCH_SIZE = 32;

nt.manualSeed(0);
const text = nt.loadTextCorpus();
const vocab = data.CharVocab.fromText(text);
const ids = vocab.encode(text);
const split = Math.floor(0.9 * ids.length);
const trainIds = ids.subarray(0, split);
const validIds = ids.subarray(split);
// windows spread evenly over the whole training text, each with its next-character targets
const stride = Math.max(SEQ_LENGTH, Math.floor((trainIds.length - SEQ_LENGTH - 1) / (WINDOWS - 1)));
const windows = data.nextTokenWindows(trainIds, { seqLength: SEQ_LENGTH, stride });

const model = new models.CharRNN({ vocabSize: vocab.size, embedDim: 32, hiddenSize: HIDDEN, cell: 'lstm' });
console.log(
  `backend ${nt.getBackend().name}: char-LSTM ${HIDDEN}, ${model.numParameters()} parameters, ${vocab.size} characters; ` +
    `${trainIds.length} training characters (${windows.x.shape[0]} windows of ${SEQ_LENGTH} read), ` +
    `${validIds.length} held-out characters`,
);

const optimizer = new optim.Adam(model.parameters(), { lr: 2e-2 });
const batches = Math.ceil(windows.x.shape[0] / BATCH_SIZE);
const start = performance.now();
await train.fit(model, windows, {
  epochs: 1,
  batchSize: BATCH_SIZE,
  optimizer,
  scheduler: new optim.CosineAnnealingLR(optimizer, batches),
  schedulerInterval: 'batch',
  clipGradNorm: 1,
  forward: (m, x) => m.forward(x)[0],
  loss: (out, y) => seq.sequenceCrossEntropy(out, y),
  verbose: 'lines',
});
const trainSeconds = (performance.now() - start) / 1000;

const bpc = model.bitsPerCharacter(validIds, { batchSize: 64, seqLength: 256 });
const bigram = seq.bigramBitsPerCharacter(trainIds, validIds, vocab.size);
const seconds = (performance.now() - start) / 1000;
console.log(
  `held-out bits per character: char-LSTM ${bpc.toFixed(3)}, bigram baseline ${bigram.toFixed(3)} ` +
    `(${(100 * (1 - bpc / bigram)).toFixed(0)} % fewer bits; uniform over the characters: ${Math.log2(vocab.size).toFixed(3)})`,
);
for (const temperature of [0.5, 1.0]) {
  const sample = model.sample(vocab, {
    prime: 'It was',
    length: 300,
    temperature,
    generator: new nt.Generator(7),
  });
  console.log(`\n--- sample, temperature ${temperature} ---\n${sample}`);
}
console.log(
  `\nchar-RNN on Austen: ${windows.x.shape[0]} windows × ${SEQ_LENGTH} characters (1 pass), ` +
    `training ${trainSeconds.toFixed(0)} s, with evaluation ${seconds.toFixed(0)} s`,
);
