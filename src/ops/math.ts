/**
 * Elementwise math beyond the kernels: rounding, remainders, the inverse and hyperbolic trigonometric functions,
 * erf, precise log1p/expm1, and the float tests. Each is composed from the primitive ops (no kernel of its own,
 * so every backend has it at once). A composed forward runs without recording, and the op records one node whose
 * gradient rule is the textbook derivative, side by side with it: cheaper and more exact than differentiating
 * through a polynomial approximation.
 */
import { noGrad, record } from '../autograd/engine.js';
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import {
  abs,
  add,
  ceil,
  cos,
  div,
  eq,
  exp,
  floor,
  ge,
  gt,
  le,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  maximum,
  mul,
  ne,
  neg,
  operands,
  reciprocal,
  sin,
  sqrt,
  square,
  sub,
  where,
} from './elementwise.js';
import { type Axes, sum } from './reduce.js';
import { cast, checkArg, checkOptions, checkReduceArgs, defineOp, type TensorLike } from './util.js';

/** Records `out` = f(x) (computed without a graph) with the gradient g·f'(x). */
function unary(
  name: string,
  x: Tensor,
  forward: (x: Tensor) => Tensor,
  derivative: (x: Tensor, out: Tensor) => Tensor,
) {
  checkArg(name, 'x', x, 'tensor');
  const out = noGrad(() => forward(cast(x, 'float32')));
  return record(out, name, [x], (g) => [mul(g, derivative(x, out))]);
}

const isFloat = (x: Tensor) => x.dtype === 'float32';

// ---- rounding and signs -------------------------------------------------------------------------------------

/** Rounds toward zero (torch.trunc); integers come back unchanged. Not differentiable (zero gradient). */
export const trunc = defineOp('trunc', ['x'], (x: Tensor): Tensor => {
  checkArg('trunc', 'x', x, 'tensor');
  if (!isFloat(x)) return new Tensor(x.data.slice(), x.shape);
  return noGrad(() => where(lt(x, 0), ceil(x), floor(x)));
});

/**
 * |a| with the sign of b, as torch.copysign (a negative zero in b counts as negative). Always float32;
 * differentiable in a.
 */
export const copysign = defineOp('copysign', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = operands(a, b, 'copysign');
  const out = noGrad(() => {
    const negative = logicalOr(lt(y, 0), logicalAnd(eq(y, 0), lt(reciprocal(cast(y, 'float32')), 0)));
    const m = abs(cast(x, 'float32'));
    return where(negative, neg(m), m);
  });
  // d/da = sign(a)·sign(b) = out / a, taken as 0 at a = 0 (PyTorch's rule)
  return record(out, 'copysign', [x, y], (g, needs) => [
    needs[0] ? mul(g, where(eq(x, 0), 0, div(out, x))) : null,
    needs[1] ? mul(g, 0) : null,
  ]);
});

// ---- division with rounding -----------------------------------------------------------------------------------

function checkIntDivisor(y: Tensor, op: string): void {
  if (y.dtype !== 'float32' && y.data.some((v) => v === 0)) {
    throw new ValueError(`${op}: integer division by zero`);
  }
}

/**
 * ⌊a / b⌋ (torch.floor_divide, which floors since PyTorch 1.13). Integers stay integers (exact while |a| < 2^24).
 * Not differentiable.
 */
export const floorDivide = defineOp('floorDivide', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = operands(a, b, 'floorDivide');
  checkIntDivisor(y, 'floorDivide');
  return noGrad(() => {
    const q = floor(div(x, y));
    return isFloat(x) || isFloat(y) ? q : cast(q, 'int32');
  });
});

/**
 * The remainder of a / b with the sign of the divisor, a − b·⌊a/b⌋ (Python's %, torch.remainder). Gradient 1 in
 * a and −⌊a/b⌋ in b. Computed in float32 as PyTorch does, then nudged into [0, b) (or (b, 0]) where the quotient
 * was rounded across an integer.
 */
export const remainder = defineOp('remainder', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  return roundedRemainder('remainder', a, b, floor);
});

/**
 * The remainder of a / b with the sign of the dividend, a − b·trunc(a/b) (C's fmod, torch.fmod). Gradient 1 in a
 * and −trunc(a/b) in b.
 */
export const fmod = defineOp('fmod', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  return roundedRemainder('fmod', a, b, trunc);
});

function roundedRemainder(
  op: 'remainder' | 'fmod',
  a: TensorLike,
  b: TensorLike,
  rounding: (t: Tensor) => Tensor,
): Tensor {
  const [x, y] = operands(a, b, op);
  checkIntDivisor(y, op);
  const integer = !isFloat(x) && !isFloat(y);
  const [out, q] = noGrad(() => {
    let quotient = rounding(div(x, y));
    if (integer) quotient = cast(quotient, 'int32');
    let r = sub(x, mul(y, quotient));
    if (!integer) {
      // a quotient rounded across an integer leaves r one |b| outside its range: move it back
      const keepSignOf = op === 'remainder' ? y : x;
      const wrongSide = logicalAnd(ne(r, 0), ne(lt(r, 0), lt(keepSignOf, 0)));
      const step = abs(y);
      r = where(wrongSide, where(lt(r, 0), add(r, step), sub(r, step)), r);
      r = where(ge(abs(r), step), where(gt(r, 0), sub(r, step), add(r, step)), r);
    }
    return [r, quotient];
  });
  if (integer) return out;
  return record(out, op, [x, y], (g, needs) => [needs[0] ? g : null, needs[1] ? neg(mul(g, q)) : null]);
}

// ---- powers, logs and exponentials ------------------------------------------------------------------------------

/** 1/√x (torch.rsqrt). */
export const rsqrt = defineOp(
  'rsqrt',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'rsqrt',
      x,
      (t) => reciprocal(sqrt(t)),
      (_, out) => mul(mul(out, square(out)), -0.5),
    ),
);

/** log₂ x (torch.log2). */
export const log2 = defineOp(
  'log2',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'log2',
      x,
      (t) => div(log(t), Math.LN2),
      (t) => reciprocal(mul(t, Math.LN2)),
    ),
);

/** log₁₀ x (torch.log10). */
export const log10 = defineOp(
  'log10',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'log10',
      x,
      (t) => div(log(t), Math.LN10),
      (t) => reciprocal(mul(t, Math.LN10)),
    ),
);

/**
 * log(1 + x), exact for small x (torch.log1p): with u = 1 + x rounded, log(u)·x/(u − 1) cancels u's rounding
 * error (Goldberg's trick).
 */
export const log1p = defineOp(
  'log1p',
  ['x'],
  (x: Tensor): Tensor => unary('log1p', x, log1pForward, (t) => reciprocal(add(t, 1))),
);

function log1pForward(t: Tensor): Tensor {
  const u = add(t, 1);
  const um1 = sub(u, 1);
  return where(eq(um1, 0), t, where(eq(u, Number.POSITIVE_INFINITY), u, div(mul(log(u), t), um1)));
}

/** eˣ − 1, exact for small x (torch.expm1): with u = eˣ rounded, (u − 1)·x/log u (Kahan's trick). */
export const expm1 = defineOp(
  'expm1',
  ['x'],
  (x: Tensor): Tensor => unary('expm1', x, expm1Forward, (_, out) => add(out, 1)),
);

function expm1Forward(t: Tensor): Tensor {
  const u = exp(t);
  const um1 = sub(u, 1);
  const general = div(mul(um1, t), log(u));
  return where(eq(u, 1), t, where(logicalOr(eq(um1, -1), eq(u, Number.POSITIVE_INFINITY)), um1, general));
}

/** log(eᵃ + eᵇ) without overflow (torch.logaddexp): max(a, b) + log1p(e^−|a−b|). */
export const logaddexp = defineOp('logaddexp', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = operands(a, b, 'logaddexp');
  const m = maximum(x, y);
  // equal infinities (both -inf, or both +inf) give themselves; a − b would be NaN there
  const same = noGrad(() => logicalAnd(eq(x, y), eq(abs(cast(x, 'float32')), Number.POSITIVE_INFINITY)));
  const diff = where(same, 0, sub(x, y));
  return add(m, log1p(exp(neg(abs(diff)))));
});

// ---- trigonometry ------------------------------------------------------------------------------------------------

/** tan x = sin x / cos x (torch.tan). */
export const tan = defineOp(
  'tan',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'tan',
      x,
      (t) => div(sin(t), cos(t)),
      (_, out) => add(square(out), 1),
    ),
);

const TAN_PI_8 = Math.SQRT2 - 1;
const TAN_3PI_8 = Math.SQRT2 + 1;

/**
 * atan by range reduction to |u| ≤ tan(π/8) (atan x = π/2 + atan(−1/x) above tan(3π/8), π/4 + atan((x−1)/(x+1))
 * between) and the Taylor series of atan u to u¹⁹, whose first omitted term is below float32's rounding there.
 */
function atanForward(t: Tensor): Tensor {
  const a = abs(t);
  const high = gt(a, TAN_3PI_8);
  const mid = logicalAnd(gt(a, TAN_PI_8), logicalNot(high));
  const u = where(high, neg(reciprocal(a)), where(mid, div(sub(a, 1), add(a, 1)), a));
  const z = square(u);
  let series: Tensor | number = 1 / 19;
  for (let k = 8; k >= 0; k--) series = add(mul(z, series), (k % 2 === 0 ? 1 : -1) / (2 * k + 1));
  const base = where(high, Math.PI / 2, where(mid, Math.PI / 4, 0));
  const r = add(base, mul(u, series as Tensor));
  return where(lt(t, 0), neg(r), r);
}

/** The inverse tangent (torch.atan). */
export const atan = defineOp(
  'atan',
  ['x'],
  (x: Tensor): Tensor => unary('atan', x, atanForward, (t) => reciprocal(add(square(t), 1))),
);

/** The inverse sine, atan(x/√((1−x)(1+x))) (torch.asin); NaN outside [−1, 1]. */
export const asin = defineOp(
  'asin',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'asin',
      x,
      (t) => atanForward(div(t, sqrt(mul(sub(1, t), add(1, t))))),
      (t) => reciprocal(sqrt(mul(sub(1, t), add(1, t)))),
    ),
);

/** The inverse cosine, 2·atan(√((1−x)/(1+x))) (torch.acos), accurate near both ends. */
export const acos = defineOp(
  'acos',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'acos',
      x,
      (t) => mul(atanForward(sqrt(div(sub(1, t), add(1, t)))), 2),
      (t) => neg(reciprocal(sqrt(mul(sub(1, t), add(1, t))))),
    ),
);

/** The angle of the point (x, y) in (−π, π] (torch.atan2(y, x)); atan2(0, 0) = 0. */
export const atan2 = defineOp('atan2', ['y', 'x'], (y: TensorLike, x: TensorLike): Tensor => {
  const [ty, tx] = operands(y, x, 'atan2', ['y', 'x']);
  const out = noGrad(() => {
    const fy = cast(ty, 'float32');
    const fx = cast(tx, 'float32');
    const r = atanForward(div(fy, fx));
    const shifted = where(ge(fy, 0), add(r, Math.PI), sub(r, Math.PI));
    const onAxis = where(gt(fy, 0), Math.PI / 2, where(lt(fy, 0), -Math.PI / 2, 0));
    return where(gt(fx, 0), r, where(lt(fx, 0), shifted, onAxis));
  });
  return record(out, 'atan2', [ty, tx], (g, needs) => {
    const r2 = add(square(tx), square(ty));
    return [needs[0] ? mul(g, div(tx, r2)) : null, needs[1] ? mul(g, neg(div(ty, r2))) : null];
  });
});

// ---- hyperbolic functions ----------------------------------------------------------------------------------------

/** sinh x = (m + m/(m + 1))/2 with m = expm1(x): no cancellation near 0 (torch.sinh). */
export const sinh = defineOp(
  'sinh',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'sinh',
      x,
      (t) => {
        const m = expm1Forward(t);
        return mul(add(m, div(m, add(m, 1))), 0.5);
      },
      (t) => mul(add(exp(t), exp(neg(t))), 0.5),
    ),
);

/** cosh x = (eˣ + e⁻ˣ)/2 (torch.cosh). */
export const cosh = defineOp(
  'cosh',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'cosh',
      x,
      (t) => mul(add(exp(t), exp(neg(t))), 0.5),
      (t) => {
        const m = expm1Forward(t);
        return mul(add(m, div(m, add(m, 1))), 0.5);
      },
    ),
);

/** asinh x = sign(x)·log1p(|x| + x²/(1 + √(1 + x²))) (torch.asinh). */
export const asinh = defineOp(
  'asinh',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'asinh',
      x,
      (t) => {
        const a = abs(t);
        const r = log1pForward(add(a, div(square(a), add(sqrt(add(square(a), 1)), 1))));
        return where(lt(t, 0), neg(r), r);
      },
      (t) => reciprocal(sqrt(add(square(t), 1))),
    ),
);

/** acosh x = log1p(d + √(d(d + 2))) with d = x − 1 (torch.acosh); NaN below 1. */
export const acosh = defineOp(
  'acosh',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'acosh',
      x,
      (t) => {
        const d = sub(t, 1);
        return log1pForward(add(d, sqrt(mul(d, add(d, 2)))));
      },
      (t) => reciprocal(sqrt(mul(sub(t, 1), add(t, 1)))),
    ),
);

/** atanh x = ½·log1p(2x/(1 − x)) (torch.atanh); ±inf at ±1, NaN beyond. */
export const atanh = defineOp(
  'atanh',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'atanh',
      x,
      (t) => mul(log1pForward(div(mul(t, 2), sub(1, t))), 0.5),
      (t) => reciprocal(mul(sub(1, t), add(1, t))),
    ),
);

// ---- the error function ----------------------------------------------------------------------------------------

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf: its Taylor series below |x| = 0.5 (relative error < 1e-7), and Abramowitz & Stegun 7.1.26 above (absolute
 * error < 1.5e-7, where erf ≥ 0.52).
 */
function erfForward(t: Tensor): Tensor {
  const a = abs(t);
  const z = square(t);
  // 2/√π · Σ (−1)ⁿ x^(2n+1) / (n!(2n+1)), n ≤ 6
  let series: Tensor | number = 0;
  let coef = 1;
  const terms: number[] = [];
  for (let n = 0; n <= 6; n++) {
    if (n > 0) coef *= n;
    terms.push((n % 2 === 0 ? 1 : -1) / (coef * (2 * n + 1)));
  }
  for (let n = 6; n >= 0; n--) series = add(mul(z, series), terms[n]);
  const small = mul(mul(t, series as Tensor), TWO_OVER_SQRT_PI);
  const s = reciprocal(add(mul(a, 0.3275911), 1));
  const poly = mul(
    s,
    add(
      0.254829592,
      mul(s, add(-0.284496736, mul(s, add(1.421413741, mul(s, add(-1.453152027, mul(s, 1.061405429))))))),
    ),
  );
  const large = sub(1, mul(poly, exp(neg(z))));
  return where(lt(a, 0.5), small, where(lt(t, 0), neg(large), large));
}

/** The Gauss error function (torch.erf). */
export const erf = defineOp(
  'erf',
  ['x'],
  (x: Tensor): Tensor => unary('erf', x, erfForward, (t) => mul(exp(neg(square(t))), TWO_OVER_SQRT_PI)),
);

/**
 * The inverse error function on (−1, 1) (torch.erfinv; ±inf at ±1, NaN beyond): Giles' single-precision
 * polynomials in w = −log((1 − x)(1 + x)) ("Approximating the erfinv function", GPU Computing Gems, 2011).
 */
export const erfinv = defineOp(
  'erfinv',
  ['x'],
  (x: Tensor): Tensor =>
    unary(
      'erfinv',
      x,
      (t) => {
        const w = neg(log(mul(sub(1, t), add(1, t))));
        const central = horner(
          sub(w, 2.5),
          [
            2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 2.1858087e-4, -1.25372503e-3,
            -4.17768164e-3, 0.246640727, 1.50140941,
          ],
        );
        const tail = horner(
          sub(sqrt(w), 3),
          [
            -2.00214257e-4, 1.00950558e-4, 1.34934322e-3, -3.67342844e-3, 5.73950773e-3, -7.6224613e-3,
            9.43887047e-3, 1.00167406, 2.83297682,
          ],
        );
        const r = mul(where(lt(w, 5), central, tail), t);
        return where(eq(abs(t), 1), mul(t, Number.POSITIVE_INFINITY), r);
      },
      (_, out) => mul(exp(square(out)), Math.sqrt(Math.PI) / 2),
    ),
);

/** c[0]·wⁿ + … + c[n] by Horner's rule. */
function horner(w: Tensor, c: readonly number[]): Tensor {
  let p: Tensor | number = c[0];
  for (let i = 1; i < c.length; i++) p = add(mul(p as Tensor | number, w) as Tensor, c[i]);
  return p as Tensor;
}

// ---- tests on values ---------------------------------------------------------------------------------------------

/** True where x is NaN (torch.isnan). */
export const isnan = defineOp('isnan', ['x'], (x: Tensor): Tensor => {
  checkArg('isnan', 'x', x, 'tensor');
  return ne(x, x);
});

/** True where x is +inf or −inf (torch.isinf). */
export const isinf = defineOp('isinf', ['x'], (x: Tensor): Tensor => {
  checkArg('isinf', 'x', x, 'tensor');
  // integers are never infinite
  if (!isFloat(x)) return ne(x, x);
  return eq(abs(x), Number.POSITIVE_INFINITY);
});

/** True where x is neither NaN nor infinite (torch.isfinite). */
export const isfinite = defineOp('isfinite', ['x'], (x: Tensor): Tensor => {
  checkArg('isfinite', 'x', x, 'tensor');
  if (!isFloat(x)) return eq(x, x);
  // x − x is 0 for every finite x and NaN for ±inf and NaN
  return eq(sub(x, x), 0);
});

export interface IsCloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Count two NaNs as close (default false). */
  equalNan?: boolean;
}

/** |a − b| ≤ atol + rtol·|b| elementwise, equal infinities included (torch.isclose). */
export const isclose = defineOp(
  'isclose',
  ['a', 'b', 'options'],
  (a: TensorLike, b: TensorLike, options: IsCloseOptions = {}): Tensor => {
    checkOptions('isclose', options, { rtol: 'number', atol: 'number', equalNan: 'boolean' });
    const rtol = options.rtol ?? 1e-5;
    const atol = options.atol ?? 1e-8;
    if (!(rtol >= 0 && atol >= 0)) {
      throw new ValueError(`isclose: rtol and atol must be non-negative, got ${rtol} and ${atol}`);
    }
    const [x, y] = operands(a, b, 'isclose');
    return noGrad(() => {
      const fx = cast(x, 'float32');
      const fy = cast(y, 'float32');
      // an infinite difference is never within tolerance, however large the tolerance (∞ ≤ ∞ would say so)
      const error = abs(sub(fx, fy));
      const within = logicalAnd(
        lt(error, Number.POSITIVE_INFINITY),
        le(error, add(mul(abs(fy), rtol), atol)),
      );
      let close = logicalOr(eq(fx, fy), within);
      if (options.equalNan) close = logicalOr(close, logicalAnd(ne(fx, fx), ne(fy, fy)));
      return close;
    });
  },
);

/** Whether every element of a is close to b's (torch.allclose): a JavaScript boolean. */
export const allclose = defineOp(
  'allclose',
  ['a', 'b', 'options'],
  (a: TensorLike, b: TensorLike, options: IsCloseOptions = {}): boolean => {
    const close = isclose(a, b, options);
    return close.data.every((v) => v !== 0);
  },
);

/** True where any element over `axis` (all axes by default) is non-zero (torch.any). Bool result. */
export const any = defineOp(
  'any',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: Axes, keepDim = false): Tensor => {
    checkArg('any', 'x', x, 'tensor');
    checkReduceArgs('any', axis, keepDim);
    return noGrad(() => gt(sum(ne(x, 0), axis, keepDim), 0));
  },
);

/** True where every element over `axis` (all axes by default) is non-zero (torch.all). Bool result. */
export const all = defineOp(
  'all',
  ['x', 'axis', 'keepDim'],
  (x: Tensor, axis?: Axes, keepDim = false): Tensor => {
    checkArg('all', 'x', x, 'tensor');
    checkReduceArgs('all', axis, keepDim);
    return noGrad(() => eq(sum(eq(x, 0), axis, keepDim), 0));
  },
);

/** Exclusive or of the truth values (torch.logical_xor); anything else than bool is read as `!= 0`. */
export const logicalXor = defineOp('logicalXor', ['a', 'b'], (a: Tensor, b: Tensor): Tensor => {
  checkArg('logicalXor', 'a', a, 'tensor');
  checkArg('logicalXor', 'b', b, 'tensor');
  return ne(cast(a, 'bool'), cast(b, 'bool'));
});
