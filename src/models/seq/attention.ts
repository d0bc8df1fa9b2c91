/**
 * Attention for the encoder–decoder (Seq2Seq's `attention` option): at every output step the decoder looks at
 * all of the encoder's outputs ("the memory") instead of only its final state.
 *
 * - Luong et al. 2015 (global attention, "general" score): the decoder's output h_t scores each memory entry
 *   h̄_s as h_tᵀ·W_a·h̄_s; the context c_t = Σ_s softmax(score)·h̄_s; the attentional state
 *   h̃_t = tanh(W_c·[c_t; h_t]) is what the output layer reads. The context does not feed the next input, so a
 *   teacher-forced sequence still runs in one call of the recurrent layer.
 * - Bahdanau et al. 2015 (additive): the previous decoder state s_{t−1} scores h̄_s as vᵀ·tanh(W·s_{t−1} + U·h̄_s);
 *   the context joins the embedded token as the recurrent layer's input, so decoding runs step by step; the output
 *   layer reads tanh(W_c·[c_t; s_t]) as with Luong's.
 *
 * Padding positions of the source get no weight.
 */
import { ValueError } from '../../errors.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { softmax, tanh } from '../../ops/activation.js';
import { attend } from '../../ops/attention.js';
import { add, where } from '../../ops/elementwise.js';
import { matmul } from '../../ops/matmul.js';
import { concat, narrow, reshape, unsqueeze } from '../../ops/shape.js';
import type { Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { type RecurrentLayer, type RecurrentState, runRecurrent } from './common.js';

/** Which attention a Seq2Seq decoder uses. */
export type AttentionType = 'luong' | 'bahdanau';

export const ATTENTION_TYPES: readonly AttentionType[] = ['luong', 'bahdanau'];

/** What the decoder attends over: the encoder outputs `[N, S, H]` and an additive bias `[N, 1, S]` (−∞ at padding). */
export interface Memory {
  outputs: Tensor;
  bias: Tensor | null;
}

/** The memory for encoder outputs `[N, S, H]` and a 1-where-real token mask `[N·S]` (null: no padding). */
export function makeMemory(outputs: Tensor, mask: Uint8Array | null): Memory {
  if (mask === null || mask.every((m) => m === 1)) return { outputs, bias: null };
  const [n, s] = outputs.shape;
  return { outputs, bias: where(new Tensor(mask.slice(), [n, 1, s]), 0, -Infinity) };
}

/** The top layer's hidden state `[N, H]` of a recurrent state (h of an LSTM's [h, c]). */
function topHidden(state: RecurrentState): Tensor {
  const h = state instanceof Tensor ? state : state[0];
  const layers = h.shape[0];
  return reshape(narrow(h, 0, layers - 1, 1), [h.shape[1], h.shape[2]]);
}

/** Luong's global attention with the "general" score; the children `linear_in` (W_a) and `linear_out` (W_c). */
export class LuongAttention extends Module {
  linear_in: Linear;
  linear_out: Linear;

  constructor(hiddenSize: number, generator?: Generator) {
    super();
    this.linear_in = new Linear(hiddenSize, hiddenSize, { bias: false, generator });
    this.linear_out = new Linear(2 * hiddenSize, hiddenSize, { bias: false, generator });
  }

  /** The attentional states h̃ `[N, T, H]` for decoder outputs `[N, T, H]`, and the weights `[N, T, S]`. */
  forward(decoderOutputs: Tensor, memory: Memory): [Tensor, Tensor] {
    const [context, weights] = attend(
      'Seq2Seq(attention: luong)',
      this.linear_in.forward(decoderOutputs),
      memory.outputs,
      memory.outputs,
      {
        bias: memory.bias,
        scale: 1,
      },
    );
    return [tanh(this.linear_out.forward(concat([context, decoderOutputs], -1))), weights];
  }

  /** The decoder's features for embedded inputs: the recurrent layer over the whole sequence, then attention. */
  decode(
    rnn: RecurrentLayer,
    embedded: Tensor,
    state: RecurrentState,
    memory: Memory,
  ): [Tensor, RecurrentState] {
    const [out, next] = runRecurrent(rnn, embedded, state);
    return [this.forward(out, memory)[0], next];
  }
}

/**
 * Bahdanau's additive attention; the children `query` (W), `key` (U, with the bias), `v` and `linear_out` (W_c).
 * The decoder's recurrent layer reads `[embedding; context]`, so its input size is embedDim + hiddenSize.
 */
export class BahdanauAttention extends Module {
  query: Linear;
  key: Linear;
  v: Linear;
  linear_out: Linear;

  constructor(hiddenSize: number, generator?: Generator) {
    super();
    this.query = new Linear(hiddenSize, hiddenSize, { bias: false, generator });
    this.key = new Linear(hiddenSize, hiddenSize, { generator });
    this.v = new Linear(hiddenSize, 1, { bias: false, generator });
    this.linear_out = new Linear(2 * hiddenSize, hiddenSize, { bias: false, generator });
  }

  /** The context `[N, 1, H]` and weights `[N, 1, S]` for the previous state s `[N, H]`; `keys` = U·memory. */
  forward(s: Tensor, keys: Tensor, memory: Memory): [Tensor, Tensor] {
    const [n, steps] = keys.shape;
    // e_s = vᵀ·tanh(W·s + U·h̄_s), [N, S, 1] → [N, 1, S]
    let scores = reshape(this.v.forward(tanh(add(unsqueeze(this.query.forward(s), 1), keys))), [n, 1, steps]);
    if (memory.bias) scores = add(scores, memory.bias);
    const weights = softmax(scores, -1);
    return [matmul(weights, memory.outputs), weights];
  }

  /** The decoder's features for embedded inputs `[N, T, E]`, one step at a time (each context needs s_{t−1}). */
  decode(
    rnn: RecurrentLayer,
    embedded: Tensor,
    state: RecurrentState,
    memory: Memory,
  ): [Tensor, RecurrentState] {
    const keys = this.key.forward(memory.outputs);
    const features: Tensor[] = [];
    let s = state;
    for (let t = 0; t < embedded.shape[1]; t++) {
      const [context] = this.forward(topHidden(s), keys, memory);
      let out: Tensor;
      [out, s] = runRecurrent(rnn, concat([narrow(embedded, 1, t, 1), context], -1), s);
      features.push(tanh(this.linear_out.forward(concat([context, out], -1))));
    }
    return [features.length === 1 ? features[0] : concat(features, 1), s];
  }
}

/** Builds the attention module of a Seq2Seq decoder. */
export function makeAttention(
  where: string,
  type: string,
  hiddenSize: number,
  generator?: Generator,
): LuongAttention | BahdanauAttention {
  if (type === 'luong') return new LuongAttention(hiddenSize, generator);
  if (type === 'bahdanau') return new BahdanauAttention(hiddenSize, generator);
  throw new ValueError(
    `${where}: attention must be ${ATTENTION_TYPES.map((t) => `'${t}'`).join(' or ')} (or left out), got ${JSON.stringify(type)}`,
  );
}
