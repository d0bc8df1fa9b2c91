/**
 * Why deep networks took until the 2010s. Two MLPs of the same depth — ten hidden layers of 128 units — learn
 * MNIST with the same optimiser (SGD with momentum), the same data and the same number of epochs:
 *
 * - the 1990s recipe: sigmoid activations and the default uniform initialisation. The sigmoid's slope is at
 *   most 1/4, so the gradient shrinks at every layer on its way back; the first layers barely learn and the
 *   network stays near chance for a long time;
 * - the modern recipe: ReLU, He initialisation (variance 2/fan_in keeps the signal's scale through ReLUs) and
 *   batch normalisation (re-centres and re-scales every layer's input), which keep gradients alive at depth.
 *
 * The script first measures the gradient reaching each Linear layer on one batch, then trains both networks,
 * printing the loss and the test accuracy after each epoch.
 *
 * Run: npm run build && npx tsx examples/deep-mlp.ts
 */
import * as nt from 'neurite';

const { models } = nt;

const HIDDEN_LAYERS = 10;
const WIDTH = 128;
const EPOCHS = 5;
const sizes = [784, ...new Array<number>(HIDDEN_LAYERS).fill(WIDTH), 10];

const train = nt.loadMnist({ split: 'train', flatten: true, normalize: 'standard' });
const test = nt.loadMnist({ split: 'test', flatten: true, normalize: 'standard' });

const recipes: Record<string, nt.models.MLPOptions> = {
  'sigmoid, default init': { sizes, activation: 'sigmoid' },
  'ReLU + He init + batch norm': { sizes, activation: 'relu', init: 'he', batchNorm: true },
};

/** The L2 norm of the loss gradient reaching each Linear layer's weight, first layer first, for one batch. */
function gradientNorms(net: nt.models.MLP): number[] {
  const x = nt.narrow(train.images, 0, 0, 256);
  const y = nt.narrow(train.labels, 0, 0, 256);
  net.zeroGrad();
  nt.crossEntropy(net.forward(x), y).backward();
  const norms = net
    .namedParameters()
    .filter(([name, p]) => name.endsWith('.weight') && p.ndim === 2)
    .map(([, p]) => Math.sqrt(p.grad!.square().sum().item()));
  net.zeroGrad();
  return norms;
}

console.log(`MNIST, ${train.labels.size} training / ${test.labels.size} test digits; MLP ${sizes.join('-')}`);
console.log(`SGD (lr 0.05, momentum 0.9), batch 64, ${EPOCHS} epochs, backend ${nt.getBackend().name}\n`);

const results: { name: string; history: nt.train.History; seconds: number; params: number }[] = [];
for (const [name, options] of Object.entries(recipes)) {
  nt.manualSeed(0);
  const net = new models.MLP(options);
  const norms = gradientNorms(net);
  const shown = norms.map((n) => n.toExponential(1));
  console.log(`${name}: gradient norm per Linear layer at initialisation, input side first:`);
  console.log(`  ${shown.join('  ')}`);
  console.log(`  first / last layer: ${(norms[0] / norms[norms.length - 1]).toExponential(1)}\n`);

  const start = performance.now();
  const history = await nt.train.fit(
    net,
    { x: train.images, y: train.labels },
    {
      epochs: EPOCHS,
      batchSize: 64,
      optimizer: new nt.optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 }),
      loss: 'crossEntropy',
      metrics: ['accuracy'],
      validationData: { x: test.images, y: test.labels },
      verbose: 'silent',
      seed: 0,
    },
  );
  results.push({ name, history, seconds: (performance.now() - start) / 1000, params: net.numParameters() });
}

console.log(`epoch   ${results.map((r) => r.name.padEnd(40)).join('')}`);
for (let e = 0; e < EPOCHS; e++) {
  const cells = results.map(({ history }) => {
    const log = history.epochs[e];
    const acc = (100 * (log.valMetrics?.accuracy ?? 0)).toFixed(1);
    return `loss ${log.loss.toFixed(3)}  test acc ${acc.padStart(5)} %`.padEnd(40);
  });
  console.log(`${String(e + 1).padStart(5)}   ${cells.join('')}`);
}
console.log();
for (const r of results) {
  const last = r.history.epochs[r.history.epochs.length - 1];
  console.log(
    `${r.name}: ${r.params.toLocaleString('en')} parameters, test accuracy ${(100 * (last.valMetrics?.accuracy ?? 0)).toFixed(2)} % after ${EPOCHS} epochs, ${r.seconds.toFixed(1)} s`,
  );
}
