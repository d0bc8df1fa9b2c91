import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDiabetes } from '../../src/data/tabular.js';
import * as nt from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';

const { models } = nt;

interface LinearFit {
  coef: number[];
  coefShape: [number, number];
  intercept: number[];
  r2: number;
  mse: number;
  columns?: number[];
  alpha?: number;
}
interface Fingerprint {
  shape: number[];
  firstRow: number[];
  sum: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/regression.json', import.meta.url), 'utf8'))
  .diabetes as Record<'all' | 'bmi' | 'noIntercept' | 'ridge' | 'multiTarget', LinearFit> & {
  fingerprint: Fingerprint;
  scaled: LinearFit & { fingerprint: Fingerprint };
};

const raw = loadDiabetes({ scaled: false });
const scaled = loadDiabetes();

/** The columns `cols` of x [N, F]. */
function columns(x: nt.Tensor, cols: number[]): nt.Tensor {
  return nt.indexSelect(x, 1, nt.tensor(cols, [cols.length], { dtype: 'int32' }));
}

function sumOf(t: nt.Tensor): number {
  let s = 0;
  for (let i = 0; i < t.size; i++) s += t.data[i];
  return s;
}

function checkFingerprint(x: nt.Tensor, f: Fingerprint, what: string): void {
  expect(x.shape, `${what}: shape`).toEqual(f.shape);
  expectClose(
    x.data.subarray(0, f.firstRow.length),
    f.firstRow,
    { rtol: 1e-6, atol: 1e-9 },
    `${what}: first row`,
  );
  const total = sumOf(x);
  expect(Math.abs(total - f.sum), `${what}: sum`).toBeLessThan(1e-6 * Math.max(1, Math.abs(f.sum)) + 1e-4);
}

/** Coefficients and intercepts within `rtol` of the reference, element by element. */
function expectCoefficients(
  model: nt.models.LinearRegression,
  ref: LinearFit,
  rtol: number,
  what: string,
): void {
  expect(model.weight!.shape, `${what}: weight shape`).toEqual(ref.coefShape);
  expectClose(model.weight!.data, ref.coef, { rtol, atol: 0 }, `${what}: coef`);
  if (model.fitIntercept)
    expectClose(model.bias!.data, ref.intercept, { rtol, atol: 0 }, `${what}: intercept`);
  else expect(model.bias).toBeNull();
}

describe('LinearRegression (exact) against scikit-learn on the diabetes data', () => {
  it('reads the same data the reference was computed on', () => {
    checkFingerprint(raw.x, fixture.fingerprint, 'raw diabetes');
    checkFingerprint(scaled.x, fixture.scaled.fingerprint, 'scaled diabetes');
  });

  it('matches the exact least-squares coefficients on all ten inputs to 1e-4 relative', () => {
    const model = new models.LinearRegression().fit(raw.x, raw.y);
    expectCoefficients(model, fixture.all, 1e-4, 'all inputs');
    expect(model.score(raw.x, raw.y)).toBeCloseTo(fixture.all.r2, 5);
    expectClose([model.mse(raw.x, raw.y)], [fixture.all.mse], { rtol: 1e-5 }, 'mse');
    const scaledModel = new models.LinearRegression().fit(scaled.x, scaled.y);
    expectCoefficients(scaledModel, fixture.scaled, 1e-4, 'scaled inputs');
  });

  it('fits a single input (BMI) and a line through the origin', () => {
    const bmi = new models.LinearRegression().fit(columns(raw.x, fixture.bmi.columns!), raw.y);
    expectCoefficients(bmi, fixture.bmi, 1e-4, 'bmi');
    expect(bmi.score(columns(raw.x, [2]), raw.y)).toBeCloseTo(fixture.bmi.r2, 5);
    const origin = new models.LinearRegression({ fitIntercept: false }).fit(raw.x, raw.y);
    expectCoefficients(origin, fixture.noIntercept, 1e-4, 'no intercept');
    expect(Object.keys(origin.stateDict())).toEqual(['weight']);
  });

  it('solves ridge regression without penalising the intercept', () => {
    const ridge = new models.LinearRegression({ alpha: fixture.ridge.alpha }).fit(raw.x, raw.y);
    expectCoefficients(ridge, fixture.ridge, 1e-4, 'ridge');
    // an overwhelming penalty leaves only the intercept, which is then the mean target
    const flat = new models.LinearRegression({ alpha: 1e12 }).fit(raw.x, raw.y);
    const mean = sumOf(raw.y) / raw.y.size;
    expect(Math.max(...[...flat.weight!.data].map(Math.abs))).toBeLessThan(1e-6);
    expect(flat.bias!.data[0]).toBeCloseTo(mean, 3);
  });

  it('fits several targets at once, each as if alone', () => {
    const ref = fixture.multiTarget;
    const x = columns(raw.x, ref.columns!);
    const bp = columns(raw.x, [3]);
    const y = nt.concat([nt.reshape(raw.y, [raw.y.size, 1]), bp], 1);
    const model = new models.LinearRegression().fit(x, y);
    expectCoefficients(model, ref, 1e-4, 'two targets');
    expect(model.predict(x).shape).toEqual([442, 2]);
    expect(model.score(x, y)).toBeCloseTo(ref.r2, 5);
    const alone = new models.LinearRegression().fit(x, nt.reshape(bp, [442]));
    expectClose(
      alone.weight!.data,
      model.weight!.data.subarray(9, 18),
      { rtol: 1e-6, atol: 1e-7 },
      'second target',
    );
    expect(alone.predict(x).shape).toEqual([442]);
  });

  it('returns the minimum-norm solution when inputs are collinear, as lstsq does', () => {
    // y = 2·a: with a duplicated column the minimum-norm split is 1 and 1
    const a = nt.tensor([[1], [2], [3], [4]]);
    const x = nt.concat([a, a], 1);
    const model = new models.LinearRegression({ fitIntercept: false }).fit(x, nt.tensor([2, 4, 6, 8]));
    expectClose(model.weight!.data, [1, 1], { atol: 1e-6, rtol: 0 }, 'min-norm coef');
    // more inputs than rows: still the minimum-norm interpolant
    const wide = new models.LinearRegression({ fitIntercept: false }).fit(
      nt.tensor([[1, 1, 0]]),
      nt.tensor([2]),
    );
    expectClose(wide.weight!.data, [1, 1, 0], { atol: 1e-6, rtol: 0 }, 'wide coef');
  });

  it('scores R², MSE and MAE as defined', () => {
    const x = nt.tensor([[0], [1], [2], [3]]);
    const model = new models.LinearRegression().fit(x, nt.tensor([1, 3, 5, 7]));
    expect(model.score(x, nt.tensor([1, 3, 5, 7]))).toBeCloseTo(1, 6);
    const y = nt.tensor([1, 3, 5, 9]); // predictions 1, 3, 5, 7: residuals 0, 0, 0, 2
    expect(model.mse(x, y)).toBeCloseTo(1, 5);
    expect(model.mae(x, y)).toBeCloseTo(0.5, 5);
    const mean = 4.5;
    const ssTot = [1, 3, 5, 9].reduce((s, v) => s + (v - mean) ** 2, 0);
    expect(model.score(x, y)).toBeCloseTo(1 - 4 / ssTot, 5);
  });
});

forEachBackend('LinearRegression (gradient descent)', (_backend, it) => {
  const gen = new nt.Generator(3);
  const x = nt.randn([200, 3], { generator: gen });
  const noise = nt.randn([200], { generator: gen }).mul(0.1);
  const y = x
    .matmul(nt.tensor([1.5, -2, 0.5]))
    .add(3)
    .add(noise);

  it('full-batch GD converges to the exact least-squares solution', () => {
    const exact = new models.LinearRegression().fit(x, y);
    const gd = new models.LinearRegression({ method: 'gd', lr: 0.1, epochs: 300 }).fit(x, y);
    expectClose(gd.weight!.data, exact.weight!.data, { atol: 1e-4, rtol: 1e-4 }, 'gd weight');
    expectClose(gd.bias!.data, exact.bias!.data, { atol: 1e-4, rtol: 1e-4 }, 'gd bias');
    expect(gd.nIter).toBe(300);
    expect(gd.lossHistory).toHaveLength(300);
    expect(gd.lossHistory[299]).toBeLessThan(gd.lossHistory[0]);
  });

  it('mini-batch Adam with ridge reaches the exact ridge solution, and tol stops early', () => {
    const alpha = 50;
    const exact = new models.LinearRegression({ alpha }).fit(x, y);
    const gd = new models.LinearRegression({
      method: 'gd',
      alpha,
      optimizer: (params) => new nt.optim.SGD(params, { lr: 0.05, momentum: 0.9 }),
      epochs: 200,
      batchSize: 200,
    }).fit(x, y);
    expectClose(gd.weight!.data, exact.weight!.data, { atol: 1e-3, rtol: 1e-3 }, 'ridge gd weight');
    const early = new models.LinearRegression({
      method: 'gd',
      optimizer: 'adam',
      lr: 0.05,
      batchSize: 50,
      epochs: 500,
      tol: 1e-3,
      generator: new nt.Generator(1),
    }).fit(x, y);
    expect(early.nIter).toBeLessThan(500);
    expect(early.score(x, y)).toBeGreaterThan(0.99);
  });

  it('reports a diverging learning rate instead of returning NaN coefficients', () => {
    const big = x.mul(100);
    expect(() => new models.LinearRegression({ method: 'gd', lr: 10, epochs: 50 }).fit(big, y)).toThrow(
      /diverged .* lower lr \(10\) or standardise the features/,
    );
  });
});

describe('LinearRegression as a Module', () => {
  it('has nn.Linear parameters and state-dict keys, and loads into a fresh model', () => {
    const x = nt.tensor([
      [0, 1],
      [1, 0],
      [2, 2],
      [3, 1],
    ]);
    const y = nt.tensor([1, 2, 6, 7]);
    const model = new models.LinearRegression().fit(x, y);
    expect(Object.keys(model.stateDict())).toEqual(['weight', 'bias']);
    expect(model.weight!.shape).toEqual([1, 2]);
    expect(model.bias!.shape).toEqual([1]);
    expect(model.forward(x).shape).toEqual([4, 1]);
    const copy = new models.LinearRegression();
    copy.loadStateDict(model.stateDict());
    expect([...copy.predict(x).data]).toEqual([...model.predict(x).data]);
    const declared = new models.LinearRegression({ inFeatures: 2 });
    expect(declared.weight!.shape).toEqual([1, 2]);
    declared.loadStateDict(model.stateDict());
    expect(declared.predict(x).shape).toEqual([4]);
    expect(String(model)).toContain('inFeatures=2, outFeatures=1');
  });

  it('gradients flow through forward like a Linear layer', () => {
    const model = new models.LinearRegression({ inFeatures: 3, outFeatures: 2 });
    model
      .forward(nt.ones([5, 3]))
      .sum()
      .backward();
    expect([...model.weight!.grad!.data]).toEqual([5, 5, 5, 5, 5, 5]);
    expect([...model.bias!.grad!.data]).toEqual([5, 5]);
  });
});

describe('LinearRegression errors', () => {
  const x = nt.zeros([10, 3]);
  it('names both shapes when x and y have different numbers of rows', () => {
    expect(() => new models.LinearRegression().fit(x, nt.zeros([8]))).toThrow(
      'LinearRegression.fit: x has 10 rows ([10, 3]) but y has 8 ([8])',
    );
    expect(() => new models.LinearRegression().fit(x, nt.zeros([10]))).not.toThrow();
  });

  it('refuses to predict or score before fit', () => {
    for (const op of ['predict', 'forward'] as const) {
      expect(() => new models.LinearRegression()[op](x)).toThrow(
        `LinearRegression.${op}: the model is not fitted yet; call fit(x, y) first (or give inFeatures and train or load it)`,
      );
    }
    expect(() => new models.LinearRegression().score(x, nt.zeros([10]))).toThrow(nt.ValueError);
    // a model declared with its sizes is a layer with zero coefficients, ready for a training loop
    expect([...new models.LinearRegression({ inFeatures: 3 }).predict(x).data]).toEqual(
      new Array(10).fill(0),
    );
  });

  it('explains shape and option mistakes', () => {
    expect(() => new models.LinearRegression().fit(nt.zeros([10]), nt.zeros([10]))).toThrow(
      /expected x of shape \[N, features\], got \[10\] \(for a single feature, reshape it to \[N, 1\]\)/,
    );
    const model = new models.LinearRegression().fit(x, nt.zeros([10]));
    expect(() => model.predict(nt.zeros([4, 2]))).toThrow(
      'LinearRegression(3 -> 1): expected input [..., 3], got [4, 2]',
    );
    expect(() => model.score(x, nt.zeros([10, 2]))).toThrow(
      /predicts 1 target\(s\) but y has shape \[10, 2\]/,
    );
    expect(() => new models.LinearRegression({ alpha: -1 })).toThrow(/alpha must be a finite number >= 0/);
    expect(() => new models.LinearRegression({ method: 'svd' as 'exact' })).toThrow(
      /method must be 'exact' or 'gd'/,
    );
  });
});
