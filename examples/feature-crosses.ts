/**
 * The lecture's lesson on feature crosses. A linear classifier draws one straight boundary, so on XOR and on
 * two concentric circles it does no better than a coin. Crossing the features (x₁·x₂, x₁², …, the
 * PolynomialFeatures transform) lets the same logistic regression separate them; a small MLP learns such
 * features by itself from the raw inputs. Crosses do not scale, though: the last table counts them for images.
 *
 * Run: npm run build && npx tsx examples/feature-crosses.ts
 */
import * as nt from 'neurite';

const { data, models } = nt;

const pct = (v: number) => `${(100 * v).toFixed(1)} %`.padStart(7);

async function mlpAccuracy(
  xTrain: nt.Tensor,
  yTrain: nt.Tensor,
  xTest: nt.Tensor,
  yTest: nt.Tensor,
): Promise<number> {
  nt.manualSeed(0);
  const mlp = new models.MLP({ sizes: [2, 16, 16, 2], activation: 'relu', init: 'he' });
  await nt.train.fit(
    mlp,
    { x: xTrain, y: yTrain },
    {
      epochs: 200,
      batchSize: 32,
      optimizer: new nt.optim.Adam(mlp.parameters(), { lr: 0.01 }),
      loss: 'crossEntropy',
      verbose: 'silent',
      seed: 0,
    },
  );
  mlp.eval();
  return nt.train.accuracy(nt.train.predict(mlp, xTest), yTest);
}

const problems = {
  'XOR (quadrants)': data.makeXor({ n: 600, noise: 0.05, seed: 1 }),
  'concentric circles': data.makeCircles({ n: 600, noise: 0.05, factor: 0.5, seed: 1 }),
};

console.log(
  'test accuracy                 logistic raw   + crosses deg 2   + crosses deg 3   MLP 2-16-16-2 raw   seconds',
);
for (const [name, { x, y }] of Object.entries(problems)) {
  const start = performance.now();
  const s = data.trainTestSplit(x, y, { testSize: 0.25, seed: 0, stratify: true });
  const raw = new models.LogisticRegression().fit(s.xTrain, s.yTrain).score(s.xTest, s.yTest);
  const crossed = [2, 3].map((degree) => {
    const poly = new data.PolynomialFeatures({ degree });
    const scaler = new data.StandardScaler();
    const train = scaler.fitTransform(poly.fitTransform(s.xTrain));
    const test = scaler.transform(poly.transform(s.xTest));
    return new models.LogisticRegression().fit(train, s.yTrain).score(test, s.yTest);
  });
  const mlp = await mlpAccuracy(s.xTrain, s.yTrain, s.xTest, s.yTest);
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(
    `${name.padEnd(28)} ${pct(raw).padStart(14)} ${pct(crossed[0]).padStart(17)} ${pct(crossed[1]).padStart(17)} ${pct(mlp).padStart(19)} ${seconds.padStart(9)}`,
  );
}

const poly2 = new data.PolynomialFeatures({ degree: 2 }).fit(nt.zeros([1, 2]));
console.log(`\nthe degree-2 crosses of (a, b): ${poly2.featureNamesOut(['a', 'b']).join(', ')}`);

console.log(
  '\nThe combinatorial explosion: cross features of every pixel (monomials of degree 1…d, no bias)',
);
console.log('image                    inputs          degree 2                  degree 3');
for (const [label, side] of [
  ['28 × 28 (MNIST)', 28],
  ['1024 × 1024', 1024],
] as const) {
  const n = side * side;
  const [d2, d3] = [2, 3].map((d) => data.PolynomialFeatures.countOutputFeatures(n, d));
  console.log(
    `${label.padEnd(18)} ${n.toLocaleString('en').padStart(12)} ${d2.toLocaleString('en').padStart(17)} ${d3.toLocaleString('en').padStart(25)}`,
  );
}
console.log(
  '(a single float32 weight per degree-3 cross of a 1024 × 1024 image would take about 770 petabytes)',
);
