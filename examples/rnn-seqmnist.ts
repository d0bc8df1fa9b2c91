/**
 * Many-to-one: a recurrent network reads each handwritten digit as a sequence and names it at the end.
 *
 * Every MNIST image becomes 28 time steps of 28 pixels (one row per step, top to bottom). An LSTM (or a GRU)
 * with 128 hidden units reads the rows; its final hidden state goes through one linear layer to the 10 classes
 * (`nt.models.SequenceClassifier`). It trains on the 8,000 real training digits shipped with neurite (Adam,
 * learning rate 3e-3 annealed to 0 on a cosine, gradients clipped to norm 1) and is scored on the other 2,000.
 * Seeded: the same backend prints the same figures.
 *
 * Usage: `npx tsx examples/rnn-seqmnist.ts [lstm|gru] [epochs]` (default lstm, 8 epochs)
 */
import * as nt from 'neurite';

const { data, models, optim, train } = nt;

const CELL = (process.argv[2] ?? 'lstm') as 'lstm' | 'gru';
const EPOCHS = Number(process.argv[3] ?? 8);
const HIDDEN = 128;
const BATCH_SIZE = 64;

if (CELL !== 'lstm' && CELL !== 'gru')
  throw new Error(`usage: rnn-seqmnist.ts [lstm|gru] [epochs], got ${CELL}`);

nt.manualSeed(0);
const trainSet = nt.loadMnist({ split: 'train', normalize: 'standard' });
const testSet = nt.loadMnist({ split: 'test', normalize: 'standard' });
// [N, 1, 28, 28] → [N, 28 steps, 28 features], batch first
const x = data.sequentialMnist(trainSet.images);
const xTest = data.sequentialMnist(testSet.images);

const model = new models.SequenceClassifier({
  cell: CELL,
  inputSize: 28,
  hiddenSize: HIDDEN,
  numClasses: 10,
});
const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3 });
const scheduler = new optim.CosineAnnealingLR(optimizer, EPOCHS);

console.log(
  `backend ${nt.getBackend().name}: ${CELL.toUpperCase()} ${HIDDEN} over 28 rows × 28 pixels, ` +
    `${model.numParameters()} parameters; ${x.shape[0]} training and ${xTest.shape[0]} test digits`,
);
const start = performance.now();
await train.fit(
  model,
  { x, y: trainSet.labels },
  {
    epochs: EPOCHS,
    batchSize: BATCH_SIZE,
    optimizer,
    scheduler,
    clipGradNorm: 1,
    metrics: ['accuracy'],
    validationData: { x: xTest, y: testSet.labels },
    verbose: 'lines',
  },
);
const seconds = (performance.now() - start) / 1000;
const { metrics } = await train.evaluate(
  model,
  { x: xTest, y: testSet.labels },
  { metrics: ['accuracy'], batchSize: 500 },
);
console.log(
  `${CELL.toUpperCase()} sequential MNIST: test accuracy ${(100 * metrics.accuracy).toFixed(2)} % ` +
    `after ${EPOCHS} epochs, ${seconds.toFixed(0)} s`,
);
