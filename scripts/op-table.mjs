#!/usr/bin/env node
/**
 * Writes docs/ops.md: every public op, tensor-creation function and nn module of neurite beside its PyTorch
 * counterpart, with what the tests check about it and the deliberate differences.
 *
 *   node --import tsx scripts/op-table.mjs           rewrite docs/ops.md
 *   node --import tsx scripts/op-table.mjs --check   fail unless docs/ops.md is what the code gives
 *
 * Read from the code, so the table stays true: the rows are neurite's exports (every function made by defineOp,
 * the creation functions, nn.functional's own names, every nn.Module subclass); "values" and "gradients" are
 * counted from the PyTorch fixtures' cases (test/fixtures/*.json) and their backends from the tests that replay
 * them; "gradcheck" means a finite-difference gradcheck in test/ names the op. Written by hand, below: each row's
 * PyTorch name and its deliberate differences. test/docs/op-table.test.ts fails when an export has no entry here
 * or when docs/ops.md is stale.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (p) => readFileSync(path.join(root, p), 'utf8');

// ---- written by hand: PyTorch's name, and what differs on purpose ---------------------------------------------
// `torch` is the counterpart ("F." = torch.nn.functional, "Tensor." = a method only); `diff` the deliberate
// differences (empty: none known); `via` names the op a module's forward (or an alias) is, whose cases then count. Every public op must have an entry: the test says which one is missing.

const NO_64 = 'no float64/int64: integer results are int32';
const NOT_RECORDED =
  'not recorded by autograd (PyTorch records a zero gradient): the result never requires grad';
const COMPOSED = 'composed from primitive kernels; within 1e-4 relative of PyTorch';
const INT_DIVIDE = 'integer operands divide in float32 (exact below 2^24)';
const SHIFTS =
  'int32 only (no int64); the count is taken mod 32, as PyTorch 1.13 on CPU and JavaScript (later PyTorch gives 0, or the sign for >>)';

export const OPS = {
  // elementwise arithmetic and comparisons
  add: { torch: 'torch.add', diff: 'no `alpha` argument' },
  sub: { torch: 'torch.sub', diff: 'no `alpha` argument' },
  mul: { torch: 'torch.mul' },
  weightedSum: {
    torch: '(w.view(-1, 1, …) * torch.stack(xs)).sum(0)',
    diff: 'no single PyTorch op; one kernel pass, with an optional fused ReLU (`relu: true`)',
  },
  div: { torch: 'torch.div', diff: 'no `rounding_mode` (use floorDivide or trunc)' },
  pow: { torch: 'torch.pow' },
  neg: { torch: 'torch.neg' },
  exp: { torch: 'torch.exp' },
  log: { torch: 'torch.log' },
  sqrt: { torch: 'torch.sqrt' },
  abs: { torch: 'torch.abs' },
  square: { torch: 'torch.square' },
  reciprocal: { torch: 'torch.reciprocal' },
  sin: { torch: 'torch.sin' },
  cos: { torch: 'torch.cos' },
  sign: { torch: 'torch.sign', diff: NOT_RECORDED },
  floor: { torch: 'torch.floor', diff: NOT_RECORDED },
  ceil: { torch: 'torch.ceil', diff: NOT_RECORDED },
  round: { torch: 'torch.round', diff: `no \`decimals\`; ${NOT_RECORDED}` },
  trunc: { torch: 'torch.trunc', diff: NOT_RECORDED },
  clamp: { torch: 'torch.clamp', diff: 'bounds are numbers, not tensors' },
  maximum: { torch: 'torch.maximum' },
  minimum: { torch: 'torch.minimum' },
  where: { torch: 'torch.where', diff: 'the one-argument form (nonzero) is `nonzero`' },
  eq: { torch: 'torch.eq' },
  ne: { torch: 'torch.ne' },
  lt: { torch: 'torch.lt' },
  le: { torch: 'torch.le' },
  gt: { torch: 'torch.gt' },
  ge: { torch: 'torch.ge' },
  // math
  tan: { torch: 'torch.tan' },
  asin: { torch: 'torch.asin', diff: COMPOSED },
  acos: { torch: 'torch.acos', diff: COMPOSED },
  atan: { torch: 'torch.atan', diff: COMPOSED },
  atan2: { torch: 'torch.atan2' },
  sinh: { torch: 'torch.sinh', diff: COMPOSED },
  cosh: { torch: 'torch.cosh', diff: COMPOSED },
  asinh: { torch: 'torch.asinh', diff: COMPOSED },
  acosh: { torch: 'torch.acosh', diff: COMPOSED },
  atanh: { torch: 'torch.atanh', diff: COMPOSED },
  log2: { torch: 'torch.log2' },
  log10: { torch: 'torch.log10' },
  log1p: { torch: 'torch.log1p' },
  expm1: { torch: 'torch.expm1' },
  rsqrt: { torch: 'torch.rsqrt' },
  erf: { torch: 'torch.erf', diff: COMPOSED },
  erfinv: { torch: 'torch.erfinv', diff: COMPOSED },
  copysign: { torch: 'torch.copysign' },
  logaddexp: { torch: 'torch.logaddexp' },
  remainder: { torch: 'torch.remainder', diff: INT_DIVIDE },
  fmod: { torch: 'torch.fmod', diff: INT_DIVIDE },
  floorDivide: { torch: 'torch.floor_divide', diff: INT_DIVIDE },
  isnan: { torch: 'torch.isnan', diff: NOT_RECORDED },
  isinf: { torch: 'torch.isinf', diff: NOT_RECORDED },
  isfinite: { torch: 'torch.isfinite', diff: NOT_RECORDED },
  isclose: { torch: 'torch.isclose' },
  allclose: { torch: 'torch.allclose', diff: 'returns a JavaScript boolean' },
  any: { torch: 'torch.any' },
  all: { torch: 'torch.all' },
  // logical and bitwise
  logicalAnd: { torch: 'torch.logical_and' },
  logicalOr: { torch: 'torch.logical_or' },
  logicalXor: { torch: 'torch.logical_xor' },
  logicalNot: { torch: 'torch.logical_not' },
  bitwiseAnd: { torch: 'torch.bitwise_and', diff: 'int32 and bool only (no int64, uint8, int8, int16)' },
  bitwiseOr: { torch: 'torch.bitwise_or', diff: 'int32 and bool only (no int64, uint8, int8, int16)' },
  bitwiseXor: { torch: 'torch.bitwise_xor', diff: 'int32 and bool only (no int64, uint8, int8, int16)' },
  bitwiseNot: { torch: 'torch.bitwise_not', diff: 'int32 and bool only (no int64, uint8, int8, int16)' },
  bitwiseLeftShift: { torch: 'torch.bitwise_left_shift', diff: SHIFTS },
  bitwiseRightShift: { torch: 'torch.bitwise_right_shift', diff: SHIFTS },
  // activations
  relu: { torch: 'torch.relu' },
  leakyRelu: { torch: 'F.leaky_relu' },
  elu: { torch: 'F.elu' },
  selu: { torch: 'torch.selu' },
  celu: { torch: 'F.celu' },
  gelu: { torch: 'F.gelu' },
  sigmoid: { torch: 'torch.sigmoid' },
  tanh: { torch: 'torch.tanh' },
  softplus: { torch: 'F.softplus' },
  silu: { torch: 'F.silu' },
  mish: { torch: 'F.mish' },
  hardtanh: { torch: 'F.hardtanh' },
  relu6: { torch: 'F.relu6' },
  hardsigmoid: { torch: 'F.hardsigmoid' },
  hardswish: { torch: 'F.hardswish' },
  softsign: { torch: 'F.softsign' },
  logsigmoid: { torch: 'F.logsigmoid' },
  glu: { torch: 'F.glu' },
  prelu: { torch: 'F.prelu' },
  softmax: { torch: 'torch.softmax' },
  logSoftmax: { torch: 'torch.log_softmax' },
  softmin: { torch: 'F.softmin' },
  // reductions
  sum: { torch: 'torch.sum' },
  mean: { torch: 'torch.mean' },
  max: {
    torch: 'torch.max',
    diff: 'values only (indices: argmax); over several axes it is amax (PyTorch takes one dim)',
  },
  min: {
    torch: 'torch.min',
    diff: 'values only (indices: argmin); over several axes it is amin (PyTorch takes one dim)',
  },
  amax: { torch: 'torch.amax' },
  amin: { torch: 'torch.amin' },
  prod: { torch: 'torch.prod', diff: 'over any axes (PyTorch: one dim)' },
  argmax: { torch: 'torch.argmax' },
  argmin: { torch: 'torch.argmin' },
  variance: { torch: 'torch.var', diff: 'named variance (var is a JavaScript keyword)' },
  std: { torch: 'torch.std' },
  logsumexp: { torch: 'torch.logsumexp' },
  // shapes
  reshape: { torch: 'torch.reshape' },
  flatten: { torch: 'torch.flatten' },
  unflatten: { torch: 'torch.unflatten' },
  transpose: { torch: 'Tensor.mT', diff: 'swaps the last two axes (torch.transpose is transposeAxes)' },
  transposeAxes: { torch: 'torch.transpose' },
  permute: { torch: 'torch.permute' },
  squeeze: { torch: 'torch.squeeze' },
  unsqueeze: { torch: 'torch.unsqueeze' },
  expand: { torch: 'Tensor.expand' },
  concat: { torch: 'torch.cat' },
  stack: { torch: 'torch.stack' },
  split: { torch: 'torch.split' },
  chunk: { torch: 'torch.chunk' },
  slice: { torch: 'x[a:b:step] along one axis' },
  narrow: { torch: 'torch.narrow' },
  select: { torch: 'torch.select' },
  pad: {
    torch: 'F.pad',
    diff: 'mode and value as an options object; reflect/replicate/circular pad any number of trailing axes',
  },
  flip: { torch: 'torch.flip' },
  roll: { torch: 'torch.roll' },
  tril: { torch: 'torch.tril' },
  triu: { torch: 'torch.triu' },
  diagonal: { torch: 'torch.diagonal' },
  diag: { torch: 'torch.diag' },
  repeat: { torch: 'Tensor.repeat' },
  repeatInterleave: { torch: 'torch.repeat_interleave' },
  unfold: { torch: 'Tensor.unfold' },
  meshgrid: { torch: 'torch.meshgrid' },
  // indexing
  indexSelect: { torch: 'torch.index_select' },
  gather: { torch: 'torch.gather' },
  embedding: { torch: 'F.embedding' },
  oneHot: { torch: 'F.one_hot' },
  nonzero: { torch: 'torch.nonzero' },
  maskedFill: { torch: 'Tensor.masked_fill' },
  maskedSelect: { torch: 'torch.masked_select' },
  scatter: { torch: 'torch.scatter', diff: 'where one position is written twice the last write wins' },
  scatterAdd: { torch: 'torch.scatter_add' },
  scatterReduce: { torch: 'torch.scatter_reduce' },
  // scans and sorting
  cumsum: { torch: 'torch.cumsum' },
  cumprod: { torch: 'torch.cumprod' },
  cummax: { torch: 'torch.cummax', diff: 'returns [values, indices]' },
  cummin: { torch: 'torch.cummin', diff: 'returns [values, indices]' },
  logcumsumexp: { torch: 'torch.logcumsumexp' },
  sort: { torch: 'torch.sort', diff: 'always stable; returns [values, indices]' },
  argsort: { torch: 'torch.argsort', diff: 'always stable' },
  topk: { torch: 'torch.topk', diff: 'the earlier of equal values first; returns [values, indices]' },
  einsum: { torch: 'torch.einsum', diff: "operands as an array (einsum('ij,jk->ik', [a, b])); float32 only" },
  // linear algebra, layers as functions
  matmul: { torch: 'torch.matmul' },
  linear: { torch: 'F.linear' },
  affine: {
    torch: 'F.linear (2-D x)',
    diff: 'x is [M, K] only; bias may be [N] or a full [M, N]',
  },
  scaledDotProductAttention: {
    torch: 'F.scaled_dot_product_attention',
    diff: 'PyTorch 2’s semantics (1.13 has no such function: the fixture composes it)',
  },
  conv1d: { torch: 'F.conv1d', diff: 'zero padding only' },
  conv2d: { torch: 'F.conv2d', diff: 'zero padding only' },
  convTranspose1d: { torch: 'F.conv_transpose1d' },
  convTranspose2d: { torch: 'F.conv_transpose2d' },
  maxPool1d: { torch: 'F.max_pool1d', diff: 'no return_indices' },
  maxPool2d: { torch: 'F.max_pool2d', diff: 'no return_indices' },
  avgPool1d: { torch: 'F.avg_pool1d' },
  avgPool2d: { torch: 'F.avg_pool2d' },
  adaptiveAvgPool1d: { torch: 'F.adaptive_avg_pool1d' },
  adaptiveAvgPool2d: { torch: 'F.adaptive_avg_pool2d' },
  adaptiveMaxPool1d: { torch: 'F.adaptive_max_pool1d', diff: 'no return_indices' },
  adaptiveMaxPool2d: { torch: 'F.adaptive_max_pool2d', diff: 'no return_indices' },
  interpolate: {
    torch: 'F.interpolate',
    diff: 'nearest, nearest-exact, linear, bilinear only (no bicubic, trilinear, area, antialias)',
  },
  batchNorm: { torch: 'F.batch_norm', diff: '`training` in the options object' },
  layerNorm: { torch: 'F.layer_norm' },
  groupNorm: { torch: 'F.group_norm' },
  instanceNorm: { torch: 'F.instance_norm' },
  dropout: { torch: 'F.dropout', diff: '`training` and `generator` in an options object' },
  // losses
  mseLoss: { torch: 'F.mse_loss', diff: 'refuses shapes that differ (PyTorch broadcasts with a warning)' },
  l1Loss: { torch: 'F.l1_loss', diff: 'refuses shapes that differ (PyTorch broadcasts with a warning)' },
  huberLoss: {
    torch: 'F.huber_loss',
    diff: 'refuses shapes that differ (PyTorch broadcasts with a warning)',
  },
  smoothL1Loss: {
    torch: 'F.smooth_l1_loss',
    diff: 'refuses shapes that differ (PyTorch broadcasts with a warning)',
  },
  bceLoss: { torch: 'F.binary_cross_entropy' },
  bceWithLogitsLoss: { torch: 'F.binary_cross_entropy_with_logits' },
  nllLoss: { torch: 'F.nll_loss' },
  crossEntropy: { torch: 'F.cross_entropy' },
  // nn.functional's own names
  'nn.functional.binaryCrossEntropy': {
    torch: 'F.binary_cross_entropy',
    diff: 'the same function as bceLoss',
    via: 'bceLoss',
  },
  'nn.functional.binaryCrossEntropyWithLogits': {
    torch: 'F.binary_cross_entropy_with_logits',
    diff: 'the same function as bceWithLogitsLoss',
    via: 'bceWithLogitsLoss',
  },
  'nn.functional.embedding': { torch: 'F.embedding' },
};

export const CREATION = {
  tensor: { torch: 'torch.tensor', diff: NO_64 },
  scalar: { torch: 'torch.tensor(v)', diff: 'a 0-d tensor' },
  zeros: { torch: 'torch.zeros' },
  ones: { torch: 'torch.ones' },
  full: { torch: 'torch.full' },
  arange: { torch: 'torch.arange' },
  linspace: { torch: 'torch.linspace' },
  eye: { torch: 'torch.eye' },
  rand: { torch: 'torch.rand', diff: 'neurite’s own seeded generator: not PyTorch’s random stream' },
  randn: { torch: 'torch.randn', diff: 'neurite’s own seeded generator: not PyTorch’s random stream' },
  randint: { torch: 'torch.randint', diff: 'neurite’s own seeded generator: not PyTorch’s random stream' },
  randperm: { torch: 'torch.randperm', diff: 'neurite’s own seeded generator: not PyTorch’s random stream' },
  zerosLike: { torch: 'torch.zeros_like' },
  onesLike: { torch: 'torch.ones_like' },
  fullLike: { torch: 'torch.full_like' },
  randLike: { torch: 'torch.rand_like' },
  randnLike: { torch: 'torch.randn_like' },
  randintLike: { torch: 'torch.randint_like' },
  cast: { torch: 'Tensor.to(dtype)', diff: 'float32, int32 and bool only' },
};

const PAD_ONLY_ZEROS = 'zero padding only (no padding_mode)';
const LOSS_SHAPES = 'refuses input and target shapes that differ';
export const MODULES = {
  Module: {
    torch: 'nn.Module',
    diff: 'camelCase methods (stateDict, loadStateDict, zeroGrad); same state-dict keys',
  },
  Sequential: { torch: 'nn.Sequential' },
  ModuleList: { torch: 'nn.ModuleList' },
  ModuleDict: { torch: 'nn.ModuleDict' },
  Identity: { torch: 'nn.Identity' },
  Linear: { torch: 'nn.Linear', via: 'linear' },
  Conv1d: { torch: 'nn.Conv1d', diff: PAD_ONLY_ZEROS },
  Conv2d: { torch: 'nn.Conv2d', via: 'conv2d', diff: PAD_ONLY_ZEROS },
  ConvTranspose1d: { torch: 'nn.ConvTranspose1d', diff: PAD_ONLY_ZEROS },
  ConvTranspose2d: { torch: 'nn.ConvTranspose2d', diff: PAD_ONLY_ZEROS },
  SeparableConv2d: { torch: '— (depthwise nn.Conv2d + pointwise nn.Conv2d)', diff: 'neurite-only' },
  MaxPool1d: { torch: 'nn.MaxPool1d', diff: 'no return_indices' },
  MaxPool2d: { torch: 'nn.MaxPool2d', via: 'maxPool2d', diff: 'no return_indices' },
  AvgPool1d: { torch: 'nn.AvgPool1d' },
  AvgPool2d: { torch: 'nn.AvgPool2d', via: 'avgPool2d' },
  AdaptiveAvgPool1d: { torch: 'nn.AdaptiveAvgPool1d' },
  AdaptiveAvgPool2d: { torch: 'nn.AdaptiveAvgPool2d', via: 'adaptiveAvgPool2d' },
  AdaptiveMaxPool1d: { torch: 'nn.AdaptiveMaxPool1d', diff: 'no return_indices' },
  AdaptiveMaxPool2d: { torch: 'nn.AdaptiveMaxPool2d', diff: 'no return_indices' },
  Upsample: { torch: 'nn.Upsample', diff: 'nearest, nearest-exact, linear, bilinear only' },
  BatchNorm1d: { torch: 'nn.BatchNorm1d' },
  BatchNorm2d: { torch: 'nn.BatchNorm2d' },
  LayerNorm: { torch: 'nn.LayerNorm' },
  GroupNorm: { torch: 'nn.GroupNorm' },
  InstanceNorm1d: {
    torch: 'nn.InstanceNorm1d',
    diff: 'refuses channels ≠ numFeatures (PyTorch warns when affine is false); momentum is a number',
  },
  InstanceNorm2d: {
    torch: 'nn.InstanceNorm2d',
    diff: 'refuses channels ≠ numFeatures (PyTorch warns when affine is false); momentum is a number',
  },
  Dropout: { torch: 'nn.Dropout', via: 'dropout' },
  Flatten: { torch: 'nn.Flatten', via: 'flatten' },
  Unflatten: { torch: 'nn.Unflatten', via: 'unflatten' },
  Embedding: { torch: 'nn.Embedding', via: 'embedding' },
  RNN: { torch: 'nn.RNN' },
  LSTM: { torch: 'nn.LSTM', diff: 'no proj_size' },
  GRU: { torch: 'nn.GRU' },
  RNNCell: { torch: 'nn.RNNCell' },
  LSTMCell: { torch: 'nn.LSTMCell' },
  GRUCell: { torch: 'nn.GRUCell' },
  MultiheadAttention: { torch: 'nn.MultiheadAttention' },
  TransformerEncoderLayer: { torch: 'nn.TransformerEncoderLayer' },
  TransformerEncoder: { torch: 'nn.TransformerEncoder' },
  ReLU: { torch: 'nn.ReLU', via: 'relu' },
  LeakyReLU: { torch: 'nn.LeakyReLU', via: 'leakyRelu' },
  ELU: { torch: 'nn.ELU', via: 'elu' },
  SELU: { torch: 'nn.SELU', via: 'selu' },
  CELU: { torch: 'nn.CELU', via: 'celu' },
  GELU: { torch: 'nn.GELU', via: 'gelu' },
  Sigmoid: { torch: 'nn.Sigmoid', via: 'sigmoid' },
  Tanh: { torch: 'nn.Tanh', via: 'tanh' },
  Softplus: { torch: 'nn.Softplus', via: 'softplus' },
  SiLU: { torch: 'nn.SiLU', via: 'silu' },
  Mish: { torch: 'nn.Mish', via: 'mish' },
  Hardtanh: { torch: 'nn.Hardtanh', via: 'hardtanh' },
  ReLU6: { torch: 'nn.ReLU6', via: 'relu6' },
  Hardsigmoid: { torch: 'nn.Hardsigmoid', via: 'hardsigmoid' },
  Hardswish: { torch: 'nn.Hardswish', via: 'hardswish' },
  Softsign: { torch: 'nn.Softsign', via: 'softsign' },
  LogSigmoid: { torch: 'nn.LogSigmoid', via: 'logsigmoid' },
  GLU: { torch: 'nn.GLU', via: 'glu' },
  PReLU: { torch: 'nn.PReLU', via: 'prelu' },
  Softmax: { torch: 'nn.Softmax', via: 'softmax' },
  LogSoftmax: { torch: 'nn.LogSoftmax', via: 'logSoftmax' },
  Softmin: { torch: 'nn.Softmin', via: 'softmin' },
  MSELoss: { torch: 'nn.MSELoss', via: 'mseLoss', diff: LOSS_SHAPES },
  L1Loss: { torch: 'nn.L1Loss', via: 'l1Loss', diff: LOSS_SHAPES },
  HuberLoss: { torch: 'nn.HuberLoss', via: 'huberLoss', diff: LOSS_SHAPES },
  SmoothL1Loss: { torch: 'nn.SmoothL1Loss', via: 'smoothL1Loss', diff: LOSS_SHAPES },
  BCELoss: { torch: 'nn.BCELoss', via: 'bceLoss' },
  BCEWithLogitsLoss: { torch: 'nn.BCEWithLogitsLoss', via: 'bceWithLogitsLoss' },
  NLLLoss: { torch: 'nn.NLLLoss', via: 'nllLoss' },
  CrossEntropyLoss: { torch: 'nn.CrossEntropyLoss', via: 'crossEntropy' },
};

/** Base classes users extend or never construct: not layers of their own. */
const ABSTRACT_MODULES = new Set([
  'LossBase',
  'WeightedLossBase',
  'BatchNormBase',
  'InstanceNormBase',
  'RNNBase',
  'RNNCellBase',
]);

// ---- read from the code ----------------------------------------------------------------------------------------

/** The public names: defineOp functions, creation functions, nn.functional's own, nn.Module subclasses. */
export async function publicNames() {
  const nt = await import('../src/index.ts');
  const { opParams } = await import('../src/ops/util.ts');
  const ops = [];
  for (const [name, v] of Object.entries(nt)) if (opParams(v) !== undefined) ops.push(name);
  for (const [name, v] of Object.entries(nt.nn.functional)) {
    if (typeof v === 'function' && nt[name] !== v) ops.push(`nn.functional.${name}`);
  }
  const creation = Object.keys(CREATION).filter((k) => typeof nt[k] === 'function');
  const modules = Object.entries(nt.nn)
    .filter(([, v]) => typeof v === 'function' && (v === nt.nn.Module || v.prototype instanceof nt.nn.Module))
    .map(([k]) => k)
    .filter((k) => !ABSTRACT_MODULES.has(k));
  return { ops, creation, modules };
}

const listTests = (dir) =>
  readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? listTests(path.join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [path.join(dir, e.name)]
        : [],
  );

/** The backends a fixture's replay runs on: all three when a test that reads it runs on every backend. */
function fixtureBackends(file, tests) {
  // attention.json is read through test/helpers/attention-fixture.ts
  const readers = tests.filter(
    (t) => t.text.includes(file) || (file === 'attention.json' && t.text.includes('attention-fixture')),
  );
  if (readers.length === 0) return null;
  return readers.some((t) => /forEachBackend|describe\.each\(backends/.test(t.text))
    ? 'ts, native, wasm'
    : 'ts';
}

/** name → { values: cases, grads: cases, backends } from the fixture files, by each file's own layout. */
export function fixtureCoverage(tests) {
  const cover = new Map();
  const add = (name, file, withGrad, n = 1) => {
    const c = cover.get(name) ?? { values: 0, grads: 0, files: new Set(), backends: '' };
    c.values += n;
    if (withGrad) c.grads += n;
    c.files.add(file);
    c.backends = fixtureBackends(file, tests) ?? c.backends;
    cover.set(name, c);
  };
  const json = (f) => JSON.parse(read(`test/fixtures/${f}`));
  for (const f of ['ops.json', 'layers_extra.json', 'bitwise.json']) {
    for (const c of json(f).cases) if (c.outputs) add(c.op, f, c.grads !== undefined);
  }
  for (const m of json('layers_extra.json').modules) add(m.module, 'layers_extra.json', true);
  const convPool = json('conv_pool.json');
  for (const op of ['conv2d', 'maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d']) {
    for (const _ of convPool[op]) add(op, 'conv_pool.json', true);
  }
  const ln = json('losses_norm.json');
  for (const c of ln.losses) add(c.fn, 'losses_norm.json', true);
  for (const c of ln.batchNorm) add(c.module, 'losses_norm.json', true);
  for (const _ of ln.layerNorm) add('LayerNorm', 'losses_norm.json', true);
  const att = json('attention.json');
  for (const _ of att.sdpa) add('scaledDotProductAttention', 'attention.json', true);
  for (const _ of att.mha) add('MultiheadAttention', 'attention.json', true);
  for (const c of att.encoders) {
    add(c.kind === 'layer' ? 'TransformerEncoderLayer' : 'TransformerEncoder', 'attention.json', true);
  }
  const rnn = json('rnn.json');
  for (const c of [...rnn.modules, ...rnn.cells]) add(c.kind, 'rnn.json', true);
  return cover;
}

/** Names that a gradcheck in test/ names: `nt.X`, `F.X` or `functional.X` inside the test that runs it. */
export function gradchecked(tests, names) {
  const found = new Set();
  for (const { text } of tests) {
    let at = text.indexOf('gradcheck(');
    while (at !== -1) {
      // the enclosing test: from the last it(/itOn(/test( before the call to the call itself
      const start = Math.max(
        text.lastIndexOf('it(', at),
        text.lastIndexOf('itOn(', at),
        text.lastIndexOf('test(', at),
      );
      const end = text.indexOf(');', at);
      const body = text.slice(Math.max(0, start), end === -1 ? undefined : end);
      for (const m of body.matchAll(/\b(?:nt|F|functional|nn)\.(\w+)\b/g))
        if (names.has(m[1])) found.add(m[1]);
      at = text.indexOf('gradcheck(', at + 1);
    }
  }
  return found;
}

// ---- the table -------------------------------------------------------------------------------------------------

const code = (s) => `\`${s}\``;

function checks(name, cover) {
  const c = cover.get(name);
  if (!c) return ['—', '—', ''];
  const files = [...c.files].join(', ');
  return [`${c.values} (${c.backends})`, c.grads > 0 ? `${c.grads} (${c.backends})` : '—', files];
}

/** A row's checks; a module whose forward is one op, or an alias, without cases of its own counts the op's. */
function viaChecks(name, meta, cover) {
  if (cover.has(name) || !meta.via || !cover.has(meta.via)) return checks(name, cover);
  return checks(meta.via, cover).map((x, i) => (i < 2 && x !== '—' ? `via ${code(meta.via)}: ${x}` : x));
}

export async function buildTable() {
  const tests = listTests('test').map((p) => ({ path: p, text: read(p) }));
  const { ops, creation, modules } = await publicNames();
  const missing = [
    ...ops.filter((n) => !(n in OPS)).map((n) => `op ${n}`),
    ...modules.filter((n) => !(n in MODULES)).map((n) => `module nn.${n}`),
  ];
  const stale = [
    ...Object.keys(OPS)
      .filter((n) => !ops.includes(n))
      .map((n) => `op ${n}`),
    ...Object.keys(MODULES)
      .filter((n) => !modules.includes(n))
      .map((n) => `module nn.${n}`),
    ...Object.keys(CREATION)
      .filter((n) => !creation.includes(n))
      .map((n) => n),
  ];
  const cover = fixtureCoverage(tests);
  const checkedByGrad = gradchecked(
    tests,
    new Set([...ops, ...modules].map((n) => n.replace('nn.functional.', ''))),
  );

  const lines = [];
  const out = (s = '') => lines.push(s);
  out('# neurite and PyTorch, op by op');
  out();
  out('Generated by `node --import tsx scripts/op-table.mjs` from the code — do not edit by hand;');
  out('`test/docs/op-table.test.ts` fails when a public op or module has no row or this file is stale.');
  out();
  out('- **values** / **gradients**: how many PyTorch 1.13 fixture cases (`test/fixtures/`, written by');
  out(
    '  `scripts/fixtures/`) check the outputs / the gradients of the op, and on which backends they are replayed',
  );
  out('  (no case is skipped on any backend unless `test/helpers/backends.ts` says so).');
  out(
    '- **gradcheck**: a test in `test/` that runs a finite-difference gradient check names it (`nt.op`, `F.op`).',
  );
  out(
    '- **deliberate differences**: where neurite departs from PyTorch on purpose. Throughout: no float64/int64',
  );
  out('  (integer results are int32), options as a final object checked at run time, camelCase names.');
  out();
  out(`## Ops (${ops.length})`);
  out();
  out('| neurite | PyTorch | values | gradients | gradcheck | fixtures | deliberate differences |');
  out('|---|---|---|---|---|---|---|');
  for (const name of [...ops].sort((a, b) => a.localeCompare(b))) {
    const meta = OPS[name] ?? { torch: '?' };
    const [v, g, files] = viaChecks(name.replace('nn.functional.', ''), meta, cover);
    const gc = checkedByGrad.has(name.replace('nn.functional.', '')) ? 'yes' : '—';
    out(`| ${code(name)} | ${code(meta.torch)} | ${v} | ${g} | ${gc} | ${files} | ${meta.diff ?? ''} |`);
  }
  out();
  out(`## Tensor creation (${creation.length})`);
  out();
  out('| neurite | PyTorch | deliberate differences |');
  out('|---|---|---|');
  for (const name of creation)
    out(`| ${code(name)} | ${code(CREATION[name].torch)} | ${CREATION[name].diff ?? ''} |`);
  out();
  out(`## Modules (${modules.length})`);
  out();
  out('| neurite | PyTorch | forward values | gradients | fixtures | deliberate differences |');
  out('|---|---|---|---|---|---|');
  for (const name of [...modules].sort((a, b) => a.localeCompare(b))) {
    const meta = MODULES[name] ?? { torch: '?' };
    const [v, g, files] = viaChecks(name, meta, cover);
    out(`| ${code(`nn.${name}`)} | ${code(meta.torch)} | ${v} | ${g} | ${files} | ${meta.diff ?? ''} |`);
  }
  out();
  const fixtured = ops.filter((n) => cover.has(n.replace('nn.functional.', ''))).length;
  out(
    `${fixtured} of ${ops.length} ops have PyTorch fixture cases; ${[...checkedByGrad].filter((n) => ops.includes(n)).length} are gradchecked.`,
  );
  return { markdown: `${lines.join('\n')}\n`, missing, stale };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { markdown, missing, stale } = await buildTable();
  if (missing.length || stale.length) {
    if (missing.length)
      console.error(`op-table: no entry in scripts/op-table.mjs for: ${missing.join(', ')}`);
    if (stale.length)
      console.error(`op-table: entries for names neurite no longer exports: ${stale.join(', ')}`);
    process.exit(1);
  }
  const target = path.join(root, 'docs', 'ops.md');
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== markdown) {
      console.error('op-table: docs/ops.md is stale; run node --import tsx scripts/op-table.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync(target, markdown);
    console.log(`op-table: wrote docs/ops.md`);
  }
}
