import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

interface Json {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: number[];
}

interface LossCase {
  name: string;
  fn: keyof typeof losses;
  options: Record<string, unknown>;
  input: Json;
  target: Json;
  weight: Json | null;
  posWeight: Json | null;
  up: Json;
  out: Json;
  gradInput: Json;
  gradTarget: Json | null;
}

const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/losses_norm.json', import.meta.url), 'utf8'),
) as { losses: LossCase[] };

const fromJson = (j: Json): nt.Tensor =>
  j.dtype === 'int32'
    ? nt.tensor(Int32Array.from(j.data), j.shape)
    : nt.tensor(Float32Array.from(j.data), j.shape);

type LossFn = (input: nt.Tensor, target: nt.Tensor, options: Record<string, unknown>) => nt.Tensor;

const losses = {
  mseLoss: nt.mseLoss,
  l1Loss: nt.l1Loss,
  huberLoss: nt.huberLoss,
  smoothL1Loss: nt.smoothL1Loss,
  bceLoss: nt.bceLoss,
  bceWithLogitsLoss: nt.bceWithLogitsLoss,
  nllLoss: nt.nllLoss,
  crossEntropy: nt.crossEntropy,
} as Record<string, LossFn>;

const tol = { atol: 1e-5, rtol: 1e-4 };

forEachBackend('losses match PyTorch 1.13', (_b, it) => {
  it('covers every loss and reduction', () => {
    const seen = new Set(fixtures.losses.map((c) => `${c.fn}/${c.options.reduction ?? 'mean'}`));
    for (const fn of Object.keys(losses)) {
      for (const r of ['mean', 'sum', 'none']) expect(seen.has(`${fn}/${r}`), `${fn}/${r}`).toBe(true);
    }
  });

  for (const c of fixtures.losses)
    it(c.name, () => {
      const input = fromJson(c.input).requiresGrad_();
      const target = fromJson(c.target);
      if (c.gradTarget) target.requiresGrad = true;
      // only the options this loss takes: an unknown key is an error, even with an undefined value
      const options: Record<string, unknown> = { ...c.options };
      if (c.weight) options.weight = fromJson(c.weight);
      if (c.posWeight) options.posWeight = fromJson(c.posWeight);
      const out = losses[c.fn](input, target, options);
      expect(out.shape).toEqual(c.out.shape);
      expectClose(out.data, c.out.data, tol, 'out');
      out.mul(fromJson(c.up)).sum().backward();
      expectClose(input.grad!.data, c.gradInput.data, tol, 'gradInput');
      if (c.gradTarget) expectClose(target.grad!.data, c.gradTarget.data, tol, 'gradTarget');
    });
});

describe('loss modules', () => {
  it('forward the options to the functional', () => {
    nt.manualSeed(3);
    const logits = nt.randn([4, 3]);
    const target = nt.tensor(Int32Array.from([0, 2, -1, 1]), [4]);
    const weight = nt.tensor([0.5, 1, 2]);
    const options = { weight, ignoreIndex: -1, labelSmoothing: 0.1, reduction: 'sum' } as const;
    const m = new nt.nn.CrossEntropyLoss(options);
    expectClose(m.forward(logits, target).data, nt.crossEntropy(logits, target, options).data);
    expect(m.toString()).toBe("CrossEntropyLoss(reduction='sum', ignoreIndex=-1, labelSmoothing=0.1)");

    const x = nt.randn([2, 3]);
    const t = nt.rand([2, 3]);
    const pw = nt.tensor([1, 2, 3]);
    const bce = new nt.nn.BCEWithLogitsLoss({ posWeight: pw, reduction: 'none' });
    expectClose(
      bce.forward(x, t).data,
      nt.bceWithLogitsLoss(x, t, { posWeight: pw, reduction: 'none' }).data,
    );
    const huber = new nt.nn.HuberLoss({ delta: 0.3 });
    expectClose(huber.forward(x, t).data, nt.huberLoss(x, t, { delta: 0.3 }).data);
    const smooth = new nt.nn.SmoothL1Loss({ beta: 0.3, reduction: 'sum' });
    expectClose(smooth.forward(x, t).data, nt.smoothL1Loss(x, t, { beta: 0.3, reduction: 'sum' }).data);
    expectClose(new nt.nn.MSELoss().forward(x, t).data, nt.mseLoss(x, t).data);
    expectClose(
      new nt.nn.L1Loss({ reduction: 'sum' }).forward(x, t).data,
      nt.l1Loss(x, t, { reduction: 'sum' }).data,
    );
    const p = nt.sigmoid(x);
    expectClose(new nt.nn.BCELoss({ weight: pw }).forward(p, t).data, nt.bceLoss(p, t, { weight: pw }).data);
    const lp = nt.logSoftmax(logits, 1);
    const nll = new nt.nn.NLLLoss({ ignoreIndex: -1 });
    expectClose(nll.forward(lp, target).data, nt.nllLoss(lp, target, { ignoreIndex: -1 }).data);
  });

  it('reject an unknown reduction when built', () => {
    expect(() => new nt.nn.MSELoss({ reduction: 'avg' as never })).toThrow(
      "MSELoss: reduction must be 'mean', 'sum' or 'none', got 'avg'",
    );
    expect(() => new nt.nn.CrossEntropyLoss({ labelSmoothing: 1.5 })).toThrow(nt.ValueError);
  });
});

forEachBackend('loss gradcheck', (_b, it) => {
  nt.manualSeed(11);
  const target = nt.randn([2, 3]);
  // differences kept clear of the kinks (|d| = 0 for L1, |d| = 0.5 and 1 for Huber and smooth L1), so the finite
  // differences are valid
  const offsets = nt.tensor([
    [0.31, -0.72, 1.63],
    [-1.41, 0.15, 2.2],
  ]);
  it('regression losses', () => {
    const x = target.add(offsets);
    for (const reduction of ['mean', 'none'] as const) {
      gradcheck((a) => nt.mseLoss(a, target, { reduction }), [x.clone()]);
      gradcheck((a) => nt.l1Loss(a, target, { reduction }), [x.clone()]);
      gradcheck((a) => nt.huberLoss(a, target, { reduction, delta: 0.5 }), [x.clone()]);
      gradcheck((a) => nt.smoothL1Loss(a, target, { reduction, beta: 1 }), [x.clone()]);
    }
    // and with respect to the target
    gradcheck((t) => nt.mseLoss(x, t), [target.clone()]);
    gradcheck((t) => nt.huberLoss(x, t, { reduction: 'sum' }), [target.clone()]);
  });

  it('binary cross-entropy', () => {
    const p = nt.tensor([
      [0.2, 0.5, 0.7],
      [0.9, 0.35, 0.6],
    ]);
    const t = nt.tensor([
      [0, 0.3, 1],
      [0.8, 1, 0.1],
    ]);
    const w = nt.tensor([0.5, 1.5, 1]);
    gradcheck((a) => nt.bceLoss(a, t, { weight: w, reduction: 'sum' }), [p.clone()], { eps: 1e-3 });
    gradcheck((b) => nt.bceLoss(p, b, { reduction: 'none' }), [t.clone()], { eps: 1e-3 });
    const z = nt.tensor([
      [-3, 0.5, 0],
      [2.5, -0.7, 8],
    ]);
    gradcheck(
      (a, pw) => nt.bceWithLogitsLoss(a, t, { posWeight: pw, weight: w, reduction: 'none' }),
      [z.clone(), nt.tensor([2, 0.5, 1.3])],
    );
    gradcheck((b) => nt.bceWithLogitsLoss(z, b), [t.clone()]);
  });

  it('nll and cross-entropy', () => {
    nt.manualSeed(5);
    const target = nt.tensor(Int32Array.from([2, -100, 0, 3]), [4]);
    const weight = nt.tensor([0.3, 1, 2, 0.7]);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      gradcheck((a) => nt.nllLoss(a, target, { weight, reduction }), [nt.randn([4, 4])]);
      gradcheck(
        (a) => nt.crossEntropy(a, target, { weight, reduction, labelSmoothing: 0.2 }),
        [nt.randn([4, 4])],
      );
    }
    const spatial = nt.tensor(Int32Array.from([0, 2, 1, 1, -100, 2]), [2, 3]);
    gradcheck((a) => nt.crossEntropy(a, spatial, { labelSmoothing: 0.1 }), [nt.randn([2, 3, 3])]);
    const probs = nt.softmax(nt.randn([3, 4]), 1);
    gradcheck(
      (a, p) => nt.crossEntropy(a, p, { weight, labelSmoothing: 0.3, reduction: 'none' }),
      [nt.randn([3, 4]), probs],
    );
  });
});

forEachBackend('loss semantics', (_b, it) => {
  it('mean over ignored targets only, weighted by the targets that count', () => {
    const logp = nt.logSoftmax(
      nt.tensor([
        [1, 2, 3],
        [0, 0, 1],
        [2, 1, 0],
      ]),
      1,
    );
    const target = nt.tensor(Int32Array.from([2, -100, 0]), [3]);
    const w = nt.tensor([2, 5, 1]);
    const lp = logp.toArray() as number[][];
    const expected = -(1 * lp[0][2] + 2 * lp[2][0]) / (1 + 2);
    expect(nt.nllLoss(logp, target, { weight: w }).item()).toBeCloseTo(expected, 6);
    const none = nt.nllLoss(logp, target, { reduction: 'none' });
    expect(none.data[1]).toBe(0);
  });

  it('every target ignored gives NaN for the mean (0/0) as PyTorch', () => {
    const out = nt.crossEntropy(nt.randn([2, 3]), nt.tensor(Int32Array.from([-100, -100]), [2]));
    expect(Number.isNaN(out.item())).toBe(true);
  });

  it('bceLoss stays finite at 0 and 1 (logs clamped at -100)', () => {
    const out = nt.bceLoss(nt.tensor([0, 1]), nt.tensor([1, 0]), { reduction: 'none' });
    expect(Array.from(out.data)).toEqual([100, 100]);
  });

  it('bceWithLogitsLoss is stable for large logits', () => {
    const x = nt.tensor([1000, -1000, 50]).requiresGrad_();
    const t = nt.tensor([0, 1, 1]);
    const out = nt.bceWithLogitsLoss(x, t, { reduction: 'none' });
    expectClose(out.data, [1000, 1000, 0], { atol: 1e-6, rtol: 1e-6 });
    out.sum().backward();
    expectClose(x.grad!.data, [1, -1, 0], { atol: 1e-6, rtol: 1e-6 });
  });

  it('label smoothing 1 is the uniform-target loss', () => {
    nt.manualSeed(8);
    const logits = nt.randn([3, 4]);
    const target = nt.tensor(Int32Array.from([1, 3, 0]), [3]);
    const uniform = nt.full([3, 4], 0.25);
    expectClose(
      nt.crossEntropy(logits, target, { labelSmoothing: 1 }).data,
      nt.crossEntropy(logits, uniform).data,
    );
  });
});

describe('loss errors', () => {
  const x = nt.zeros([32, 1]);
  it('refuses to broadcast input and target', () => {
    expect(() => nt.mseLoss(x, nt.zeros([32]))).toThrow('mseLoss: input [32, 1] and target [32] differ');
    expect(() => nt.mseLoss(x, nt.zeros([32]))).toThrow(nt.ShapeError);
    expect(() => nt.l1Loss(x, nt.zeros([1, 32]))).toThrow('l1Loss: input [32, 1] and target [1, 32] differ');
  });

  it('checks class indices', () => {
    const logits = nt.zeros([2, 10]);
    expect(() => nt.crossEntropy(logits, nt.tensor(Int32Array.from([3, 12]), [2]))).toThrow(
      'crossEntropy: target class 12 is out of range for 10 classes',
    );
    expect(() => nt.crossEntropy(logits, nt.tensor(Int32Array.from([-1, 0]), [2]))).toThrow(
      'crossEntropy: target class -1 is out of range for 10 classes',
    );
    expect(() => nt.nllLoss(logits, nt.tensor(Int32Array.from([10, 0]), [2]))).toThrow(
      'nllLoss: target class 10 is out of range for 10 classes',
    );
    expect(() => nt.crossEntropy(logits, nt.tensor([1, 2]))).toThrow(
      'crossEntropy: class-index targets must be int32, got float32',
    );
    expect(() => nt.crossEntropy(logits, nt.tensor(Int32Array.from([1, 2, 3]), [3]))).toThrow(
      'crossEntropy: expected target [2] for input [2, 10], got [3]',
    );
    expect(() => nt.crossEntropy(logits, nt.zeros([2, 10], { dtype: 'int32' }))).toThrow(nt.DTypeError);
    expect(() => nt.crossEntropy(logits, nt.zeros([2, 10]), { ignoreIndex: 0 })).toThrow(
      'ignoreIndex is not supported with class-probability targets',
    );
    expect(() =>
      nt.crossEntropy(logits, nt.tensor(Int32Array.from([1, 2]), [2]), { weight: nt.ones([9]) }),
    ).toThrow('crossEntropy: weight must have one entry per class, [10], got [9]');
  });

  it('checks options and values', () => {
    expect(() => nt.mseLoss(x, x, { reduction: 'avg' as never })).toThrow(
      "mseLoss: option 'reduction' must be one of 'mean', 'sum', 'none', got 'avg'",
    );
    expect(() => nt.huberLoss(x, x, { delta: 0 })).toThrow('huberLoss: delta must be positive, got 0');
    expect(() => nt.smoothL1Loss(x, x, { beta: -1 })).toThrow(nt.ValueError);
    expect(() => nt.bceLoss(nt.tensor([0.5, 1.5]), nt.tensor([0, 1]))).toThrow(
      'bceLoss: input values must be probabilities in [0, 1], got 1.5 at index 1',
    );
    expect(() => nt.bceWithLogitsLoss(x, x, { posWeight: nt.ones([3]) })).toThrow(
      'bceWithLogitsLoss: posWeight [3] does not broadcast to input [32, 1]',
    );
    expect(() =>
      nt.crossEntropy(nt.zeros([2, 3]), nt.tensor(Int32Array.from([0, 1]), [2]), { labelSmoothing: -0.1 }),
    ).toThrow('crossEntropy: labelSmoothing must be in [0, 1], got -0.1');
    expect(() => nt.mseLoss(nt.zeros([2], { dtype: 'int32' }), nt.zeros([2]))).toThrow(
      'mseLoss: input must be float32, got int32',
    );
  });
});

forEachBackend('crossEntropy fused path', (_b, it) => {
  const rand = (shape: number[], seed: number) => nt.randn(shape, { generator: new nt.Generator(seed) });

  it('equals the composed nllLoss(logSoftmax(x)) in value and gradient, with weights and ignored targets', () => {
    const target = nt.tensor(Int32Array.of(2, 0, -100, 4, 1, 3, 3), [7], { dtype: 'int32' });
    const weight = nt.tensor(Float32Array.of(0.5, 2, 1, 0.25, 3), [5]);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      for (const w of [null, weight]) {
        const opts = { reduction, ...(w ? { weight: w } : {}) };
        const x1 = rand([7, 5], 3).mul(4).requiresGrad_();
        const x2 = rand([7, 5], 3).mul(4).requiresGrad_();
        const fused = nt.crossEntropy(x1, target, opts);
        const composed = nt.nllLoss(nt.logSoftmax(x2, 1), target, opts);
        const what = `${reduction}${w ? ' weighted' : ''}`;
        expect(fused.shape, what).toEqual(composed.shape);
        expectClose(fused.data, composed.data, { rtol: 1e-5, atol: 1e-6 }, what);
        const seed = rand([...fused.shape], 9);
        fused.backward(fused.size === 1 ? undefined : seed);
        composed.backward(composed.size === 1 ? undefined : seed);
        expectClose(x1.grad!.data, x2.grad!.data, { rtol: 1e-5, atol: 1e-6 }, `${what} gradient`);
      }
    }
  });

  it('gradchecks, and every target ignored gives NaN for the mean as in PyTorch', () => {
    const target = nt.tensor(Int32Array.of(1, -100, 0), [3], { dtype: 'int32' });
    const weight = nt.tensor(Float32Array.of(0.5, 2), [2]);
    gradcheck((x) => nt.crossEntropy(x, target, { weight }), [rand([3, 2], 4)]);
    gradcheck((x) => nt.crossEntropy(x, target, { reduction: 'none' }), [rand([3, 2], 5)]);
    const none = nt.tensor(Int32Array.of(-100, -100), [2], { dtype: 'int32' });
    expect(Number.isNaN(nt.crossEntropy(rand([2, 3], 6), none).item())).toBe(true);
    expect(nt.crossEntropy(rand([2, 3], 6), none, { reduction: 'sum' }).item()).toBe(0);
  });
});
