/**
 * The contract between neurite's ops and the code that loops over data. Every kernel takes whole arrays,
 * shapes and flags; ops validate and allocate, kernels only compute. Both backends (the TypeScript reference
 * and the native addon) implement all of it, so the compiler catches a missing kernel.
 *
 * Conventions: arrays are contiguous and row-major; `out` arrays are allocated by the caller with the right
 * size; a kernel never throws for user mistakes (ops have checked everything before the call).
 */
import type { TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';

export type { Shape };

/**
 * The scalars of one Adam step, per element: w = p·decay; g = sign·grad + l2·w; m = β₁m + (1−β₁)g;
 * v = β₂v + (1−β₂)g²; v̂ = max(vMax, v) under AMSGrad, else v; p = w − stepSize·m / (√v̂ / bias2Sqrt + eps).
 * Adam has decay 1 and its weight decay in l2; AdamW the reverse; sign is −1 to maximise. The arithmetic is
 * float32 (the scalars rounded to float, every operation in that order rounded to float), as torch.optim's on
 * the CPU, and every backend gives the same bits.
 */
export interface AdamHyper {
  beta1: number;
  beta2: number;
  stepSize: number;
  bias2Sqrt: number;
  eps: number;
  decay: number;
  l2: number;
  sign: number;
}

/**
 * The scalars of one SGD step, per element: d = sign·grad + l2·p. Without a momentum buffer p = p − lr·d; with
 * one, b = momentum·buf + keep·d (keep = 1 − dampening, or 1 on the buffer's first step, when it is still zero),
 * buf = b, and p = p − lr·(d + momentum·b) under Nesterov (nesterov 1), else p = p − lr·b.
 */
export interface SgdHyper {
  lr: number;
  momentum: number;
  keep: number;
  l2: number;
  sign: number;
  /** 1 for Nesterov momentum, 0 for plain. */
  nesterov: number;
}

/**
 * The scalars of one RMSprop step, per element: g = sign·grad + l2·p; sq = α·sq + (1−α)g²; centred (a `gradAvg`
 * given): avg = α·avg + (1−α)g and denom = √(sq − avg²) + eps, else denom = √sq + eps; with a momentum buffer
 * buf = momentum·buf + g / denom and p = p − lr·buf, else p = p − lr·g / denom.
 */
export interface RmspropHyper {
  lr: number;
  alpha: number;
  eps: number;
  l2: number;
  momentum: number;
  sign: number;
}

/**
 * The scalars of one Adagrad step, per element: g = sign·grad + l2·p; sum = sum + g²; p = p − lr·g / (√sum + eps),
 * where lr is this step's decayed rate, lr₀ / (1 + (t − 1)·lrDecay).
 */
export interface AdagradHyper {
  lr: number;
  eps: number;
  l2: number;
  sign: number;
}

export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  // int32 operands only (the ops refuse float32, and send two bools to minimum, maximum and ne); shift counts are
  // taken mod 32, as in JavaScript
  | 'bitwiseAnd'
  | 'bitwiseOr'
  | 'bitwiseXor'
  | 'leftShift'
  | 'rightShift';

export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'abs'
  | 'sign'
  | 'square'
  | 'reciprocal'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'softplus'
  | 'gelu'
  | 'elu'
  | 'leakyRelu'
  | 'sin'
  | 'cos'
  | 'floor'
  | 'ceil'
  | 'round';

/** Unary ops whose gradient is a kernel of its own: dx = dy · f'(x), with `y = f(x)` at hand. */
export type UnaryGradOp = 'relu' | 'sigmoid' | 'tanh' | 'softplus' | 'gelu' | 'elu' | 'leakyRelu';

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
export type ArgReduceOp = 'argmax' | 'argmin';

/** Geometry of a 2-D convolution over NCHW input with an [outC, inC/groups, kH, kW] weight. */
export interface Conv2dInfo {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
  dilationHeight: number;
  dilationWidth: number;
  groups: number;
}

/** Geometry of a 2-D pooling window over NCHW input. */
export interface Pool2dInfo {
  batch: number;
  channels: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
  dilationHeight: number;
  dilationWidth: number;
  /** Average pooling: count padded cells in the divisor (PyTorch's `count_include_pad`). */
  countIncludePad: boolean;
}

/**
 * The sizes, flags and strides of a batched matrix product C = alpha · op(A) · op(B) + beta · C over row-major
 * matrices: op(A) is [m, k], op(B) is [k, n], C is [m, n]. Matrix p of the batch starts at p · strideA in A (and
 * likewise in B and C); stride 0 repeats one matrix across the batch (broadcast).
 */
export interface GemmInfo {
  batch: number;
  /** A is stored [k, m] and read transposed. */
  transA: boolean;
  /** B is stored [n, k] and read transposed. */
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  /** 0 overwrites C (whatever it held, NaN included); otherwise C is read and scaled. */
  beta: number;
  strideA: number;
  strideB: number;
  strideC: number;
}

/** The fields of a {@link GemmInfo} that vary between single products. */
export interface ProductShape {
  transA?: boolean;
  transB?: boolean;
  m: number;
  n: number;
  k: number;
  /** 0 (the default) overwrites C; 1 adds the product onto it. */
  beta?: number;
}

/**
 * The GemmInfo of one product, C = op(A)·op(B) + beta·C: batch 1, alpha 1, no strides. Built as a literal, not a
 * spread over defaults (which costs microseconds in Node 20): gemm runs once per matrix product.
 */
export function oneProduct(p: ProductShape): GemmInfo {
  return {
    batch: 1,
    transA: p.transA ?? false,
    transB: p.transB ?? false,
    m: p.m,
    n: p.n,
    k: p.k,
    alpha: 1,
    beta: p.beta ?? 0,
    strideA: 0,
    strideB: 0,
    strideC: 0,
  };
}

/**
 * Batch normalisation's view of x as [batch, channels, inner], for its backward pass: `training` when the mean
 * and invStd are the batch's own statistics (their gradient terms flow into dx), else they are constants.
 */
export interface BatchNormInfo {
  batch: number;
  channels: number;
  inner: number;
  training: boolean;
}

export interface Backend {
  readonly name: string;

  /** out = a ∘ b with broadcasting; `outShape` is the broadcast shape, inputs are padded on the left. */
  binary(
    op: BinaryOp,
    a: TypedArray,
    aShape: Shape,
    b: TypedArray,
    bShape: Shape,
    out: TypedArray,
    outShape: Shape,
  ): void;
  /** out = f(x) elementwise; `alpha` is the slope of leakyRelu or the scale of elu. */
  unary(op: UnaryOp, x: Float32Array, out: Float32Array, alpha: number): void;
  /** out = dy · f'(x), given x and y = f(x). */
  unaryGrad(
    op: UnaryGradOp,
    x: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    out: Float32Array,
    alpha: number,
  ): void;
  /**
   * out = Σᵢ weights[i]·xs[i] over arrays of out's length, added in the order i = 0, 1, …; with `relu`, max(·, 0)
   * of that sum (NaN kept). `weights` holds one value per array.
   */
  weightedSum(xs: readonly Float32Array[], weights: Float32Array, out: Float32Array, relu: boolean): void;
  /**
   * weightedSum's gradients for the upstream gradient dy. With `y` (the forward's output when it ran with relu)
   * dy counts only where y > 0. dxs[i] = weights[i]·dy (skipped where dxs[i] is null); dWeights[i] = Σ dy·xs[i]
   * (skipped when dWeights is null).
   */
  weightedSumBackward(
    xs: readonly Float32Array[],
    weights: Float32Array,
    dy: Float32Array,
    y: Float32Array | null,
    dxs: readonly (Float32Array | null)[],
    dWeights: Float32Array | null,
  ): void;
  /** out = min(max(x, lo), hi). */
  clamp(x: Float32Array, lo: number, hi: number, out: Float32Array): void;
  /** out = cond ? a : b with broadcasting of all three. */
  where(
    cond: Uint8Array,
    cShape: Shape,
    a: TypedArray,
    aShape: Shape,
    b: TypedArray,
    bShape: Shape,
    out: TypedArray,
    outShape: Shape,
  ): void;
  /** Converts between dtypes (float → int truncates toward zero; anything → bool is `!= 0`). */
  cast(x: TypedArray, out: TypedArray): void;

  /** Reduces the middle axis of x viewed as [outer, n, inner] into out [outer, inner]. */
  reduce(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void;
  /** Index of the max/min along the middle axis of [outer, n, inner]; first index wins ties. */
  argReduce(op: ArgReduceOp, x: TypedArray, outer: number, n: number, inner: number, out: Int32Array): void;

  /**
   * Batched C = alpha · op(A) · op(B) + beta · C, one product per matrix of the batch; see {@link GemmInfo} for
   * the sizes, flags and strides.
   */
  gemm(a: Float32Array, b: Float32Array, info: GemmInfo, c: Float32Array): void;

  /** out = x with its axes permuted: out.shape[i] = shape[perm[i]]. */
  transpose(x: TypedArray, shape: Shape, perm: readonly number[], out: TypedArray): void;
  /** Copies the box of x starting at `begin` with out's shape into out. */
  slice(x: TypedArray, shape: Shape, begin: readonly number[], out: TypedArray, outShape: Shape): void;
  /** Writes (or, with `accumulate`, adds) src into the box of dst starting at `begin`. */
  insert(
    src: TypedArray,
    srcShape: Shape,
    dst: TypedArray,
    dstShape: Shape,
    begin: readonly number[],
    accumulate: boolean,
  ): void;

  /** out[o, j, i] = x[o, idx[j], i] for x viewed as [outer, n, inner]; indices already checked. */
  indexSelect(x: TypedArray, outer: number, n: number, inner: number, idx: Int32Array, out: TypedArray): void;
  /** The gradient of indexSelect: out[o, idx[j], i] += dy[o, j, i]; out is [outer, n, inner]. */
  indexAdd(
    dy: Float32Array,
    outer: number,
    n: number,
    inner: number,
    idx: Int32Array,
    out: Float32Array,
  ): void;
  /** torch.gather along the middle axis: out[o, j, i] = x[o, idx[o, j, i], i]; idx is [outer, k, inner]. */
  gather(
    x: TypedArray,
    outer: number,
    n: number,
    inner: number,
    idx: Int32Array,
    k: number,
    out: TypedArray,
  ): void;
  /** The gradient of gather: out[o, idx[o, j, i], i] += dy[o, j, i]. */
  scatterAdd(
    dy: Float32Array,
    outer: number,
    n: number,
    inner: number,
    idx: Int32Array,
    k: number,
    out: Float32Array,
  ): void;

  /** Softmax (or log-softmax) over the last axis of x viewed as [rows, cols]. */
  softmax(x: Float32Array, rows: number, cols: number, log: boolean, out: Float32Array): void;
  /** Gradient of softmax / log-softmax given its output y and the upstream gradient dy. */
  softmaxGrad(
    y: Float32Array,
    dy: Float32Array,
    rows: number,
    cols: number,
    log: boolean,
    out: Float32Array,
  ): void;

  /**
   * Softmax cross-entropy with class-index targets over x viewed as [rows, cols]: writes log-softmax into
   * `logp` and each row's −logp[target] into `loss` (0 for a row whose target is `ignoreIndex`). Targets other
   * than ignoreIndex are valid class indices (the op checked them).
   */
  softmaxCrossEntropy(
    x: Float32Array,
    rows: number,
    cols: number,
    target: Int32Array,
    ignoreIndex: number,
    loss: Float32Array,
    logp: Float32Array,
  ): void;
  /**
   * The gradient of {@link Backend.softmaxCrossEntropy}: dx = (softmax − onehot(target))·scale[row], where
   * `scale` carries the upstream gradient, the class weight and the mean's divisor (0 for ignored rows).
   */
  softmaxCrossEntropyBackward(
    logp: Float32Array,
    rows: number,
    cols: number,
    target: Int32Array,
    scale: Float32Array,
    dx: Float32Array,
  ): void;

  /**
   * The elementwise part of one LSTM step, PyTorch's gate order i, f, g, o. `gates` [batch, 4·hidden] holds the
   * pre-activations (x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), `c` [batch, hidden] the previous cell state. Writes
   * c' = σ(f)⊙c + σ(i)⊙tanh(g) into `cNext`, h' = σ(o)⊙tanh(c') into `h`, and the activated gates
   * σ(i), σ(f), tanh(g), σ(o) into `act` [batch, 4·hidden] for the backward pass.
   */
  lstmCell(
    gates: Float32Array,
    c: Float32Array,
    batch: number,
    hidden: number,
    h: Float32Array,
    cNext: Float32Array,
    act: Float32Array,
  ): void;
  /**
   * The gradient of {@link Backend.lstmCell}: from the saved `act`, the previous and new cell states `c` and
   * `cNext`, and the upstream gradients `dh` and `dc` of h' and c', writes the gradient of the gate
   * pre-activations into `dGates` [batch, 4·hidden] and that of the previous cell state into `dcPrev`.
   */
  lstmCellBackward(
    act: Float32Array,
    c: Float32Array,
    cNext: Float32Array,
    dh: Float32Array,
    dc: Float32Array,
    batch: number,
    hidden: number,
    dGates: Float32Array,
    dcPrev: Float32Array,
  ): void;
  /**
   * The elementwise part of one GRU step, PyTorch's gate order r, z, n. `xProj` = x·W_ihᵀ + b_ih and
   * `hProj` = h·W_hhᵀ + b_hh, both [batch, 3·hidden], are kept apart because r multiplies only the hidden part
   * of n: r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r⊙h_n), h' = (1 − z)⊙n + z⊙h. Writes h' into
   * `hNext` and r, z, n into `act` [batch, 3·hidden] for the backward pass.
   */
  gruCell(
    xProj: Float32Array,
    hProj: Float32Array,
    h: Float32Array,
    batch: number,
    hidden: number,
    hNext: Float32Array,
    act: Float32Array,
  ): void;
  /**
   * The gradient of {@link Backend.gruCell}: from the saved `act`, `hProj`, the previous state `h` and the
   * upstream gradient `dh` of h', writes the gradients of `xProj` and `hProj` (they differ only in the n
   * third, scaled by r on the hidden side) and of the previous state into `dhPrev`.
   */
  gruCellBackward(
    act: Float32Array,
    hProj: Float32Array,
    h: Float32Array,
    dh: Float32Array,
    batch: number,
    hidden: number,
    dxProj: Float32Array,
    dhProj: Float32Array,
    dhPrev: Float32Array,
  ): void;

  /**
   * Per-channel mean and biased variance of x viewed as [batch, channels, inner] (the statistics of batch
   * normalisation in training), summed in float64.
   */
  batchNormStats(
    x: Float32Array,
    batch: number,
    channels: number,
    inner: number,
    mean: Float32Array,
    variance: Float32Array,
  ): void;
  /**
   * out = (x − mean)·invStd·weight + bias per channel of x viewed as [batch, channels, inner]; a null weight
   * is 1, a null bias 0. With `relu`, out is the ReLU of that (as the `relu` unary kernel: NaN stays NaN).
   */
  batchNorm(
    x: Float32Array,
    batch: number,
    channels: number,
    inner: number,
    mean: Float32Array,
    invStd: Float32Array,
    weight: Float32Array | null,
    bias: Float32Array | null,
    out: Float32Array,
    relu: boolean,
  ): void;
  /**
   * The gradient of {@link Backend.batchNorm} given the upstream `dy`: dBias = Σdy, dWeight = Σdy·x̂ per
   * channel (x̂ = (x − mean)·invStd), and dx, over x viewed as in {@link BatchNormInfo} (whose `training` says
   * whether dx carries the terms that flow through the batch statistics). For a batchNorm run with `relu`, `y`
   * is its output, and dy counts only where y > 0 (the ReLU's gradient, as the `relu` unaryGrad kernel); null
   * otherwise.
   */
  batchNormBackward(
    x: Float32Array,
    dy: Float32Array,
    mean: Float32Array,
    invStd: Float32Array,
    weight: Float32Array | null,
    info: BatchNormInfo,
    dx: Float32Array,
    dWeight: Float32Array,
    dBias: Float32Array,
    y: Float32Array | null,
  ): void;

  /**
   * One Adam step in place over a parameter `p` and its state: `m` and `v` (the running averages of the
   * gradient and of its square) and `vMax` (their running maximum under AMSGrad, else null). See
   * {@link AdamHyper} for the arithmetic.
   */
  adamStep(
    p: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vMax: Float32Array | null,
    h: AdamHyper,
  ): void;

  /** One SGD step in place over `p` and its momentum buffer (null without momentum). See {@link SgdHyper}. */
  sgdStep(p: Float32Array, grad: Float32Array, buf: Float32Array | null, h: SgdHyper): void;

  /**
   * One RMSprop step in place over `p` and its state: `squareAvg`, `gradAvg` (centred RMSprop, else null) and
   * `buf` (the momentum buffer, else null). See {@link RmspropHyper}.
   */
  rmspropStep(
    p: Float32Array,
    grad: Float32Array,
    squareAvg: Float32Array,
    gradAvg: Float32Array | null,
    buf: Float32Array | null,
    h: RmspropHyper,
  ): void;

  /** One Adagrad step in place over `p` and its running sum of squared gradients. See {@link AdagradHyper}. */
  adagradStep(p: Float32Array, grad: Float32Array, sum: Float32Array, h: AdagradHyper): void;

  /** out = x ⋆ w, plus bias[o] on every position of output channel o when a bias is given. */
  conv2d(
    x: Float32Array,
    w: Float32Array,
    info: Conv2dInfo,
    out: Float32Array,
    bias?: Float32Array | null,
  ): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, info: Conv2dInfo, dx: Float32Array): void;
  /** dw from x and dy; with `dbias`, also the bias gradient: dbias[o] = Σ over images and positions of dy. */
  conv2dBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    info: Conv2dInfo,
    dw: Float32Array,
    dbias?: Float32Array | null,
  ): void;

  /** Max pooling; `argmax` receives the flat index within each (n, c) input plane (-1 if the window is all padding). */
  maxPool2d(x: Float32Array, info: Pool2dInfo, out: Float32Array, argmax: Int32Array): void;
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, info: Pool2dInfo, dx: Float32Array): void;
  avgPool2d(x: Float32Array, info: Pool2dInfo, out: Float32Array): void;
  avgPool2dBackward(dy: Float32Array, info: Pool2dInfo, dx: Float32Array): void;
  /** Adaptive average pooling of NCHW planes to outH × outW (PyTorch's start/end index rule). */
  adaptiveAvgPool2d(
    x: Float32Array,
    batchChannels: number,
    inH: number,
    inW: number,
    outH: number,
    outW: number,
    out: Float32Array,
  ): void;
  adaptiveAvgPool2dBackward(
    dy: Float32Array,
    batchChannels: number,
    inH: number,
    inW: number,
    outH: number,
    outW: number,
    dx: Float32Array,
  ): void;
}
