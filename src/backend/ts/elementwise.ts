import type { TypedArray } from '../../tensor/dtype.js';
import type { BinaryOp, Shape, UnaryGradOp, UnaryOp } from '../backend.js';

type Fn2 = (x: number, y: number) => number;

const binaryFns: Record<BinaryOp, Fn2> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: (x, y) => x ** y,
  maximum: (x, y) => (x >= y || Number.isNaN(x) ? x : y),
  minimum: (x, y) => (x <= y || Number.isNaN(x) ? x : y),
  eq: (x, y) => (x === y ? 1 : 0),
  ne: (x, y) => (x !== y ? 1 : 0),
  lt: (x, y) => (x < y ? 1 : 0),
  le: (x, y) => (x <= y ? 1 : 0),
  gt: (x, y) => (x > y ? 1 : 0),
  ge: (x, y) => (x >= y ? 1 : 0),
  // JavaScript's operators work on int32 and take shift counts mod 32, which is what PyTorch 1.13 gives on CPU
  bitwiseAnd: (x, y) => x & y,
  bitwiseOr: (x, y) => x | y,
  bitwiseXor: (x, y) => x ^ y,
  leftShift: (x, y) => x << y,
  rightShift: (x, y) => x >> y,
};

/**
 * Strides of `shape` right-aligned against `outShape`, with 0 where the dimension is broadcast.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const nd = outShape.length;
  const strides = new Array<number>(nd).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const oi = i + nd - shape.length;
    strides[oi] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  return strides;
}

/**
 * Visits every element of `outShape`, calling `body(outIndex, ...inputIndices)` for runs along the last axis:
 * body(o, idx, n, steps) where idx[k] is the input k offset at the start of the run and steps[k] its stride.
 */
export function forEachRun(
  outShape: Shape,
  inputShapes: readonly Shape[],
  body: (o: number, idx: number[], n: number, steps: number[]) => void,
): void {
  const nd = outShape.length;
  let total = 1;
  for (const d of outShape) total *= d;
  if (total === 0) return;
  const strides = inputShapes.map((s) => broadcastStrides(s, outShape));
  if (nd === 0) {
    body(
      0,
      inputShapes.map(() => 0),
      1,
      inputShapes.map(() => 0),
    );
    return;
  }
  const last = outShape[nd - 1];
  const steps = strides.map((s) => s[nd - 1]);
  const counter = new Array<number>(nd).fill(0);
  const idx = inputShapes.map(() => 0);
  for (let o = 0; o < total; o += last) {
    body(o, idx, last, steps);
    // advance the counter over all axes but the last
    for (let d = nd - 2; d >= 0; d--) {
      counter[d]++;
      for (let k = 0; k < idx.length; k++) idx[k] += strides[k][d];
      if (counter[d] < outShape[d]) break;
      for (let k = 0; k < idx.length; k++) idx[k] -= strides[k][d] * counter[d];
      counter[d] = 0;
    }
  }
}

export function binary(
  op: BinaryOp,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  out: TypedArray,
  outShape: Shape,
): void {
  const n = out.length;
  if (a.length === n && b.length === n) {
    switch (op) {
      case 'add':
        for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
        return;
      case 'sub':
        for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
        return;
      case 'mul':
        for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
        return;
      case 'div':
        for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
        return;
    }
  }
  const f = binaryFns[op];
  if (a.length === n && b.length === 1) {
    const y = b[0];
    for (let i = 0; i < n; i++) out[i] = f(a[i], y);
    return;
  }
  if (a.length === 1 && b.length === n) {
    const x = a[0];
    for (let i = 0; i < n; i++) out[i] = f(x, b[i]);
    return;
  }
  forEachRun(outShape, [aShape, bShape], (o, idx, len, steps) => {
    let ia = idx[0];
    let ib = idx[1];
    const sa = steps[0];
    const sb = steps[1];
    for (let j = 0; j < len; j++, ia += sa, ib += sb) out[o + j] = f(a[ia], b[ib]);
  });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT2 = 1 / Math.SQRT2;

/** erf with |error| < 1.2e-7 (Numerical Recipes' erfc approximation), enough for float32 GELU. */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

function softplus(x: number): number {
  // PyTorch's threshold: above 20 the result is x itself in float32
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

const unaryFns: Record<UnaryOp, (x: number, alpha: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  // Math.max keeps NaN, as torch.relu does
  relu: (x) => Math.max(x, 0),
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  tanh: Math.tanh,
  softplus,
  gelu: (x) => 0.5 * x * (1 + erf(x * INV_SQRT2)),
  elu: (x, a) => (x > 0 ? x : a * Math.expm1(x)),
  leakyRelu: (x, a) => (x > 0 ? x : a * x),
  sin: Math.sin,
  cos: Math.cos,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => {
    // round half to even, as PyTorch does
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
};

export function unary(op: UnaryOp, x: Float32Array, out: Float32Array, alpha: number): void {
  const n = x.length;
  switch (op) {
    case 'relu':
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i], 0);
      return;
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
  }
  const f = unaryFns[op];
  for (let i = 0; i < n; i++) out[i] = f(x[i], alpha);
}

export function unaryGrad(
  op: UnaryGradOp,
  x: Float32Array,
  y: Float32Array,
  dy: Float32Array,
  out: Float32Array,
  alpha: number,
): void {
  const n = x.length;
  switch (op) {
    case 'relu':
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? dy[i] : 0;
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) out[i] = dy[i] * y[i] * (1 - y[i]);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = dy[i] * (1 - y[i] * y[i]);
      return;
    case 'softplus':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 20 ? dy[i] : dy[i] / (1 + Math.exp(-v));
      }
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const cdf = 0.5 * (1 + erf(v * INV_SQRT2));
        const pdf = Math.exp(-0.5 * v * v) * SQRT_2_OVER_PI * 0.5;
        out[i] = dy[i] * (cdf + v * pdf);
      }
      return;
    case 'elu':
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? dy[i] : dy[i] * (y[i] + alpha);
      return;
    case 'leakyRelu':
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? dy[i] : dy[i] * alpha;
      return;
  }
}

export function clamp(x: Float32Array, lo: number, hi: number, out: Float32Array): void {
  // min(max(x, lo), hi) in that order, so lo > hi gives hi everywhere as torch.clamp does; NaN stays NaN
  for (let i = 0; i < x.length; i++) out[i] = Math.min(Math.max(x[i], lo), hi);
}

export function where(
  cond: Uint8Array,
  cShape: Shape,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  out: TypedArray,
  outShape: Shape,
): void {
  forEachRun(outShape, [cShape, aShape, bShape], (o, idx, len, steps) => {
    let ic = idx[0];
    let ia = idx[1];
    let ib = idx[2];
    for (let j = 0; j < len; j++, ic += steps[0], ia += steps[1], ib += steps[2]) {
      out[o + j] = cond[ic] ? a[ia] : b[ib];
    }
  });
}

export function cast(x: TypedArray, out: TypedArray): void {
  if (out instanceof Uint8Array) {
    for (let i = 0; i < x.length; i++) out[i] = x[i] !== 0 ? 1 : 0;
  } else {
    // Int32Array assignment truncates toward zero, Float32Array rounds to nearest float
    for (let i = 0; i < x.length; i++) out[i] = x[i];
  }
}

export function weightedSum(
  xs: readonly Float32Array[],
  weights: Float32Array,
  out: Float32Array,
  relu: boolean,
): void {
  const n = out.length;
  const w0 = weights[0];
  const x0 = xs[0];
  for (let j = 0; j < n; j++) out[j] = Math.fround(w0 * x0[j]);
  for (let i = 1; i < xs.length; i++) {
    const w = weights[i];
    const x = xs[i];
    for (let j = 0; j < n; j++) out[j] += Math.fround(w * x[j]);
  }
  if (relu) unary('relu', out, out, 0);
}

export function weightedSumBackward(
  xs: readonly Float32Array[],
  weights: Float32Array,
  dy: Float32Array,
  y: Float32Array | null,
  dxs: readonly (Float32Array | null)[],
  dWeights: Float32Array | null,
): void {
  const n = dy.length;
  let g = dy;
  if (y) {
    g = new Float32Array(n);
    unaryGrad('relu', y, y, dy, g, 0);
  }
  for (let i = 0; i < xs.length; i++) {
    const dx = dxs[i];
    if (dx) {
      const w = weights[i];
      for (let j = 0; j < n; j++) dx[j] = w * g[j];
    }
    if (dWeights) {
      const x = xs[i];
      let s = 0;
      for (let j = 0; j < n; j++) s += g[j] * x[j];
      dWeights[i] = s;
    }
  }
}
