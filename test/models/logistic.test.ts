import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StandardScaler } from '../../src/data/preprocessing.js';
import { loadBreastCancer, loadIris, loadWine } from '../../src/data/tabular.js';
import * as nt from '../../src/index.js';
import { expectClose } from '../helpers/gradcheck.js';

const { models } = nt;

interface LogisticFit {
  options: { C: number; fit_intercept?: boolean };
  coef: number[];
  coefShape: [number, number];
  intercept: number[];
  trainAccuracy: number;
  testAccuracy?: number;
  proba?: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/regression.json', import.meta.url), 'utf8')) as {
  breastCancer: {
    trainIndex: number[];
    testIndex: number[];
    C1: LogisticFit;
    'C0.05': LogisticFit;
    sklearnDefaultTestAccuracy: number;
  };
  iris: LogisticFit;
  wine: LogisticFit;
};

const rows = (x: nt.Tensor, index: number[]) =>
  nt.indexSelect(x, 0, nt.tensor(index, [index.length], { dtype: 'int32' }));

/**
 * Coefficients (and intercepts) within 1e-3 of sklearn's exact optimum, relative to the largest of them: the
 * float32 objective cannot place coefficients near zero to a relative precision of their own.
 */
function expectSklearn(model: nt.models.LogisticRegression, ref: LogisticFit, what: string): void {
  expect(model.weight!.shape, `${what}: weight shape`).toEqual(ref.coefShape);
  const ours = [...model.weight!.data, ...(model.bias ? model.bias.data : [])];
  const theirs = [...ref.coef, ...(model.bias ? ref.intercept : [])];
  const scale = Math.max(...theirs.map(Math.abs));
  expectClose(ours, theirs, { atol: 1e-3 * scale, rtol: 0 }, `${what}: coefficients`);
}

describe('LogisticRegression against scikit-learn (lbfgs, same C)', () => {
  const bc = loadBreastCancer();
  const { trainIndex, testIndex } = fixture.breastCancer;
  const scaler = new StandardScaler().fit(rows(bc.x, trainIndex));
  const xTrain = scaler.transform(rows(bc.x, trainIndex));
  const xTest = scaler.transform(rows(bc.x, testIndex));
  const yTrain = rows(bc.y, trainIndex);
  const yTest = rows(bc.y, testIndex);

  it('breast cancer (binary, C = 1): same coefficients and at least sklearn’s test accuracy (≥ 95%)', () => {
    const model = new models.LogisticRegression({ C: 1 }).fit(xTrain, yTrain);
    expect(model.converged).toBe(true);
    expectSklearn(model, fixture.breastCancer.C1, 'C=1');
    const accuracy = model.score(xTest, yTest);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(accuracy).toBeGreaterThanOrEqual(fixture.breastCancer.sklearnDefaultTestAccuracy);
    expect(model.score(xTrain, yTrain)).toBeCloseTo(fixture.breastCancer.C1.trainAccuracy, 6);
    expectClose(
      model.predictProba(nt.narrow(xTrain, 0, 0, 3)).data,
      fixture.breastCancer.C1.proba!,
      { atol: 1e-4, rtol: 0 },
      'proba',
    );
  });

  it('breast cancer with a strong penalty (C = 0.05), and the same fit written as an l2 strength', () => {
    const ref = fixture.breastCancer['C0.05'];
    const model = new models.LogisticRegression({ C: 0.05 }).fit(xTrain, yTrain);
    expectSklearn(model, ref, 'C=0.05');
    expect(model.score(xTest, yTest)).toBeCloseTo(ref.testAccuracy!, 6);
    const viaL2 = new models.LogisticRegression({ l2: 1 / (0.05 * trainIndex.length) }).fit(xTrain, yTrain);
    expectClose(viaL2.weight!.data, model.weight!.data, { atol: 1e-6, rtol: 0 }, 'l2 = 1/(C·N)');
  });

  it('iris (multinomial, 3 classes): coefficients and probabilities', () => {
    const iris = loadIris();
    const x = new StandardScaler().fitTransform(iris.x);
    const model = new models.LogisticRegression({ C: 1 }).fit(x, iris.y);
    expectSklearn(model, fixture.iris, 'iris');
    expect(model.score(x, iris.y)).toBeCloseTo(fixture.iris.trainAccuracy, 6);
    const proba = model.predictProba(nt.narrow(x, 0, 0, 3));
    expect(proba.shape).toEqual([3, 3]);
    expectClose(proba.data, fixture.iris.proba!, { atol: 1e-4, rtol: 0 }, 'iris proba');
  });

  it('wine (multinomial, C = 0.1, no intercept)', () => {
    const wine = loadWine();
    const x = new StandardScaler().fitTransform(wine.x);
    const model = new models.LogisticRegression({ C: 0.1, fitIntercept: false }).fit(x, wine.y);
    expect(model.bias).toBeNull();
    expect(Object.keys(model.stateDict())).toEqual(['weight']);
    expectSklearn(model, fixture.wine, 'wine');
    expect(model.score(x, wine.y)).toBeCloseTo(fixture.wine.trainAccuracy, 6);
  });
});

describe('LogisticRegression shapes and probabilities', () => {
  const gen = new nt.Generator(5);
  const x = nt.randn([60, 2], { generator: gen });
  // three blobs, shifted apart along the axes
  const y3 = nt.tensor(
    Array.from({ length: 60 }, (_, i) => i % 3),
    [60],
    { dtype: 'int32' },
  );
  const shift = nt.tensor(
    Array.from(
      { length: 60 },
      (_, i) =>
        [
          [0, 0],
          [3, 0],
          [0, 3],
        ][i % 3],
    ),
  );
  const x3 = x.add(shift);
  const y2 = nt.tensor(
    Array.from({ length: 60 }, (_, i) => i % 2),
    [60],
    { dtype: 'int32' },
  );
  const x2 = x.add(nt.tensor(Array.from({ length: 60 }, (_, i) => [2 * (i % 2), 0])));

  it('binary: one output, probabilities [N, 2] summing to 1, class predictions int32 [N]', () => {
    const model = new models.LogisticRegression().fit(x2, y2);
    expect(model.isBinary).toBe(true);
    expect(model.weight!.shape).toEqual([1, 2]);
    expect(model.forward(x2).shape).toEqual([60, 1]);
    const p = model.predictProba(x2);
    expect(p.shape).toEqual([60, 2]);
    for (let i = 0; i < 60; i++) expect(p.data[2 * i] + p.data[2 * i + 1]).toBeCloseTo(1, 6);
    const pred = model.predict(x2);
    expect(pred.dtype).toBe('int32');
    expect(pred.shape).toEqual([60]);
    for (let i = 0; i < 60; i++) expect(pred.data[i]).toBe(p.data[2 * i + 1] > 0.5 ? 1 : 0);
    expect(model.score(x2, y2)).toBeGreaterThan(0.8);
  });

  it('multinomial: K outputs, softmax rows summing to 1, argmax predictions', () => {
    const model = new models.LogisticRegression().fit(x3, y3);
    expect(model.numClasses).toBe(3);
    expect(model.weight!.shape).toEqual([3, 2]);
    const p = model.predictProba(x3);
    expect(p.shape).toEqual([60, 3]);
    const sums = p.sum(1);
    expectClose(sums.data, new Array(60).fill(1), { atol: 1e-6, rtol: 0 }, 'row sums');
    const pred = model.predict(x3);
    expect([...pred.data]).toEqual([...p.argmax(1).data]);
    expect(model.score(x3, y3)).toBeGreaterThan(0.8);
    // two classes forced through the softmax model: two outputs, same decisions as the sigmoid model
    const soft = new models.LogisticRegression({ multiClass: 'multinomial' }).fit(x2, y2);
    expect(soft.weight!.shape).toEqual([2, 2]);
    const sig = new models.LogisticRegression().fit(x2, y2);
    expect([...soft.predict(x2).data]).toEqual([...sig.predict(x2).data]);
  });

  it('fits deterministically, accepts whole-number float labels, and round-trips through a state dict', () => {
    const a = new models.LogisticRegression().fit(x3, y3);
    const b = new models.LogisticRegression().fit(x3, nt.cast(y3, 'float32'));
    expect([...b.weight!.data]).toEqual([...a.weight!.data]);
    expect(Object.keys(a.stateDict())).toEqual(['weight', 'bias']);
    const loaded = new models.LogisticRegression();
    loaded.loadStateDict(a.stateDict());
    expect(loaded.numClasses).toBe(3);
    expect([...loaded.predictProba(x3).data]).toEqual([...a.predictProba(x3).data]);
    const declared = new models.LogisticRegression({ inFeatures: 2, numClasses: 3 });
    expect(declared.weight!.shape).toEqual([3, 2]);
  });
});

describe('LogisticRegression errors', () => {
  const x = nt.zeros([10, 3]);
  it('names both shapes when x and y have different numbers of rows', () => {
    expect(() => new models.LogisticRegression().fit(x, nt.zeros([7], { dtype: 'int32' }))).toThrow(
      'LogisticRegression.fit: x has 10 rows ([10, 3]) but y has 7 ([7])',
    );
  });

  it('refuses to predict before fit', () => {
    for (const op of ['predict', 'predictProba'] as const) {
      expect(() => new models.LogisticRegression()[op](x)).toThrow(
        `LogisticRegression.${op}: the model is not fitted yet; call fit(x, y) first (or give inFeatures and numClasses and train or load it)`,
      );
    }
  });

  it('explains label and option mistakes', () => {
    expect(() => new models.LogisticRegression().fit(x, nt.full([10], 0.5))).toThrow(
      /labels must be class indices .* found 0.5 at row 0/,
    );
    const three = nt.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], [10], { dtype: 'int32' });
    expect(() => new models.LogisticRegression({ multiClass: 'binary' }).fit(x, three)).toThrow(
      /'binary' needs exactly 2 classes, the labels have 3/,
    );
    expect(() => new models.LogisticRegression({ numClasses: 2 }).fit(x, three)).toThrow(
      /label 2 is out of range for numClasses 2/,
    );
    expect(() => new models.LogisticRegression({ C: 1, l2: 0.1 })).toThrow(/give C or l2, not both/);
    expect(() => new models.LogisticRegression({ C: 0 })).toThrow(/C must be > 0/);
    expect(() => new models.LogisticRegression().fit(x, nt.zeros([10, 1], { dtype: 'int32' }))).toThrow(
      /expected y of shape \[N\], got \[10, 1\]/,
    );
  });
});
