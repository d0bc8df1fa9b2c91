import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

interface Json {
  shape: number[];
  data: number[];
}

interface BnStep {
  mode: 'train' | 'eval';
  input: Json;
  up: Json;
  out: Json;
  gradInput: Json;
  gradWeight: Json | null;
  gradBias: Json | null;
  runningMean: Json | null;
  runningVar: Json | null;
}

interface BnCase {
  name: string;
  numFeatures: number;
  options: { momentum?: number | null; eps?: number };
  init: { weight?: Json; bias?: Json };
  steps: BnStep[];
}

interface LnCase {
  name: string;
  normalizedShape: number[];
  options: { eps?: number };
  init: { weight?: Json; bias?: Json };
  input: Json;
  up: Json;
  out: Json;
  gradInput: Json;
  gradWeight: Json | null;
  gradBias: Json | null;
}

const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/losses_norm.json', import.meta.url), 'utf8'),
) as { batchNorm: BnCase[]; layerNorm: LnCase[] };

const fromJson = (j: Json): nt.Tensor => nt.tensor(Float32Array.from(j.data), j.shape);
const tol = { atol: 1e-5, rtol: 1e-4 };

forEachBackend('batchNorm (functional) matches PyTorch', (_b, it) => {
  // the functional with explicit buffers replays the module cases that use a fixed momentum
  const cases = fixtures.batchNorm.filter((c) => c.options.momentum !== null && c.init.weight);
  for (const c of cases)
    it(c.name, () => {
      const runningMean = nt.zeros([c.numFeatures]);
      const runningVar = nt.ones([c.numFeatures]);
      const weight = fromJson(c.init.weight!).requiresGrad_();
      const bias = fromJson(c.init.bias!).requiresGrad_();
      for (const step of c.steps) {
        weight.grad = null;
        bias.grad = null;
        const x = fromJson(step.input).requiresGrad_();
        const out = nt.batchNorm(x, runningMean, runningVar, weight, bias, {
          training: step.mode === 'train',
          momentum: c.options.momentum ?? 0.1,
          eps: c.options.eps ?? 1e-5,
        });
        expectClose(out.data, step.out.data, tol, `${step.mode} out`);
        expectClose(runningMean.data, step.runningMean!.data, tol, 'runningMean');
        expectClose(runningVar.data, step.runningVar!.data, tol, 'runningVar');
        out.mul(fromJson(step.up)).sum().backward();
        expectClose(x.grad!.data, step.gradInput.data, tol, 'gradInput');
        expectClose(weight.grad!.data, step.gradWeight!.data, tol, 'gradWeight');
        expectClose(bias.grad!.data, step.gradBias!.data, tol, 'gradBias');
      }
    });

  it('updates the running statistics in place and outside the graph', () => {
    const rm = nt.zeros([2]);
    const rv = nt.ones([2]);
    const x = nt.tensor([
      [1, 10],
      [3, 20],
      [5, 60],
    ]);
    nt.batchNorm(x.requiresGrad_(), rm, rv, null, null, { training: true, momentum: 0.5 });
    expectClose(rm.data, [0.5 * 3, 0.5 * 30]);
    // unbiased variances 4 and 700 are stored, blended with the initial 1
    expectClose(rv.data, [0.5 + 0.5 * 4, 0.5 + 0.5 * 700]);
    expect(rm.requiresGrad).toBe(false);
    expect(rm.gradFn).toBeNull();
  });

  it('normalises with the biased variance in training', () => {
    const x = nt.tensor([[1], [3]]);
    const y = nt.batchNorm(x, null, null, null, null, { training: true, eps: 0 });
    expectClose(y.data, [-1, 1]);
  });
});

forEachBackend('layerNorm (functional) matches PyTorch', (_b, it) => {
  for (const c of fixtures.layerNorm)
    it(c.name, () => {
      const x = fromJson(c.input).requiresGrad_();
      const weight = c.init.weight ? fromJson(c.init.weight).requiresGrad_() : null;
      const bias = c.init.bias ? fromJson(c.init.bias).requiresGrad_() : null;
      const out = nt.layerNorm(x, c.normalizedShape, weight, bias, c.options.eps ?? 1e-5);
      expectClose(out.data, c.out.data, tol, 'out');
      out.mul(fromJson(c.up)).sum().backward();
      expectClose(x.grad!.data, c.gradInput.data, tol, 'gradInput');
      if (weight) expectClose(weight.grad!.data, c.gradWeight!.data, tol, 'gradWeight');
      if (bias) expectClose(bias.grad!.data, c.gradBias!.data, tol, 'gradBias');
    });
});

forEachBackend('norm gradcheck', (_b, it) => {
  nt.manualSeed(21);
  for (const [layout, shape] of [
    ['[N, C]', [4, 3]],
    ['[N, C, L]', [2, 3, 3]],
    ['[N, C, H, W]', [2, 2, 2, 3]],
  ] as const)
    it(`batchNorm training ${layout}`, () => {
      const c = shape[1];
      gradcheck(
        (x, w, b) => nt.batchNorm(x, null, null, w, b, { training: true }),
        [nt.randn(shape), nt.rand([c]).add(0.5), nt.randn([c])],
      );
    });

  it('batchNorm with its ReLU fused (relu: true), training and evaluation', () => {
    const rm = nt.randn([3]);
    const rv = nt.rand([3]).add(0.5);
    for (const training of [true, false]) {
      const opts = { training, momentum: 0 };
      // inputs whose outputs keep clear of the ReLU's kink, where finite differences would straddle it
      let args: nt.Tensor[] = [];
      for (let tries = 0; tries < 100; tries++) {
        args = [nt.randn([4, 3, 2]), nt.rand([3]).add(0.5), nt.randn([3])];
        const y = nt.batchNorm(args[0], rm.clone(), rv.clone(), args[1], args[2], opts);
        if (Array.from(y.data as Float32Array).every((v) => Math.abs(v) > 0.05)) break;
      }
      gradcheck((x, w, b) => nt.batchNorm(x, rm, rv, w, b, { ...opts, relu: true }), args);
    }
  });

  it('batchNorm with relu: true is relu(batchNorm(…)), values and gradients bit for bit', () => {
    const g = new nt.Generator(8);
    const shape = [5, 4, 6];
    const xData = nt.randn(shape, { generator: g }).data as Float32Array;
    xData[7] = Number.NaN;
    const up = nt.randn(shape, { generator: g });
    const wData = nt.randn([4], { generator: g }).data as Float32Array;
    const bData = nt.randn([4], { generator: g }).data as Float32Array;
    for (const training of [true, false]) {
      const run = (fused: boolean) => {
        const x = nt.tensor(xData.slice(), shape, { requiresGrad: true });
        const w = nt.tensor(wData.slice(), [4], { requiresGrad: true });
        const b = nt.tensor(bData.slice(), [4], { requiresGrad: true });
        const rm = nt.zeros([4]);
        const rv = nt.ones([4]);
        const y = fused
          ? nt.batchNorm(x, rm, rv, w, b, { training, relu: true })
          : nt.relu(nt.batchNorm(x, rm, rv, w, b, { training }));
        nt.sum(nt.mul(y, up)).backward();
        return [y, x.grad!, w.grad!, b.grad!, rm, rv].map((t) => Array.from(t.data as Float32Array));
      };
      expect(run(true)).toEqual(run(false));
    }
    expect(() =>
      nt.batchNorm(nt.zeros([4, 3]), null, null, null, null, { training: true, relu: 1 as never }),
    ).toThrow(/relu/);
  });

  it('batchNorm evaluation', () => {
    const rm = nt.randn([3]);
    const rv = nt.rand([3]).add(0.5);
    gradcheck(
      (x, w, b) => nt.batchNorm(x, rm, rv, w, b, { training: false }),
      [nt.randn([2, 3, 2]), nt.randn([3]), nt.randn([3])],
    );
  });

  it('layerNorm', () => {
    gradcheck((x, w, b) => nt.layerNorm(x, [3], w, b), [nt.randn([2, 3]), nt.randn([3]), nt.randn([3])]);
    gradcheck((x) => nt.layerNorm(x, [2, 3]), [nt.randn([2, 2, 3])]);
  });
});

forEachBackend('batchNorm fused kernels equal the formula composed from ops', (_b, it) => {
  /** F.batch_norm written out with elementwise and reduce ops, autograd deriving its gradient. */
  function composed(
    x: nt.Tensor,
    rm: nt.Tensor | null,
    rv: nt.Tensor | null,
    w: nt.Tensor | null,
    b: nt.Tensor | null,
    training: boolean,
  ): nt.Tensor {
    const view = x.shape.map((d, i) => (i === 1 ? d : 1));
    let y: nt.Tensor;
    if (training) {
      const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
      const centred = nt.sub(x, nt.mean(x, axes, true));
      y = nt.div(centred, nt.sqrt(nt.add(nt.mean(nt.square(centred), axes, true), 1e-5)));
    } else {
      const m = nt.reshape(rm as nt.Tensor, view);
      y = nt.div(nt.sub(x, m), nt.sqrt(nt.add(nt.reshape(rv as nt.Tensor, view), 1e-5)));
    }
    if (w) y = nt.mul(y, nt.reshape(w, view));
    if (b) y = nt.add(y, nt.reshape(b, view));
    return y;
  }

  it('in training and evaluation, with and without the affine part, over 2-D, 3-D and 4-D inputs', () => {
    const g = new nt.Generator(7);
    for (const shape of [
      [6, 3],
      [4, 2, 5],
      [3, 4, 3, 2],
    ]) {
      const c = shape[1];
      for (const training of [true, false]) {
        for (const affine of [true, false]) {
          // an offset mean, so that the centring matters
          const xData = nt.add(nt.mul(nt.randn(shape, { generator: g }), 2), 3).data as Float32Array;
          const up = nt.randn(shape, { generator: g });
          const rm = nt.randn([c], { generator: g });
          const rv = nt.add(nt.rand([c], { generator: g }), 0.5);
          const wData = nt.randn([c], { generator: g }).data as Float32Array;
          const bData = nt.randn([c], { generator: g }).data as Float32Array;
          const run = (f: typeof composed) => {
            const x = nt.tensor(xData.slice(), shape, { requiresGrad: true });
            const w = affine ? nt.tensor(wData.slice(), [c], { requiresGrad: true }) : null;
            const b = affine ? nt.tensor(bData.slice(), [c], { requiresGrad: true }) : null;
            const y = f(x, rm, rv, w, b, training);
            nt.sum(nt.mul(y, up)).backward();
            return [y, x.grad, w?.grad ?? null, b?.grad ?? null];
          };
          const fused = run((x, m, v, w, b, t) =>
            nt.batchNorm(x, m?.clone() ?? null, v?.clone() ?? null, w, b, { training: t }),
          );
          const want = run(composed);
          const what = `${training ? 'training' : 'eval'} ${affine ? 'affine' : 'plain'} [${shape.join(', ')}]`;
          for (let k = 0; k < 4; k++) {
            if (want[k] === null) {
              expect(fused[k], `${what} #${k}`).toBeNull();
              continue;
            }
            expectClose(
              (fused[k] as nt.Tensor).data,
              (want[k] as nt.Tensor).data,
              { atol: 1e-5, rtol: 1e-4 },
              `${what} #${k}`,
            );
          }
        }
      }
    }
  });
});

describe('norm errors', () => {
  it('batchNorm', () => {
    expect(() => nt.batchNorm(nt.zeros([1, 3]), null, null, null, null, { training: true })).toThrow(
      'batchNorm: expected more than 1 value per channel when training, got input [1, 3]',
    );
    expect(() => nt.batchNorm(nt.zeros([4, 3]), nt.zeros([4]), nt.ones([4]))).toThrow(
      'batchNorm: runningMean has shape [4], expected [3] for input [4, 3]',
    );
    expect(() => nt.batchNorm(nt.zeros([4]), null, null)).toThrow(nt.ShapeError);
    expect(() => nt.batchNorm(nt.zeros([4, 3]), null, null)).toThrow(
      'batchNorm: runningMean and runningVar are required when not training',
    );
    expect(() => nt.batchNorm(nt.zeros([4, 3]), nt.zeros([3]), null)).toThrow(nt.ValueError);
  });

  it('layerNorm', () => {
    expect(() => nt.layerNorm(nt.zeros([2, 3]), [4])).toThrow(
      'layerNorm: expected input [..., 4], got [2, 3]',
    );
    expect(() => nt.layerNorm(nt.zeros([2, 3]), 3, nt.ones([2]))).toThrow(
      'layerNorm: weight has shape [2], expected [3]',
    );
  });
});
