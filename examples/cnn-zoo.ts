/**
 * The convolutional model zoo side by side: LeNet-5, AlexNet, VGG-11 (with batch norm), GoogLeNet and
 * ResNet-18, each at the small-image size neurite builds them (see src/models), trained briefly on the same
 * 8,000 real MNIST digits with the same recipe (Adam from lr 1e-3 with a cosine schedule down to 0, batches of
 * 64, no augmentation) and scored on the 2,000 test digits. It prints each network's parameter count, test
 * accuracy and training time.
 *
 *   npm run build && npx tsx examples/cnn-zoo.ts [epochs, default 2]
 *
 * The figures compare architectures at an equal (and small) training budget, not at their best: give them
 * more epochs for that.
 */
import * as nt from 'neurite';

const EPOCHS = Number(process.argv[2] ?? 2);
const BATCH_SIZE = 64;

if (!(Number.isInteger(EPOCHS) && EPOCHS >= 1)) {
  throw new Error(`cnn-zoo: the number of epochs must be a positive integer, got ${process.argv[2]}`);
}

type Classifier = nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor };

const zoo: [string, () => Classifier][] = [
  ['LeNet-5', () => new nt.models.LeNet5()],
  ['AlexNet (width 0.25)', () => new nt.models.AlexNet({ width: 0.25 })],
  ['VGG-11-bn (width 0.25)', () => new nt.models.VGG({ config: 'vgg11', widthMultiplier: 0.25 })],
  ['GoogLeNet (width 0.25)', () => new nt.models.GoogLeNetMini({ widthMultiplier: 0.25 })],
  ['ResNet-18 (width 0.25)', () => nt.models.resnet18Mini({ widthMultiplier: 0.25 })],
];

console.log(`backend: ${nt.getBackend().name}`);
const train = nt.loadMnist({ split: 'train', normalize: 'standard' });
const test = nt.loadMnist({ split: 'test', normalize: 'standard' });
const testData = { x: test.images, y: test.labels };

const rows: { name: string; parameters: number; accuracy: number; seconds: number }[] = [];
for (const [name, make] of zoo) {
  nt.manualSeed(0);
  const model = make();
  console.log(`\n${name}: ${model.numParameters().toLocaleString('en')} parameters`);
  const optimizer = new nt.optim.Adam(model.parameters(), { lr: 1e-3 });
  const history = await nt.train.fit(
    model,
    { x: train.images, y: train.labels },
    {
      epochs: EPOCHS,
      batchSize: BATCH_SIZE,
      optimizer,
      // ending at a small learning rate lets the batch-norm statistics settle even after a short run
      scheduler: new nt.optim.CosineAnnealingLR(optimizer, EPOCHS),
      metrics: ['accuracy'],
      seed: 0,
      verbose: 'lines',
    },
  );
  const { metrics } = await nt.train.evaluate(model, testData, { metrics: ['accuracy'], batchSize: 250 });
  const seconds = history.epochs.reduce((s, e) => s + e.seconds, 0);
  rows.push({ name, parameters: model.numParameters(), accuracy: metrics.accuracy, seconds });
  console.log(`${name}: test accuracy ${(100 * metrics.accuracy).toFixed(2)} %, ${seconds.toFixed(0)} s`);
}

console.log(
  `\n${train.labels.size} training digits, ${EPOCHS} epoch${EPOCHS > 1 ? 's' : ''} each, ${nt.getBackend().name} backend`,
);
console.log(
  `${'model'.padEnd(24)}${'parameters'.padStart(12)}${'test accuracy'.padStart(16)}${'seconds'.padStart(10)}`,
);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(24)}${r.parameters.toLocaleString('en').padStart(12)}` +
      `${`${(100 * r.accuracy).toFixed(2)} %`.padStart(16)}${r.seconds.toFixed(0).padStart(10)}`,
  );
}
