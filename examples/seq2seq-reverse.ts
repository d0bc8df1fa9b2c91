/**
 * Many-to-many with an encoder and a decoder: an LSTM sequence-to-sequence model learns to reverse (or sort)
 * strings of digits.
 *
 * `nt.data.makeReverseTask` draws strings of 3 to 10 digits ("3141" → "1413"); `makeSortTask` asks for the digits
 * in ascending order ("3141" → "1134"). The encoder reads the string into its final state (padding does not
 * move it); the decoder starts there and writes the answer one digit at a time, then `<eos>`
 * (`nt.models.Seq2Seq`). Training uses teacher forcing: each decoder step reads the true previous digit. The test
 * strings are drawn separately from the training ones and decoded greedily, each step reading the model's own
 * previous output, so a mistake can cascade: that is the token accuracy reported (every output position, `<eos>`
 * included), with the share of strings that come out exactly right.
 *
 * With a third argument `luong` or `bahdanau` the decoder also attends over every encoder output (the Seq2Seq
 * `attention` option; its documentation has the accuracies with and without it).
 *
 * Usage: `npx tsx examples/seq2seq-reverse.ts [reverse|sort] [epochs] [luong|bahdanau]` (default reverse, 7 epochs,
 * no attention)
 */
import * as nt from 'neurite';

const { data, models, optim, train } = nt;
const { seq } = models;

const TASK = process.argv[2] ?? 'reverse';
const EPOCHS = Number(process.argv[3] ?? 7);
const ATTENTION = process.argv[4] as 'luong' | 'bahdanau' | undefined;
const LENGTH: [number, number] = [3, 10];
const BATCH_SIZE = 64;

if (TASK !== 'reverse' && TASK !== 'sort')
  throw new Error(`usage: seq2seq-reverse.ts [reverse|sort] [epochs] [luong|bahdanau], got ${TASK}`);
const makeTask = TASK === 'reverse' ? data.makeReverseTask : data.makeSortTask;

nt.manualSeed(0);
const trainSet = makeTask({ n: 10_000, length: LENGTH, seed: 1 });
const testSet = makeTask({ n: 2_000, length: LENGTH, seed: 2 });
const trainStrings = new Set(trainSet.inputs);
const unseen = testSet.inputs.filter((s) => !trainStrings.has(s)).length;

const model = new models.Seq2Seq({
  cell: 'lstm',
  vocabSize: trainSet.vocab.size,
  embedDim: 32,
  hiddenSize: 128,
  attention: ATTENTION,
});
console.log(
  `backend ${nt.getBackend().name}: LSTM seq2seq (${TASK}, ${ATTENTION ?? 'no'} attention), ${model.numParameters()} parameters; ` +
    `${trainSet.inputs.length} training strings, ${testSet.inputs.length} test strings (${unseen} not in training), ` +
    `${LENGTH[0]}–${LENGTH[1]} digits`,
);

const padId = trainSet.vocab.id(data.PAD);
const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3 });
const start = performance.now();
await train.fit(
  model,
  { x: trainSet.src, y: trainSet.tgtOut },
  {
    epochs: EPOCHS,
    batchSize: BATCH_SIZE,
    optimizer,
    scheduler: new optim.CosineAnnealingLR(optimizer, EPOCHS),
    clipGradNorm: 1,
    forward: (m, x, y) => m.forward(x, y!),
    loss: (out, y) => seq.sequenceCrossEntropy(out, y, { ignoreIndex: padId }),
    metrics: [new seq.TokenAccuracy({ ignoreIndex: padId })],
    verbose: 'lines',
  },
);
const seconds = (performance.now() - start) / 1000;

// greedy decoding of the held-out strings, without the targets
const generated = model.generate(testSet.src, { maxLength: LENGTH[1] + 1 });
const tokens = new seq.TokenAccuracy({ ignoreIndex: padId });
const exact = new seq.SequenceAccuracy({ ignoreIndex: padId });
tokens.update(generated, testSet.tgtOut);
exact.update(generated, testSet.tgtOut);
const rows = generated.toArray() as number[][];
for (let i = 0; i < 5; i++) {
  console.log(
    `  ${testSet.inputs[i].padEnd(10)} → ${testSet.vocab.decode(rows[i]).padEnd(10)} (expected ${testSet.targets[i]})`,
  );
}
console.log(
  `seq2seq ${TASK} (${ATTENTION ?? 'no'} attention): held-out greedy token accuracy ${(100 * tokens.compute()).toFixed(2)} %, ` +
    `exact strings ${(100 * exact.compute()).toFixed(2)} %, ${EPOCHS} epochs, ${seconds.toFixed(0)} s`,
);
