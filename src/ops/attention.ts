/**
 * Scaled dot-product attention, composed from matmul, softmax and where (no kernel of its own: its gradient is
 * the chain of theirs). The multi-head layer (nn.MultiheadAttention) and the transformer layers build on
 * {@link attend}, which also hands back the attention weights.
 */
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { Generator } from '../tensor/random.js';
import { broadcastShapes } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { softmax } from './activation.js';
import { dropout } from './dropout.js';
import { add, mul, where } from './elementwise.js';
import { matmul } from './matmul.js';
import { transpose } from './shape.js';
import { checkArg, checkOptions, defineOp, requireFloat } from './util.js';

export interface ScaledDotProductAttentionOptions {
  /**
   * Which keys each query may attend to, broadcast to the scores' shape `[..., L, S]`: a bool mask is true where
   * a query–key pair takes part (PyTorch 2's convention for this function; nn.MultiheadAttention's bool masks mean
   * the opposite), a float mask is added to the scores (and is differentiable). null or undefined: no mask.
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (default 0). Applied whenever it is above 0, as PyTorch does. */
  dropoutP?: number;
  /** Query i attends to keys 0…i only (a lower-triangular mask aligned at the top left); excludes `attnMask`. */
  isCausal?: boolean;
  /** The factor on q·kᵀ (default 1/√E, E the query's last dimension). */
  scale?: number | null;
  /** Where the dropout mask comes from (default: the global seeded generator). */
  generator?: Generator;
}

/** What {@link attend} needs beyond q, k and v: an additive bias already in float form, and dropout. */
export interface AttendOptions {
  /** Added to the scores before the softmax (-inf removes a pair); broadcast to `[..., L, S]`. */
  bias?: Tensor | null;
  scale?: number | null;
  dropoutP?: number;
  /** false makes dropout the identity (a layer in eval mode). */
  training?: boolean;
  generator?: Generator;
}

/**
 * The shape of the scores q·kᵀ, `[...batch, L, S]`, after checking that q `[..., L, E]`, k `[..., S, E]` and
 * v `[..., S, Ev]` fit together. `op` names the caller in the errors.
 */
function scoresShape(op: string, q: Tensor, k: Tensor, v: Tensor): number[] {
  for (const [name, t] of [
    ['query', q],
    ['key', k],
    ['value', v],
  ] as const) {
    requireFloat(t, op);
    if (t.ndim < 2) {
      throw new ShapeError(
        `${op}: ${name} must have at least 2 dimensions [..., L, E], got ${fmtShape(t.shape)}`,
      );
    }
  }
  const e = q.shape[q.ndim - 1];
  if (k.shape[k.ndim - 1] !== e) {
    throw new ShapeError(
      `${op}: query and key must share their last dimension E, got query ${fmtShape(q.shape)} and key ${fmtShape(k.shape)}`,
    );
  }
  if (k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new ShapeError(
      `${op}: key and value must have the same sequence length S (axis -2), got key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)}`,
    );
  }
  const batch = broadcastShapes(
    broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2), op),
    v.shape.slice(0, -2),
    op,
  );
  return [...batch, q.shape[q.ndim - 2], k.shape[k.ndim - 2]];
}

/** Checks that `mask` broadcasts to `shape` without enlarging it. */
export function checkMaskShape(op: string, what: string, mask: Tensor, shape: readonly number[]): void {
  const fits =
    mask.ndim <= shape.length &&
    mask.shape.every((d, i) => d === 1 || d === shape[shape.length - mask.ndim + i]);
  if (!fits) {
    throw new ShapeError(
      `${op}: ${what} of shape ${fmtShape(mask.shape)} does not broadcast to the attention scores' shape ${fmtShape(shape)} ([..., L, S])`,
    );
  }
}

/**
 * A mask as an additive float bias: a bool mask becomes 0 where `keepWhen` (true: true entries take part; false:
 * true entries are removed) and -inf elsewhere; a float mask is returned as it is.
 */
export function maskToBias(op: string, what: string, mask: Tensor, keepWhen: boolean): Tensor {
  if (mask.dtype === 'bool') return keepWhen ? where(mask, 0, -Infinity) : where(mask, -Infinity, 0);
  if (mask.dtype !== 'float32') {
    throw new DTypeError(`${op}: ${what} must be a bool or float32 tensor, got ${mask.dtype}`);
  }
  return mask;
}

/** A causal bias `[L, S]`: 0 on and below the diagonal (key index ≤ query index), -inf above. */
export function causalBias(l: number, s: number): Tensor {
  const bias = new Float32Array(l * s);
  for (let i = 0; i < l; i++) bias.fill(-Infinity, i * s + Math.min(i + 1, s), (i + 1) * s);
  return new Tensor(bias, [l, s]);
}

/**
 * softmax(q·kᵀ·scale + bias)·v, and the attention weights (after dropout, as PyTorch returns them).
 * q `[..., L, E]`, k `[..., S, E]`, v `[..., S, Ev]`, batch dimensions broadcast; `op` names the caller in errors.
 */
export function attend(
  op: string,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttendOptions = {},
): [Tensor, Tensor] {
  const shape = scoresShape(op, q, k, v);
  const { bias = null, dropoutP = 0, training = true, generator } = options;
  if (bias) checkMaskShape(op, 'the attention mask', bias, shape);
  const scale = options.scale ?? 1 / Math.sqrt(q.shape[q.ndim - 1]);
  // the scale goes on q, the smaller side whenever S > E
  let scores = matmul(mul(q, scale), transpose(k, -2, -1));
  if (bias) scores = add(scores, bias);
  let weights = softmax(scores, -1);
  if (dropoutP > 0 && training) weights = dropout(weights, dropoutP, { generator });
  return [matmul(weights, v), weights];
}

/**
 * Scaled dot-product attention, as torch.nn.functional.scaled_dot_product_attention in PyTorch 2:
 * softmax(q·kᵀ·scale + mask)·v for query `[..., L, E]`, key `[..., S, E]` and value `[..., S, Ev]`, giving
 * `[..., L, Ev]`; the batch dimensions broadcast. A bool `attnMask` is true where a pair takes part, a float one is
 * added to the scores; `isCausal` lets query i see keys 0…i only. A query whose keys are all masked gets NaN, as
 * in PyTorch.
 *
 * ```ts
 * const q = nt.randn([2, 4, 5, 8]); // batch, heads, queries, features
 * const kv = nt.randn([2, 4, 7, 8]);
 * nt.scaledDotProductAttention(q, kv, kv, { isCausal: true }).shape; // [2, 4, 5, 8]
 * ```
 */
export const scaledDotProductAttention = defineOp(
  'scaledDotProductAttention',
  ['query', 'key', 'value', 'options'],
  (query: Tensor, key: Tensor, value: Tensor, options: ScaledDotProductAttentionOptions = {}): Tensor => {
    const op = 'scaledDotProductAttention';
    checkArg(op, 'query', query, 'tensor');
    checkArg(op, 'key', key, 'tensor');
    checkArg(op, 'value', value, 'tensor');
    checkOptions(op, options, {
      attnMask: 'tensor?',
      dropoutP: 'number',
      isCausal: 'boolean',
      scale: {
        test: (v) => v === null || (typeof v === 'number' && Number.isFinite(v)),
        expected: 'a finite number or null',
      },
      generator: { test: (v) => v instanceof Generator, expected: 'a Generator' },
    });
    const { attnMask = null, dropoutP = 0, isCausal = false, scale = null, generator } = options;
    if (!(dropoutP >= 0 && dropoutP <= 1))
      throw new ValueError(`${op}: dropoutP must be in [0, 1], got ${dropoutP}`);
    if (isCausal && attnMask) {
      throw new ValueError(
        `${op}: pass either attnMask or isCausal, not both (isCausal builds its own mask)`,
      );
    }
    const shape = scoresShape(op, query, key, value);
    let bias: Tensor | null = null;
    if (attnMask) {
      checkMaskShape(op, 'attnMask', attnMask, shape);
      bias = maskToBias(op, 'attnMask', attnMask, true);
    } else if (isCausal) {
      bias = causalBias(shape[shape.length - 2], shape[shape.length - 1]);
    }
    return attend(op, query, key, value, { bias, scale, dropoutP, training: true, generator })[0];
  },
);
