import { describe, expect, it } from 'vitest';
import { nn, optim, scalar } from '../../src/index.js';
import { expectClose } from '../helpers/gradcheck.js';
import { fixture } from './fixture.js';

interface SchedulerCase {
  name: string;
  scheduler: string;
  optimizer: 'SGD' | 'Adam';
  options: Record<string, unknown>;
  lrs: number[][];
  momenta: number[][];
}

interface PlateauCase {
  name: string;
  options: optim.ReduceLROnPlateauOptions;
  metrics: number[];
  lrs: number[][];
}

const cases = fixture.schedulers as SchedulerCase[];
const plateau = fixture.plateau as PlateauCase[];
const TOL = { rtol: 1e-12, atol: 1e-15 };

/** The lambdas scripts/fixtures/optim.py uses, by name. */
const lambdas: Record<string, (e: number) => number> = {
  pow95: (e) => 0.95 ** e,
  inverse: (e) => 1 / (1 + e),
};

/** The optimiser the generator uses: two groups, lr 0.1 and 0.05. */
function makeOptimizer(kind: 'SGD' | 'Adam'): optim.SGD | optim.Adam {
  const ps = [0, 1].map(() => new nn.Parameter(new Float32Array(1), [1]));
  if (kind === 'Adam')
    return new optim.Adam([{ params: [ps[0]] }, { params: [ps[1]], lr: 0.05 }], { lr: 0.1 });
  return new optim.SGD([{ params: [ps[0]] }, { params: [ps[1]], lr: 0.05 }], { lr: 0.1, momentum: 0.9 });
}

function build(c: SchedulerCase, opt: optim.AnyOptimizer): optim.LRScheduler {
  const o = c.options as Record<string, never>;
  switch (c.scheduler) {
    case 'StepLR':
      return new optim.StepLR(opt, o.stepSize, o);
    case 'MultiStepLR':
      return new optim.MultiStepLR(opt, o.milestones, o);
    case 'ExponentialLR':
      return new optim.ExponentialLR(opt, o.gamma);
    case 'CosineAnnealingLR':
      return new optim.CosineAnnealingLR(opt, o.tMax, o);
    case 'LinearLR':
      return new optim.LinearLR(opt, o);
    case 'LambdaLR': {
      const l = c.options.lrLambda as string | string[];
      return new optim.LambdaLR(opt, Array.isArray(l) ? l.map((n) => lambdas[n]) : lambdas[l]);
    }
    case 'OneCycleLR':
      return new optim.OneCycleLR(opt, c.options as unknown as optim.OneCycleLROptions);
    default:
      throw new Error(`unknown scheduler ${c.scheduler}`);
  }
}

function momenta(opt: optim.SGD | optim.Adam): number[] {
  return opt.paramGroups.map((g) => ('betas' in g ? g.betas[0] : g.momentum));
}

describe('LR schedulers against torch.optim.lr_scheduler 1.13', () => {
  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    it('gives the same learning rates (and momenta) at every step', () => {
      const opt = makeOptimizer(c.optimizer);
      const sched = build(c, opt);
      c.lrs.forEach((want, step) => {
        if (step > 0) {
          opt.step();
          sched.step();
        }
        expectClose(sched.getLastLr(), want, TOL, `lr at step ${step}`);
        expectClose(
          opt.paramGroups.map((g) => g.lr),
          want,
          TOL,
          `group lr at step ${step}`,
        );
        expectClose(momenta(opt), c.momenta[step], TOL, `momentum at step ${step}`);
      });
    });

    it('resumes from its state dict and the optimiser state dict', () => {
      const opt = makeOptimizer(c.optimizer);
      const sched = build(c, opt);
      const half = Math.floor(c.lrs.length / 2);
      for (let s = 1; s <= half; s++) sched.step();
      const optState = JSON.parse(JSON.stringify(opt.stateDict()));
      const schedState = JSON.parse(JSON.stringify(sched.stateDict()));
      const opt2 = makeOptimizer(c.optimizer);
      const sched2 = build(c, opt2);
      opt2.loadStateDict(optState);
      sched2.loadStateDict(schedState);
      for (let s = half + 1; s < c.lrs.length; s++) {
        sched2.step();
        expectClose(sched2.getLastLr(), c.lrs[s], TOL, `lr at step ${s}`);
        expectClose(momenta(opt2), c.momenta[s], TOL, `momentum at step ${s}`);
      }
    });
  });

  it('records initialLr on the groups and PyTorch keys in the state dict', () => {
    const opt = makeOptimizer('SGD');
    const sched = new optim.CosineAnnealingLR(opt, 10, { etaMin: 0.01 });
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 0.05]);
    expect(opt.stateDict().param_groups[0].initial_lr).toBe(0.1);
    expect(sched.stateDict()).toEqual({
      base_lrs: [0.1, 0.05],
      last_epoch: 0,
      _step_count: 1,
      _last_lr: [0.1, 0.05],
      T_max: 10,
      eta_min: 0.01,
    });
  });

  it('OneCycleLR refuses to step past its total', () => {
    const opt = makeOptimizer('SGD');
    const sched = new optim.OneCycleLR(opt, { maxLr: 1, totalSteps: 3 });
    sched.step();
    sched.step();
    sched.step(); // PyTorch allows one step beyond the last rate
    expect(() => sched.step()).toThrow(/tried to step 5 times; the schedule has 3 steps/);
  });

  it('rejects bad options', () => {
    const opt = makeOptimizer('SGD');
    expect(() => new optim.StepLR(opt, 0)).toThrow(/StepLR: stepSize must be a positive integer, got 0/);
    expect(() => new optim.CosineAnnealingLR(opt, 2.5)).toThrow(/tMax must be a positive integer/);
    expect(() => new optim.LinearLR(opt, { startFactor: 0 })).toThrow(/startFactor must be in \(0, 1\]/);
    expect(() => new optim.LambdaLR(opt, [(e) => e])).toThrow(/expected 2 lrLambdas, got 1/);
    expect(() => new optim.OneCycleLR(opt, { maxLr: 1 })).toThrow(
      /totalSteps or both epochs and stepsPerEpoch/,
    );
    expect(() => new optim.OneCycleLR(opt, { maxLr: [1, 2, 3], totalSteps: 5 })).toThrow(
      /expected 2 values for maxLr/,
    );
    expect(() => new optim.OneCycleLR(opt, { maxLr: 1, totalSteps: 5, pctStart: 1.5 })).toThrow(/pctStart/);
    const adagrad = new optim.Adagrad([new nn.Parameter(new Float32Array(1), [1])]);
    expect(() => new optim.OneCycleLR(adagrad, { maxLr: 1, totalSteps: 5 })).toThrow(
      /cycleMomentum needs an optimiser with momentum or betas \(Adagrad/,
    );
    expect(() => new optim.ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/factor must be < 1, got 1/);
    expect(() => new optim.ReduceLROnPlateau(opt, { mode: 'up' as never })).toThrow(
      /mode must be 'min' or 'max'/,
    );
  });
});

describe('ReduceLROnPlateau against PyTorch 1.13', () => {
  describe.each(plateau.map((c) => [c.name, c] as const))('%s', (_, c) => {
    it('reduces the rate at the same steps', () => {
      const opt = makeOptimizer('SGD');
      const sched = new optim.ReduceLROnPlateau(opt, c.options);
      c.metrics.forEach((m, i) => {
        // a one-element tensor works as well as a number
        sched.step(i % 2 ? m : scalar(m).item());
        expectClose(sched.getLastLr(), c.lrs[i], TOL, `lr after metric ${i}`);
      });
    });

    it('resumes from a JSON round trip of its state dict', () => {
      const opt = makeOptimizer('SGD');
      const sched = new optim.ReduceLROnPlateau(opt, c.options);
      for (let i = 0; i < 12; i++) sched.step(c.metrics[i]);
      const opt2 = makeOptimizer('SGD');
      const sched2 = new optim.ReduceLROnPlateau(opt2);
      opt2.loadStateDict(JSON.parse(JSON.stringify(opt.stateDict())));
      sched2.loadStateDict(JSON.parse(JSON.stringify(sched.stateDict())));
      for (let i = 12; i < c.metrics.length; i++) {
        sched2.step(c.metrics[i]);
        expectClose(sched2.getLastLr(), c.lrs[i], TOL, `lr after metric ${i}`);
      }
    });
  });

  it('treats the first metric as an improvement even after a JSON round trip of the state', () => {
    const opt = makeOptimizer('SGD');
    const sched = new optim.ReduceLROnPlateau(opt, { patience: 0 });
    const sched2 = new optim.ReduceLROnPlateau(makeOptimizer('SGD'), { patience: 0 });
    sched2.loadStateDict(JSON.parse(JSON.stringify(sched.stateDict())));
    expect(sched2.best).toBe(Number.POSITIVE_INFINITY);
    sched2.step(5);
    expect(sched2.best).toBe(5);
    expect(sched2.getLastLr()).toEqual([0.1, 0.05]);
  });
});
