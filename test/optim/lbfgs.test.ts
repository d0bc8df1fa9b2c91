import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { expectClose } from '../helpers/gradcheck.js';

const { nn, optim } = nt;

interface Step {
  loss: number;
  a: number[];
  b: number[];
  funcEvals: number;
  nIter: number;
}
interface RosenbrockCase {
  options: Partial<nt.optim.LBFGSOptions>;
  steps: Step[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/lbfgs.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

function rosenbrockRun(options: Partial<nt.optim.LBFGSOptions>, calls: number): Step[] {
  const a = new nn.Parameter(Float32Array.of(-1.5), [1]);
  const b = new nn.Parameter(Float32Array.of(2), [1]);
  const opt = new optim.LBFGS([a, b], options);
  const closure = () => {
    opt.zeroGrad();
    const loss = nt
      .square(nt.sub(1, a))
      .sum()
      .add(nt.square(b.sub(a.square())).sum().mul(100));
    loss.backward();
    return loss;
  };
  const steps: Step[] = [];
  for (let i = 0; i < calls; i++) {
    const loss = opt.step(closure) as nt.Tensor;
    const { funcEvals, nIter } = opt.counters;
    steps.push({ loss: loss.item(), a: [...a.data], b: [...b.data], funcEvals, nIter });
  }
  return steps;
}

describe('LBFGS against torch.optim.LBFGS', () => {
  it.each(['rosenbrockFixed', 'rosenbrockWolfe', 'rosenbrockWolfeHistory2'])(
    '%s: same iterates, iteration and evaluation counts over several step() calls',
    (name) => {
      const c = fixture[name] as RosenbrockCase;
      const ours = rosenbrockRun(c.options, c.steps.length);
      c.steps.forEach((ref, i) => {
        expect(ours[i].nIter, `${name} call ${i}: n_iter`).toBe(ref.nIter);
        expect(ours[i].funcEvals, `${name} call ${i}: func_evals`).toBe(ref.funcEvals);
        // both run in float32 (neurite keeps its directions in float64), so rounding differs a little and the
        // valley amplifies it over the iterations
        expectClose([ours[i].loss], [ref.loss], { rtol: 1e-5, atol: 1e-6 }, `${name} call ${i}: loss`);
        expectClose(
          [...ours[i].a, ...ours[i].b],
          [...ref.a, ...ref.b],
          { rtol: 2e-4, atol: 2e-5 },
          `${name} call ${i}`,
        );
      });
    },
  );

  it('solves a least-squares problem in one step with the strong-Wolfe line search', () => {
    const c = fixture.leastSquares as {
      x: { shape: number[]; data: number[] };
      y: number[];
      w: number[];
      c: number[];
      exact: number[];
    };
    const x = nt.tensor(Float32Array.from(c.x.data), c.x.shape);
    const y = nt.tensor(Float32Array.from(c.y), [c.y.length]);
    const w = new nn.Parameter(new Float32Array(3), [3]);
    const bias = new nn.Parameter(new Float32Array(1), [1]);
    const opt = new optim.LBFGS([w, bias], { maxIter: 50, lineSearchFn: 'strong_wolfe' });
    opt.step(() => {
      opt.zeroGrad();
      const loss = nt.mseLoss(x.matmul(w).add(bias), y);
      loss.backward();
      return loss;
    });
    // float32 loss values stop improving (tolerance_change) once the fit is within ~1e-3 of the optimum
    expectClose([...w.data, ...bias.data], c.exact, { rtol: 3e-3, atol: 3e-4 }, 'least squares');
    expectClose([...w.data, ...bias.data], [...c.w, ...c.c], { rtol: 3e-3, atol: 3e-4 }, 'torch');
  });

  it('returns at once when the gradient is already below toleranceGrad', () => {
    const p = new nn.Parameter(Float32Array.of(0, 0), [2]);
    const opt = new optim.LBFGS([p]);
    let calls = 0;
    opt.step(() => {
      calls++;
      opt.zeroGrad();
      const loss = p.square().sum();
      loss.backward();
      return loss.item();
    });
    expect(calls).toBe(1);
    expect(opt.counters).toEqual({ funcEvals: 1, nIter: 0 });
  });

  it('rejects a missing closure, parameter groups and bad options, naming the option', () => {
    const p = new nn.Parameter(Float32Array.of(1), [1]);
    const q = new nn.Parameter(Float32Array.of(1), [1]);
    expect(() => new optim.LBFGS([p]).step()).toThrow(/LBFGS.step: needs a closure/);
    expect(() => new optim.LBFGS([{ params: [p] }, { params: [q] }])).toThrow(/parameter groups/);
    expect(() => new optim.LBFGS([p], { historySize: 0 })).toThrow(/history_size must be a positive integer/);
    expect(() => new optim.LBFGS([p], { lineSearchFn: 'backtracking' as unknown as 'strong_wolfe' })).toThrow(
      /line_search_fn must be 'strong_wolfe' or null/,
    );
    // one group given in the group form is fine, as in PyTorch
    expect(new optim.LBFGS([{ params: [p] }]).paramGroups).toHaveLength(1);
  });

  it('saves its hyperparameters under PyTorch names and its counters as state', () => {
    const p = new nn.Parameter(Float32Array.of(3), [1]);
    const opt = new optim.LBFGS([p], { maxIter: 4 });
    opt.step(() => {
      opt.zeroGrad();
      const loss = p.square().sum();
      loss.backward();
      return loss;
    });
    const sd = opt.stateDict();
    expect(sd.param_groups[0]).toMatchObject({
      lr: 1,
      max_iter: 4,
      max_eval: 5,
      tolerance_grad: 1e-7,
      tolerance_change: 1e-9,
      history_size: 100,
      line_search_fn: null,
      params: [0],
    });
    expect(sd.state['0']).toEqual({ func_evals: opt.counters.funcEvals, n_iter: opt.counters.nIter });
    const restored = new optim.LBFGS([p]);
    restored.loadStateDict(sd);
    expect(restored.counters).toEqual(opt.counters);
    expect(restored.paramGroups[0].maxIter).toBe(4);
  });
});
