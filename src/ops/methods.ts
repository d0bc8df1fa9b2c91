/**
 * Chainable methods on Tensor (`x.add(y).relu().sum()`), each a thin call of the op of the same name. They are
 * attached here, above the ops, so that the Tensor class itself stays free of op imports; the entry points call
 * {@link installTensorMethods} (importing this file changes nothing by itself).
 */
import { type BackwardOptions, backward } from '../autograd/engine.js';
import { ValueError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import * as A from './activation.js';
import * as B from './bitwise.js';
import * as C from './cumulative.js';
import * as E from './elementwise.js';
import * as I from './indexing.js';
import * as L from './layout.js';
import * as M from './math.js';
import { matmul } from './matmul.js';
import * as R from './reduce.js';
import * as Sc from './scatter.js';
import * as S from './shape.js';
import * as So from './sort.js';
import { cast, checkArg, describeValue, type TensorLike } from './util.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** Computes gradients of this tensor with respect to every leaf that requires them. */
    backward(grad?: Tensor, options?: BackwardOptions): void;
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(other: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
    gt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    sign(): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    round(): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;
    trunc(): Tensor;
    tan(): Tensor;
    atan(): Tensor;
    asin(): Tensor;
    acos(): Tensor;
    sinh(): Tensor;
    cosh(): Tensor;
    asinh(): Tensor;
    acosh(): Tensor;
    atanh(): Tensor;
    log2(): Tensor;
    log10(): Tensor;
    log1p(): Tensor;
    expm1(): Tensor;
    rsqrt(): Tensor;
    erf(): Tensor;
    erfinv(): Tensor;
    isnan(): Tensor;
    isinf(): Tensor;
    isfinite(): Tensor;
    remainder(other: TensorLike): Tensor;
    fmod(other: TensorLike): Tensor;
    any(axis?: R.Axes, keepDim?: boolean): Tensor;
    all(axis?: R.Axes, keepDim?: boolean): Tensor;
    silu(): Tensor;
    /** `cond ? this : other` elementwise (torch's `x.where(cond, y)`). */
    where(cond: Tensor, other: TensorLike): Tensor;
    logicalAnd(other: Tensor): Tensor;
    logicalOr(other: Tensor): Tensor;
    logicalNot(): Tensor;
    logicalXor(other: Tensor): Tensor;
    bitwiseAnd(other: TensorLike): Tensor;
    bitwiseOr(other: TensorLike): Tensor;
    bitwiseXor(other: TensorLike): Tensor;
    bitwiseNot(): Tensor;
    bitwiseLeftShift(other: TensorLike): Tensor;
    bitwiseRightShift(other: TensorLike): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    softplus(options?: A.SoftplusOptions): Tensor;
    gelu(options?: A.GeluOptions): Tensor;
    elu(alpha?: number): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    sum(axis?: R.Axes, keepDim?: boolean): Tensor;
    mean(axis?: R.Axes, keepDim?: boolean): Tensor;
    max(axis?: R.Axes, keepDim?: boolean): Tensor;
    min(axis?: R.Axes, keepDim?: boolean): Tensor;
    amax(axis?: R.Axes, keepDim?: boolean): Tensor;
    amin(axis?: R.Axes, keepDim?: boolean): Tensor;
    prod(axis?: R.Axes, keepDim?: boolean): Tensor;
    argmax(axis?: number, keepDim?: boolean): Tensor;
    argmin(axis?: number, keepDim?: boolean): Tensor;
    var(axis?: R.Axes, options?: R.VarOptions): Tensor;
    std(axis?: R.Axes, options?: R.VarOptions): Tensor;
    logsumexp(axis?: R.Axes, keepDim?: boolean): Tensor;
    reshape(shape: Shape): Tensor;
    /** Same as reshape (tensors are always contiguous). */
    view(shape: Shape): Tensor;
    flatten(startAxis?: number, endAxis?: number): Tensor;
    permute(perm: readonly number[]): Tensor;
    /** Swaps two axes (default: the last two). */
    transpose(axis0?: number, axis1?: number): Tensor;
    /** The matrix transpose (swap of the last two axes). */
    readonly T: Tensor;
    squeeze(axes?: number | readonly number[]): Tensor;
    unsqueeze(axis: number): Tensor;
    expand(shape: Shape): Tensor;
    narrow(axis: number, start: number, length: number): Tensor;
    slice(begin: readonly number[], size?: readonly number[]): Tensor;
    split(sizeOrSections: number | readonly number[], axis?: number): Tensor[];
    chunk(chunks: number, axis?: number): Tensor[];
    select(axis: number, index: number): Tensor;
    indexSelect(axis: number, index: Tensor): Tensor;
    gather(axis: number, index: Tensor): Tensor;
    matmul(other: Tensor): Tensor;
    flip(axes: number | readonly number[]): Tensor;
    roll(shifts: number | readonly number[], axes?: number | readonly number[]): Tensor;
    tril(diagonal?: number): Tensor;
    triu(diagonal?: number): Tensor;
    diagonal(offset?: number, axis1?: number, axis2?: number): Tensor;
    diag(diagonal?: number): Tensor;
    repeat(reps: readonly number[]): Tensor;
    repeatInterleave(repeats: number | readonly number[] | Tensor, axis?: number): Tensor;
    /** Sliding windows along `axis` (torch.Tensor.unfold). */
    unfold(axis: number, size: number, step: number): Tensor;
    unflatten(axis: number, sizes: readonly number[]): Tensor;
    nonzero(): Tensor;
    maskedFill(mask: Tensor, value: number | Tensor): Tensor;
    maskedSelect(mask: Tensor): Tensor;
    scatter(axis: number, index: Tensor, src: Tensor | number): Tensor;
    scatterAdd(axis: number, index: Tensor, src: Tensor): Tensor;
    scatterReduce(
      axis: number,
      index: Tensor,
      src: Tensor,
      reduce: Sc.ScatterReduce,
      options?: Sc.ScatterReduceOptions,
    ): Tensor;
    cumsum(axis: number): Tensor;
    cumprod(axis: number): Tensor;
    cummax(axis: number): [Tensor, Tensor];
    cummin(axis: number): [Tensor, Tensor];
    logcumsumexp(axis: number): Tensor;
    sort(axis?: number, options?: So.SortOptions): [Tensor, Tensor];
    argsort(axis?: number, options?: So.SortOptions): Tensor;
    topk(k: number, axis?: number, options?: So.TopkOptions): [Tensor, Tensor];
    /** Converts to another dtype (not differentiable). */
    to(dtype: DType): Tensor;
    float(): Tensor;
    int(): Tensor;
    bool(): Tensor;
  }
}

const P = Tensor.prototype;

/**
 * The method form of an op that takes the tensor first: every argument is passed on, so the op's own checks
 * (an extra argument, an unknown option) speak for the method too.
 */
// biome-ignore lint/suspicious/noExplicitAny: forwards to ops of every signature
function method(fn: (x: Tensor, ...args: any[]) => unknown) {
  return function (this: Tensor, ...args: unknown[]) {
    return fn(this, ...args);
  };
}

/** A method whose op takes no argument besides the tensor, or a fixed few, with the extra ones refused. */
function exactly(name: string, params: readonly string[], args: readonly unknown[]): void {
  if (args.length > params.length) {
    throw new ValueError(
      `${name}: unexpected extra argument ${describeValue(args[params.length])}; ${name} takes (${params.join(', ')})`,
    );
  }
}

const forwarded = {
  add: E.add,
  sub: E.sub,
  mul: E.mul,
  div: E.div,
  pow: E.pow,
  maximum: E.maximum,
  minimum: E.minimum,
  eq: E.eq,
  ne: E.ne,
  lt: E.lt,
  le: E.le,
  gt: E.gt,
  ge: E.ge,
  neg: E.neg,
  exp: E.exp,
  log: E.log,
  sqrt: E.sqrt,
  abs: E.abs,
  square: E.square,
  reciprocal: E.reciprocal,
  sin: E.sin,
  cos: E.cos,
  sign: E.sign,
  floor: E.floor,
  ceil: E.ceil,
  round: E.round,
  clamp: E.clamp,
  trunc: M.trunc,
  tan: M.tan,
  atan: M.atan,
  asin: M.asin,
  acos: M.acos,
  sinh: M.sinh,
  cosh: M.cosh,
  asinh: M.asinh,
  acosh: M.acosh,
  atanh: M.atanh,
  log2: M.log2,
  log10: M.log10,
  log1p: M.log1p,
  expm1: M.expm1,
  rsqrt: M.rsqrt,
  erf: M.erf,
  erfinv: M.erfinv,
  isnan: M.isnan,
  isinf: M.isinf,
  isfinite: M.isfinite,
  remainder: M.remainder,
  fmod: M.fmod,
  any: M.any,
  all: M.all,
  silu: A.silu,
  logicalAnd: E.logicalAnd,
  logicalOr: E.logicalOr,
  logicalNot: E.logicalNot,
  logicalXor: M.logicalXor,
  bitwiseAnd: B.bitwiseAnd,
  bitwiseOr: B.bitwiseOr,
  bitwiseXor: B.bitwiseXor,
  bitwiseNot: B.bitwiseNot,
  bitwiseLeftShift: B.bitwiseLeftShift,
  bitwiseRightShift: B.bitwiseRightShift,
  relu: A.relu,
  sigmoid: A.sigmoid,
  tanh: A.tanh,
  softplus: A.softplus,
  gelu: A.gelu,
  elu: A.elu,
  leakyRelu: A.leakyRelu,
  softmax: A.softmax,
  logSoftmax: A.logSoftmax,
  sum: R.sum,
  mean: R.mean,
  max: R.max,
  min: R.min,
  amax: R.amax,
  amin: R.amin,
  prod: R.prod,
  argmax: R.argmax,
  argmin: R.argmin,
  var: R.variance,
  std: R.std,
  logsumexp: R.logsumexp,
  reshape: S.reshape,
  view: S.reshape,
  flatten: S.flatten,
  permute: S.permute,
  transpose: S.transpose,
  squeeze: S.squeeze,
  unsqueeze: S.unsqueeze,
  expand: S.expand,
  narrow: S.narrow,
  slice: S.slice,
  split: S.split,
  chunk: S.chunk,
  select: S.select,
  indexSelect: I.indexSelect,
  gather: I.gather,
  matmul,
  flip: L.flip,
  roll: L.roll,
  tril: L.tril,
  triu: L.triu,
  diagonal: L.diagonal,
  diag: L.diag,
  repeat: L.repeat,
  repeatInterleave: L.repeatInterleave,
  unfold: L.unfold,
  unflatten: L.unflatten,
  nonzero: Sc.nonzero,
  maskedFill: Sc.maskedFill,
  maskedSelect: Sc.maskedSelect,
  scatter: Sc.scatter,
  scatterAdd: Sc.scatterAdd,
  scatterReduce: Sc.scatterReduce,
  cumsum: C.cumsum,
  cumprod: C.cumprod,
  cummax: C.cummax,
  cummin: C.cummin,
  logcumsumexp: C.logcumsumexp,
  sort: So.sort,
  argsort: So.argsort,
  topk: So.topk,
} as const satisfies Partial<Record<keyof Tensor, unknown>>;

let installed = false;

/**
 * Attaches the chainable methods to Tensor.prototype. The library entries (`neurite`, `neurite/browser`) call it
 * when they load; code that imports modules under src/ directly calls it itself. Calling it again does nothing.
 */
export function installTensorMethods(): void {
  if (installed) return;
  installed = true;
  for (const [name, fn] of Object.entries(forwarded)) {
    (P as unknown as Record<string, unknown>)[name] = method(fn);
  }

  P.backward = function (...args: unknown[]) {
    exactly('backward', ['grad', 'options'], args);
    backward(this, args[0] as Tensor | undefined, args[1] as BackwardOptions | undefined);
  };
  P.where = function (cond: Tensor, other: TensorLike, ...extra: unknown[]) {
    exactly('where', ['cond', 'other'], [cond, other, ...extra]);
    return E.where(cond, this, other);
  };
  Object.defineProperty(P, 'T', {
    get(this: Tensor) {
      return S.transpose(this);
    },
  });
  P.to = function (dtype: DType, ...extra: unknown[]) {
    exactly('to', ['dtype'], [dtype, ...extra]);
    checkArg('to', 'dtype', dtype, ['float32', 'int32', 'bool']);
    return cast(this, dtype);
  };
  P.float = function (...extra: unknown[]) {
    exactly('float', [], extra);
    return cast(this, 'float32');
  };
  P.int = function (...extra: unknown[]) {
    exactly('int', [], extra);
    return cast(this, 'int32');
  };
  P.bool = function (...extra: unknown[]) {
    exactly('bool', [], extra);
    return cast(this, 'bool');
  };
}
