import { DTypeError, fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import { attend, causalBias, maskToBias } from '../ops/attention.js';
import { add } from '../ops/elementwise.js';
import { linear } from '../ops/matmul.js';
import { mean } from '../ops/reduce.js';
import { concat, expand, narrow, permute, reshape, squeeze, transposeAxes, unsqueeze } from '../ops/shape.js';
import { checkOptions } from '../ops/util.js';
import { zeros } from '../tensor/creation.js';
import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { constant_, xavierNormal_, xavierUniform_ } from './init.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Learned key and value vectors `bias_k`, `bias_v` appended to every key and value sequence (default false). */
  addBiasKv?: boolean;
  /** Append a key and a value of zeros to every head's sequence (after the projections; default false). */
  addZeroAttn?: boolean;
  /** Features of the key (default embedDim); kdim or vdim ≠ embedDim gives separate q/k/v projection weights. */
  kdim?: number;
  /** Features of the value (default embedDim). */
  vdim?: number;
  /** Inputs and output are `[N, L, E]` (default false: `[L, N, E]`, as PyTorch). */
  batchFirst?: boolean;
  /** Source of the initial weights and of the dropout masks (default: the global generator). */
  generator?: Generator;
}

export interface MultiheadAttentionForwardOptions {
  /**
   * Keys to ignore per sequence, `[N, S]` (`[S]` unbatched): a bool mask is true where a key is padding (left out);
   * a float mask is added to the scores.
   */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true); false returns null in their place. */
  needWeights?: boolean;
  /**
   * Which pairs may attend, `[L, S]` or `[N·numHeads, L, S]`: a bool mask is true where a pair is NOT allowed
   * (PyTorch's convention for this layer, the opposite of scaledDotProductAttention's); a float mask is added.
   */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true): `[N, L, S]`, else `[N, numHeads, L, S]`. */
  averageAttnWeights?: boolean;
  /**
   * Causal attention (query i sees keys 0…i). With an `attnMask` it is a hint, as in PyTorch, and the mask is
   * used as given; without one the causal mask is built here (PyTorch asks for the mask in that case).
   */
  isCausal?: boolean;
}

const TENSOR_OR_NULL = 'tensor?' as const;

/**
 * Multi-head attention, as torch.nn.MultiheadAttention: the query, key and value are projected to `numHeads`
 * heads of `embedDim / numHeads` features, each head attends with scaled dot products, and the heads are joined
 * and projected by `out_proj`. Parameters as PyTorch names them: `in_proj_weight` `[3E, E]` (or `q_proj_weight`
 * `[E, E]`, `k_proj_weight` `[E, kdim]`, `v_proj_weight` `[E, vdim]` when kdim or vdim differ from E),
 * `in_proj_bias` `[3E]`, `bias_k`/`bias_v` `[1, 1, E]` with `addBiasKv`, and `out_proj.weight`/`out_proj.bias`;
 * initialised as PyTorch (xavier-uniform projections, zero biases), so state dicts load both ways.
 *
 * `forward(query, key, value)` takes `[L, N, E]`, `[S, N, kdim]`, `[S, N, vdim]` (batch first with `batchFirst`,
 * or unbatched `[L, E]`) and returns `[output, weights]`: the output shaped as the query, the weights `[N, L, S]`
 * averaged over the heads (or null with `needWeights: false`).
 *
 * ```ts
 * const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const x = nt.randn([2, 5, 16]);
 * const padding = nt.tensor([[false, false, false, true, true], [false, false, false, false, false]]);
 * const [out, weights] = mha.forward(x, x, x, { keyPaddingMask: padding });
 * out.shape; // [2, 5, 16]
 * weights!.shape; // [2, 5, 5], averaged over the heads; no weight on the padding
 * ```
 */
export class MultiheadAttention extends Module {
  // declared in PyTorch's registration order, which is the state dict's
  q_proj_weight: Parameter | null;
  k_proj_weight: Parameter | null;
  v_proj_weight: Parameter | null;
  in_proj_weight: Parameter | null;
  in_proj_bias: Parameter | null;
  bias_k: Parameter | null;
  bias_v: Parameter | null;
  out_proj: Linear;
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  private _generator: Generator | undefined;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const where = 'MultiheadAttention';
    checkOptions(where, options, {
      dropout: 'number',
      bias: 'boolean',
      addBiasKv: 'boolean',
      addZeroAttn: 'boolean',
      kdim: 'integer',
      vdim: 'integer',
      batchFirst: 'boolean',
      generator: { test: (v) => v instanceof Generator, expected: 'a Generator' },
    });
    positiveInt(where, 'embedDim', embedDim);
    positiveInt(where, 'numHeads', numHeads);
    positiveInt(where, 'kdim', options.kdim ?? embedDim);
    positiveInt(where, 'vdim', options.vdim ?? embedDim);
    if (embedDim % numHeads !== 0) {
      throw new ValueError(`${where}: embedDim ${embedDim} is not divisible by numHeads ${numHeads}`);
    }
    const dropout = options.dropout ?? 0;
    if (!(dropout >= 0 && dropout <= 1))
      throw new ValueError(`${where}: dropout must be in [0, 1], got ${dropout}`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.dropout = dropout;
    this.batchFirst = options.batchFirst ?? false;
    this.addZeroAttn = options.addZeroAttn ?? false;
    this._generator = options.generator;
    const g = options.generator;
    const bias = options.bias ?? true;
    const param = (shape: number[]) => new Parameter(zeros(shape));
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    this.q_proj_weight = packed ? null : param([embedDim, embedDim]);
    this.k_proj_weight = packed ? null : param([embedDim, this.kdim]);
    this.v_proj_weight = packed ? null : param([embedDim, this.vdim]);
    this.in_proj_weight = packed ? param([3 * embedDim, embedDim]) : null;
    this.in_proj_bias = bias ? param([3 * embedDim]) : null;
    this.bias_k = options.addBiasKv ? param([1, 1, embedDim]) : null;
    this.bias_v = options.addBiasKv ? param([1, 1, embedDim]) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias, generator: g });
    // PyTorch's _reset_parameters: xavier-uniform projections, zero biases, xavier-normal bias_k/bias_v
    for (const w of [this.in_proj_weight, this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) {
      if (w) xavierUniform_(w, 1, g);
    }
    if (this.out_proj.bias) constant_(this.out_proj.bias, 0);
    for (const b of [this.bias_k, this.bias_v]) if (b) xavierNormal_(b, 1, g);
  }

  /** The projection weights and biases of q, k and v (slices of the packed ones when they are packed). */
  private projections(): [Tensor, Tensor | null][] {
    const e = this.embedDim;
    const b = this.in_proj_bias;
    return [0, 1, 2].map((i) => {
      const w = this.in_proj_weight
        ? narrow(this.in_proj_weight, 0, i * e, e)
        : [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight][i]!;
      return [w, b ? narrow(b, 0, i * e, e) : null];
    });
  }

  /**
   * Attention of `query` over `key`/`value`: `[output, weights]`. See the class documentation for the shapes and
   * {@link MultiheadAttentionForwardOptions} for the masks.
   */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    const where = `MultiheadAttention(${this.embedDim}, ${this.numHeads})`;
    checkOptions(where, options, {
      keyPaddingMask: TENSOR_OR_NULL,
      needWeights: 'boolean',
      attnMask: TENSOR_OR_NULL,
      averageAttnWeights: 'boolean',
      isCausal: 'boolean',
    });
    const { keyPaddingMask = null, attnMask = null, needWeights = true, averageAttnWeights = true } = options;
    for (const [name, t] of [
      ['query', query],
      ['key', key],
      ['value', value],
    ] as const) {
      if (!(t instanceof Tensor)) {
        throw new ValueError(
          `${where}: forward(query, key, value) needs the ${name} as a tensor, got ${String(t)}`,
        );
      }
    }
    const batched = query.ndim === 3;
    const layout = batched ? (this.batchFirst ? '[N, L, E]' : '[L, N, E]') : '[L, E]';
    if (query.ndim !== 2 && query.ndim !== 3) {
      throw new ShapeError(
        `${where}: expected a query ${this.batchFirst ? '[N, L, E]' : '[L, N, E]'} or unbatched [L, E], got ${fmtShape(query.shape)}`,
      );
    }
    for (const [name, t, features] of [
      ['query', query, this.embedDim],
      ['key', key, this.kdim],
      ['value', value, this.vdim],
    ] as const) {
      if (t.dtype !== 'float32') throw new DTypeError(`${where}: ${name} must be float32, got ${t.dtype}`);
      if (t.ndim !== query.ndim || t.shape[t.ndim - 1] !== features) {
        throw new ShapeError(
          `${where}: expected the ${name} ${layout.replace('L', name === 'query' ? 'L' : 'S').replace('E', String(features))}, got ${fmtShape(t.shape)}`,
        );
      }
    }
    // everything below works batch first: [N, L, E]
    const toInner = (t: Tensor) =>
      !batched ? unsqueeze(t, 0) : this.batchFirst ? t : transposeAxes(t, 0, 1);
    const [q0, k0, v0] = [query, key, value].map(toInner);
    const [n, l] = q0.shape;
    const s0 = k0.shape[1];
    if (k0.shape[0] !== n || v0.shape[0] !== n || v0.shape[1] !== s0) {
      throw new ShapeError(
        `${where}: query, key and value must agree on the batch and key and value on the length S, got query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`,
      );
    }
    const [[wq, bq], [wk, bk], [wv, bv]] = this.projections();
    const q = linear(q0, wq, bq);
    let k = linear(k0, wk, bk);
    let v = linear(v0, wv, bv);
    let bias = this.maskBias(where, attnMask, keyPaddingMask, options.isCausal ?? false, batched, n, l, s0);
    if (this.bias_k && this.bias_v) {
      k = concat([k, expand(this.bias_k, [n, 1, this.embedDim])], 1);
      v = concat([v, expand(this.bias_v, [n, 1, this.embedDim])], 1);
      // the appended key takes part wherever the masks allow: a zero column
      if (bias) bias = concat([bias, zeros([...bias.shape.slice(0, -1), 1])], -1);
    }
    const s = k.shape[1];
    const heads = (t: Tensor, len: number) =>
      permute(reshape(t, [n, len, this.numHeads, this.headDim]), [0, 2, 1, 3]);
    let [qh, kh, vh] = [heads(q, l), heads(k, s), heads(v, s)];
    if (this.addZeroAttn) {
      // one more key and value per head, all zeros, that every query may attend to
      const zero = zeros([n, this.numHeads, 1, this.headDim]);
      kh = concat([kh, zero], 2);
      vh = concat([vh, zero], 2);
      if (bias) bias = concat([bias, zeros([...bias.shape.slice(0, -1), 1])], -1);
    }
    const [out, weights] = attend(where, qh, kh, vh, {
      bias,
      dropoutP: this.dropout,
      training: this.training,
      generator: this._generator,
    });
    let output = this.out_proj.forward(reshape(permute(out, [0, 2, 1, 3]), [n, l, this.embedDim]));
    output = !batched ? squeeze(output, 0) : this.batchFirst ? output : transposeAxes(output, 0, 1);
    if (!needWeights) return [output, null];
    let w = averageAttnWeights ? mean(weights, 1) : weights;
    if (!batched) w = squeeze(w, 0);
    return [output, w];
  }

  /** The attention mask and the key padding mask as one additive bias, broadcastable to `[N, H, L, S]`, or null. */
  private maskBias(
    where: string,
    attnMask: Tensor | null,
    keyPaddingMask: Tensor | null,
    isCausal: boolean,
    batched: boolean,
    n: number,
    l: number,
    s: number,
  ): Tensor | null {
    const h = this.numHeads;
    let bias: Tensor | null = null;
    if (attnMask) {
      const heads = batched ? n * h : h;
      const ok =
        (attnMask.ndim === 2 && attnMask.shape[0] === l && attnMask.shape[1] === s) ||
        (attnMask.ndim === 3 &&
          attnMask.shape[0] === heads &&
          attnMask.shape[1] === l &&
          attnMask.shape[2] === s);
      if (!ok) {
        throw new ShapeError(
          `${where}: attnMask must be [L, S] = [${l}, ${s}] or [${batched ? 'N·numHeads' : 'numHeads'}, L, S] = [${heads}, ${l}, ${s}], got ${fmtShape(attnMask.shape)}`,
        );
      }
      const b = maskToBias(where, 'attnMask', attnMask, false);
      bias = attnMask.ndim === 3 ? reshape(b, [n, h, l, s]) : b;
    } else if (isCausal) {
      bias = causalBias(l, s);
    }
    if (keyPaddingMask) {
      const expected = batched ? [n, s] : [s];
      if (keyPaddingMask.ndim !== expected.length || keyPaddingMask.shape.some((d, i) => d !== expected[i])) {
        throw new ShapeError(
          `${where}: keyPaddingMask must be ${batched ? '[N, S]' : '[S]'} = ${fmtShape(expected)}, got ${fmtShape(keyPaddingMask.shape)}`,
        );
      }
      const b = reshape(maskToBias(where, 'keyPaddingMask', keyPaddingMask, false), [n, 1, 1, s]);
      bias = bias ? add(bias, b) : b;
    }
    return bias;
  }

  protected override extraRepr(): string {
    const extra = [
      this.kdim !== this.embedDim ? `kdim=${this.kdim}` : '',
      this.vdim !== this.embedDim ? `vdim=${this.vdim}` : '',
      this.dropout ? `dropout=${this.dropout}` : '',
      this.batchFirst ? 'batchFirst=true' : '',
    ].filter(Boolean);
    return [`embedDim=${this.embedDim}`, `numHeads=${this.numHeads}`, ...extra].join(', ');
  }
}
