/**
 * A residual network (He et al. 2015) learns to read handwritten digits: ResNet-18's layout — a 3×3 stem, four
 * stages of two basic blocks (16, 32, 64 and 128 channels at the default width 0.25), projection shortcuts
 * where the shape changes, global average pooling — about 0.7 million parameters.
 *
 * It trains on the 8,000 real MNIST training digits that ship with neurite (standardised with MNIST's mean
 * and deviation) for 3 epochs of mini-batches of 64, with Adam and a cosine learning-rate schedule, and scores
 * the 2,000 test digits after every epoch. Seeded: every run prints the same numbers on the same backend.
 * It needs the native backend to finish in minutes rather than hours.
 *
 *   npm run build && npx tsx examples/resnet-mnist.ts
 */
import * as nt from 'neurite';

const EPOCHS = 3;
const BATCH_SIZE = 64;
const LEARNING_RATE = 2e-3;

console.log(`backend: ${nt.getBackend().name}`);
nt.manualSeed(0);

const train = nt.loadMnist({ split: 'train', normalize: 'standard' }); // [8000, 1, 28, 28], [8000]
const test = nt.loadMnist({ split: 'test', normalize: 'standard' }); // [2000, 1, 28, 28], [2000]

const model = nt.models.resnet18Mini({ numClasses: 10, inChannels: 1 });
const optimizer = new nt.optim.Adam(model.parameters(), { lr: LEARNING_RATE });
const scheduler = new nt.optim.CosineAnnealingLR(optimizer, EPOCHS);
console.log(
  `ResNet-18-mini, ${model.numParameters().toLocaleString('en')} parameters, ${train.labels.size} training digits`,
);

const history = await nt.train.fit(
  model,
  { x: train.images, y: train.labels },
  {
    epochs: EPOCHS,
    batchSize: BATCH_SIZE,
    optimizer,
    scheduler,
    metrics: ['accuracy'],
    validationData: { x: test.images, y: test.labels },
    seed: 0,
  },
);

const { metrics } = await nt.train.evaluate(
  model,
  { x: test.images, y: test.labels },
  { metrics: ['accuracy'], batchSize: 250 },
);
const seconds = history.epochs.reduce((s, e) => s + e.seconds, 0);
console.log(
  `ResNet-18-mini: test accuracy ${(100 * metrics.accuracy).toFixed(2)} % on ${test.labels.size} digits ` +
    `after ${EPOCHS} epochs, ${seconds.toFixed(0)} s of training (${nt.getBackend().name} backend)`,
);
