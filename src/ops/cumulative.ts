/**
 * Scans along one axis: cumsum, cumprod, cummax, cummin and logcumsumexp, composed from the elementwise ops as
 * a Hillis–Steele scan: ⌈log₂ n⌉ steps, step k combining every entry with the one 2ᵏ before it (shifted in with
 * pad). Each step is a differentiable op, so the gradients follow from the composition: cumprod's is exact
 * where x has zeros (no division), logcumsumexp's is stable (logaddexp's), and cummax/cummin read their values
 * with gather, so the gradient goes to the index each running extremum came from.
 */
import { ValueError } from '../errors.js';
import { arithmeticType } from '../tensor/dtype.js';
import { normAxis } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { add, gt, logicalAnd, logicalNot, logicalOr, lt, mul, where } from './elementwise.js';
import { gather } from './indexing.js';
import { isnan, logaddexp } from './math.js';
import { pad } from './pad.js';
import { narrow } from './shape.js';
import { cast, checkArg, defineOp } from './util.js';

/** x shifted `k` places along axis `a`, the first k entries `fill` (the scan's identity). */
function shifted(x: Tensor, a: number, k: number, fill: number): Tensor {
  const pads = new Array<number>(2 * (x.ndim - a)).fill(0);
  pads[2 * (x.ndim - 1 - a)] = k;
  return pad(narrow(x, a, 0, x.shape[a] - k), pads, { value: fill });
}

function scanAxis(op: string, x: Tensor, axis: number): number {
  checkArg(op, 'x', x, 'tensor');
  checkArg(op, 'axis', axis, 'integer');
  if (axis === undefined) throw new ValueError(`${op}: axis is required`);
  // a 0-d tensor scans as a single entry
  return x.ndim === 0 ? 0 : normAxis(axis, x.ndim, op);
}

/** The inclusive scan of x along `a` under an associative `combine(later, earlier)` with identity `fill`. */
function scan(
  x: Tensor,
  a: number,
  fill: number,
  combine: (later: Tensor, earlier: Tensor) => Tensor,
): Tensor {
  let y = x;
  for (let k = 1; k < x.shape[a]; k *= 2) y = combine(y, shifted(y, a, k, fill));
  return y;
}

/** Running sum along `axis` (torch.cumsum); integers and bools sum to int32. */
export const cumsum = defineOp('cumsum', ['x', 'axis'], (x: Tensor, axis: number): Tensor => {
  const a = scanAxis('cumsum', x, axis);
  const t = cast(x, arithmeticType(x.dtype));
  return x.ndim === 0 ? t : scan(t, a, 0, add);
});

/** Running product along `axis` (torch.cumprod); its gradient is exact where x has zeros. */
export const cumprod = defineOp('cumprod', ['x', 'axis'], (x: Tensor, axis: number): Tensor => {
  const a = scanAxis('cumprod', x, axis);
  const t = cast(x, arithmeticType(x.dtype));
  return x.ndim === 0 ? t : scan(t, a, 1, mul);
});

/** Running extremum and where it came from: the later index wins ties and NaN propagates, as PyTorch. */
function cumExtremum(op: 'cummax' | 'cummin', x: Tensor, axis: number): [Tensor, Tensor] {
  const a = scanAxis(op, x, axis);
  if (x.ndim === 0) return [x, new Tensor(new Int32Array(1), [])];
  const n = x.shape[a];
  const before = op === 'cummax' ? gt : lt;
  const float = x.dtype === 'float32';
  const fill =
    op === 'cummax'
      ? float
        ? Number.NEGATIVE_INFINITY
        : -(2 ** 31)
      : float
        ? Number.POSITIVE_INFINITY
        : 2 ** 31 - 1;
  // the scan carries (value, index) pairs; it only picks indices, the values are gathered at the end
  const pos = new Int32Array(x.size);
  const stride = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  for (let i = 0; i < pos.length; i++) pos[i] = Math.floor(i / stride) % n;
  let v = cast(x, x.dtype === 'bool' ? 'int32' : x.dtype).detach();
  let idx = new Tensor(pos, x.shape);
  for (let k = 1; k < n; k *= 2) {
    const sv = shifted(v, a, k, fill);
    const si = shifted(idx, a, k, 0);
    // the earlier entry wins only if strictly better, or NaN where the later is not
    const take = logicalOr(before(sv, v), logicalAnd(isnan(sv), logicalNot(isnan(v))));
    v = where(take, sv, v);
    idx = where(take, si, idx);
  }
  return [gather(x, a, idx), idx];
}

/**
 * Running maximum along `axis` and the index it came from, as [values, indices] (torch.cummax). The gradient
 * goes to that index; of equal values the later one is picked, as PyTorch.
 */
export const cummax = defineOp('cummax', ['x', 'axis'], (x: Tensor, axis: number): [Tensor, Tensor] =>
  cumExtremum('cummax', x, axis),
);

/** Running minimum along `axis` and the index it came from, as [values, indices] (torch.cummin). */
export const cummin = defineOp('cummin', ['x', 'axis'], (x: Tensor, axis: number): [Tensor, Tensor] =>
  cumExtremum('cummin', x, axis),
);

/** log Σ_{k≤j} exp(x_k) along `axis` (torch.logcumsumexp), each step a stable logaddexp. */
export const logcumsumexp = defineOp('logcumsumexp', ['x', 'axis'], (x: Tensor, axis: number): Tensor => {
  const a = scanAxis('logcumsumexp', x, axis);
  const t = cast(x, 'float32');
  return x.ndim === 0 ? t : scan(t, a, Number.NEGATIVE_INFINITY, logaddexp);
});
