import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { expectClose } from '../helpers/gradcheck.js';

describe('Tensor methods call the ops of the same name', () => {
  const x = nt.tensor([
    [0.5, -1.5, 2],
    [1, 3, -0.25],
  ]);
  const same = (a: nt.Tensor, b: nt.Tensor) => {
    expect(a.shape).toEqual(b.shape);
    expect(a.dtype).toBe(b.dtype);
    expectClose(a.data, b.data, { atol: 0, rtol: 0 });
  };

  it('elementwise and activations', () => {
    const unary: [keyof nt.Tensor, (t: nt.Tensor) => nt.Tensor][] = [
      ['neg', nt.neg],
      ['exp', nt.exp],
      ['abs', nt.abs],
      ['square', nt.square],
      ['reciprocal', nt.reciprocal],
      ['sin', nt.sin],
      ['cos', nt.cos],
      ['sign', nt.sign],
      ['floor', nt.floor],
      ['ceil', nt.ceil],
      ['round', nt.round],
      ['relu', nt.relu],
      ['sigmoid', nt.sigmoid],
      ['tanh', nt.tanh],
      ['softplus', nt.softplus],
      ['gelu', nt.gelu],
      ['elu', nt.elu],
      ['leakyRelu', nt.leakyRelu],
      ['logicalNot', nt.logicalNot],
      ['trunc', nt.trunc],
      ['tan', nt.tan],
      ['atan', nt.atan],
      ['sinh', nt.sinh],
      ['cosh', nt.cosh],
      ['asinh', nt.asinh],
      ['expm1', nt.expm1],
      ['erf', nt.erf],
      ['isnan', nt.isnan],
      ['isinf', nt.isinf],
      ['isfinite', nt.isfinite],
      ['silu', nt.silu],
      ['any', nt.any],
      ['all', nt.all],
      ['amax', nt.amax],
      ['amin', nt.amin],
    ];
    for (const [name, op] of unary) same((x[name] as () => nt.Tensor).call(x), op(x));
    const p = x.abs();
    same(p.log(), nt.log(p));
    same(p.sqrt(), nt.sqrt(p));
    same(x.add(2).mul(x).sub(1).div(3).pow(2), nt.pow(nt.div(nt.sub(nt.mul(nt.add(x, 2), x), 1), 3), 2));
    same(x.clamp(-1, 1), nt.clamp(x, -1, 1));
    const u = x.div(4);
    const q = p.add(1);
    same(u.asin(), nt.asin(u));
    same(u.acos(), nt.acos(u));
    same(u.atanh(), nt.atanh(u));
    same(u.erfinv(), nt.erfinv(u));
    same(u.log1p(), nt.log1p(u));
    same(q.log2(), nt.log2(q));
    same(q.log10(), nt.log10(q));
    same(q.rsqrt(), nt.rsqrt(q));
    same(q.acosh(), nt.acosh(q));
    same(x.remainder(0.7), nt.remainder(x, 0.7));
    same(x.fmod(-0.7), nt.fmod(x, -0.7));
    same(x.softplus({ beta: 2 }), nt.softplus(x, { beta: 2 }));
    same(x.gelu({ approximate: 'tanh' }), nt.gelu(x, { approximate: 'tanh' }));
    same(x.elu(0.5), nt.elu(x, 0.5));
    same(x.leakyRelu(0.2), nt.leakyRelu(x, 0.2));
    const c = x.gt(0);
    same(x.where(c, 7), nt.where(c, x, 7));
    same(c.logicalAnd(x.lt(2)), nt.logicalAnd(c, nt.lt(x, 2)));
    same(c.logicalOr(x.lt(0)), nt.logicalOr(c, nt.lt(x, 0)));
    same(x.maximum(0), nt.maximum(x, 0));
    same(x.minimum(0), nt.minimum(x, 0));
    same(x.eq(1), nt.eq(x, 1));
    same(x.ne(1), nt.ne(x, 1));
    same(x.lt(1), nt.lt(x, 1));
    same(x.le(1), nt.le(x, 1));
    same(x.gt(1), nt.gt(x, 1));
    same(x.ge(1), nt.ge(x, 1));
  });

  it('reductions, shape ops, matmul and casts', () => {
    same(x.sum(1, true), nt.sum(x, 1, true));
    same(x.mean(0), nt.mean(x, 0));
    same(x.max(), nt.max(x));
    same(x.min(1), nt.min(x, 1));
    same(x.prod(1), nt.prod(x, 1));
    same(x.argmax(1), nt.argmax(x, 1));
    same(x.argmin(), nt.argmin(x));
    same(x.var(1, { correction: 0 }), nt.variance(x, 1, { correction: 0 }));
    same(x.std(), nt.std(x));
    same(x.logsumexp(1), nt.logsumexp(x, 1));
    same(x.softmax(0), nt.softmax(x, 0));
    same(x.logSoftmax(), nt.logSoftmax(x));
    same(x.reshape([3, 2]), nt.reshape(x, [3, 2]));
    same(x.view([-1]), nt.reshape(x, [6]));
    same(x.flatten(), nt.flatten(x));
    same(x.permute([1, 0]), nt.permute(x, [1, 0]));
    same(x.T, nt.transpose(x));
    same(x.transpose(0, 1), nt.transpose(x));
    same(x.unsqueeze(1).squeeze(1), x);
    same(x.expand([2, 2, 3]), nt.expand(x, [2, 2, 3]));
    same(x.narrow(1, 1, 2), nt.narrow(x, 1, 1, 2));
    same(x.slice([1, 1]), nt.slice(x, [1, 1]));
    same(x.select(0, 1), nt.select(x, 0, 1));
    expect(x.split(2, 1).map((t) => t.shape)).toEqual([
      [2, 2],
      [2, 1],
    ]);
    expect(x.chunk(2).length).toBe(2);
    const i = nt.tensor([2, 0], { dtype: 'int32' });
    same(x.indexSelect(1, i), nt.indexSelect(x, 1, i));
    same(
      x.gather(1, nt.tensor([[0], [2]], { dtype: 'int32' })),
      nt.gather(x, 1, nt.tensor([[0], [2]], { dtype: 'int32' })),
    );
    same(x.matmul(x.T), nt.matmul(x, nt.transpose(x)));
    expect(x.int().dtype).toBe('int32');
    expect(x.bool().dtype).toBe('bool');
    expect(x.int().float().dtype).toBe('float32');
    expect(x.to('int32').toArray()).toEqual([
      [0, -1, 2],
      [1, 3, 0],
    ]);
  });
});
