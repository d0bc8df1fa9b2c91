import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { expectClose } from '../helpers/gradcheck.js';

const {
  StandardScaler,
  MinMaxScaler,
  OneHotEncoder,
  LabelEncoder,
  PolynomialFeatures,
  preprocessorFromJSON,
  trainTestSplit,
} = nt.data;

// test/fixtures/preprocessing.json: scikit-learn's outputs (scripts/fixtures/preprocessing.py)
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/preprocessing.json', import.meta.url), 'utf8'),
) as {
  standardScaler: {
    options: { withMean: boolean; withStd: boolean };
    x: number[][];
    xTest: number[][];
    mean: number[] | null;
    var: number[] | null;
    scale: number[] | null;
    transform: number[][];
    transformTest: number[][];
    inverseTest: number[][];
  }[];
  minMaxScaler: {
    options: { featureRange: [number, number]; clip: boolean };
    x: number[][];
    xTest: number[][];
    dataMin: number[];
    dataMax: number[];
    scale: number[];
    min: number[];
    transform: number[][];
    transformTest: number[][];
    inverseTest: number[][];
  }[];
  oneHotEncoder: {
    x: (string | number)[][];
    handleUnknown: 'error' | 'ignore';
    categories: (string | number)[][];
    transform: number[][];
    xTest: (string | number)[][];
    transformTest: number[][];
    inputNames: string[];
    featureNames: string[];
    defaultFeatureNames: string[];
  }[];
  labelEncoder: { y: (string | number)[]; classes: (string | number)[]; transform: number[] }[];
  polynomialFeatures: {
    options: { degree: number; interactionOnly: boolean; includeBias: boolean };
    x: number[][];
    nOutputFeatures: number;
    powers: number[][];
    transform: number[][];
    featureNames: string[];
    defaultFeatureNames: string[];
  }[];
  polynomialCounts: {
    nFeatures: number;
    degree: number;
    interactionOnly: boolean;
    includeBias: boolean;
    count: string;
  }[];
};

const t = (rows: number[][]) => nt.tensor(rows);
const close = (actual: nt.Tensor, expected: number[][], what: string, atol = 1e-5) =>
  expectClose(actual.data, expected.flat(), { atol, rtol: 1e-5 }, what);

describe('StandardScaler matches scikit-learn', () => {
  fixture.standardScaler.forEach((c, k) => {
    it(`case ${k}: ${JSON.stringify(c.options)}`, () => {
      const s = new StandardScaler(c.options).fit(t(c.x));
      if (c.mean) expectClose(s.mean!, c.mean, { atol: 1e-9, rtol: 1e-9 }, 'mean');
      if (c.var) expectClose(s.var!, c.var, { atol: 1e-12, rtol: 1e-7 }, 'var');
      if (c.scale) expectClose(s.scale!, c.scale, { atol: 1e-12, rtol: 1e-7 }, 'scale');
      close(s.transform(t(c.x)), c.transform, 'transform(x)');
      close(s.transform(t(c.xTest)), c.transformTest, 'transform(xTest)');
      close(s.inverseTransform(t(c.xTest)), c.inverseTest, 'inverseTransform', 1e-4);
      close(s.fitTransform(t(c.x)), c.transform, 'fitTransform');
    });
  });

  it('leaves a constant column centred but unscaled (scale 1)', () => {
    const s = new StandardScaler().fit(
      t([
        [1, 5],
        [2, 5],
        [3, 5],
      ]),
    );
    expect(s.scale).toEqual([Math.sqrt(2 / 3), 1]);
    expect((s.transform(t([[2, 7]])).toArray() as number[][])[0]).toEqual([0, 2]);
  });

  it('round-trips through JSON', () => {
    const c = fixture.standardScaler[0];
    const s = new StandardScaler().fit(t(c.x));
    const copy = preprocessorFromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(copy).toBeInstanceOf(StandardScaler);
    expect((copy as nt.data.StandardScaler).transform(t(c.xTest)).data).toEqual(s.transform(t(c.xTest)).data);
  });
});

describe('MinMaxScaler matches scikit-learn', () => {
  fixture.minMaxScaler.forEach((c, k) => {
    it(`case ${k}: ${JSON.stringify(c.options)}`, () => {
      const s = new MinMaxScaler(c.options).fit(t(c.x));
      expectClose(s.dataMin!, c.dataMin, { atol: 0, rtol: 0 }, 'dataMin');
      expectClose(s.dataMax!, c.dataMax, { atol: 0, rtol: 0 }, 'dataMax');
      expectClose(s.scale!, c.scale, { atol: 1e-12, rtol: 1e-12 }, 'scale');
      expectClose(s.min!, c.min, { atol: 1e-12, rtol: 1e-12 }, 'min');
      close(s.transform(t(c.x)), c.transform, 'transform(x)');
      close(s.transform(t(c.xTest)), c.transformTest, 'transform(xTest)');
      close(s.inverseTransform(t(c.xTest)), c.inverseTest, 'inverseTransform', 1e-4);
    });
  });

  it('round-trips through JSON', () => {
    const c = fixture.minMaxScaler[2];
    const s = new MinMaxScaler(c.options).fit(t(c.x));
    const copy = MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(copy.clip).toBe(true);
    expect(copy.transform(t(c.xTest)).data).toEqual(s.transform(t(c.xTest)).data);
  });

  it('rejects an empty feature range', () => {
    expect(() => new MinMaxScaler({ featureRange: [1, 1] })).toThrow(/min < max/);
  });
});

describe('OneHotEncoder matches scikit-learn', () => {
  fixture.oneHotEncoder.forEach((c, k) => {
    it(`case ${k}: handleUnknown ${c.handleUnknown}`, () => {
      const enc = new OneHotEncoder({ handleUnknown: c.handleUnknown }).fit(c.x);
      expect(enc.categories).toEqual(c.categories);
      close(enc.transform(c.x), c.transform, 'transform(x)');
      close(enc.transform(c.xTest), c.transformTest, 'transform(xTest)');
      expect(enc.featureNamesOut(c.inputNames)).toEqual(c.featureNames);
      expect(enc.featureNamesOut()).toEqual(c.defaultFeatureNames);
      expect(enc.inverseTransform(enc.transform(c.x))).toEqual(c.x);
    });
  });

  it('accepts a tensor of codes', () => {
    const c = fixture.oneHotEncoder[0];
    const enc = new OneHotEncoder().fit(nt.tensor(c.x as number[][], { dtype: 'int32' }));
    expect(enc.categories).toEqual(c.categories);
    close(enc.transform(nt.tensor(c.xTest as number[][])), c.transformTest, 'transform');
  });

  it('reports an unknown category, or encodes it as zeros with ignore', () => {
    const enc = new OneHotEncoder().fit([['red'], ['blue']]);
    expect(() => enc.transform([['blue'], ['green']])).toThrow(
      /row 1, column 0 holds "green", a category not seen/,
    );
    const ignoring = new OneHotEncoder({ handleUnknown: 'ignore' }).fit([['red'], ['blue']]);
    expect(ignoring.transform([['green']]).toArray()).toEqual([[0, 0]]);
    expect(ignoring.inverseTransform(ignoring.transform([['green'], ['red']]))).toEqual([[null], ['red']]);
  });

  it('uses given categories', () => {
    const enc = new OneHotEncoder({ categories: [['s', 'm', 'l']] }).fit([['m']]);
    expect(enc.categories).toEqual([['s', 'm', 'l']]);
    expect(enc.transform([['s'], ['l']]).toArray()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(() => new OneHotEncoder({ categories: [['s']] }).fit([['m']])).toThrow(
      /row 0, column 0 holds "m"/,
    );
    expect(() => new OneHotEncoder({ categories: [['s', 's']] }).fit([['s']])).toThrow(/repeat a value/);
  });

  it('round-trips through JSON', () => {
    const c = fixture.oneHotEncoder[1];
    const enc = new OneHotEncoder({ handleUnknown: 'ignore' }).fit(c.x);
    const copy = preprocessorFromJSON(JSON.parse(JSON.stringify(enc.toJSON()))) as nt.data.OneHotEncoder;
    expect(copy.handleUnknown).toBe('ignore');
    expect(copy.transform(c.xTest).data).toEqual(enc.transform(c.xTest).data);
  });

  it('refuses mixed strings and numbers, NaN and ragged rows', () => {
    expect(() => new OneHotEncoder().fit([['a'], [1]])).toThrow(/mixes strings and numbers/);
    expect(() => new OneHotEncoder().fit(nt.tensor([[1], [Number.NaN]]))).toThrow(/row 1, column 0 is NaN/);
    expect(() => new OneHotEncoder().fit([['a', 'b'], ['c']])).toThrow(/row 1 has 1 values, row 0 has 2/);
  });
});

describe('LabelEncoder matches scikit-learn', () => {
  fixture.labelEncoder.forEach((c, k) => {
    it(`case ${k}`, () => {
      const enc = new LabelEncoder().fit(c.y);
      expect(enc.classes).toEqual(c.classes);
      const codes = enc.transform(c.y);
      expect(codes.dtype).toBe('int32');
      expect(codes.toList()).toEqual(c.transform);
      expect(enc.inverseTransform(codes)).toEqual(c.y);
    });
  });

  it('encodes a tensor of labels and reports unknown labels and codes', () => {
    const enc = new LabelEncoder().fit(nt.tensor([3, 1, 3, 7], { dtype: 'int32' }));
    expect(enc.classes).toEqual([1, 3, 7]);
    expect(enc.nClasses).toBe(3);
    expect(enc.transform([7, 1]).toList()).toEqual([2, 0]);
    expect(() => enc.transform([1, 5])).toThrow(/label 1 is 5, not seen in fit/);
    expect(() => enc.inverseTransform([3])).toThrow(/code 0 is 3, outside 0…2/);
    const copy = LabelEncoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
    expect(copy.transform([3]).toList()).toEqual([1]);
  });
});

describe('PolynomialFeatures matches scikit-learn', () => {
  fixture.polynomialFeatures.forEach((c) => {
    it(JSON.stringify(c.options), () => {
      const poly = new PolynomialFeatures(c.options).fit(t(c.x));
      expect(poly.nOutputFeatures).toBe(c.nOutputFeatures);
      // the column order: each column's feature indices, as scikit-learn's powers_ rows
      const powers = poly.combinations().map((combo) => {
        const row = new Array<number>(c.x[0].length).fill(0);
        for (const j of combo) row[j]++;
        return row;
      });
      expect(powers).toEqual(c.powers);
      close(poly.transform(t(c.x)), c.transform, 'transform', 1e-4);
      expect(poly.featureNamesOut(['a', 'b', 'c'])).toEqual(c.featureNames);
      expect(poly.featureNamesOut()).toEqual(c.defaultFeatureNames);
      const copy = preprocessorFromJSON(
        JSON.parse(JSON.stringify(poly.toJSON())),
      ) as nt.data.PolynomialFeatures;
      expect(copy.transform(t(c.x)).data).toEqual(poly.transform(t(c.x)).data);
    });
  });

  it('defaults to degree 2 without the bias column', () => {
    const poly = new PolynomialFeatures().fit(t([[2, 3]]));
    expect(poly.transform(t([[2, 3]])).toArray()).toEqual([[2, 3, 4, 6, 9]]);
  });

  it('counts output features exactly, as math.comb does', () => {
    for (const c of fixture.polynomialCounts) {
      const got = PolynomialFeatures.countOutputFeatures(c.nFeatures, c.degree, c);
      expect(got.toString(), JSON.stringify(c)).toBe(c.count);
    }
    // the lecture's figures: 28 × 28 and 1024 × 1024 images
    expect(PolynomialFeatures.countOutputFeatures(784, 2)).toBe(308_504n);
    expect(PolynomialFeatures.countOutputFeatures(784, 3)).toBe(80_931_144n);
    expect(PolynomialFeatures.countOutputFeatures(1024 * 1024, 2)).toBe(549_757_386_752n);
    expect(PolynomialFeatures.countOutputFeatures(1024 * 1024, 3)).toBe(192_154_683_614_691_328n);
    // beyond 2^53, where a float count would be off
    expect(PolynomialFeatures.countOutputFeatures(1024 * 1024, 3) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(
      true,
    );
  });

  it('refuses to materialise an enormous expansion, naming the count', () => {
    const x = nt.zeros([1, 784]);
    expect(() => new PolynomialFeatures({ degree: 3 }).fit(x)).toThrow(/80,931,144 output columns/);
  });

  it('rejects bad options', () => {
    expect(() => new PolynomialFeatures({ degree: 0 })).toThrow(/no output columns/);
    expect(() => new PolynomialFeatures({ degree: 1.5 })).toThrow(/non-negative integer/);
  });
});

describe('transformer errors', () => {
  const transformers = () => [
    new StandardScaler(),
    new MinMaxScaler(),
    new PolynomialFeatures(),
    new OneHotEncoder(),
  ];

  it('refuses transform, inverse and toJSON before fit', () => {
    for (const tr of transformers()) {
      expect(() => tr.transform(t([[1, 2]]))).toThrow(/not fitted yet; call fit\(x\) first/);
      expect(() => tr.toJSON()).toThrow(nt.ValueError);
    }
    expect(() => new LabelEncoder().transform([1])).toThrow(/not fitted yet/);
  });

  it('names the fitted and the given number of columns', () => {
    for (const tr of transformers()) {
      tr.fit(
        t([
          [1, 2],
          [3, 4],
        ]),
      );
      expect(() => tr.transform(t([[1, 2, 3]]))).toThrow(nt.ShapeError);
    }
    expect(() => new StandardScaler().fit(t([[1, 2]])).transform(t([[1, 2, 3]]))).toThrow(
      /fitted on 2 features, got 3/,
    );
  });

  it('names the row and column of a NaN or infinity', () => {
    const bad = t([
      [1, 2],
      [3, Number.NaN],
    ]);
    for (const tr of [new StandardScaler(), new MinMaxScaler(), new PolynomialFeatures()]) {
      expect(() => tr.fit(bad)).toThrow(/row 1, column 1 is NaN/);
    }
    const s = new StandardScaler().fit(t([[1, 2]]));
    expect(() => s.transform(t([[Number.POSITIVE_INFINITY, 0]]))).toThrow(/row 0, column 0 is Infinity/);
  });

  it('wants 2-D input and at least one sample', () => {
    expect(() => new StandardScaler().fit(nt.tensor([1, 2, 3]))).toThrow(/expected a 2-D tensor/);
    expect(() => new MinMaxScaler().fit(nt.zeros([0, 3]))).toThrow(/0 samples/);
    expect(() => preprocessorFromJSON({ type: 'Nope' } as never)).toThrow(/unknown type "Nope"/);
  });
});

describe('trainTestSplit', () => {
  const n = 40;
  const x = nt.tensor(Array.from({ length: n }, (_, i) => [i, -i]));
  const y = nt.tensor(
    Array.from({ length: n }, (_, i) => (i < 30 ? 0 : i < 36 ? 1 : 2)),
    { dtype: 'int32' },
  );

  it('sizes the parts as scikit-learn (test size rounded up) and keeps rows together', () => {
    const s = trainTestSplit(x, y, { seed: 1 });
    expect(s.xTest.shape).toEqual([10, 2]);
    expect(s.xTrain.shape).toEqual([30, 2]);
    expect(trainTestSplit(x, { testSize: 0.33, seed: 1 }).xTest.shape[0]).toBe(Math.ceil(0.33 * n));
    expect(trainTestSplit(x, { testSize: 7, seed: 1 }).xTest.shape[0]).toBe(7);
    const partial = trainTestSplit(x, { trainSize: 0.5, testSize: 0.25, seed: 1 });
    expect([partial.xTrain.shape[0], partial.xTest.shape[0]]).toEqual([20, 10]);
    for (const [xs, ys] of [
      [s.xTrain, s.yTrain],
      [s.xTest, s.yTest],
    ]) {
      const rows = xs.toArray() as number[][];
      rows.forEach(([i, minus], k) => {
        expect(minus).toBe(-i);
        expect(ys.data[k]).toBe(y.data[i]);
      });
    }
    const all = [...s.trainIndices, ...s.testIndices].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('repeats with a seed and differs across seeds', () => {
    const a = trainTestSplit(x, y, { seed: 7 });
    const b = trainTestSplit(x, y, { seed: 7 });
    const c = trainTestSplit(x, y, { seed: 8 });
    expect(a.testIndices).toEqual(b.testIndices);
    expect(a.testIndices).not.toEqual(c.testIndices);
    expect(trainTestSplit(x, y, { generator: new nt.Generator(7) }).testIndices).toEqual(a.testIndices);
  });

  it('stratifies: each class keeps its share in both parts', () => {
    for (let seed = 0; seed < 5; seed++) {
      const s = trainTestSplit(x, y, { testSize: 0.25, seed, stratify: true });
      const counts = (t: nt.Tensor) => [0, 1, 2].map((k) => t.toList().filter((v) => v === k).length);
      expect(counts(s.yTest)).toEqual([8, 1, 1]); // 30·10/40 = 7.5, 6·0.25 = 1.5, 4·0.25 = 1 → 8, 1, 1 (largest remainder)
      expect(counts(s.yTrain)).toEqual([22, 5, 3]);
    }
    const labels = Array.from({ length: n }, (_, i) => (i % 2 ? 'odd' : 'even'));
    const s = trainTestSplit(x, { testSize: 10, seed: 3, stratify: labels });
    expect(s.testIndices.filter((i) => i % 2).length).toBe(5);
  });

  it('without shuffle, keeps the order and puts the tail in the test part', () => {
    const s = trainTestSplit(x, y, { shuffle: false, testSize: 4 });
    expect([...s.testIndices]).toEqual([36, 37, 38, 39]);
    expect(s.trainIndices[0]).toBe(0);
  });

  it('explains impossible requests', () => {
    expect(() => trainTestSplit(x, y, { testSize: 40 })).toThrow(/leaves nothing/);
    expect(() => trainTestSplit(x, y, { testSize: 1.5 })).toThrow(/fraction in \(0, 1\) or a whole number/);
    expect(() => trainTestSplit(x, nt.zeros([3]))).toThrow(/x has 40 samples/);
    expect(() => trainTestSplit(x, y, { stratify: true, shuffle: false })).toThrow(/stratify needs shuffle/);
    const lonely = nt.tensor([0, 0, 0, 1], { dtype: 'int32' });
    expect(() => trainTestSplit(nt.zeros([4, 1]), lonely, { stratify: true })).toThrow(
      /class 1 has only 1 sample/,
    );
    expect(() => trainTestSplit(x, { stratify: true })).toThrow(/needs y/);
  });
});
