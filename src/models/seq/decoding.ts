/**
 * Step-by-step token decoding: teacher forcing, scheduled sampling, greedy or temperature sampling.
 */
import { noGrad } from '../../autograd/engine.js';
import type { Embedding } from '../../nn/embedding.js';
import type { Linear } from '../../nn/linear.js';
import { concat } from '../../ops/shape.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { type RecurrentLayer, type RecurrentState, runRecurrent } from './recurrent.js';

/**
 * Draws one id from `logits` (`V` values) at `temperature`: softmax(logits / temperature), sampled with the
 * generator; a temperature of 0 takes the argmax (the first one on ties), the limit of low temperatures.
 */
export function sampleLogits(
  logits: ArrayLike<number>,
  temperature: number,
  generator: Generator = defaultGenerator,
): number {
  let best = 0;
  for (let j = 1; j < logits.length; j++) if (logits[j] > logits[best]) best = j;
  if (temperature === 0) return best;
  // float64 and the maximum subtracted, so that very low temperatures neither overflow nor lose the argmax
  const p = new Float64Array(logits.length);
  let total = 0;
  for (let j = 0; j < p.length; j++) {
    p[j] = Math.exp((logits[j] - logits[best]) / temperature);
    total += p[j];
  }
  let u = generator.random() * total;
  for (let j = 0; j < p.length; j++) {
    u -= p[j];
    if (u < 0) return j;
  }
  return best;
}

/** The layers of a token decoder: embedding → recurrent layer (batch first) → linear output over the vocabulary. */
export interface DecoderParts {
  embedding: Embedding;
  rnn: RecurrentLayer;
  fc: Linear;
  /**
   * Replaces the plain recurrent step when set (an attention decoder): the features `[N, T, fc.inFeatures]` that
   * `fc` reads, and the new state, for embedded inputs `[N, T, E]` from `state`.
   */
  decode?: (embedded: Tensor, state: RecurrentState) => [Tensor, RecurrentState];
}

/** The decoder's features and new state for embedded inputs: its `decode`, or the recurrent layer alone. */
function decodeFeatures(
  parts: DecoderParts,
  embedded: Tensor,
  state: RecurrentState,
): [Tensor, RecurrentState] {
  return parts.decode ? parts.decode(embedded, state) : runRecurrent(parts.rnn, embedded, state);
}

/**
 * The decoder's inputs for a target `[N, T]`: `bos`, then the target shifted one step right. Whatever follows
 * `eos` in the target is padding the loss ignores, so its inputs do not matter.
 */
export function shiftRight(target: Tensor, bosId: number): Tensor {
  const [n, steps] = target.shape;
  const out = new Int32Array(n * steps);
  for (let i = 0; i < n; i++) {
    out[i * steps] = bosId;
    for (let t = 1; t < steps; t++) out[i * steps + t] = target.data[i * steps + t - 1];
  }
  return new Tensor(out, [n, steps]);
}

/**
 * Logits `[N, T, V]` for decoder inputs `[N, T]` (starting with bos) from `state`. With `ratio` 1 (teacher
 * forcing) every step reads its true previous token and the whole sequence runs in one call; with a smaller
 * ratio each sequence reads, at every step after the first, its true previous token with probability `ratio`
 * and otherwise its own previous prediction (scheduled sampling, Bengio et al. 2015), one draw per token.
 */
export function decodeTeacherForced(
  parts: DecoderParts,
  state: RecurrentState,
  inputs: Tensor,
  ratio: number,
  generator: Generator = defaultGenerator,
): Tensor {
  if (ratio >= 1) {
    const [out] = decodeFeatures(parts, parts.embedding.forward(inputs), state);
    return parts.fc.forward(out);
  }
  const [n, steps] = inputs.shape;
  const vocab = parts.fc.outFeatures;
  const logits: Tensor[] = [];
  let s = state;
  let previous: Int32Array | null = null;
  for (let t = 0; t < steps; t++) {
    const tokens = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const truth = inputs.data[i * steps + t];
      tokens[i] = previous === null || generator.random() < ratio ? truth : previous[i];
    }
    let out: Tensor;
    [out, s] = decodeFeatures(parts, parts.embedding.forward(new Tensor(tokens, [n, 1])), s);
    const step = parts.fc.forward(out); // [N, 1, V]
    logits.push(step);
    const d = step.data;
    previous = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < vocab; j++) if (d[i * vocab + j] > d[i * vocab + best]) best = j;
      previous[i] = best;
    }
  }
  // the [N, 1, V] steps joined along time
  return logits.length === 1 ? logits[0] : concat(logits, 1);
}

export interface DecodeOptions {
  /** The most tokens to emit per sequence, eos included. */
  maxLength: number;
  /** 0 (default): greedy, the most likely token at every step; above 0, sample from softmax(logits / temperature). */
  temperature?: number;
  /** Where sampled tokens come from (default: the global seeded generator). */
  generator?: Generator;
}

/**
 * Emits tokens one step at a time from `state`, feeding each choice back as the next input, until every
 * sequence has produced eos or `maxLength` tokens. Returns int32 `[N, T]` (T ≤ maxLength, the longest output):
 * each row's tokens, its eos, then padding. Runs without gradients.
 */
export function decodeGreedy(
  parts: DecoderParts,
  state: RecurrentState,
  batch: number,
  ids: { padId: number; bosId: number; eosId: number },
  options: DecodeOptions,
): Tensor {
  const { maxLength, temperature = 0, generator = defaultGenerator } = options;
  const vocab = parts.fc.outFeatures;
  return noGrad(() => {
    const rows: Int32Array[] = [];
    const done = new Uint8Array(batch);
    let tokens = new Int32Array(batch).fill(ids.bosId);
    let s = state;
    for (let t = 0; t < maxLength && !done.every((d) => d === 1); t++) {
      let out: Tensor;
      [out, s] = decodeFeatures(parts, parts.embedding.forward(new Tensor(tokens, [batch, 1])), s);
      const d = parts.fc.forward(out).data;
      const next = new Int32Array(batch);
      for (let i = 0; i < batch; i++) {
        if (done[i]) {
          next[i] = ids.padId;
          continue;
        }
        next[i] = sampleLogits(d.subarray(i * vocab, (i + 1) * vocab), temperature, generator);
        if (next[i] === ids.eosId) done[i] = 1;
      }
      rows.push(next);
      tokens = next;
    }
    const steps = rows.length;
    const out = new Int32Array(batch * steps);
    rows.forEach((r, t) => {
      for (let i = 0; i < batch; i++) out[i * steps + t] = r[i];
    });
    return new Tensor(out, [batch, steps]);
  });
}
