import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { DTypeError, ShapeError, ValueError } from '../../src/index.js';
import { attentionFixture, fromJson, type Json, values } from '../helpers/attention-fixture.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

interface SdpaCase {
  name: string;
  q: Json;
  k: Json;
  v: Json;
  attnMask: Json | null;
  isCausal: boolean;
  scale: number | null;
  w: Json;
  out: Json;
  dq: Json;
  dk: Json;
  dv: Json;
  dAttnMask: Json | null;
}

const fixtures = attentionFixture<{ sdpa: SdpaCase[] }>();
const tol = { atol: 2e-5, rtol: 1e-4 };
const randn = (shape: number[], seed: number) => nt.randn(shape, { generator: new nt.Generator(seed) });

forEachBackend('scaledDotProductAttention against PyTorch', (_b, it) => {
  for (const c of fixtures.sdpa) {
    it(c.name, () => {
      const q = fromJson(c.q).requiresGrad_();
      const k = fromJson(c.k).requiresGrad_();
      const v = fromJson(c.v).requiresGrad_();
      const mask = c.attnMask ? fromJson(c.attnMask) : null;
      if (mask && c.dAttnMask) mask.requiresGrad_();
      const out = nt.scaledDotProductAttention(q, k, v, {
        attnMask: mask,
        isCausal: c.isCausal,
        scale: c.scale,
      });
      expect(out.shape).toEqual(c.out.shape);
      expectClose(out.data, values(c.out), tol, `${c.name}: out`);
      out.mul(fromJson(c.w)).sum().backward();
      expectClose(q.grad!.data, values(c.dq), tol, `${c.name}: dq`);
      expectClose(k.grad!.data, values(c.dk), tol, `${c.name}: dk`);
      expectClose(v.grad!.data, values(c.dv), tol, `${c.name}: dv`);
      if (c.dAttnMask) expectClose(mask!.grad!.data, values(c.dAttnMask), tol, `${c.name}: dAttnMask`);
    });
  }
});

forEachBackend('scaledDotProductAttention', (_b, it) => {
  it('passes gradcheck with a float mask (q, k, v and the mask)', () => {
    gradcheck(
      (q, k, v, m) => nt.scaledDotProductAttention(q, k, v, { attnMask: m }),
      [randn([2, 3, 4], 1), randn([2, 5, 4], 2), randn([2, 5, 3], 3), randn([3, 5], 4)],
    );
  });

  it('passes gradcheck causal, with a scale', () => {
    gradcheck(
      (q, k, v) => nt.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.7 }),
      [randn([1, 2, 4, 3], 5), randn([1, 2, 4, 3], 6), randn([1, 2, 4, 2], 7)],
    );
  });

  it('a bool mask equals the float mask with -inf where false', () => {
    const q = randn([2, 3, 4], 8);
    const k = randn([2, 5, 4], 9);
    const v = randn([2, 5, 6], 10);
    const keep = nt.tensor([[true, false, true, true, false]]);
    const asFloat = nt.tensor([[0, -Infinity, 0, 0, -Infinity]]);
    const a = nt.scaledDotProductAttention(q, k, v, { attnMask: keep });
    const b = nt.scaledDotProductAttention(q, k, v, { attnMask: asFloat });
    expectClose(a.data, b.data, { atol: 0, rtol: 0 }, 'bool vs float mask');
  });

  it('dropoutP draws from the generator: same seed, same output; p = 1 gives zeros', () => {
    const q = randn([2, 3, 4], 11);
    const kv = randn([2, 5, 4], 12);
    const run = (p: number) =>
      nt.scaledDotProductAttention(q, kv, kv, { dropoutP: p, generator: new nt.Generator(3) }).data;
    expect(Array.from(run(0.5))).toEqual(Array.from(run(0.5)));
    expect(Array.from(run(0.5))).not.toEqual(Array.from(run(0)));
    expect(Array.from(run(1)).every((x) => x === 0)).toBe(true);
  });

  it('a fully masked query gives NaN, as PyTorch', () => {
    const q = randn([2, 4], 13);
    const kv = randn([3, 4], 14);
    const mask = nt.tensor([
      [true, true, false],
      [false, false, false],
    ]);
    const out = nt.scaledDotProductAttention(q, kv, kv, { attnMask: mask }).toArray() as number[][];
    expect(out[0].every(Number.isFinite)).toBe(true);
    expect(out[1].every(Number.isNaN)).toBe(true);
  });

  it('names the op and the shapes in its errors', () => {
    const q = randn([2, 3, 4], 1);
    const k = randn([2, 5, 4], 2);
    const v = randn([2, 5, 6], 3);
    const sdpa = nt.scaledDotProductAttention;
    expect(() => sdpa(q, randn([2, 5, 3], 4), v)).toThrow(
      /scaledDotProductAttention: query and key must share their last dimension E, got query \[2, 3, 4\] and key \[2, 5, 3\]/,
    );
    expect(() => sdpa(q, k, randn([2, 4, 6], 4))).toThrow(
      /key and value must have the same sequence length S/,
    );
    expect(() => sdpa(q, k, v, { attnMask: nt.ones([3, 4], { dtype: 'bool' }) })).toThrow(ShapeError);
    expect(() => sdpa(q, k, v, { attnMask: nt.ones([3, 4], { dtype: 'bool' }) })).toThrow(
      /attnMask of shape \[3, 4\] does not broadcast to the attention scores' shape \[2, 3, 5\]/,
    );
    expect(() => sdpa(q, k, v, { attnMask: nt.ones([3, 5], { dtype: 'int32' }) })).toThrow(DTypeError);
    expect(() => sdpa(q, k, v, { attnMask: nt.ones([3, 5]), isCausal: true })).toThrow(
      /either attnMask or isCausal/,
    );
    expect(() => sdpa(q, k, v, { dropoutP: 2 })).toThrow(/dropoutP must be in \[0, 1\], got 2/);
    expect(() => sdpa(q, k, v, { causal: true } as never)).toThrow(ValueError);
    expect(() => sdpa(randn([4], 1), k, v)).toThrow(/query must have at least 2 dimensions/);
  });

  it('is nn.functional.scaledDotProductAttention too', () => {
    expect(nt.nn.functional.scaledDotProductAttention).toBe(nt.scaledDotProductAttention);
  });
});
