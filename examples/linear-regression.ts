/**
 * Linear regression on the diabetes data (442 patients, 10 baseline measurements, disease progression a year
 * later): one input (BMI) against all ten, the exact least-squares solution against gradient descent, and
 * ridge regression, each scored on a held-out 20 % of the patients by R², MSE and MAE.
 *
 * Run: npm run build && npx tsx examples/linear-regression.ts
 */
import * as nt from 'neurite';

const { data, models } = nt;

const seconds = (start: number) => ((performance.now() - start) / 1000).toFixed(3);

function report(
  name: string,
  model: nt.models.LinearRegression,
  x: nt.Tensor,
  y: nt.Tensor,
  time: string,
): void {
  const r2 = model.score(x, y).toFixed(3);
  const mse = model.mse(x, y).toFixed(0);
  const mae = model.mae(x, y).toFixed(1);
  console.log(
    `${name.padEnd(44)} R² ${r2.padStart(6)}   MSE ${mse.padStart(5)}   MAE ${mae.padStart(5)}   ${time} s`,
  );
}

const diabetes = nt.loadDiabetes(); // features scaled as scikit-learn's load_diabetes() scales them
const { xTrain, xTest, yTrain, yTest } = data.trainTestSplit(diabetes.x, diabetes.y, {
  testSize: 0.2,
  seed: 0,
});
console.log(
  `diabetes: ${xTrain.shape[0]} training and ${xTest.shape[0]} test patients, ${xTrain.shape[1]} inputs`,
);
console.log('(scores on the held-out test patients)\n');

// One input: progression against body-mass index, a straight line.
const bmiColumn = nt.tensor([diabetes.featureNames.indexOf('bmi')], [1], { dtype: 'int32' });
const bmiTrain = nt.indexSelect(xTrain, 1, bmiColumn);
const bmiTest = nt.indexSelect(xTest, 1, bmiColumn);
let start = performance.now();
const line = new models.LinearRegression().fit(bmiTrain, yTrain);
report('exact, BMI only', line, bmiTest, yTest, seconds(start));
console.log(
  `  progression ≈ ${line.weight!.data[0].toFixed(1)} · bmi + ${line.bias!.data[0].toFixed(1)} (scaled BMI units)`,
);

// All ten inputs.
start = performance.now();
const exact = new models.LinearRegression().fit(xTrain, yTrain);
report('exact (QR least squares), all inputs', exact, xTest, yTest, seconds(start));
const coefs = diabetes.featureNames
  .map((name, j) => `${name} ${exact.weight!.data[j].toFixed(0)}`)
  .join(', ');
console.log(`  coefficients: ${coefs}`);

// Gradient descent needs features on comparable scales: standardise with statistics of the training part.
const scaler = new data.StandardScaler().fit(xTrain);
const zTrain = scaler.transform(xTrain);
const zTest = scaler.transform(xTest);
const exactZ = new models.LinearRegression().fit(zTrain, yTrain);
for (const epochs of [50, 500, 5000]) {
  start = performance.now();
  const gd = new models.LinearRegression({ method: 'gd', lr: 0.1, epochs }).fit(zTrain, yTrain);
  const time = seconds(start);
  report(`gradient descent, ${epochs} epochs (standardised)`, gd, zTest, yTest, time);
  let gap = 0;
  for (let j = 0; j < 10; j++) gap = Math.max(gap, Math.abs(gd.weight!.data[j] - exactZ.weight!.data[j]));
  console.log(
    `  training MSE ${gd.lossHistory.at(-1)!.toFixed(1)}, largest coefficient gap to the exact fit ${gap.toFixed(3)}`,
  );
}

// The same model is a Module: the library's training loop fits it like any network (mini-batches, SGD).
nt.manualSeed(0);
const viaFit = new models.LinearRegression({ inFeatures: 10 });
start = performance.now();
await nt.train.fit(
  viaFit,
  { x: zTrain, y: yTrain.reshape([-1, 1]) },
  {
    epochs: 100,
    batchSize: 32,
    loss: 'mse',
    optimizer: new nt.optim.SGD(viaFit.parameters(), { lr: 0.01 }),
    verbose: 'silent',
    seed: 0,
  },
);
report('nt.train.fit, SGD mini-batches, 100 epochs', viaFit, zTest, yTest, seconds(start));

// Ridge: an L2 penalty shrinks the coefficients of correlated inputs (the six blood serum measurements).
for (const alpha of [1, 10, 100]) {
  start = performance.now();
  const ridge = new models.LinearRegression({ alpha }).fit(zTrain, yTrain);
  const time = seconds(start);
  let norm = 0;
  for (let j = 0; j < 10; j++) norm += ridge.weight!.data[j] ** 2;
  report(`ridge, alpha ${alpha} (standardised)`, ridge, zTest, yTest, time);
  console.log(`  ‖w‖ = ${Math.sqrt(norm).toFixed(1)}`);
}
