/**
 * Arguments are checked at run time, for JavaScript callers who have no type checker: an extra positional
 * argument, an unknown option or an option of the wrong type is a ValueError naming the op and the argument,
 * never a silently different result.
 */
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { ValueError } from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { opParams } from '../../src/ops/util.js';

/** Calls that TypeScript would refuse, as a JavaScript caller can make them. */
const loose = (f: unknown) => f as (...args: unknown[]) => unknown;
const method = (t: nt.Tensor, name: string, ...args: unknown[]) =>
  loose((t as unknown as Record<string, unknown>)[name]).apply(t, args);

const x = () =>
  nt.tensor([
    [-1.5, 0.5, 2],
    [3, -0.25, 1],
  ]);

describe('every op checks its argument count', () => {
  // exported functions that are helpers, not ops a user calls on data
  const helpers = new Set([
    'asTensor',
    'cast',
    'conv2dInfo',
    'conv1dInfo',
    'convTranspose2dInfo',
    'convTranspose1dInfo',
    'pool2dInfo',
    'pool1dInfo',
    'unaryKernel',
    'transposeAxes',
    'operands',
  ]);
  const fns = Object.entries(ops).filter(([, v]) => typeof v === 'function' && !/^[A-Z]/.test(v.name));

  it('every exported op is made by defineOp', () => {
    const unchecked = fns.filter(([name, fn]) => !helpers.has(name) && !opParams(fn)).map(([n]) => n);
    expect(unchecked).toEqual([]);
    expect(fns.length).toBeGreaterThan(60);
  });

  it('one argument too many is refused before anything else runs, naming the op and its parameters', () => {
    for (const [name, fn] of fns) {
      const params = opParams(fn);
      if (!params) continue;
      const args = [...params.map(() => undefined), 'surplus'];
      expect(() => (fn as (...a: unknown[]) => unknown)(...args), name).toThrow(ValueError);
      expect(() => (fn as (...a: unknown[]) => unknown)(...args), name).toThrow(
        new RegExp(
          `^${name}: unexpected extra argument 'surplus'; ${name} takes \\(${params.join(', ')}\\)$`,
        ),
      );
    }
  });

  it('the cases of the issue', () => {
    expect(() => nt.softplus(x(), 3 as never)).toThrow(
      /softplus: expected an options object \{ beta, threshold \}, got 3/,
    );
    expect(() => nt.gelu(x(), 'tanh' as never)).toThrow(/gelu: expected an options object/);
    expect(() => nt.gelu(x(), { approximate: 'fast' as never })).toThrow(
      /gelu: option 'approximate' must be one of 'none', 'tanh', got 'fast'/,
    );
    expect(() => nt.pad(x(), [1, 1], { mode: 'mirror' as never })).toThrow(
      /pad: option 'mode' must be one of/,
    );
    expect(() => nt.pad(x(), [1, 1], 0.5 as never)).toThrow(
      /pad: expected an options object \{ mode, value \}/,
    );
    expect(() => nt.pad(x(), [1, 1], { mode: 'reflect', value: 1 })).toThrow(
      /only goes with mode 'constant'/,
    );
    expect(() => nt.dropout(x(), 0.5, false as never)).toThrow(/dropout: expected an options object/);
    expect(() => nt.dropout(x(), 0.5, { train: false } as never)).toThrow(
      /dropout: unknown option 'train' \(known options: training, generator\)/,
    );
    expect(() => nt.dropout(x(), 0.5, { training: 'no' as never })).toThrow(
      /dropout: option 'training' must be a boolean \(true or false\), got 'no'/,
    );
    expect(() => loose(nt.relu)(x(), 0.1)).toThrow(/relu: unexpected extra argument 0.1; relu takes \(x\)/);
  });
});

describe('options are checked by name and kind', () => {
  it('reductions: keepDim must be a boolean, axis an integer or a list', () => {
    expect(() => nt.sum(x(), 1, { keepDim: true } as never)).toThrow(
      /sum: keepDim must be a boolean \(true or false\), got an object with keys \{ keepDim \}/,
    );
    expect(() => nt.mean(x(), '1' as never)).toThrow(/mean: axis must be an integer axis or a list of them/);
    expect(() => nt.variance(x(), 1, { unbiased: false } as never)).toThrow(
      /variance: unknown option 'unbiased'/,
    );
    expect(() => nt.std(x(), 1, { correction: '1' } as never)).toThrow(
      /std: option 'correction' must be a number/,
    );
  });

  it('losses, convolution, pooling and normalisation name the unknown option', () => {
    const t = nt.zeros([2, 3]);
    expect(() => nt.mseLoss(x(), t, { reduce: 'sum' } as never)).toThrow(
      /mseLoss: unknown option 'reduce' \(known options: reduction\)/,
    );
    expect(() => nt.mseLoss(x(), t, { reduction: 'avg' as never })).toThrow(
      /mseLoss: option 'reduction' must be one of 'mean', 'sum', 'none', got 'avg'/,
    );
    expect(() =>
      nt.crossEntropy(x(), nt.tensor([0, 1], { dtype: 'int32' }), { label_smoothing: 0.1 } as never),
    ).toThrow(/crossEntropy: unknown option 'label_smoothing'/);
    const img = nt.zeros([1, 1, 4, 4]);
    const w = nt.zeros([1, 1, 3, 3]);
    expect(() => nt.conv2d(img, w, null, { padding_mode: 'zeros' } as never)).toThrow(
      /conv2d: unknown option 'padding_mode'/,
    );
    expect(() => nt.conv2d(img, w, { stride: 2 } as never)).toThrow(/conv2d: bias must be a tensor or null/);
    expect(() => nt.maxPool2d(img, 2, { ceil_mode: true } as never)).toThrow(
      /maxPool2d: unknown option 'ceil_mode'/,
    );
    expect(() => nt.avgPool2d(img, 2, { dilation: 2 } as never)).toThrow(
      /avgPool2d: unknown option 'dilation'/,
    );
    const bnArgs = [nt.zeros([3]), nt.ones([3]), null, null] as const;
    expect(() => nt.batchNorm(x(), ...bnArgs, { train: true } as never)).toThrow(
      /batchNorm: unknown option 'train'/,
    );
    expect(() => nt.batchNorm(x(), ...bnArgs, { training: 1 } as never)).toThrow(
      /batchNorm: option 'training' must be a boolean/,
    );
  });

  it('PyTorch habits that JavaScript would take silently: varargs shapes and tensors', () => {
    const a = x();
    expect(() => nt.concat(a as never, a as never)).toThrow(
      /concat: tensors must be an array of tensors, got a float32 tensor/,
    );
    expect(() => nt.stack([a, 2] as never)).toThrow(/stack: tensors must be an array of tensors/);
    expect(() => nt.reshape(a, 6 as never)).toThrow(/reshape: shape must be an array of integers, got 6/);
    expect(() => method(a, 'view', 3, 2)).toThrow(
      /reshape: unexpected extra argument 2; reshape takes \(x, shape\)/,
    );
    expect(() => method(a, 'permute', 1, 0)).toThrow(/permute: unexpected extra argument 0/);
    expect(() => nt.expand(a, [2, '3'] as never)).toThrow(/expand: shape must be an array of integers/);
    expect(() => nt.slice(a, 1 as never)).toThrow(/slice: begin must be an array of integers/);
  });

  it('operands must be tensors or numbers, bounds numbers', () => {
    expect(() => nt.add(x(), '1' as never)).toThrow(/add: b must be a tensor or a number, got '1'/);
    expect(() => nt.mul({} as never, 2)).toThrow(/mul: a must be a tensor or a number, got \{\}/);
    expect(() => nt.clamp(x(), '0' as never)).toThrow(/clamp: min must be a number, got '0'/);
    expect(() => nt.where([true] as never, 1, 0)).toThrow(/where: cond must be a tensor/);
    expect(() => nt.elu(x(), { alpha: 2 } as never)).toThrow(/elu: alpha must be a number/);
  });

  it('tensor methods pass every argument on, so the op refuses the extra one', () => {
    expect(() => x().softplus(3 as never)).toThrow(/softplus: expected an options object/);
    expect(() => method(x(), 'relu', 1)).toThrow(/relu: unexpected extra argument 1/);
    expect(() => method(x(), 'sum', 0, false, true)).toThrow(/sum: unexpected extra argument true/);
    expect(() => method(x(), 'where', nt.tensor(true), 0, 1)).toThrow(/where: unexpected extra argument 1/);
    expect(() => method(x(), 'float', 1)).toThrow(/float: unexpected extra argument 1/);
    expect(() => x().to('float64' as never)).toThrow(/to: dtype must be one of 'float32', 'int32', 'bool'/);
    expect(x().softplus({ beta: 2 }).shape).toEqual([2, 3]);
  });

  it('a missing option or one set to undefined takes the default', () => {
    const a = nt.softplus(x(), { beta: undefined, threshold: undefined });
    expect(Array.from(a.data)).toEqual(Array.from(nt.softplus(x()).data));
    expect(nt.dropout(x(), 0.5, { training: false, generator: undefined }).data).toEqual(x().data);
  });
});

describe('what the ignored arguments now do', () => {
  it('dropout with training false is the identity', () => {
    const t = x();
    expect(nt.dropout(t, 0.5, { training: false })).toBe(t);
  });

  it('gelu with approximate tanh differs from the exact one', () => {
    const t = nt.tensor([1.5]);
    const exact = nt.gelu(t).data[0];
    const approx = nt.gelu(t, { approximate: 'tanh' }).data[0];
    // ½·1.5·(1 + tanh(√(2/π)(1.5 + 0.044715·1.5³)))
    const expected = 0.75 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (1.5 + 0.044715 * 1.5 ** 3)));
    expect(approx).toBeCloseTo(expected, 6);
    expect(Math.abs(approx - exact)).toBeGreaterThan(1e-5);
  });

  it('softplus with beta and threshold', () => {
    const t = nt.tensor([-1, 0.5, 2, 4]);
    const y = nt.softplus(t, { beta: 2, threshold: 5 });
    const expected = [-1, 0.5, 2, 4].map((v) => (2 * v > 5 ? v : Math.log1p(Math.exp(2 * v)) / 2));
    expect(Array.from(y.data).map((v, i) => Math.abs(v - expected[i]) < 1e-6)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(() => nt.softplus(t, { beta: 0 })).toThrow(/softplus: beta must be positive/);
  });
});

describe('errors name the op the user called and the axis that is wrong', () => {
  it('creation names zeros/ones/full and the bad dimension', () => {
    expect(() => nt.zeros([2, -3])).toThrow(
      /^zeros: invalid shape \[2, -3\]: dimension 1 is -3, sizes must be non-negative integers$/,
    );
    expect(() => nt.ones([1.5])).toThrow(/^ones: invalid shape \[1.5\]: dimension 0 is 1.5/);
    expect(() => nt.full([2, 2, -1], 3)).toThrow(/^full: .*dimension 2 is -1/);
    expect(() => nt.randn([3, -1])).toThrow(/^randn: .*dimension 1/);
    expect(() => nt.zeros(3 as never)).toThrow(/^zeros: a shape must be an array of sizes, got 3/);
    expect(() => nt.reshape(nt.zeros([4]), [2, -2])).toThrow(/reshape/);
  });

  it('shape errors say which axis', () => {
    expect(() => nt.add(nt.zeros([2, 3]), nt.zeros([4]))).toThrow(
      'add: shapes [2, 3] and [4] cannot be broadcast together: axis -1 (counted from the end) has size 3 vs 4, and neither is 1',
    );
    expect(() => nt.mul(nt.zeros([5, 2, 3]), nt.zeros([4, 1, 3]))).toThrow(/mul: .*axis -3 .* size 5 vs 4/);
    expect(() => nt.concat([nt.zeros([2, 3]), nt.zeros([2, 4])], 0)).toThrow(
      /concat: tensor 1 has shape \[2, 4\], which does not match \[2, 3\] on axis 1 \(4 vs 3\)/,
    );
    expect(() => nt.expand(nt.zeros([2, 3]), [4, 2, 5])).toThrow(/expand: .*axis 1 has size 3/);
    expect(() => nt.gather(nt.zeros([2, 3]), 1, nt.zeros([3, 1], { dtype: 'int32' }))).toThrow(
      /gather: .* \(axis 0: 3 vs 2\)/,
    );
    expect(() => nt.pad(nt.zeros([2, 3]), [0, 0, 2, 0], { mode: 'reflect' })).toThrow(/size 2 of axis 0/);
  });
});
