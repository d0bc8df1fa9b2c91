/**
 * Chainable methods on Tensor (`x.add(y).relu().sum()`), each a thin call of the op of the same name. They are
 * attached here, above the ops, so that the Tensor class itself stays free of op imports.
 */
import { type BackwardOptions, backward } from '../autograd/engine.js';
import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import * as A from './activation.js';
import * as E from './elementwise.js';
import * as I from './indexing.js';
import { matmul } from './matmul.js';
import * as R from './reduce.js';
import * as S from './shape.js';
import { cast, type TensorLike } from './util.js';

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
    clamp(min?: number, max?: number): Tensor;
    /** `cond ? this : other` elementwise (torch's `x.where(cond, y)`). */
    where(cond: Tensor, other: TensorLike): Tensor;
    logicalAnd(other: Tensor): Tensor;
    logicalOr(other: Tensor): Tensor;
    logicalNot(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    softplus(): Tensor;
    gelu(): Tensor;
    elu(alpha?: number): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    sum(axis?: R.Axes, keepDim?: boolean): Tensor;
    mean(axis?: R.Axes, keepDim?: boolean): Tensor;
    max(axis?: R.Axes, keepDim?: boolean): Tensor;
    min(axis?: R.Axes, keepDim?: boolean): Tensor;
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
    /** Converts to another dtype (not differentiable). */
    to(dtype: DType): Tensor;
    float(): Tensor;
    int(): Tensor;
    bool(): Tensor;
  }
}

const P = Tensor.prototype;
P.backward = function (grad?: Tensor, options?: BackwardOptions) {
  backward(this, grad, options);
};
P.add = function (o) {
  return E.add(this, o);
};
P.sub = function (o) {
  return E.sub(this, o);
};
P.mul = function (o) {
  return E.mul(this, o);
};
P.div = function (o) {
  return E.div(this, o);
};
P.pow = function (o) {
  return E.pow(this, o);
};
P.maximum = function (o) {
  return E.maximum(this, o);
};
P.minimum = function (o) {
  return E.minimum(this, o);
};
P.eq = function (o) {
  return E.eq(this, o);
};
P.ne = function (o) {
  return E.ne(this, o);
};
P.lt = function (o) {
  return E.lt(this, o);
};
P.le = function (o) {
  return E.le(this, o);
};
P.gt = function (o) {
  return E.gt(this, o);
};
P.ge = function (o) {
  return E.ge(this, o);
};
P.neg = function () {
  return E.neg(this);
};
P.exp = function () {
  return E.exp(this);
};
P.log = function () {
  return E.log(this);
};
P.sqrt = function () {
  return E.sqrt(this);
};
P.abs = function () {
  return E.abs(this);
};
P.square = function () {
  return E.square(this);
};
P.reciprocal = function () {
  return E.reciprocal(this);
};
P.sin = function () {
  return E.sin(this);
};
P.cos = function () {
  return E.cos(this);
};
P.sign = function () {
  return E.sign(this);
};
P.floor = function () {
  return E.floor(this);
};
P.ceil = function () {
  return E.ceil(this);
};
P.round = function () {
  return E.round(this);
};
P.clamp = function (min?: number, max?: number) {
  return E.clamp(this, min, max);
};
P.where = function (cond: Tensor, other: TensorLike) {
  return E.where(cond, this, other);
};
P.logicalAnd = function (o: Tensor) {
  return E.logicalAnd(this, o);
};
P.logicalOr = function (o: Tensor) {
  return E.logicalOr(this, o);
};
P.logicalNot = function () {
  return E.logicalNot(this);
};
P.relu = function () {
  return A.relu(this);
};
P.sigmoid = function () {
  return A.sigmoid(this);
};
P.tanh = function () {
  return A.tanh(this);
};
P.softplus = function () {
  return A.softplus(this);
};
P.gelu = function () {
  return A.gelu(this);
};
P.elu = function (alpha?: number) {
  return A.elu(this, alpha);
};
P.leakyRelu = function (negativeSlope?: number) {
  return A.leakyRelu(this, negativeSlope);
};
P.softmax = function (axis?: number) {
  return A.softmax(this, axis);
};
P.logSoftmax = function (axis?: number) {
  return A.logSoftmax(this, axis);
};
P.sum = function (axis?: R.Axes, keepDim?: boolean) {
  return R.sum(this, axis, keepDim);
};
P.mean = function (axis?: R.Axes, keepDim?: boolean) {
  return R.mean(this, axis, keepDim);
};
P.max = function (axis?: R.Axes, keepDim?: boolean) {
  return R.max(this, axis, keepDim);
};
P.min = function (axis?: R.Axes, keepDim?: boolean) {
  return R.min(this, axis, keepDim);
};
P.prod = function (axis?: R.Axes, keepDim?: boolean) {
  return R.prod(this, axis, keepDim);
};
P.argmax = function (axis?: number, keepDim?: boolean) {
  return R.argmax(this, axis, keepDim);
};
P.argmin = function (axis?: number, keepDim?: boolean) {
  return R.argmin(this, axis, keepDim);
};
P.var = function (axis?: R.Axes, options?: R.VarOptions) {
  return R.variance(this, axis, options);
};
P.std = function (axis?: R.Axes, options?: R.VarOptions) {
  return R.std(this, axis, options);
};
P.logsumexp = function (axis?: R.Axes, keepDim?: boolean) {
  return R.logsumexp(this, axis, keepDim);
};
P.reshape = function (shape: Shape) {
  return S.reshape(this, shape);
};
P.view = P.reshape;
P.flatten = function (startAxis?: number, endAxis?: number) {
  return S.flatten(this, startAxis, endAxis);
};
P.permute = function (perm: readonly number[]) {
  return S.permute(this, perm);
};
P.transpose = function (axis0?: number, axis1?: number) {
  return S.transpose(this, axis0, axis1);
};
Object.defineProperty(P, 'T', {
  get(this: Tensor) {
    return S.transpose(this);
  },
});
P.squeeze = function (axes?: number | readonly number[]) {
  return S.squeeze(this, axes);
};
P.unsqueeze = function (axis: number) {
  return S.unsqueeze(this, axis);
};
P.expand = function (shape: Shape) {
  return S.expand(this, shape);
};
P.narrow = function (axis: number, start: number, length: number) {
  return S.narrow(this, axis, start, length);
};
P.slice = function (begin: readonly number[], size?: readonly number[]) {
  return S.slice(this, begin, size);
};
P.split = function (sizeOrSections: number | readonly number[], axis?: number) {
  return S.split(this, sizeOrSections, axis);
};
P.chunk = function (chunks: number, axis?: number) {
  return S.chunk(this, chunks, axis);
};
P.select = function (axis: number, index: number) {
  return S.select(this, axis, index);
};
P.indexSelect = function (axis: number, index: Tensor) {
  return I.indexSelect(this, axis, index);
};
P.gather = function (axis: number, index: Tensor) {
  return I.gather(this, axis, index);
};
P.matmul = function (o: Tensor) {
  return matmul(this, o);
};
P.to = function (dtype: DType) {
  return cast(this, dtype);
};
P.float = function () {
  return cast(this, 'float32');
};
P.int = function () {
  return cast(this, 'int32');
};
P.bool = function () {
  return cast(this, 'bool');
};
