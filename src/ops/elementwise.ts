import { record } from '../autograd/engine.js';
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { arithmeticType, promote } from '../tensor/dtype.js';
import { broadcastShapes, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import {
  asTensor,
  cast,
  checkArg,
  checkOptions,
  defineOp,
  empty,
  floatData,
  type OptionSpec,
  TENSOR_LIST,
  type TensorLike,
} from './util.js';

const TENSOR_LIKE: OptionSpec = {
  test: (v) => v instanceof Tensor || typeof v === 'number',
  expected: 'a tensor or a number',
};

/** Both operands of a binary op as tensors (numbers wrapped as PyTorch wraps Python scalars), checked. */
export function operands(a: TensorLike, b: TensorLike, op: string, names = ['a', 'b']): [Tensor, Tensor] {
  checkArg(op, names[0], a, TENSOR_LIKE);
  checkArg(op, names[1], b, TENSOR_LIKE);
  const ta = asTensor(a, typeof b === 'number' ? 'int32' : b.dtype);
  const tb = asTensor(b, ta.dtype);
  return [ta, tb];
}

/** Runs a broadcasting binary kernel; the result has `dtype` and the operands are cast to `inType`. */
function binaryKernel(
  op: BinaryOp,
  a: Tensor,
  b: Tensor,
  inType: Tensor['dtype'],
  outType: Tensor['dtype'],
): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = empty(shape, outType);
  const ca = cast(a, inType);
  const cb = cast(b, inType);
  getBackend().binary(op, ca.data, ca.shape, cb.data, cb.shape, out.data, shape);
  return out;
}

function arith(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  if (a.dtype === 'bool' && b.dtype === 'bool' && op !== 'div') return boolArith(op, a, b);
  let t = arithmeticType(promote(a.dtype, b.dtype));
  if (op === 'div') t = 'float32'; // true division, as torch.div
  return binaryKernel(op, a, b, t, t);
}

/** Two bool tensors stay bool, as in PyTorch: + is or, * is and; - and ** are refused. */
function boolArith(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  switch (op) {
    case 'add':
    case 'maximum':
      return binaryKernel('maximum', a, b, 'bool', 'bool');
    case 'mul':
    case 'minimum':
      return binaryKernel('minimum', a, b, 'bool', 'bool');
    default:
      throw new DTypeError(
        `${op}: not supported for two bool tensors (use logicalAnd/logicalOr/logicalNot, or cast to int32 first)`,
      );
  }
}

export const add = defineOp('add', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = operands(a, b, 'add');
  return record(arith('add', x, y), 'add', [x, y], (g) => [g, g]);
});

export const sub = defineOp('sub', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = operands(a, b, 'sub');
  return record(arith('sub', x, y), 'sub', [x, y], (g, needs) => [g, needs[1] ? neg(g) : null]);
});

export const mul = defineOp('mul', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = operands(a, b, 'mul');
  return record(arith('mul', x, y), 'mul', [x, y], (g, needs) => [
    needs[0] ? mul(g, y) : null,
    needs[1] ? mul(g, x) : null,
  ]);
});

export const div = defineOp('div', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = operands(a, b, 'div');
  const out = arith('div', x, y);
  return record(out, 'div', [x, y], (g, needs) => [
    needs[0] ? div(g, y) : null,
    // d(x/y)/dy = -x/y² = -out/y
    needs[1] ? neg(div(mul(g, out), y)) : null,
  ]);
});

export const pow = defineOp('pow', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = operands(a, b, 'pow');
  const t = arithmeticType(promote(x.dtype, y.dtype)) === 'int32' ? 'int32' : 'float32';
  if (t === 'int32' && y.data.some((v) => v < 0)) {
    throw new ValueError('pow: integers to negative integer powers are not allowed (cast to float32 first)');
  }
  const out = binaryKernel('pow', x, y, t, t);
  return record(out, 'pow', [x, y], (g, needs) => [
    // d/dx x^y = y·x^(y-1), and 0 where y = 0 (so 0^0 does not give 0·0^-1 = NaN), as PyTorch
    needs[0] ? mul(g, where(eq(y, 0), 0, mul(y, pow(x, sub(y, 1))))) : null,
    // d/dy x^y = x^y·ln x, taken as 0 at x = 0 where y ≥ 0 (PyTorch's convention; for y < 0 it stays inf·-inf)
    needs[1] ? mul(g, where(logicalAnd(eq(x, 0), ge(y, 0)), 0, mul(out, log(x)))) : null,
  ]);
});

/** Elementwise maximum; where equal, the gradient is split evenly (as PyTorch does). */
export const maximum = defineOp('maximum', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  return extremum('maximum', a, b);
});

export const minimum = defineOp('minimum', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => {
  return extremum('minimum', a, b);
});

function extremum(op: 'maximum' | 'minimum', a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands(a, b, op);
  const out = arith(op, x, y);
  return record(out, op, [x, y], (g, needs) => {
    const xWins = op === 'maximum' ? gt(x, y) : lt(x, y);
    const tie = eq(x, y);
    const wx = add(cast(xWins, 'float32'), mul(cast(tie, 'float32'), 0.5));
    return [needs[0] ? mul(g, wx) : null, needs[1] ? mul(g, sub(1, wx)) : null];
  });
}

function compare(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands(a, b, op);
  const t = promote(x.dtype, y.dtype);
  return binaryKernel(op, x, y, t, 'bool');
}

export const eq = defineOp('eq', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => compare('eq', a, b));
export const ne = defineOp('ne', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => compare('ne', a, b));
export const lt = defineOp('lt', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => compare('lt', a, b));
export const le = defineOp('le', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => compare('le', a, b));
export const gt = defineOp('gt', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => compare('gt', a, b));
export const ge = defineOp('ge', ['a', 'b'], (a: TensorLike, b: TensorLike): Tensor => compare('ge', a, b));

/** `cond ? a : b` elementwise with broadcasting of all three; differentiable in a and b. */
export const where = defineOp(
  'where',
  ['cond', 'a', 'b'],
  (cond: Tensor, a: TensorLike, b: TensorLike): Tensor => {
    checkArg('where', 'cond', cond, 'tensor');
    const [x, y] = operands(a, b, 'where');
    const t = promote(x.dtype, y.dtype);
    const c = cast(cond, 'bool');
    const shape = broadcastShapes(broadcastShapes(c.shape, x.shape, 'where'), y.shape, 'where');
    const out = empty(shape, t);
    const cx = cast(x, t);
    const cy = cast(y, t);
    getBackend().where(c.data as Uint8Array, c.shape, cx.data, cx.shape, cy.data, cy.shape, out.data, shape);
    return record(out, 'where', [x, y], (g, needs) => [
      needs[0] ? where(c, g, 0) : null,
      needs[1] ? where(c, 0, g) : null,
    ]);
  },
);

/** Applies a unary kernel to the float view of x. */
export function unaryKernel(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const out = empty(x.shape, 'float32');
  getBackend().unary(op, floatData(x), out.data as Float32Array, alpha);
  return out;
}

export const neg = defineOp('neg', ['x'], (x: TensorLike): Tensor => {
  const t = asTensor(x);
  if (t.dtype !== 'float32') return mul(t, -1);
  return record(unaryKernel('neg', t), 'neg', [t], (g) => [neg(g)]);
});

export const exp = defineOp('exp', ['x'], (x: Tensor): Tensor => {
  const out = unaryKernel('exp', x);
  return record(out, 'exp', [x], (g) => [mul(g, out)]);
});

export const log = defineOp('log', ['x'], (x: Tensor): Tensor => {
  return record(unaryKernel('log', x), 'log', [x], (g) => [div(g, x)]);
});

export const sqrt = defineOp('sqrt', ['x'], (x: Tensor): Tensor => {
  const out = unaryKernel('sqrt', x);
  return record(out, 'sqrt', [x], (g) => [div(g, mul(out, 2))]);
});

export const abs = defineOp('abs', ['x'], (x: Tensor): Tensor => {
  if (x.dtype !== 'float32') return where(lt(x, 0), neg(x), x);
  return record(unaryKernel('abs', x), 'abs', [x], (g) => [mul(g, unaryKernel('sign', x))]);
});

/** -1, 0 or 1 by the sign of each element, in x's dtype; NaN gives 0 (not differentiable: zero gradient). */
export const sign = defineOp('sign', ['x'], (x: Tensor): Tensor => {
  checkArg('sign', 'x', x, 'tensor');
  // (x > 0) − (x < 0): NaN gives 0, as torch.sign (PyTorch 1.13)
  const s = sub(cast(gt(x, 0), 'int32'), cast(lt(x, 0), 'int32'));
  return cast(s, x.dtype);
});

export const square = defineOp('square', ['x'], (x: Tensor): Tensor => {
  return record(unaryKernel('square', x), 'square', [x], (g) => [mul(g, mul(x, 2))]);
});

export const reciprocal = defineOp('reciprocal', ['x'], (x: Tensor): Tensor => {
  const out = unaryKernel('reciprocal', x);
  return record(out, 'reciprocal', [x], (g) => [neg(mul(g, mul(out, out)))]);
});

export const sin = defineOp('sin', ['x'], (x: Tensor): Tensor => {
  return record(unaryKernel('sin', x), 'sin', [x], (g) => [mul(g, cos(x))]);
});

export const cos = defineOp('cos', ['x'], (x: Tensor): Tensor => {
  return record(unaryKernel('cos', x), 'cos', [x], (g) => [neg(mul(g, sin(x)))]);
});

/**
 * Rounding ops have zero gradient almost everywhere; they are not recorded. Integer tensors come back
 * unchanged (as a copy), as in PyTorch.
 */
export const floor = defineOp('floor', ['x'], (x: Tensor): Tensor => rounding('floor', x));
export const ceil = defineOp('ceil', ['x'], (x: Tensor): Tensor => rounding('ceil', x));
/** Rounds half to even, as torch.round does (0.5 → 0, 1.5 → 2, 2.5 → 2). */
export const round = defineOp('round', ['x'], (x: Tensor): Tensor => rounding('round', x));

function rounding(op: 'floor' | 'ceil' | 'round', x: Tensor): Tensor {
  if (x.dtype !== 'float32') return new Tensor(x.data.slice(), x.shape);
  return unaryKernel(op, x);
}

/**
 * Limits values to [min, max] (either bound may be omitted, not both). The gradient flows where the value was inside
 * the bounds, boundaries included, as in PyTorch.
 */
export const clamp = defineOp(
  'clamp',
  ['x', 'min', 'max'],
  (x: Tensor, min?: number | null, max?: number | null): Tensor => {
    checkArg('clamp', 'x', x, 'tensor');
    if (min !== null) checkArg('clamp', 'min', min, 'number');
    if (max !== null) checkArg('clamp', 'max', max, 'number');
    if (min == null && max == null) {
      throw new ValueError('clamp: give at least one of min and max (as torch.clamp requires)');
    }
    const lo = min ?? Number.NEGATIVE_INFINITY;
    const hi = max ?? Number.POSITIVE_INFINITY;
    if (Number.isNaN(lo) || Number.isNaN(hi)) throw new ValueError('clamp: bounds must not be NaN');
    if (x.dtype !== 'float32' && isIntBound(lo) && isIntBound(hi)) {
      // integer tensors with integer bounds stay integers, as in PyTorch (and exact beyond float32's 2^24)
      const bound = (v: number) =>
        new Tensor(Int32Array.of(Math.min(Math.max(v, -(2 ** 31)), 2 ** 31 - 1)), []);
      let out = cast(x, 'int32');
      if (Number.isFinite(lo)) out = binaryKernel('maximum', out, bound(lo), 'int32', 'int32');
      if (Number.isFinite(hi)) out = binaryKernel('minimum', out, bound(hi), 'int32', 'int32');
      return out;
    }
    const out = empty(x.shape, 'float32');
    getBackend().clamp(floatData(x), lo, hi, out.data as Float32Array);
    return record(out, 'clamp', [x], (g) => {
      const inside = cast(mulBool(ge(x, lo), le(x, hi)), 'float32');
      return [mul(g, inside)];
    });
  },
);

function isIntBound(v: number): boolean {
  return Number.isInteger(v) || v === Number.NEGATIVE_INFINITY || v === Number.POSITIVE_INFINITY;
}

function mulBool(a: Tensor, b: Tensor): Tensor {
  return binaryKernel('mul', a, b, 'bool', 'bool');
}

/**
 * Logical and of the truth values, with broadcasting (torch.logical_and): a bool result for any dtypes, each
 * read as `!= 0` (so NaN is true).
 */
export const logicalAnd = defineOp('logicalAnd', ['a', 'b'], (a: Tensor, b: Tensor): Tensor => {
  checkArg('logicalAnd', 'a', a, 'tensor');
  checkArg('logicalAnd', 'b', b, 'tensor');
  return mulBool(a, b);
});

/** Logical or of the truth values, with broadcasting (torch.logical_or); any dtypes, read as `!= 0`. */
export const logicalOr = defineOp('logicalOr', ['a', 'b'], (a: Tensor, b: Tensor): Tensor => {
  checkArg('logicalOr', 'a', a, 'tensor');
  checkArg('logicalOr', 'b', b, 'tensor');
  return binaryKernel('maximum', a, b, 'bool', 'bool');
});

/** True where a is zero (torch.logical_not): a bool result for any dtype. */
export const logicalNot = defineOp('logicalNot', ['a'], (a: Tensor): Tensor => {
  checkArg('logicalNot', 'a', a, 'tensor');
  return eq(cast(a, 'bool'), 0);
});

export interface WeightedSumOptions {
  /**
   * Apply a ReLU to the sum in the same pass (default false): the values and gradients of
   * `relu(weightedSum(…))` without the intermediate tensor and the ReLU's own passes.
   */
  relu?: boolean;
}

/**
 * Σᵢ weights[i]·tensors[i] over tensors of one shape, added in order (the aggregation of a randomly wired
 * network's node, with its weights already made positive). One op where the same sum written as products and
 * additions makes 2k − 1 of each, forward and backward: the gradients reach every tensor (weights[i]·g) and the
 * weights (Σ g·tensors[i]) in one kernel pass. PyTorch writes it `(w.view(-1, 1, …) * torch.stack(xs)).sum(0)`.
 */
export const weightedSum = defineOp(
  'weightedSum',
  ['tensors', 'weights', 'options'],
  (tensors: readonly Tensor[], weights: Tensor, options: WeightedSumOptions = {}): Tensor => {
    const op = 'weightedSum';
    checkArg(op, 'tensors', tensors, TENSOR_LIST);
    checkArg(op, 'weights', weights, 'tensor');
    checkOptions(op, options, { relu: 'boolean' });
    if (tensors === undefined || tensors.length === 0)
      throw new ValueError(`${op}: needs at least one tensor`);
    if (weights === undefined) throw new ValueError(`${op}: weights are required`);
    const first = tensors[0];
    for (const [i, t] of tensors.entries()) {
      if (t.dtype !== 'float32') throw new DTypeError(`${op}: tensor ${i} must be float32, got ${t.dtype}`);
      if (!shapesEqual(t.shape, first.shape)) {
        throw new ShapeError(
          `${op}: tensor ${i} has shape ${fmtShape(t.shape)}, tensor 0 ${fmtShape(first.shape)}; all must have one shape`,
        );
      }
    }
    if (weights.dtype !== 'float32')
      throw new DTypeError(`${op}: weights must be float32, got ${weights.dtype}`);
    if (weights.ndim !== 1 || weights.shape[0] !== tensors.length) {
      throw new ShapeError(
        `${op}: weights have shape ${fmtShape(weights.shape)}, expected [${tensors.length}] (one per tensor)`,
      );
    }
    const relu = options.relu ?? false;
    const be = getBackend();
    const xs = tensors.map((t) => t.data as Float32Array);
    const wd = weights.data as Float32Array;
    const out = empty(first.shape);
    const yd = out.data as Float32Array;
    be.weightedSum(xs, wd, yd, relu);
    return record(out, op, [...tensors, weights], (g, needs) => {
      const k = tensors.length;
      const dxs = tensors.map((t, i) => (needs[i] ? empty(t.shape) : null));
      const dw = needs[k] ? empty([k]) : null;
      be.weightedSumBackward(
        xs,
        wd,
        g.data as Float32Array,
        relu ? yd : null,
        dxs.map((d) => (d ? (d.data as Float32Array) : null)),
        dw ? (dw.data as Float32Array) : null,
      );
      return [...dxs, dw];
    });
  },
);
