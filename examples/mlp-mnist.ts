/**
 * Quick start: a multilayer perceptron (784 → 128 → 10) learns to read handwritten digits.
 *
 * It trains on the 8,000 real MNIST training digits that ship with neurite, five epochs of mini-batches of 64
 * with Adam, and then scores the 2,000 test digits it has never seen. Seeded: every run prints the same numbers
 * on the same backend.
 */
import * as nt from 'neurite';

const { data, nn, optim } = nt;

const EPOCHS = 5;
const BATCH_SIZE = 64;

nt.manualSeed(0);

const train = nt.loadMnist({ split: 'train', flatten: true }); // images [8000, 784] in [0, 1], labels [8000]
const test = nt.loadMnist({ split: 'test', flatten: true });
const loader = new data.DataLoader(new data.TensorDataset(train.images, train.labels), {
  batchSize: BATCH_SIZE,
  shuffle: true,
});

const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });

/** How many rows of `logits` have their largest value at the true label. */
function correct(logits: nt.Tensor, labels: nt.Tensor): number {
  return logits.argmax(1).eq(labels).sum().item();
}

console.log(`MLP 784-128-10, ${model.numParameters()} parameters, ${train.labels.size} training digits`);
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  const start = performance.now();
  model.train();
  let lossSum = 0;
  let hits = 0;
  for (const [x, y] of loader) {
    const logits = model.forward(x);
    const loss = nt.crossEntropy(logits, y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    lossSum += loss.item() * y.size;
    hits += correct(logits, y);
  }
  const n = train.labels.size;
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `epoch ${epoch}/${EPOCHS}  loss ${(lossSum / n).toFixed(4)}  ` +
      `train accuracy ${((100 * hits) / n).toFixed(2)} %  ${seconds.toFixed(1)} s`,
  );
}

model.eval();
const testLogits = nt.noGrad(() => model.forward(test.images));
const testAccuracy = (100 * correct(testLogits, test.labels)) / test.labels.size;
console.log(`test accuracy ${testAccuracy.toFixed(2)} % on ${test.labels.size} digits`);
