/**
 * What the recurrent layers are built from: the row-wise affine map of ./matmul.ts, a split whose backward assembles
 * a single gradient, and one function per cell step (RNN, LSTM, GRU) composed from differentiable ops.
 *
 * The LSTM and GRU steps run their elementwise part as one fused kernel ({@link lstmCell}, {@link gruCell})
 * with its own gradient rule; the matrix products around them stay GEMMs.
 */
import { isGradEnabled, record } from '../autograd/engine.js';
import { oneProduct } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { normAxis } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { relu, tanh } from './activation.js';
import { add } from './elementwise.js';
import { affine } from './matmul.js';
import { reshape, select } from './shape.js';
import { empty, requireAxes, requireFloat } from './util.js';

/** The activation of a plain (Elman) RNN. */
export type RNNNonlinearity = 'tanh' | 'relu';

/**
 * Cuts x along `axis` into pieces of `sizes` entries. Unlike a chain of slices, whose backward passes build one
 * full-size gradient per piece (quadratic in the number of pieces), the pieces hand their gradients to one
 * shared buffer that reaches x once. With `dropAxis` every size must be 1 and the axis is removed.
 */
function splitShared(
  x: Tensor,
  axis: number,
  sizes: readonly number[],
  dropAxis: boolean,
  op: string,
): Tensor[] {
  const be = getBackend();
  const outer = x.shape.slice(0, axis).reduce((p, q) => p * q, 1);
  const inner = x.shape.slice(axis + 1).reduce((p, q) => p * q, 1);
  const begins: number[][] = [];
  const boxes: number[][] = [];
  let start = 0;
  const pieces = sizes.map((s) => {
    const begin = x.shape.map((_, i) => (i === axis ? start : 0));
    const box = x.shape.map((d, i) => (i === axis ? s : d));
    begins.push(begin);
    boxes.push(box);
    const shape = dropAxis ? box.filter((_, i) => i !== axis) : box;
    let piece: Tensor;
    if (outer === 1) {
      // a contiguous block: a view, no copy
      piece = new Tensor(x.data.subarray(start * inner, (start + s) * inner), shape);
    } else {
      piece = empty(shape, x.dtype);
      be.slice(x.data, x.shape, begin, piece.data, box);
    }
    start += s;
    return piece;
  });
  if (!isGradEnabled() || !x.requiresGrad) return pieces;

  // A 0-d token stands for x in the graph: each piece writes its gradient into `grad` and returns a zero for
  // the token; the engine runs the token's backward after every piece's (it is their only input), and that
  // hands x the assembled gradient. Pieces that got no gradient leave zeros.
  let grad: Float32Array | null = null;
  const token = record(new Tensor(new Float32Array(1), []), op, [x], () => {
    const g = grad ?? new Float32Array(x.size);
    grad = null;
    return [new Tensor(g, x.shape)];
  });
  const zero = new Tensor(new Float32Array(1), []);
  return pieces.map((piece, i) =>
    record(piece, op, [token], (g) => {
      grad ??= new Float32Array(x.size);
      be.insert(g.data, boxes[i], grad, x.shape, begins[i], false);
      return [zero];
    }),
  );
}

/**
 * The slices of x along `axis`, with that axis removed (torch.unbind). Its backward builds one gradient for x,
 * so unbinding a sequence of L steps costs O(L), not O(L²).
 */
export function unbind(x: Tensor, axis = 0): Tensor[] {
  requireAxes(x, 'unbind');
  const a = normAxis(axis, x.ndim, 'unbind');
  return splitShared(x, a, new Array<number>(x.shape[a]).fill(1), true, 'unbind');
}

/**
 * Splits x along `axis` into `parts` equal pieces, or into pieces of the listed sizes, with one assembled
 * gradient for x in the backward pass (see {@link unbind}).
 */
export function splitParts(x: Tensor, parts: number | readonly number[], axis = -1): Tensor[] {
  requireAxes(x, 'splitParts');
  const a = normAxis(axis, x.ndim, 'splitParts');
  const d = x.shape[a];
  let sizes: number[];
  if (typeof parts === 'number') {
    if (!Number.isInteger(parts) || parts <= 0 || d % parts !== 0) {
      throw new ValueError(`splitParts: cannot split axis ${a} of size ${d} into ${parts} equal parts`);
    }
    sizes = new Array<number>(parts).fill(d / parts);
  } else {
    sizes = [...parts];
    const total = sizes.reduce((p, q) => p + q, 0);
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || total !== d) {
      throw new ShapeError(`splitParts: sizes [${sizes.join(', ')}] do not add up to axis ${a} of size ${d}`);
    }
  }
  return splitShared(x, a, sizes, false, 'splitParts');
}

/** The hidden-to-hidden pre-activation: xProj + h·W_hhᵀ (+ b_hh), with xProj folded into the GEMM. */
function recurrent(xProj: Tensor, h: Tensor, wHh: Tensor, bHh: Tensor | null): Tensor {
  return bHh === null ? affine(h, wHh, xProj) : add(affine(h, wHh, bHh), xProj);
}

/**
 * One step of an Elman RNN: h' = act(xProj + h·W_hhᵀ + b_hh), where xProj = x·W_ihᵀ + b_ih was computed
 * beforehand (for a whole sequence at once). `bHh` may be null when it is already inside xProj.
 */
export function rnnCellStep(
  xProj: Tensor,
  h: Tensor,
  wHh: Tensor,
  bHh: Tensor | null,
  nonlinearity: RNNNonlinearity = 'tanh',
): Tensor {
  const pre = recurrent(xProj, h, wHh, bHh);
  return nonlinearity === 'relu' ? relu(pre) : tanh(pre);
}

/**
 * The elementwise part of an LSTM step as one fused kernel, PyTorch's gate order i, f, g, o: from the gate
 * pre-activations `gates` [N, 4H] (x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) and the cell state `c` [N, H],
 * c' = σ(f)⊙c + σ(i)⊙tanh(g) and h' = σ(o)⊙tanh(c'). Returns [h', c'].
 */
export function lstmCell(gates: Tensor, c: Tensor): [Tensor, Tensor] {
  const gd = requireFloat(gates, 'lstmCell');
  const cd = requireFloat(c, 'lstmCell');
  if (
    c.ndim !== 2 ||
    gates.ndim !== 2 ||
    gates.shape[0] !== c.shape[0] ||
    gates.shape[1] !== 4 * c.shape[1]
  ) {
    throw new ShapeError(
      `lstmCell: gates ${fmtShape(gates.shape)} do not fit cell state ${fmtShape(c.shape)} (expected [N, 4H] and [N, H])`,
    );
  }
  const [n, hidden] = c.shape;
  const be = getBackend();
  const size = n * hidden;
  // h' and c' share one buffer so that a single node carries both through the graph (see splitShared)
  const state = empty([2, n, hidden]);
  const sd = state.data as Float32Array;
  const hOut = sd.subarray(0, size);
  const cOut = sd.subarray(size);
  const act = new Float32Array(4 * size);
  be.lstmCell(gd, cd, n, hidden, hOut, cOut, act);
  record(state, 'lstmCell', [gates, c], (g, needs) => {
    const dd = g.data as Float32Array;
    const dGates = empty(gates.shape);
    const dcPrev = empty(c.shape);
    be.lstmCellBackward(
      act,
      cd,
      cOut,
      dd.subarray(0, size),
      dd.subarray(size),
      n,
      hidden,
      dGates.data as Float32Array,
      dcPrev.data as Float32Array,
    );
    return [needs[0] ? dGates : null, needs[1] ? dcPrev : null];
  });
  const [h1, c1] = splitShared(state, 0, [1, 1], true, 'lstmCell');
  return [h1, c1];
}

/** Step t's block of a time-major array whose steps are `size` long. */
function stepBlock(a: Float32Array, t: number, size: number): Float32Array {
  return a.subarray(t * size, (t + 1) * size);
}

/**
 * The recurrent weight's gradient of a sequence node: Σ_t r_tᵀ · h_{t−1} [G, H], where r [T, N, G] holds the
 * gradient of each step's h·W_hhᵀ and `hs` h_t at position t ([T, N, H], possibly followed by other state).
 * The steps whose previous state is an output are contiguous in both arrays, so it is one GEMM over (T − 1)·N
 * rows and one over the N rows whose previous state is h0.
 */
function recurrentWeightGrad(
  r: Float32Array,
  hs: Float32Array,
  h0: Float32Array,
  T: number,
  N: number,
  G: number,
  H: number,
  reverse: boolean,
): Tensor {
  const be = getBackend();
  const dW = empty([G, H]);
  const dwd = dW.data as Float32Array;
  const step = N * H;
  const rest = T - 1;
  if (rest > 0) {
    const rAt = reverse ? 0 : N * G; // r of steps 0 … T−2 (reverse) or 1 … T−1
    const hAt = reverse ? step : 0; // their previous states h_1 … h_{T−1} or h_0 … h_{T−2}
    be.gemm(
      r.subarray(rAt, rAt + rest * N * G),
      hs.subarray(hAt, hAt + rest * step),
      oneProduct({ transA: true, m: G, n: H, k: rest * N }),
      dwd,
    );
  }
  const first = reverse ? T - 1 : 0;
  be.gemm(
    stepBlock(r, first, N * G),
    h0,
    oneProduct({ transA: true, m: G, n: H, k: N, beta: rest > 0 ? 1 : 0 }),
    dwd,
  );
  return dW;
}

/** The checks every sequence node makes; returns [T, N, H]. */
function sequenceShape(
  op: string,
  proj: Tensor,
  states: Tensor[],
  wHh: Tensor,
  gates: number,
  bHh: Tensor | null = null,
): [number, number, number] {
  const H = wHh.ndim === 2 ? wHh.shape[1] : -1;
  const G = gates * H;
  const fits =
    proj.ndim === 3 &&
    wHh.ndim === 2 &&
    wHh.shape[0] === G &&
    proj.shape[2] === G &&
    states.every((s) => s.ndim === 2 && s.shape[0] === proj.shape[1] && s.shape[1] === H) &&
    (bHh === null || (bHh.ndim === 1 && bHh.shape[0] === G));
  if (!fits || proj.shape[0] === 0) {
    const g = gates === 1 ? '' : `${gates}`;
    throw new ShapeError(
      `${op}: projections ${fmtShape(proj.shape)}, states ${states.map((t) => fmtShape(t.shape)).join(' and ')}` +
        ` and W_hh ${fmtShape(wHh.shape)}${bHh === null ? '' : `, b_hh ${fmtShape(bHh.shape)}`} do not fit ` +
        `(expected [T ≥ 1, N, ${g}H], ${states.map(() => '[N, H]').join(', ')} and [${g}H, H]` +
        `${bHh === null ? '' : `, [${g}H]`})`,
    );
  }
  return [proj.shape[0], proj.shape[1], H];
}

/**
 * One direction of an LSTM layer over a whole time-major sequence as a single graph node, PyTorch's gate order
 * i, f, g, o: from `proj` [T, N, 4H] = x·W_ihᵀ + b_ih (+ b_hh), the initial states `h0` and `c0` [N, H] and
 * `wHh` [4H, H], runs gates_t = proj_t + h_{t−1}·W_hhᵀ and the fused cell ({@link lstmCell}) for t = 0 … T−1, or
 * T−1 … 0 with `reverse`. Returns [hs [T, N, H] (h_t at position t), h_T, c_T].
 *
 * The result equals chaining {@link lstmCellStep} over the steps, but the graph holds one node instead of a
 * dozen per step: the forward pass is a copy, a GEMM and the cell kernel per step, and the backward pass walks
 * the steps back with the cell's gradient kernel and one GEMM for dh, writing every step's gate gradient into one
 * [T, N, 4H] array, so that W_hh's gradient is a single GEMM over all steps.
 */
export function lstmSequence(
  proj: Tensor,
  h0: Tensor,
  c0: Tensor,
  wHh: Tensor,
  reverse = false,
): [Tensor, Tensor, Tensor] {
  const pd = requireFloat(proj, 'lstmSequence');
  const h0d = requireFloat(h0, 'lstmSequence');
  const c0d = requireFloat(c0, 'lstmSequence');
  const wd = requireFloat(wHh, 'lstmSequence');
  const [T, N, H] = sequenceShape('lstmSequence', proj, [h0, c0], wHh, 4);
  const G = 4 * H;
  const step = N * H;
  const be = getBackend();
  // the output buffer holds h_0 … h_{T−1} and then c_T, so that one node carries both (see splitShared)
  const state = empty([T + 1, N, H]);
  const sd = state.data as Float32Array;
  // every step's cell state and activated gates, for the backward pass alone
  const cs = empty([T, N, H]).data as Float32Array;
  const act = empty([T, N, G]).data as Float32Array;
  const gates = new Float32Array(N * G);
  const order = (i: number) => (reverse ? T - 1 - i : i);
  const recurrentProduct = oneProduct({ transB: true, m: N, n: G, k: H, beta: 1 });
  let hPrev = h0d;
  let cPrev = c0d;
  for (let i = 0; i < T; i++) {
    const t = order(i);
    gates.set(stepBlock(pd, t, N * G));
    be.gemm(hPrev, wd, recurrentProduct, gates);
    const h = stepBlock(sd, t, step);
    const c = stepBlock(cs, t, step);
    be.lstmCell(gates, cPrev, N, H, h, c, stepBlock(act, t, N * G));
    hPrev = h;
    cPrev = c;
  }
  sd.set(cPrev, T * step);

  record(
    state,
    'lstmSequence',
    [proj, h0, c0, wHh],
    (g, needs) => {
      const gd = g.data as Float32Array;
      const dProj = empty([T, N, G]);
      const dpd = dProj.data as Float32Array;
      const dh = new Float32Array(step); // dL/dh_t: the output's gradient plus what flows back from step t+1
      const dhNext = new Float32Array(step); // dL/dh_t through the recurrence, from the step after t
      let dc = gd.slice(T * step);
      let dcPrev = new Float32Array(step);
      const backProduct = oneProduct({ m: N, n: H, k: G });
      for (let i = T - 1; i >= 0; i--) {
        const t = order(i);
        be.binary('add', stepBlock(gd, t, step), [step], dhNext, [step], dh, [step]);
        const before = i === 0 ? c0d : stepBlock(cs, order(i - 1), step);
        const dGates = stepBlock(dpd, t, N * G);
        be.lstmCellBackward(
          stepBlock(act, t, N * G),
          before,
          stepBlock(cs, t, step),
          dh,
          dc,
          N,
          H,
          dGates,
          dcPrev,
        );
        [dc, dcPrev] = [dcPrev, dc];
        if (i > 0 || needs[1]) be.gemm(dGates, wd, backProduct, dhNext);
      }
      const dW = needs[3] ? recurrentWeightGrad(dpd, sd, h0d, T, N, G, H, reverse) : null;
      return [
        needs[0] ? dProj : null,
        needs[1] ? new Tensor(dhNext, [N, H]) : null,
        needs[2] ? new Tensor(dc, [N, H]) : null,
        dW,
      ];
    },
    [cs, act],
  );
  const [hs, cLast] = splitShared(state, 0, [T, 1], false, 'lstmSequence');
  const hLast = select(hs, 0, order(T - 1));
  return [hs, hLast, reshape(cLast, [N, H])];
}

/**
 * One direction of a GRU layer over a whole time-major sequence as a single graph node, PyTorch's gate order
 * r, z, n: from `proj` [T, N, 3H] = x·W_ihᵀ + b_ih, `h0` [N, H], `wHh` [3H, H] and `bHh` [3H] (or null), runs
 * hProj_t = h_{t−1}·W_hhᵀ + b_hh and the fused cell ({@link gruCell}) for t = 0 … T−1, or T−1 … 0 with
 * `reverse`. Returns [hs [T, N, H] (h_t at position t), h_T]; the same values and gradients as chaining
 * {@link gruCellStep}, with one node instead of several per step (see {@link lstmSequence}).
 */
export function gruSequence(
  proj: Tensor,
  h0: Tensor,
  wHh: Tensor,
  bHh: Tensor | null,
  reverse = false,
): [Tensor, Tensor] {
  const pd = requireFloat(proj, 'gruSequence');
  const h0d = requireFloat(h0, 'gruSequence');
  const wd = requireFloat(wHh, 'gruSequence');
  const bd = bHh === null ? null : requireFloat(bHh, 'gruSequence');
  const [T, N, H] = sequenceShape('gruSequence', proj, [h0], wHh, 3, bHh);
  const G = 3 * H;
  const step = N * H;
  const be = getBackend();
  const hs = empty([T, N, H]);
  const sd = hs.data as Float32Array;
  // every step's hidden projection and gates, for the backward pass alone
  const hp = empty([T, N, G]).data as Float32Array;
  const act = empty([T, N, G]).data as Float32Array;
  const order = (i: number) => (reverse ? T - 1 - i : i);
  const product = oneProduct({ transB: true, m: N, n: G, k: H, beta: bd === null ? 0 : 1 });
  const zero = new Float32Array(1);
  let hPrev = h0d;
  for (let i = 0; i < T; i++) {
    const t = order(i);
    const hpt = stepBlock(hp, t, N * G);
    if (bd !== null) be.binary('add', bd, [G], zero, [], hpt, [N, G]);
    be.gemm(hPrev, wd, product, hpt);
    const h = stepBlock(sd, t, step);
    be.gruCell(stepBlock(pd, t, N * G), hpt, hPrev, N, H, h, stepBlock(act, t, N * G));
    hPrev = h;
  }
  const inputs = bHh === null ? [proj, h0, wHh] : [proj, h0, wHh, bHh];
  record(
    hs,
    'gruSequence',
    inputs,
    (g, needs) => {
      const gd = g.data as Float32Array;
      const dProj = empty([T, N, G]);
      const dpd = dProj.data as Float32Array;
      const dHp = new Float32Array(T * N * G); // the gradient of each step's hidden projection
      const dh = new Float32Array(step);
      const dhDirect = new Float32Array(step);
      const dhNext = new Float32Array(step);
      const back = oneProduct({ m: N, n: H, k: G, beta: 1 });
      for (let i = T - 1; i >= 0; i--) {
        const t = order(i);
        be.binary('add', stepBlock(gd, t, step), [step], dhNext, [step], dh, [step]);
        const before = i === 0 ? h0d : stepBlock(sd, order(i - 1), step);
        const dHpt = stepBlock(dHp, t, N * G);
        be.gruCellBackward(
          stepBlock(act, t, N * G),
          stepBlock(hp, t, N * G),
          before,
          dh,
          N,
          H,
          stepBlock(dpd, t, N * G),
          dHpt,
          dhDirect,
        );
        if (i > 0 || needs[1]) {
          dhNext.set(dhDirect);
          be.gemm(dHpt, wd, back, dhNext);
        }
      }
      let db: Tensor | null = null;
      if (bHh !== null && needs[3]) {
        db = empty([G]);
        be.reduce('sum', dHp, 1, T * N, G, db.data);
      }
      return [
        needs[0] ? dProj : null,
        needs[1] ? new Tensor(dhNext, [N, H]) : null,
        needs[2] ? recurrentWeightGrad(dHp, sd, h0d, T, N, G, H, reverse) : null,
        db,
      ];
    },
    [hp, act],
  );
  return [hs, select(hs, 0, order(T - 1))];
}

/**
 * One direction of an Elman RNN layer over a whole time-major sequence as a single graph node: from `proj`
 * [T, N, H] = x·W_ihᵀ + b_ih + b_hh, `h0` [N, H] and `wHh` [H, H], h_t = act(proj_t + h_{t−1}·W_hhᵀ) with act
 * tanh or relu, for t = 0 … T−1, or T−1 … 0 with `reverse`. Returns [hs [T, N, H], h_T]; the same values and
 * gradients as chaining {@link rnnCellStep}, with one node instead of several per step.
 */
export function rnnSequence(
  proj: Tensor,
  h0: Tensor,
  wHh: Tensor,
  nonlinearity: RNNNonlinearity = 'tanh',
  reverse = false,
): [Tensor, Tensor] {
  const pd = requireFloat(proj, 'rnnSequence');
  const h0d = requireFloat(h0, 'rnnSequence');
  const wd = requireFloat(wHh, 'rnnSequence');
  if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
    throw new ValueError(
      `rnnSequence: nonlinearity must be 'tanh' or 'relu', got ${JSON.stringify(nonlinearity)}`,
    );
  }
  const [T, N, H] = sequenceShape('rnnSequence', proj, [h0], wHh, 1);
  const step = N * H;
  const be = getBackend();
  const hs = empty([T, N, H]);
  const sd = hs.data as Float32Array;
  const pre = empty([T, N, H]).data as Float32Array; // each step's pre-activation, for the backward pass alone
  const order = (i: number) => (reverse ? T - 1 - i : i);
  const product = oneProduct({ transB: true, m: N, n: H, k: H, beta: 1 });
  let hPrev = h0d;
  for (let i = 0; i < T; i++) {
    const t = order(i);
    const p = stepBlock(pre, t, step);
    p.set(stepBlock(pd, t, step));
    be.gemm(hPrev, wd, product, p);
    const h = stepBlock(sd, t, step);
    be.unary(nonlinearity, p, h, 0);
    hPrev = h;
  }
  record(
    hs,
    'rnnSequence',
    [proj, h0, wHh],
    (g, needs) => {
      const gd = g.data as Float32Array;
      const dProj = empty([T, N, H]);
      const dpd = dProj.data as Float32Array;
      const dh = new Float32Array(step);
      const dhNext = new Float32Array(step);
      const back = oneProduct({ m: N, n: H, k: H });
      for (let i = T - 1; i >= 0; i--) {
        const t = order(i);
        be.binary('add', stepBlock(gd, t, step), [step], dhNext, [step], dh, [step]);
        const dPre = stepBlock(dpd, t, step);
        be.unaryGrad(nonlinearity, stepBlock(pre, t, step), stepBlock(sd, t, step), dh, dPre, 0);
        if (i > 0 || needs[1]) be.gemm(dPre, wd, back, dhNext);
      }
      return [
        needs[0] ? dProj : null,
        needs[1] ? new Tensor(dhNext, [N, H]) : null,
        needs[2] ? recurrentWeightGrad(dpd, sd, h0d, T, N, H, H, reverse) : null,
      ];
    },
    [pre],
  );
  return [hs, select(hs, 0, order(T - 1))];
}

/**
 * The elementwise part of a GRU step as one fused kernel, PyTorch's gate order r, z, n: from
 * `xProj` = x·W_ihᵀ + b_ih and `hProj` = h·W_hhᵀ + b_hh (both [N, 3H]) and the state `h` [N, H],
 * r, z = σ(xProj + hProj) on their thirds, n = tanh(xProj_n + r⊙hProj_n), h' = (1 − z)⊙n + z⊙h.
 */
export function gruCell(xProj: Tensor, hProj: Tensor, h: Tensor): Tensor {
  const xd = requireFloat(xProj, 'gruCell');
  const pd = requireFloat(hProj, 'gruCell');
  const hd = requireFloat(h, 'gruCell');
  const fits = (t: Tensor) =>
    t.ndim === 2 && h.ndim === 2 && t.shape[0] === h.shape[0] && t.shape[1] === 3 * h.shape[1];
  if (!fits(xProj) || !fits(hProj)) {
    throw new ShapeError(
      `gruCell: projections ${fmtShape(xProj.shape)} and ${fmtShape(hProj.shape)} do not fit hidden state ${fmtShape(h.shape)} (expected [N, 3H], [N, 3H] and [N, H])`,
    );
  }
  const [n, hidden] = h.shape;
  const be = getBackend();
  const out = empty([n, hidden]);
  const act = new Float32Array(3 * n * hidden);
  be.gruCell(xd, pd, hd, n, hidden, out.data as Float32Array, act);
  return record(out, 'gruCell', [xProj, hProj, h], (g, needs) => {
    const dx = empty(xProj.shape);
    const dp = empty(hProj.shape);
    const dh = empty(h.shape);
    be.gruCellBackward(
      act,
      pd,
      hd,
      g.data as Float32Array,
      n,
      hidden,
      dx.data as Float32Array,
      dp.data as Float32Array,
      dh.data as Float32Array,
    );
    return [needs[0] ? dx : null, needs[1] ? dp : null, needs[2] ? dh : null];
  });
}

/**
 * One LSTM step with PyTorch's gate order i, f, g, o: given xProj = x·W_ihᵀ + b_ih [N, 4H],
 * gates = xProj + h·W_hhᵀ + b_hh; c' = σ(f)⊙c + σ(i)⊙tanh(g); h' = σ(o)⊙tanh(c'). Returns [h', c'].
 * `bHh` may be null when it is already inside xProj.
 */
export function lstmCellStep(
  xProj: Tensor,
  h: Tensor,
  c: Tensor,
  wHh: Tensor,
  bHh: Tensor | null,
): [Tensor, Tensor] {
  return lstmCell(recurrent(xProj, h, wHh, bHh), c);
}

/**
 * One GRU step with PyTorch's gate order r, z, n: given xProj = x·W_ihᵀ + b_ih [N, 3H] and
 * hProj = h·W_hhᵀ + b_hh, r and z = σ(xProj + hProj) on their thirds, n = tanh(xProj_n + r⊙hProj_n),
 * h' = (1 − z)⊙n + z⊙h. The hidden bias cannot be folded into xProj here (r multiplies its n part).
 */
export function gruCellStep(xProj: Tensor, h: Tensor, wHh: Tensor, bHh: Tensor | null): Tensor {
  return gruCell(xProj, affine(h, wHh, bHh), h);
}
