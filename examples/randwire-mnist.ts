/**
 * Randomly wired networks (Xie, Kirillov, Girshick, He 2019) read handwritten digits.
 *
 * Three RandWire networks, whose stages are random graphs from the paper's three generators — Watts–Strogatz
 * WS(K=4, P=0.75), Erdős–Rényi ER(P=0.2) and Barabási–Albert BA(M=5) — train on the 8,000 real MNIST training
 * digits shipped with neurite and are scored on the other 2,000. Each stage's graph is written as a Graphviz DOT
 * file (and JSON) to the output directory, to draw with `dot -Tsvg stage0.dot -o stage0.svg`.
 *
 * The layout is the paper's small-computation regime (Table 1) scaled for 28×28 digits:
 *
 * | part       | paper (224×224 ImageNet)            | here (28×28 MNIST)                      |
 * |------------|-------------------------------------|-----------------------------------------|
 * | conv1      | 3×3 conv, C/2 = 39, stride 2 → 112² | 3×3 conv, C/2 = 8, stride 2 → 14²       |
 * | conv2      | 3×3 conv, C = 78, stride 2 → 56²    | 3×3 conv, C = 16, stride 1 → 14²        |
 * | conv3      | random stage, N = 32 nodes, C → 28² | random stage, N = 8 nodes, C = 16 → 7²  |
 * | conv4      | random stage, N = 32, 2C → 14²      | random stage, N = 8, 2C = 32 → 4²       |
 * | conv5      | random stage, N = 32, 4C → 7²       | random stage, N = 8, 4C = 64 → 2²       |
 * | classifier | 1×1 conv 1280, avg pool, fc 1000    | 1×1 conv 256, avg pool, fc 10           |
 *
 * The digits are 8× smaller than ImageNet's images, so conv2 keeps conv1's resolution instead of halving it
 * again, and N and C are cut to 8 and 16 so that a net trains in minutes on a CPU. With only
 * 8,000 training digits these small nets memorise them and stop near 97.5% on the test digits, so each
 * training digit is shifted by up to 2 pixels whenever it is drawn (the paper augments ImageNet too, with
 * crops). Adam (lr 3e-3, cosine schedule), batches of 64. Graphs, weights and shifts are seeded: every run
 * prints the same figures on the same backend.
 *
 * Usage: `npm run build && npx tsx examples/randwire-mnist.ts [output directory, default ./randwire-graphs] [epochs, default 15]`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nt from 'neurite';

const { models, optim } = nt;

const OUT_DIR = process.argv[2] ?? 'randwire-graphs';
const EPOCHS = Number(process.argv[3] ?? 15);
const BATCH_SIZE = 64;
const NODES = 8;
const CHANNELS = 16;
const SEED = 0;
const MAX_SHIFT = 2;

/** A blank pixel after standardisation: the border a shift uncovers. */
const BLANK = (0 - nt.MNIST_MEAN) / nt.MNIST_STD;

const GENERATORS: { name: string; graph: nt.models.randwire.GraphSpec }[] = [
  { name: 'WS(4, 0.75)', graph: { type: 'ws', k: 4, p: 0.75 } },
  { name: 'ER(0.2)', graph: { type: 'er', p: 0.2 } },
  { name: 'BA(5)', graph: { type: 'ba', m: 5 } },
];

const train = nt.loadMnist({ split: 'train', normalize: 'standard' }); // [8000, 1, 28, 28]
const test = nt.loadMnist({ split: 'test', normalize: 'standard' }); // [2000, 1, 28, 28]
console.log(
  `backend: ${nt.getBackend().name}; ${train.labels.size} training and ${test.labels.size} test digits`,
);

interface Row {
  name: string;
  edges: string;
  parameters: number;
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
}
const rows: Row[] = [];

for (const { name, graph } of GENERATORS) {
  const model = new models.randwire.RandWireNet({
    graph,
    nodes: NODES,
    channels: CHANNELS,
    stages: 3,
    numClasses: 10,
    inChannels: 1,
    headChannels: 256,
    stemStrides: [2, 1],
    seed: SEED,
  });

  const dir = join(OUT_DIR, graph.type);
  mkdirSync(dir, { recursive: true });
  model.graphs().forEach((g, i) => {
    writeFileSync(join(dir, `stage${i}.dot`), g.toDot({ name: `${name} stage ${i}` }));
    writeFileSync(join(dir, `stage${i}.json`), `${JSON.stringify(g.toJSON())}\n`);
  });

  const edges = model.graphs().map((g) => g.edges.length);
  console.log(`\n${name}: ${model.numParameters()} parameters, edges per stage ${edges.join(' / ')}`);
  const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3 });
  const digits = new nt.data.ShiftedImages(train.images, train.labels, MAX_SHIFT, {
    background: BLANK,
    generator: new nt.Generator(SEED),
  });
  const history = await nt.train.fit(model, digits, {
    epochs: EPOCHS,
    batchSize: BATCH_SIZE,
    optimizer,
    scheduler: new optim.CosineAnnealingLR(optimizer, EPOCHS),
    loss: 'crossEntropy',
    metrics: ['accuracy'],
    validationData: { x: test.images, y: test.labels },
    validationBatchSize: 500,
    seed: SEED,
    verbose: 'lines',
  });
  const last = history.epochs.at(-1)!;
  rows.push({
    name,
    edges: edges.join('/'),
    parameters: model.numParameters(),
    trainAccuracy: last.metrics.accuracy,
    testAccuracy: last.valMetrics!.accuracy,
    seconds: history.epochs.reduce((s, e) => s + e.seconds, 0),
  });
}

console.log(
  `\nRandWire on MNIST (${EPOCHS} epochs, N = ${NODES} nodes per stage, C = ${CHANNELS}, shifts ±${MAX_SHIFT} px)`,
);
console.log('generator     edges/stage   parameters   train acc*  test acc   seconds');
for (const r of rows) {
  console.log(
    `${r.name.padEnd(13)} ${r.edges.padEnd(13)} ${String(r.parameters).padStart(10)}   ` +
      `${(100 * r.trainAccuracy).toFixed(2).padStart(7)} %  ${(100 * r.testAccuracy).toFixed(2).padStart(6)} %  ` +
      `${r.seconds.toFixed(0).padStart(7)}`,
  );
}
console.log('* on the shifted training digits, in training mode, over the last epoch');
console.log(`\nstage graphs (DOT and JSON) written to ${OUT_DIR}/{ws,er,ba}/`);
