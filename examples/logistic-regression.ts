/**
 * Logistic regression on three real tables: breast cancer (binary: a sigmoid output), iris and wine
 * (multinomial: a softmax over the classes). Each is split 80/20 with the class proportions kept, standardised
 * with the training part's statistics, fitted by full-batch L-BFGS with scikit-learn's default penalty (C = 1),
 * and scored on the held-out part.
 *
 * Run: npm run build && npx tsx examples/logistic-regression.ts
 */
import * as nt from 'neurite';

const { data, models } = nt;

function run(name: string, table: { x: nt.Tensor; y: nt.Tensor; targetNames?: string[] }): void {
  const split = data.trainTestSplit(table.x, table.y, { testSize: 0.2, seed: 0, stratify: true });
  const scaler = new data.StandardScaler().fit(split.xTrain);
  const xTrain = scaler.transform(split.xTrain);
  const xTest = scaler.transform(split.xTest);

  const start = performance.now();
  const model = new models.LogisticRegression({ C: 1 }).fit(xTrain, split.yTrain);
  const seconds = (performance.now() - start) / 1000;

  const kind = model.isBinary ? 'binary (sigmoid)' : `multinomial (softmax over ${model.numClasses})`;
  console.log(
    `\n${name}: ${xTrain.shape[0]} training / ${xTest.shape[0]} test rows, ${xTrain.shape[1]} features, ${kind}`,
  );
  console.log(
    `  L-BFGS: ${model.nIter} iterations, ${model.converged ? 'converged' : 'stopped at maxIter'}, ${seconds.toFixed(3)} s`,
  );
  console.log(
    `  accuracy: train ${(100 * model.score(xTrain, split.yTrain)).toFixed(1)} %, test ${(100 * model.score(xTest, split.yTest)).toFixed(1)} %`,
  );
  const proba = model.predictProba(xTest);
  const scores = nt.train.precisionRecallF1(proba, split.yTest);
  console.log(`  test macro F1 ${scores.f1.toFixed(3)}; confusion matrix (rows: true class):`);
  const matrix = nt.train.confusionMatrix(proba, split.yTest);
  matrix.forEach((row, i) => {
    console.log(
      `    ${(table.targetNames?.[i] ?? String(i)).padEnd(12)} ${row.map((v) => String(v).padStart(4)).join('')}`,
    );
  });
  const first = [...proba.data.subarray(0, proba.shape[1])].map((p) => p.toFixed(3)).join(', ');
  console.log(`  first test row: probabilities [${first}], true class ${split.yTest.data[0]}`);
}

run('Breast cancer (Wisconsin diagnostic)', nt.loadBreastCancer());
run('Iris', nt.loadIris());
run('Wine', nt.loadWine());
