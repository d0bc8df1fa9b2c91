/**
 * The calling convention between TypeScript and the compiled C++ kernels (native/), shared by the native addon and
 * the WebAssembly module: the kernels' signatures, the op codes (the order of the enums in native/kernels.h), and
 * the packing of shapes and geometry into Int32Arrays (a Float64Array for gemm's, which holds alpha and beta).
 * Browser-safe.
 */
import type { TypedArray } from '../tensor/dtype.js';
import type {
  Backend,
  BatchNormInfo,
  BinaryOp,
  Conv2dInfo,
  GemmInfo,
  Pool2dInfo,
  ReduceOp,
  Shape,
  UnaryGradOp,
  UnaryOp,
} from './backend.js';

/**
 * Kernels whose compiled signature is the Backend's own (arrays, sizes and flags in the same order): the glue
 * passes their arguments straight through, so their types come from {@link Backend} and are not restated here.
 */
export const PASS_THROUGH = [
  'weightedSum',
  'weightedSumBackward',
  'clamp',
  'cast',
  'indexSelect',
  'indexAdd',
  'gather',
  'scatterAdd',
  'softmax',
  'softmaxGrad',
  'softmaxCrossEntropy',
  'softmaxCrossEntropyBackward',
  'lstmCell',
  'lstmCellBackward',
  'gruCell',
  'gruCellBackward',
  'batchNormStats',
  'batchNorm',
  'adaptiveAvgPool2d',
  'adaptiveAvgPool2dBackward',
] as const satisfies readonly (keyof Backend)[];

/**
 * The kernels as the compiled C++ exports them: native/addon.cc for the N-API addon, native/wasm/exports.cc for
 * WebAssembly (whose loader presents the same functions over copies in its memory). One table of op codes and one
 * marshalling layer ({@link wrapKernels}) serve both.
 */
export interface Addon extends Pick<Backend, (typeof PASS_THROUGH)[number]> {
  binary(op: number, a: TypedArray, b: TypedArray, out: TypedArray, meta: Int32Array | null): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  unaryGrad(
    op: number,
    x: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    out: Float32Array,
    alpha: number,
  ): void;
  where(cond: Uint8Array, a: TypedArray, b: TypedArray, out: TypedArray, meta: Int32Array | null): void;
  reduce(op: number, x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void;
  /** `info`: GemmInfo packed by {@link packGemm} (float64, for alpha, beta and strides beyond 2³¹). */
  gemm(a: Float32Array, b: Float32Array, info: Float64Array, c: Float32Array): void;
  argReduce(isMax: boolean, x: TypedArray, outer: number, n: number, inner: number, out: Int32Array): void;
  transpose(x: TypedArray, meta: Int32Array, out: TypedArray): void;
  slice(x: TypedArray, meta: Int32Array, out: TypedArray): void;
  insert(src: TypedArray, dst: TypedArray, meta: Int32Array, accumulate: boolean): void;
  /** `info`: BatchNormInfo packed by {@link packBatchNorm}. */
  batchNormBackward(
    x: Float32Array,
    dy: Float32Array,
    mean: Float32Array,
    invStd: Float32Array,
    weight: Float32Array | null,
    info: Int32Array,
    dx: Float32Array,
    dWeight: Float32Array,
    dBias: Float32Array,
    y: Float32Array | null,
  ): void;
  adamStep(
    p: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vMax: Float32Array | null,
    beta1: number,
    beta2: number,
    stepSize: number,
    bias2Sqrt: number,
    eps: number,
    decay: number,
    l2: number,
    sign: number,
  ): void;
  sgdStep(
    p: Float32Array,
    grad: Float32Array,
    buf: Float32Array | null,
    lr: number,
    momentum: number,
    keep: number,
    l2: number,
    sign: number,
    nesterov: number,
  ): void;
  rmspropStep(
    p: Float32Array,
    grad: Float32Array,
    squareAvg: Float32Array,
    gradAvg: Float32Array | null,
    buf: Float32Array | null,
    lr: number,
    alpha: number,
    eps: number,
    l2: number,
    momentum: number,
    sign: number,
  ): void;
  adagradStep(
    p: Float32Array,
    grad: Float32Array,
    sum: Float32Array,
    lr: number,
    eps: number,
    l2: number,
    sign: number,
  ): void;
  conv2d(
    x: Float32Array,
    w: Float32Array,
    info: Int32Array,
    out: Float32Array,
    bias: Float32Array | null,
  ): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, info: Int32Array, dx: Float32Array): void;
  conv2dBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    info: Int32Array,
    dw: Float32Array,
    dbias: Float32Array | null,
  ): void;
  maxPool2d(x: Float32Array, info: Int32Array, out: Float32Array, argmax: Int32Array): void;
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, info: Int32Array, dx: Float32Array): void;
  avgPool2d(x: Float32Array, info: Int32Array, out: Float32Array): void;
  avgPool2dBackward(dy: Float32Array, info: Int32Array, dx: Float32Array): void;
}

/** What the compiled module offers besides the kernels. */
export interface AddonRuntime {
  numThreads(): number;
  setNumThreads(n: number): void;
}

// Op codes: a kernel's op is its index in these lists, which follow the enums of native/kernels.h (a test parses
// the header and compares).
export const BINARY_OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'bitwiseAnd',
  'bitwiseOr',
  'bitwiseXor',
  'leftShift',
  'rightShift',
] as const satisfies readonly BinaryOp[];

export const UNARY_OPS = [
  'neg',
  'exp',
  'log',
  'sqrt',
  'abs',
  'sign',
  'square',
  'reciprocal',
  'relu',
  'sigmoid',
  'tanh',
  'softplus',
  'gelu',
  'elu',
  'leakyRelu',
  'sin',
  'cos',
  'floor',
  'ceil',
  'round',
] as const satisfies readonly UnaryOp[];

export const UNARY_GRAD_OPS = [
  'relu',
  'sigmoid',
  'tanh',
  'softplus',
  'gelu',
  'elu',
  'leakyRelu',
] as const satisfies readonly UnaryGradOp[];

export const REDUCE_OPS = ['sum', 'max', 'min', 'prod'] as const satisfies readonly ReduceOp[];

/** Each name's index in `order`; typed by the names listed, so a Record over the whole union fails to compile when one is missing. */
function codes<T extends string>(order: readonly T[]): Record<T, number> {
  return Object.fromEntries(order.map((name, i) => [name, i])) as Record<T, number>;
}

const BINARY: Record<BinaryOp, number> = codes(BINARY_OPS);
const UNARY: Record<UnaryOp, number> = codes(UNARY_OPS);
const UNARY_GRAD: Record<UnaryGradOp, number> = codes(UNARY_GRAD_OPS);

/**
 * Which of x and y = f(x) each gradient kernel reads (native/elementwise.cc's unary_grad). The other operand is
 * passed as the same array as the one read, so that the WebAssembly backend, which copies each distinct input
 * into its memory once, copies three arrays for ReLU's gradient instead of four.
 */
const GRAD_READS: Record<UnaryGradOp, 'x' | 'y' | 'both'> = {
  relu: 'x',
  sigmoid: 'y',
  tanh: 'y',
  softplus: 'x',
  gelu: 'x',
  elu: 'both',
  leakyRelu: 'x',
};
const REDUCE: Record<ReduceOp, number> = codes(REDUCE_OPS);

/**
 * Shapes for one call, reused across calls (kernels run synchronously, so one buffer is never read by two
 * calls at once): a rank followed by that many sizes, for each shape in turn.
 */
class Meta {
  private buf = new Int32Array(64);
  private len = 0;

  start(capacity: number): this {
    if (capacity > this.buf.length) this.buf = new Int32Array(Math.max(capacity, 2 * this.buf.length));
    this.len = 0;
    return this;
  }

  shape(s: Shape): this {
    this.buf[this.len++] = s.length;
    return this.values(s);
  }

  values(v: readonly number[]): this {
    for (let i = 0; i < v.length; i++) this.buf[this.len++] = v[i];
    return this;
  }

  /** `v` padded with zeros to `n` entries. */
  padded(v: readonly number[], n: number): this {
    for (let i = 0; i < n; i++) this.buf[this.len++] = i < v.length ? v[i] : 0;
    return this;
  }

  get array(): Int32Array {
    return this.buf;
  }
}

/** The order in which Conv2dInfo is packed into an Int32Array: the fields of ConvGeom in native/common.h. */
export const CONV_GEOM_FIELDS = [
  'batch',
  'inChannels',
  'inHeight',
  'inWidth',
  'outChannels',
  'outHeight',
  'outWidth',
  'kernelHeight',
  'kernelWidth',
  'strideHeight',
  'strideWidth',
  'padTop',
  'padLeft',
  'dilationHeight',
  'dilationWidth',
  'groups',
] as const satisfies readonly (keyof Conv2dInfo)[];

/** The order in which Pool2dInfo is packed into an Int32Array: the fields of PoolGeom in native/common.h. */
export const POOL_GEOM_FIELDS = [
  'batch',
  'channels',
  'inHeight',
  'inWidth',
  'outHeight',
  'outWidth',
  'kernelHeight',
  'kernelWidth',
  'strideHeight',
  'strideWidth',
  'padTop',
  'padLeft',
  'dilationHeight',
  'dilationWidth',
  'countIncludePad',
] as const satisfies readonly (keyof Pool2dInfo)[];

/**
 * The order in which GemmInfo is packed into a Float64Array: the fields of GemmGeom in native/gemm.h (booleans as
 * 0 and 1).
 */
export const GEMM_FIELDS = [
  'batch',
  'transA',
  'transB',
  'm',
  'n',
  'k',
  'alpha',
  'beta',
  'strideA',
  'strideB',
  'strideC',
] as const satisfies readonly (keyof GemmInfo)[];

/** The order in which BatchNormInfo is packed into an Int32Array: the fields of BatchNormGeom in native/kernels.h. */
export const BATCH_NORM_FIELDS = [
  'batch',
  'channels',
  'inner',
  'training',
] as const satisfies readonly (keyof BatchNormInfo)[];

function pack<T>(buf: Int32Array, info: T, fields: readonly (keyof T)[]): Int32Array {
  for (let i = 0; i < fields.length; i++) buf[i] = Number(info[fields[i]]);
  return buf;
}

/** Conv2dInfo into `buf` in the order of {@link CONV_GEOM_FIELDS}. */
export function packConv(buf: Int32Array, c: Conv2dInfo): Int32Array {
  return pack(buf, c, CONV_GEOM_FIELDS);
}

/** Pool2dInfo into `buf` in the order of {@link POOL_GEOM_FIELDS}. */
export function packPool(buf: Int32Array, p: Pool2dInfo): Int32Array {
  return pack(buf, p, POOL_GEOM_FIELDS);
}

/**
 * GemmInfo into `buf` in the order of {@link GEMM_FIELDS}, written out field by field rather than looped over the
 * list: gemm runs once per matrix product, and plain property loads keep the packing a few nanoseconds (the ABI
 * test checks this order against the list).
 */
export function packGemm(buf: Float64Array, g: GemmInfo): Float64Array {
  buf[0] = g.batch;
  buf[1] = g.transA ? 1 : 0;
  buf[2] = g.transB ? 1 : 0;
  buf[3] = g.m;
  buf[4] = g.n;
  buf[5] = g.k;
  buf[6] = g.alpha;
  buf[7] = g.beta;
  buf[8] = g.strideA;
  buf[9] = g.strideB;
  buf[10] = g.strideC;
  return buf;
}

/** BatchNormInfo into `buf` in the order of {@link BATCH_NORM_FIELDS}. */
export function packBatchNorm(buf: Int32Array, b: BatchNormInfo): Int32Array {
  return pack(buf, b, BATCH_NORM_FIELDS);
}

/** Where beta sits in a packed GemmInfo (the WebAssembly glue copies C in only when beta ≠ 0). */
export const GEMM_BETA = GEMM_FIELDS.indexOf('beta');

/** Wraps the compiled kernels into the Backend interface, under the backend name `name`. */
export function wrapKernels(name: string, addon: Addon): Backend {
  const meta = new Meta();
  const geometry = new Int32Array(16);
  const gemmGeometry = new Float64Array(GEMM_FIELDS.length);
  const passed = Object.fromEntries(PASS_THROUGH.map((k) => [k, addon[k]])) as Pick<
    Backend,
    (typeof PASS_THROUGH)[number]
  >;
  return {
    name,
    ...passed,
    binary(op, a, aShape, b, bShape, out, outShape) {
      const n = out.length;
      // same-size and single-element operands need no shapes: the addon picks its fast paths by length
      const plain = (a.length === n || a.length === 1) && (b.length === n || b.length === 1);
      const m = plain
        ? null
        : meta
            .start(3 + outShape.length + aShape.length + bShape.length)
            .shape(outShape)
            .shape(aShape)
            .shape(bShape).array;
      addon.binary(BINARY[op], a, b, out, m);
    },
    unary(op, x, out, alpha) {
      addon.unary(UNARY[op], x, out, alpha);
    },
    unaryGrad(op, x, y, dy, out, alpha) {
      const reads = GRAD_READS[op];
      addon.unaryGrad(UNARY_GRAD[op], reads === 'y' ? y : x, reads === 'x' ? x : y, dy, out, alpha);
    },
    where(cond, cShape, a, aShape, b, bShape, out, outShape) {
      const n = out.length;
      const plain = cond.length === n && a.length === n && b.length === n;
      const m = plain
        ? null
        : meta
            .start(4 + outShape.length + cShape.length + aShape.length + bShape.length)
            .shape(outShape)
            .shape(cShape)
            .shape(aShape)
            .shape(bShape).array;
      addon.where(cond, a, b, out, m);
    },
    reduce(op, x, outer, n, inner, out) {
      addon.reduce(REDUCE[op], x, outer, n, inner, out);
    },
    gemm(a, b, info, c) {
      addon.gemm(a, b, packGemm(gemmGeometry, info), c);
    },
    argReduce(op, x, outer, n, inner, out) {
      addon.argReduce(op === 'argmax', x, outer, n, inner, out);
    },
    transpose(x, shape, perm, out) {
      const nd = shape.length;
      addon.transpose(
        x,
        meta
          .start(1 + 2 * nd)
          .shape(shape)
          .values(perm).array,
        out,
      );
    },
    slice(x, shape, begin, out, outShape) {
      const nd = shape.length;
      addon.slice(
        x,
        meta
          .start(1 + 3 * nd)
          .shape(shape)
          .padded(begin, nd)
          .padded(outShape, nd).array,
        out,
      );
    },
    insert(src, srcShape, dst, dstShape, begin, accumulate) {
      const nd = dstShape.length;
      const m = meta
        .start(1 + 3 * nd)
        .shape(srcShape)
        .padded(dstShape, nd)
        .padded(begin, nd).array;
      addon.insert(src, dst, m, accumulate);
    },
    batchNormBackward(x, dy, mean, invStd, weight, info, dx, dWeight, dBias, y) {
      addon.batchNormBackward(
        x,
        dy,
        mean,
        invStd,
        weight,
        packBatchNorm(geometry, info),
        dx,
        dWeight,
        dBias,
        y,
      );
    },
    adamStep(p, grad, m, v, vMax, h) {
      addon.adamStep(
        p,
        grad,
        m,
        v,
        vMax,
        h.beta1,
        h.beta2,
        h.stepSize,
        h.bias2Sqrt,
        h.eps,
        h.decay,
        h.l2,
        h.sign,
      );
    },
    sgdStep(p, grad, buf, h) {
      addon.sgdStep(p, grad, buf, h.lr, h.momentum, h.keep, h.l2, h.sign, h.nesterov);
    },
    rmspropStep(p, grad, squareAvg, gradAvg, buf, h) {
      addon.rmspropStep(p, grad, squareAvg, gradAvg, buf, h.lr, h.alpha, h.eps, h.l2, h.momentum, h.sign);
    },
    adagradStep(p, grad, sum, h) {
      addon.adagradStep(p, grad, sum, h.lr, h.eps, h.l2, h.sign);
    },
    conv2d(x, w, info, out, bias = null) {
      addon.conv2d(x, w, packConv(geometry, info), out, bias);
    },
    conv2dBackpropInput(dy, w, info, dx) {
      addon.conv2dBackpropInput(dy, w, packConv(geometry, info), dx);
    },
    conv2dBackpropFilter(x, dy, info, dw, dbias = null) {
      addon.conv2dBackpropFilter(x, dy, packConv(geometry, info), dw, dbias);
    },
    maxPool2d(x, info, out, argmax) {
      addon.maxPool2d(x, packPool(geometry, info), out, argmax);
    },
    maxPool2dBackward(dy, argmax, info, dx) {
      addon.maxPool2dBackward(dy, argmax, packPool(geometry, info), dx);
    },
    avgPool2d(x, info, out) {
      addon.avgPool2d(x, packPool(geometry, info), out);
    },
    avgPool2dBackward(dy, info, dx) {
      addon.avgPool2dBackward(dy, packPool(geometry, info), dx);
    },
  };
}
