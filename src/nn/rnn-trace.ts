/**
 * What a recurrent layer does inside, step by step: the hidden state, an LSTM's cell state and the gate
 * activations of every time step, recomputed from the layer's own weights with PyTorch's equations, for
 * pictures of the network unrolled over time (the studio's RNN page) and for teaching.
 */
import { noGrad } from '../autograd/engine.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { relu, sigmoid, tanh } from '../ops/activation.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { affine } from '../ops/matmul.js';
import { concat, narrow, reshape, select, stack, transposeAxes, unsqueeze } from '../ops/shape.js';
import { zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { GRU, LSTM, RNN } from './rnn.js';

/** The gates a step of each layer kind computes, in PyTorch's order. */
export const RECURRENT_GATES = {
  RNN: [] as const,
  /** input gate σ(i), forget gate σ(f), cell candidate tanh(g), output gate σ(o). */
  LSTM: ['input', 'forget', 'candidate', 'output'] as const,
  /** reset gate σ(r), update gate σ(z), candidate state n. */
  GRU: ['reset', 'update', 'candidate'] as const,
};

/** One direction of one layer, traced over the whole sequence. */
export interface RecurrentTraceRun {
  layer: number;
  /** 0: forward in time; 1: the reverse direction of a bidirectional layer. */
  direction: 0 | 1;
  /** The hidden state after each step, in time order (the reverse direction's too): the layer's output. */
  h: Tensor;
  /** An LSTM's cell state after each step; null for RNN and GRU. */
  c: Tensor | null;
  /**
   * The gate activations of each step by name (see {@link RECURRENT_GATES}): the sigmoid gates in (0, 1), the
   * candidates in (−1, 1). Empty for the Elman RNN.
   */
  gates: Record<string, Tensor>;
}

/**
 * Every step of a recurrent layer. Each tensor is laid out as the layer's output is: `[L, H]` for an unbatched
 * input, `[L, N, H]`, or `[N, L, H]` with `batchFirst`.
 */
export interface RecurrentTrace {
  kind: 'RNN' | 'LSTM' | 'GRU';
  steps: number;
  hiddenSize: number;
  /** One entry per layer and direction: layer 0 forward, layer 0 reverse (if bidirectional), layer 1 forward, … */
  runs: RecurrentTraceRun[];
}

export type TraceState = Tensor | readonly [Tensor, Tensor];

/**
 * Runs `module` (an `RNN`, `LSTM` or `GRU`) over `input` and records, for every layer, direction and time step,
 * the hidden state, the LSTM's cell state and the gate activations. The input and the optional initial state
 * are what `module.forward` takes (h0, or [h0, c0] for an LSTM); the traced hidden states of the last layer are
 * the module's output. The gates are computed from the module's weights with PyTorch's equations, composed of
 * plain ops (not the fused cell kernels the layer runs), without gradients.
 *
 * ```ts
 * const lstm = new nn.LSTM(28, 64, { batchFirst: true });
 * const trace = nn.traceRecurrent(lstm, rows);          // rows [1, 28, 28]
 * trace.runs[0].gates.forget;                           // [1, 28, 64], σ(f) at every step
 * ```
 */
export function traceRecurrent(module: RNN | LSTM | GRU, input: Tensor, state?: TraceState): RecurrentTrace {
  const kind =
    module instanceof LSTM ? 'LSTM' : module instanceof GRU ? 'GRU' : module instanceof RNN ? 'RNN' : null;
  if (kind === null) {
    throw new ValueError(
      `traceRecurrent: expected an nn.RNN, nn.LSTM or nn.GRU, got ${(module as object)?.constructor?.name ?? typeof module}`,
    );
  }
  const where = `traceRecurrent(${kind}(input ${module.inputSize}, hidden ${module.hiddenSize}))`;
  const H = module.hiddenSize;
  const batched = input.ndim === 3;
  if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== module.inputSize) {
    const layout = module.batchFirst ? 'N, L' : 'L, N';
    throw new ShapeError(
      `${where}: expected input [${layout}, ${module.inputSize}] or unbatched [L, ${module.inputSize}], got ${fmtShape(input.shape)}`,
    );
  }
  // work in [L, N, features]
  let x = !batched ? unsqueeze(input, 1) : module.batchFirst ? transposeAxes(input, 0, 1) : input;
  const [steps, batch] = x.shape;
  if (steps === 0) throw new ShapeError(`${where}: the input sequence is empty (${fmtShape(input.shape)})`);
  const dirs = module.numDirections;
  const slots = module.numLayers * dirs;
  const stateShape = batched ? [slots, batch, H] : [slots, H];
  const initial = (s: Tensor | undefined, name: string): Tensor[] => {
    if (s === undefined) return Array.from({ length: slots }, () => zeros([batch, H]));
    if (s.ndim !== stateShape.length || s.shape.some((v, i) => v !== stateShape[i])) {
      throw new ShapeError(`${where}: expected ${name}0 ${fmtShape(stateShape)}, got ${fmtShape(s.shape)}`);
    }
    const s3 = batched ? s : unsqueeze(s, 1);
    return Array.from({ length: slots }, (_, k) => select(s3, 0, k));
  };
  if (kind === 'LSTM' && state !== undefined && !Array.isArray(state)) {
    throw new ValueError(`${where}: an LSTM's initial state is a pair [h0, c0], got one tensor`);
  }
  if (kind !== 'LSTM' && state !== undefined && Array.isArray(state)) {
    throw new ValueError(`${where}: this layer's initial state is one tensor h0, got a pair`);
  }
  const pair = Array.isArray(state) ? (state as readonly [Tensor, Tensor]) : null;
  const h0 = initial(pair ? pair[0] : (state as Tensor | undefined), 'h');
  const c0 = kind === 'LSTM' ? initial(pair ? pair[1] : undefined, 'c') : null;
  const relus = module instanceof RNN && module.nonlinearity === 'relu';
  const weights = module.allWeights;

  return noGrad(() => {
    const runs: RecurrentTraceRun[] = [];
    for (let layer = 0; layer < module.numLayers; layer++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const slot = layer * dirs + d;
        const [wIh, wHh, bIh = null, bHh = null] = weights[slot];
        let h = h0[slot];
        let c = c0 ? c0[slot] : null;
        const hs: Tensor[] = new Array(steps);
        const cs: Tensor[] = new Array(steps);
        const gateNames = RECURRENT_GATES[kind];
        const gateSteps: Tensor[][] = gateNames.map(() => new Array<Tensor>(steps));
        for (let i = 0; i < steps; i++) {
          const t = d === 0 ? i : steps - 1 - i;
          const xi = affine(select(x, 0, t), wIh, bIh); // [N, G·H]
          const hh = affine(h, wHh, bHh);
          const block = (p: Tensor, k: number) => narrow(p, 1, k * H, H);
          if (kind === 'RNN') {
            const pre = add(xi, hh);
            h = relus ? relu(pre) : tanh(pre);
          } else if (kind === 'LSTM') {
            const gate = (k: number) => add(block(xi, k), block(hh, k));
            const ig = sigmoid(gate(0));
            const fg = sigmoid(gate(1));
            const g = tanh(gate(2));
            const og = sigmoid(gate(3));
            c = add(mul(fg, c!), mul(ig, g));
            h = mul(og, tanh(c));
            cs[t] = c;
            [ig, fg, g, og].forEach((v, k) => {
              gateSteps[k][t] = v;
            });
          } else {
            const r = sigmoid(add(block(xi, 0), block(hh, 0)));
            const z = sigmoid(add(block(xi, 1), block(hh, 1)));
            const n = tanh(add(block(xi, 2), mul(r, block(hh, 2))));
            // h' = (1 − z)⊙n + z⊙h, written n + z⊙(h − n)
            h = add(n, mul(z, sub(h, n)));
            [r, z, n].forEach((v, k) => {
              gateSteps[k][t] = v;
            });
          }
          hs[t] = h;
        }
        const layout = (seq: Tensor[]): Tensor => {
          const s = stack(seq, 0); // [L, N, H]
          if (!batched) return reshape(s, [steps, H]);
          return module.batchFirst ? transposeAxes(s, 0, 1) : s;
        };
        const gates: Record<string, Tensor> = {};
        gateNames.forEach((name, k) => {
          gates[name] = layout(gateSteps[k]);
        });
        runs.push({ layer, direction: d as 0 | 1, h: layout(hs), c: c0 ? layout(cs) : null, gates });
        outs.push(stack(hs, 0));
      }
      // the next layer reads both directions side by side, as the module does (no dropout: evaluation)
      x = dirs === 1 ? outs[0] : concat(outs, 2);
    }
    return { kind, steps, hiddenSize: H, runs };
  });
}
