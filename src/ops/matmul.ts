import { keepGradient, record } from '../autograd/engine.js';
import { oneProduct } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { fmtShape, ShapeError } from '../errors.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { reshape, transpose } from './shape.js';
import { checkArg, defineOp, empty, requireFloat } from './util.js';

/**
 * Matrix product with NumPy/PyTorch semantics: 1-D operands are promoted to matrices and the added axis is
 * removed again; leading (batch) axes broadcast.
 */
export const matmul = defineOp('matmul', ['a', 'b'], (a: Tensor, b: Tensor): Tensor => {
  requireFloat(a, 'matmul');
  requireFloat(b, 'matmul');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: both operands need at least one dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const m = a2.shape[a2.ndim - 2];
  const k = a2.shape[a2.ndim - 1];
  const k2 = b2.shape[b2.ndim - 2];
  const n = b2.shape[b2.ndim - 1];
  if (k !== k2) {
    throw new ShapeError(
      `matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${k} vs ${k2})`,
    );
  }
  const batchA = a2.shape.slice(0, -2);
  const batchB = b2.shape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB, 'matmul');
  const out = batchedMatmul(a2, b2, batch, m, n, k);
  let result = out;
  if (a.ndim === 1 && b.ndim === 1) result = reshape(out, []);
  else if (a.ndim === 1) result = reshape(out, [...batch, n]);
  else if (b.ndim === 1) result = reshape(out, [...batch, m]);
  return result;
});

/** A batch that is a plain repeat of one matrix can use stride 0; anything else is expanded first. */
function batchOperand(t: Tensor, batch: number[]): { data: Float32Array; stride: number } {
  const tb = t.shape.slice(0, -2);
  const matSize = t.shape[t.ndim - 2] * t.shape[t.ndim - 1];
  if (sizeOf(tb) === 1) return { data: t.data as Float32Array, stride: 0 };
  if (tb.length === batch.length && tb.every((d, i) => d === batch[i]))
    return { data: t.data as Float32Array, stride: matSize };
  // partial broadcast: materialise
  const target = [...batch, t.shape[t.ndim - 2], t.shape[t.ndim - 1]];
  const out = empty(target);
  const zero = new Float32Array(1);
  getBackend().binary('add', t.data, t.shape, zero, [], out.data, target);
  return { data: out.data as Float32Array, stride: matSize };
}

function batchedMatmul(a: Tensor, b: Tensor, batch: number[], m: number, n: number, k: number): Tensor {
  const count = sizeOf(batch);
  const out = empty([...batch, m, n]);
  const A = batchOperand(a, batch);
  const B = batchOperand(b, batch);
  const info = {
    batch: count,
    transA: false,
    transB: false,
    m,
    n,
    k,
    alpha: 1,
    beta: 0,
    strideA: A.stride,
    strideB: B.stride,
    strideC: m * n,
  };
  getBackend().gemm(A.data, B.data, info, out.data as Float32Array);
  return record(out, 'matmul', [a, b], (g, needs) => [
    // broadcast batch axes are summed back by the engine
    needs[0] ? matmul(g, transpose(b)) : null,
    needs[1] ? matmul(transpose(a), g) : null,
  ]);
}

/**
 * x·weightᵀ + bias for x [M, K] and weight [N, K] in one GEMM that reads the weight transposed in place (no
 * transposed copy). `bias` is [N] (added to every row) or a full [M, N] matrix (added as is), or null. The
 * weight may be a {@link SharedWeight}, for a weight that many affine maps of one graph use.
 */
export const affine = defineOp(
  'affine',
  ['x', 'weightOrShared', 'bias'],
  (x: Tensor, weightOrShared: Tensor | SharedWeight, bias: Tensor | null = null): Tensor => {
    const shared = weightOrShared instanceof SharedWeight ? weightOrShared : null;
    const weight = shared ? shared.weight : (weightOrShared as Tensor);
    const xd = requireFloat(x, 'affine');
    const wd = requireFloat(weight, 'affine');
    if (x.ndim !== 2 || weight.ndim !== 2 || x.shape[1] !== weight.shape[1]) {
      throw new ShapeError(
        `affine: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [M, K] and [N, K])`,
      );
    }
    const [m, k] = x.shape;
    const n = weight.shape[0];
    const rowBias = bias !== null && bias.ndim === 1;
    if (bias !== null) {
      requireFloat(bias, 'affine');
      const fits = rowBias
        ? bias.shape[0] === n
        : bias.ndim === 2 && bias.shape[0] === m && bias.shape[1] === n;
      if (!fits) {
        throw new ShapeError(
          `affine: bias ${fmtShape(bias.shape)} fits neither [${n}] nor [${m}, ${n}] (input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)})`,
        );
      }
    }
    const be = getBackend();
    const out = empty([m, n]);
    const od = out.data as Float32Array;
    if (bias !== null) {
      // the bias goes into C first so the GEMM adds onto it (beta = 1)
      be.binary('add', bias.data, bias.shape, new Float32Array(1), [], od, out.shape);
    }
    be.gemm(xd, wd, oneProduct({ transB: true, m, n, k, beta: bias === null ? 0 : 1 }), od);
    // a shared weight stands in the graph as its token and takes its gradient from the token (see SharedWeight)
    const wNode = shared?.token ?? weight;
    const inputs = bias === null ? [x, wNode] : [x, wNode, bias];
    return record(out, 'affine', inputs, (g, needs) => {
      const gd = g.data as Float32Array;
      let dx: Tensor | null = null;
      let dw: Tensor | null = null;
      let db: Tensor | null = null;
      if (needs[0]) {
        dx = empty([m, k]);
        be.gemm(gd, wd, oneProduct({ m, n: k, k: n }), dx.data as Float32Array);
      }
      if (needs[1] && shared) {
        dw = shared.collect(gd, xd, m);
      } else if (needs[1]) {
        dw = empty([n, k]);
        be.gemm(gd, xd, oneProduct({ transA: true, m: n, n: k, k: m }), dw.data as Float32Array);
      }
      if (needs[2]) {
        if (rowBias) {
          db = empty([n]);
          be.reduce('sum', gd, 1, m, n, db.data);
        } else db = g;
      }
      return [dx, dw, db];
    });
  },
);

/**
 * y = x·weightᵀ + bias over the last axis of x [..., in], weight [out, in], bias [out] or null
 * (torch.nn.functional.linear): one GEMM that reads the weight in place, the bias added inside it.
 */
export const linear = defineOp(
  'linear',
  ['x', 'weight', 'bias'],
  (x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor => {
    const op = 'linear';
    checkArg(op, 'bias', bias, 'tensor?');
    if (weight.ndim !== 2 || x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
      throw new ShapeError(
        `${op}: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [..., ${weight.shape[1] ?? 'in'}] and [out, in])`,
      );
    }
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
      throw new ShapeError(
        `${op}: bias ${fmtShape(bias.shape)} does not fit weight ${fmtShape(weight.shape)}`,
      );
    }
    if (x.ndim === 2) return affine(x, weight, bias);
    const lead = x.shape.slice(0, -1);
    const rows = sizeOf(lead);
    const y = affine(reshape(x, [rows, weight.shape[1]]), weight, bias);
    return reshape(y, [...lead, weight.shape[0]]);
  },
);

/**
 * A weight that many affine maps of one graph use, such as the hidden-to-hidden weight at every step of a
 * recurrent layer: `affine(h_t, shared, bias)` at each step. Each use's backward hands on its input gradient
 * at once but only keeps its rows (the upstream gradient g_t and the input x_t); once every use has run, the
 * weight gets Σ_t g_tᵀ·x_t as one large GEMM, instead of one small GEMM (inner size the batch), one full-size
 * gradient and one accumulation per use. Without gradients it is just the weight.
 */
export class SharedWeight {
  /** What the uses name as their input in the graph: a 0-d node whose only input is the weight. */
  readonly token: Tensor | null;
  private grads: Float32Array[] = [];
  private inputs: Float32Array[] = [];
  private rows = 0;

  constructor(readonly weight: Tensor) {
    requireFloat(weight, 'SharedWeight');
    if (weight.ndim !== 2) {
      throw new ShapeError(`SharedWeight: expected a matrix [N, K], got ${fmtShape(weight.shape)}`);
    }
    // the engine runs the token's backward after every use's (they all consume it)
    const zero = new Tensor(new Float32Array(1), []);
    const token = record(zero, 'sharedWeight', [weight], () => [this.gradient()]);
    this.token = token.requiresGrad ? token : null;
  }

  /** Keeps one use's rows: g [rows, N] and x [rows, K]. Returns the token's (zero) gradient. */
  collect(g: Float32Array, x: Float32Array, rows: number): Tensor {
    // g outlives this use's backward (the token's reads it): the engine must not recycle its memory meanwhile
    keepGradient(g);
    this.grads.push(g);
    this.inputs.push(x);
    this.rows += rows;
    return new Tensor(new Float32Array(1), []);
  }

  private gradient(): Tensor {
    const [n, k] = this.weight.shape;
    const dw = empty([n, k]);
    if (this.rows > 0) {
      const g = new Float32Array(this.rows * n);
      const x = new Float32Array(this.rows * k);
      let gAt = 0;
      let xAt = 0;
      for (let i = 0; i < this.grads.length; i++) {
        g.set(this.grads[i], gAt);
        x.set(this.inputs[i], xAt);
        gAt += this.grads[i].length;
        xAt += this.inputs[i].length;
      }
      getBackend().gemm(
        g,
        x,
        oneProduct({ transA: true, m: n, n: k, k: this.rows }),
        dw.data as Float32Array,
      );
    }
    // a retained graph collects afresh on its next backward pass
    this.grads = [];
    this.inputs = [];
    this.rows = 0;
    return dw;
  }
}
