import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { train } from '../../src/index.js';

// scikit-learn 1.2's values for seeded cases, made by scripts/fixtures/metrics.py
const fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics.json', import.meta.url), 'utf8'));
// biome-ignore lint/suspicious/noExplicitAny: fixture cases are loosely typed JSON
type Case = Record<string, any>;
const cases: Case[] = fixture.cases;
const byKind = (kind: string) => cases.filter((c) => c.kind === kind);

const f32 = (data: number[], shape: number[]) => nt.tensor(Float32Array.from(data), shape);
const i32 = (data: number[]) => nt.tensor(Int32Array.from(data), [data.length]);

/** Feeds a metric in uneven batches, to check streaming against the one-shot value. */
function streamed(metric: train.Metric, output: nt.Tensor, target: nt.Tensor, sizes: number[]): number {
  metric.reset();
  let start = 0;
  for (const s of sizes) {
    const len = Math.min(s, output.shape[0] - start);
    if (len <= 0) break;
    metric.update(nt.narrow(output, 0, start, len), nt.narrow(target, 0, start, len));
    start += len;
  }
  if (start < output.shape[0]) {
    metric.update(
      nt.narrow(output, 0, start, output.shape[0] - start),
      nt.narrow(target, 0, start, output.shape[0] - start),
    );
  }
  return metric.compute();
}

function expectScores(got: train.PrecisionRecallF1, want: Case, average: string) {
  expect(got.precision).toBeCloseTo(want[average].precision, 12);
  expect(got.recall).toBeCloseTo(want[average].recall, 12);
  expect(got.f1).toBeCloseTo(want[average].f1, 12);
}

function expectPerClass(got: train.PrecisionRecallF1, want: Case) {
  const n = want.perClass.support.length;
  for (const key of ['precision', 'recall', 'f1', 'support'] as const) {
    const g = got.perClass[key].slice(0, n);
    while (g.length < n) g.push(0);
    g.forEach((v, i) => {
      expect(v).toBeCloseTo(want.perClass[key][i], 12);
    });
  }
}

describe('metrics against scikit-learn', () => {
  for (const c of byKind('multiclass')) {
    describe(c.name, () => {
      const logits = f32(c.logits.data, c.logits.shape);
      const y = i32(c.y);
      const numClasses = c.logits.shape[1];

      it('accuracy, top-k accuracy and log-loss', () => {
        expect(train.accuracy(logits, y)).toBeCloseTo(c.accuracy, 14);
        expect(train.topKAccuracy(logits, y, c.k)).toBeCloseTo(c.topK, 14);
        expect(train.logLoss(logits, y)).toBeCloseTo(c.logLoss, 10);
        // the same from probabilities (as scikit-learn takes them)
        expect(train.logLoss(logits.softmax(1), y, { fromLogits: false })).toBeCloseTo(c.logLoss, 5);
      });

      it('confusion matrix and precision / recall / F1', () => {
        expect(train.confusionMatrix(logits, y, { numClasses })).toEqual(c.confusion);
        for (const average of ['macro', 'micro', 'weighted'] as const) {
          const got = train.precisionRecallF1(logits, y, { average, numClasses });
          expectScores(got, c.prf, average);
          expectPerClass(got, c.prf);
        }
      });

      it('streams over batches to the whole-set value', () => {
        const sizes = [7, 1, 13, 5];
        expect(streamed(new train.Accuracy(), logits, y, sizes)).toBe(train.accuracy(logits, y));
        expect(streamed(new train.TopKAccuracy(c.k), logits, y, sizes)).toBe(
          train.topKAccuracy(logits, y, c.k),
        );
        expect(streamed(new train.F1Score(), logits, y, sizes)).toBeCloseTo(c.prf.macro.f1, 14);
        expect(streamed(new train.Precision(), logits, y, sizes)).toBeCloseTo(c.prf.macro.precision, 14);
        expect(streamed(new train.Recall({ average: 'weighted' }), logits, y, sizes)).toBeCloseTo(
          c.prf.weighted.recall,
          14,
        );
        expect(streamed(new train.LogLoss(), logits, y, sizes)).toBeCloseTo(c.logLoss, 12);
      });
    });
  }

  for (const c of byKind('labels')) {
    it(`${c.name}: macro over the classes that occur`, () => {
      const pred = i32(c.yPred);
      const truth = i32(c.yTrue);
      expect(train.accuracy(pred, truth)).toBeCloseTo(c.accuracy, 14);
      expect(train.confusionMatrix(pred, truth, { numClasses: 5 })).toEqual(c.confusion);
      // without numClasses the matrix grows to the largest label seen
      expect(train.confusionMatrix(pred, truth)).toEqual(c.confusion);
      for (const average of ['macro', 'micro', 'weighted'] as const) {
        const got = train.precisionRecallF1(pred, truth, { average });
        expectScores(got, c.prf, average);
        expectPerClass(got, c.prf);
      }
      const m = new train.ConfusionMatrix();
      m.update(nt.narrow(pred, 0, 0, 3), nt.narrow(truth, 0, 0, 3)); // only classes 0, 1, 3 so far
      m.update(nt.narrow(pred, 0, 3, 9), nt.narrow(truth, 0, 3, 9)); // class 4 makes it grow
      expect(m.compute()).toEqual(c.confusion);
    });
  }

  for (const c of byKind('binary')) {
    describe(c.name, () => {
      const n = c.y.length;
      const logits = f32(c.logits, [n]);
      const probs = f32(c.probs, [n, 1]);
      const yInt = i32(c.y);
      const yFloat = f32(c.y, [n, 1]);

      it('thresholds logits at 0 and probabilities at 0.5, against int or float labels', () => {
        expect(train.accuracy(logits, yInt)).toBeCloseTo(c.accuracy, 14);
        expect(train.accuracy(nt.reshape(logits, [n, 1]), yFloat)).toBeCloseTo(c.accuracy, 14);
        expect(train.accuracy(probs, yInt, { fromLogits: false })).toBeCloseTo(c.accuracyProbs, 14);
        expect(train.confusionMatrix(logits, yInt)).toEqual(c.confusion);
      });

      it("precision, recall and F1 of class 1 ('binary') and macro", () => {
        expectScores(
          train.precisionRecallF1(logits, yInt, { average: 'binary' }),
          { binary: c.binary },
          'binary',
        );
        const macro = train.precisionRecallF1(logits, yFloat, { average: 'macro' });
        expectScores(macro, c.prf, 'macro');
        expectPerClass(macro, c.prf);
      });

      it('log-loss from logits and from probabilities', () => {
        expect(train.logLoss(logits, yInt)).toBeCloseTo(c.logLoss, 10);
        expect(train.logLoss(probs, yFloat, { fromLogits: false })).toBeCloseTo(c.logLossProbs, 10);
        expect(streamed(new train.LogLoss(), logits, yInt, [3, 17])).toBeCloseTo(c.logLoss, 12);
      });
    });
  }

  for (const c of byKind('regression')) {
    it(`${c.name}: mse, mae and r2, whole and streamed`, () => {
      const y = f32(c.y, c.shape);
      const pred = f32(c.pred, c.shape);
      expect(train.mse(pred, y)).toBeCloseTo(c.mse, 10);
      expect(train.mae(pred, y)).toBeCloseTo(c.mae, 10);
      expect(train.r2(pred, y)).toBeCloseTo(c.r2, 10);
      const sizes = [4, 9, 1, 6];
      expect(streamed(new train.MeanSquaredError(), pred, y, sizes)).toBeCloseTo(c.mse, 12);
      expect(streamed(new train.MeanAbsoluteError(), pred, y, sizes)).toBeCloseTo(c.mae, 12);
      expect(streamed(new train.R2Score(), pred, y, sizes)).toBeCloseTo(c.r2, 12);
    });
  }
});

describe('metrics by hand', () => {
  it('r2 of a constant target is 1 when exact and 0 otherwise (scikit-learn force_finite)', () => {
    const y = f32([2, 2, 2], [3]);
    expect(train.r2(y, y)).toBe(1);
    expect(train.r2(f32([2, 2, 3], [3]), y)).toBe(0);
    expect(train.r2(f32([1, 2, 3], [3]), f32([1, 2, 3], [3]))).toBe(1);
    // y = [1, 2, 3], p = [1, 2.5, 2.5]: SS_res = 0.25 + 0.25, SS_tot = 1 + 0 + 1
    expect(train.r2(f32([1, 2.5, 2.5], [3]), f32([1, 2, 3], [3]))).toBeCloseTo(1 - 0.5 / 2, 12);
  });

  it('accepts regression outputs [N, 1] against targets [N]', () => {
    expect(train.mse(f32([1, 2, 3], [3, 1]), f32([1, 1, 1], [3]))).toBeCloseTo(5 / 3, 12);
  });

  it('counts ties in top-k as found when fewer than k classes score higher', () => {
    const scores = f32([1, 1, 1, 0, 3, 2, 1, 0], [2, 4]);
    expect(train.topKAccuracy(scores, i32([2, 2]), 1)).toBe(0.5); // sample 0: a three-way tie at the top
    expect(train.topKAccuracy(scores, i32([3, 3]), 3)).toBe(0);
    expect(train.topKAccuracy(scores, i32([3, 3]), 4)).toBe(1);
  });

  it('reads one-hot targets by their argmax', () => {
    const logits = f32([3, 0, 0, 0, 2, 5], [2, 3]);
    expect(train.accuracy(logits, f32([1, 0, 0, 0, 1, 0], [2, 3]))).toBe(0.5);
  });

  it('metric names map to metric objects', () => {
    expect(train.getMetric('accuracy')).toBeInstanceOf(train.Accuracy);
    const top3 = train.getMetric('top3Accuracy');
    expect(top3).toBeInstanceOf(train.TopKAccuracy);
    expect(top3.name).toBe('top3Accuracy');
    for (const name of ['precision', 'recall', 'f1', 'mse', 'mae', 'r2', 'logLoss'] as const) {
      expect(train.getMetric(name).name).toBe(name);
    }
    expect(() => train.getMetric('auc' as train.MetricName)).toThrow(/unknown metric 'auc'/);
  });

  it('errors name the metric and the shapes', () => {
    expect(() => train.accuracy(f32([1, 2, 3, 4], [2, 2]), i32([0, 1, 1]))).toThrow(
      /Accuracy: 2 outputs but 3 targets/,
    );
    expect(() => train.mse(f32([1, 2], [2]), f32([1, 2, 3], [3]))).toThrow(
      /MeanSquaredError: output \[2\] and target \[3\]/,
    );
    expect(() => train.confusionMatrix(i32([0, 3]), i32([0, 1]), { numClasses: 3 })).toThrow(
      /class 3 is out of range for numClasses 3/,
    );
    expect(() => train.precisionRecallF1(i32([0, 2]), i32([0, 1]), { average: 'binary' })).toThrow(
      /'binary' needs labels 0 and 1/,
    );
    expect(() => train.accuracy(f32([0.5, 1], [2]), f32([0.5, 1], [2]))).toThrow(
      /target 0 is 0.5, not a class label/,
    );
  });
});
