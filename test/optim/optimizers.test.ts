import { describe, expect, it } from 'vitest';
import { DTypeError, manualSeed, nn, optim, randn, Tensor, ValueError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { type EncodedTensor, fixture, isEncodedTensor } from './fixture.js';

interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
  options: Record<string, unknown>;
  groups?: ({ params: number[] } & Record<string, unknown>)[];
  shapes: number[][];
  initial: number[][];
  grads: (number[] | null)[][];
  after: number[][][];
  stateDict: { state: Record<string, Record<string, unknown>>; param_groups: Record<string, unknown>[] };
}

const cases = fixture.optimizers as OptimizerCase[];
const TOL = { rtol: 1e-5, atol: 1e-6 };
/** Flags torch.optim keeps in its param groups that pick an implementation, not an update rule. */
const TORCH_ONLY = new Set(['foreach', 'differentiable', 'capturable', 'fused']);

type AnyOptions = Record<string, unknown>;
const classes: Record<
  OptimizerCase['optimizer'],
  new (
    params: never,
    options: AnyOptions,
  ) => optim.Optimizer
> = {
  SGD: optim.SGD,
  Adam: optim.Adam,
  AdamW: optim.AdamW,
  RMSprop: optim.RMSprop,
  Adagrad: optim.Adagrad,
};

function makeParams(c: OptimizerCase): nn.Parameter[] {
  return c.initial.map((v, i) => new nn.Parameter(Float32Array.from(v), c.shapes[i]));
}

function build(c: OptimizerCase, params: nn.Parameter[]): optim.Optimizer {
  const Cls = classes[c.optimizer];
  const arg = c.groups
    ? c.groups.map(({ params: ids, ...opts }) => ({ params: ids.map((i) => params[i]), ...opts }))
    : params;
  return new Cls(arg as never, c.options);
}

function setGrads(c: OptimizerCase, params: nn.Parameter[], step: number): void {
  params.forEach((p, i) => {
    const g = c.grads[step][i];
    p.grad = g === null ? null : new Tensor(Float32Array.from(g), c.shapes[i]);
  });
}

function expectStateValue(actual: unknown, expected: unknown, what: string): void {
  if (isEncodedTensor(expected)) {
    expect(actual, what).toBeInstanceOf(Tensor);
    const t = actual as Tensor;
    expect(t.shape, `${what} shape`).toEqual(expected.shape);
    expectClose(t.data, expected.data, TOL, what);
  } else if (typeof expected === 'number') {
    expect(typeof actual, what).toBe('number');
    expectClose([actual as number], [expected], TOL, what);
  } else {
    expect(actual, what).toEqual(expected);
  }
}

describe('optimisers against torch.optim 1.13', () => {
  it('covers every optimiser', () => {
    expect(new Set(cases.map((c) => c.optimizer))).toEqual(new Set(Object.keys(classes)));
  });

  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    it('matches the parameters after every step', () => {
      const params = makeParams(c);
      const opt = build(c, params);
      c.after.forEach((expected, step) => {
        setGrads(c, params, step);
        opt.step();
        params.forEach((p, i) => {
          expectClose(p.data, expected[i], TOL, `step ${step + 1} param ${i}`);
        });
      });
    });

    it("produces PyTorch's state dict", () => {
      const params = makeParams(c);
      const opt = build(c, params);
      for (let step = 0; step < c.after.length; step++) {
        setGrads(c, params, step);
        opt.step();
      }
      const sd = opt.stateDict();
      const want = c.stateDict;
      expect(Object.keys(sd.state).sort()).toEqual(Object.keys(want.state).sort());
      for (const [k, entry] of Object.entries(want.state)) {
        expect(Object.keys(sd.state[k]).sort(), `state ${k} keys`).toEqual(Object.keys(entry).sort());
        for (const [key, v] of Object.entries(entry))
          expectStateValue(sd.state[k][key], v, `state ${k}.${key}`);
      }
      expect(sd.param_groups.length).toBe(want.param_groups.length);
      want.param_groups.forEach((g, i) => {
        const expected = Object.fromEntries(Object.entries(g).filter(([k]) => !TORCH_ONLY.has(k)));
        expect(sd.param_groups[i]).toEqual(expected);
      });
    });

    it('loads the state dict into a fresh optimiser and continues identically', () => {
      const a = makeParams(c);
      const optA = build(c, a);
      for (let step = 0; step < 2; step++) {
        setGrads(c, a, step);
        optA.step();
      }
      const saved = optA.stateDict();
      const b = a.map((p) => new nn.Parameter(p.data.slice(), p.shape));
      const optB = build(c, b);
      optB.loadStateDict(saved);
      for (let step = 2; step < c.after.length; step++) {
        setGrads(c, a, step);
        setGrads(c, b, step);
        optA.step();
        optB.step();
      }
      a.forEach((p, i) => {
        expect(Array.from(b[i].data), `param ${i}`).toEqual(Array.from(p.data));
        expectClose(p.data, c.after[c.after.length - 1][i], TOL, `param ${i}`);
      });
    });
  });

  it("loads PyTorch's own state dict and continues from it", () => {
    const c = cases.find((x) => x.name === 'adam_groups')!;
    // PyTorch's state dict after 5 steps, tensors decoded; the parameters are those after step 5
    const sd = {
      state: Object.fromEntries(
        Object.entries(c.stateDict.state).map(([k, e]) => [
          k,
          Object.fromEntries(
            Object.entries(e).map(([n, v]) => [
              n,
              isEncodedTensor(v) ? new Tensor(Float32Array.from((v as EncodedTensor).data), v.shape) : v,
            ]),
          ),
        ]),
      ),
      param_groups: c.stateDict.param_groups,
    } as optim.OptimizerStateDict;
    const resumed = c.after[4].map((v, i) => new nn.Parameter(Float32Array.from(v), c.shapes[i]));
    const opt = build(c, resumed);
    opt.loadStateDict(sd);
    const fresh = makeParams(c);
    const ref = build(c, fresh);
    for (let step = 0; step < 5; step++) {
      setGrads(c, fresh, step);
      ref.step();
    }
    // one more step with the first gradients, from both
    setGrads(c, fresh, 0);
    setGrads(c, resumed, 0);
    ref.step();
    opt.step();
    resumed.forEach((p, i) => {
      expectClose(p.data, fresh[i].data, TOL, `param ${i}`);
    });
    expect((opt as optim.Adam).paramGroups[1].betas).toEqual([0.5, 0.6]);
  });
});

// Every update rule is a backend kernel (adamStep, sgdStep, rmspropStep, adagradStep): each backend's kernels
// must reproduce torch.optim's steps, not only the TypeScript reference's.
forEachBackend('optimiser kernels against torch.optim 1.13', (_backend, it) => {
  for (const c of cases) {
    it(`${c.name}: the parameters after every step`, () => {
      const params = makeParams(c);
      const opt = build(c, params);
      c.after.forEach((expected, step) => {
        setGrads(c, params, step);
        opt.step();
        params.forEach((p, i) => {
          expectClose(p.data, expected[i], TOL, `step ${step + 1} param ${i}`);
        });
      });
    });
  }
});

describe('optimiser API', () => {
  const p = () => new nn.Parameter(new Float32Array([1, 2, 3]), [3]);

  it('rejects bad hyperparameters with messages naming the optimiser and value', () => {
    expect(() => new optim.SGD([p()], { lr: -0.1 })).toThrow(/SGD: invalid learning rate -0.1/);
    expect(() => new optim.SGD([p()])).toThrow(/SGD: no learning rate/);
    expect(() => new optim.SGD([p()], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires/);
    expect(() => new optim.SGD([p()], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(
      ValueError,
    );
    expect(() => new optim.Adam([p()], { lr: -1 })).toThrow(/Adam: invalid learning rate -1/);
    expect(() => new optim.Adam([p()], { betas: [1, 0.999] })).toThrow(
      /invalid beta parameter at index 0: 1/,
    );
    expect(() => new optim.AdamW([p()], { betas: [0.9, -0.1] })).toThrow(
      /AdamW: invalid beta parameter at index 1/,
    );
    expect(() => new optim.Adam([p()], { eps: -1e-8 })).toThrow(/invalid epsilon value/);
    expect(() => new optim.RMSprop([p()], { alpha: -0.5 })).toThrow(/RMSprop: invalid alpha value -0.5/);
    expect(() => new optim.Adagrad([p()], { lrDecay: -1 })).toThrow(/Adagrad: invalid lr_decay value -1/);
    expect(() => new optim.Adam([{ params: [p()] }, { params: [p()], lr: -2 }])).toThrow(
      /Adam param group 1: invalid learning rate -2/,
    );
  });

  it('rejects bad parameter lists', () => {
    expect(() => new optim.Adam([])).toThrow(/empty parameter list/);
    const q = p();
    expect(() => new optim.Adam([q, q])).toThrow(/appears twice/);
    expect(() => new optim.Adam([{ params: [q] }, { params: [q] }])).toThrow(/more than one parameter group/);
    const nonLeaf = q.mul(2);
    expect(() => new optim.Adam([nonLeaf])).toThrow(/not a leaf/);
    expect(() => new optim.Adam([new Tensor(new Int32Array(2), [2])])).toThrow(DTypeError);
  });

  it('applies group options over the defaults and lets lr be changed', () => {
    const a = p();
    const b = p();
    const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.5 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.5, 1]);
    a.grad = new Tensor(new Float32Array([1, 1, 1]), [3]);
    b.grad = new Tensor(new Float32Array([1, 1, 1]), [3]);
    opt.paramGroups[0].lr = 0.25;
    opt.step();
    expect(Array.from(a.data)).toEqual([0.75, 1.75, 2.75]);
    expect(Array.from(b.data)).toEqual([0, 1, 2]);
  });

  it('zeroGrad clears gradients and parameters without a gradient are left alone', () => {
    const a = p();
    const opt = new optim.Adam([a]);
    a.grad = new Tensor(new Float32Array([1, 1, 1]), [3]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    opt.step();
    expect(Array.from(a.data)).toEqual([1, 2, 3]);
    expect(opt.stateDict().state).toEqual({});
  });

  it('addParamGroup adds parameters that the next step updates', () => {
    const a = p();
    const b = p();
    const opt = new optim.SGD([a], { lr: 0.1 });
    opt.addParamGroup({ params: [b], lr: 1 });
    b.grad = new Tensor(new Float32Array([1, 1, 1]), [3]);
    opt.step();
    expect(Array.from(b.data)).toEqual([0, 1, 2]);
    expect(opt.stateDict().param_groups[1].params).toEqual([1]);
  });

  it('loadStateDict rejects state dicts that do not fit', () => {
    const opt = new optim.Adam([p()]);
    const other = new optim.Adam([{ params: [p()] }, { params: [p()] }]);
    expect(() => opt.loadStateDict(other.stateDict())).toThrow(/2 parameter groups, the optimiser 1/);
    const q = new nn.Parameter(new Float32Array(4), [4]);
    const big = new optim.Adam([q]);
    q.grad = new Tensor(new Float32Array(4), [4]);
    big.step();
    expect(() => opt.loadStateDict(big.stateDict())).toThrow(
      /'exp_avg' should be a tensor of shape \[3\], got \[4\]/,
    );
    const sgd = new optim.SGD([p()], { lr: 0.1 });
    sgd.paramGroups[0].params[0].grad = new Tensor(new Float32Array(3), [3]);
    sgd.step();
    expect(() => opt.loadStateDict(sgd.stateDict() as never)).toThrow(/'step' is missing/);
  });

  it('stateDict is a snapshot', () => {
    const a = p();
    const opt = new optim.Adam([a]);
    a.grad = new Tensor(new Float32Array([1, 1, 1]), [3]);
    opt.step();
    const sd = opt.stateDict();
    opt.step();
    expect((sd.state['0'].step as Tensor).item()).toBe(1);
  });

  it('Adam fits a linear regression with nn.Linear', () => {
    manualSeed(0);
    const n = 64;
    const X = randn([n, 3]);
    const trueW = [1.5, -2, 0.5];
    const Y = X.matmul(new Tensor(Float32Array.from(trueW), [3, 1])).add(0.7);
    const model = new nn.Linear(3, 1);
    const opt = new optim.Adam(model.parameters(), { lr: 0.1 });
    const lossAt = () => model.forward(X).sub(Y).square().mean();
    const first = lossAt().item();
    for (let it = 0; it < 300; it++) {
      opt.zeroGrad();
      const loss = lossAt();
      loss.backward();
      opt.step();
    }
    const last = lossAt().item();
    expect(first).toBeGreaterThan(1);
    expect(last).toBeLessThan(1e-4);
    expectClose(model.weight.data, trueW, { atol: 1e-2, rtol: 0 }, 'weight');
    expectClose(model.bias!.data, [0.7], { atol: 1e-2, rtol: 0 }, 'bias');
  });
});
