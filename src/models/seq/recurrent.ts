/**
 * Choosing and running a recurrent layer (RNN, LSTM or GRU) whatever its state looks like, and masking the
 * state updates of padding steps.
 */
import { ValueError } from '../../errors.js';
import { GRU, LSTM, RNN, type RNNBaseOptions } from '../../nn/rnn.js';
import { where } from '../../ops/elementwise.js';
import { concat, narrow } from '../../ops/shape.js';
import { zeros } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';

/** Which recurrent layer a model is built on. */
export type CellType = 'rnn' | 'lstm' | 'gru';

/** A multi-layer recurrent layer of any kind. */
export type RecurrentLayer = RNN | LSTM | GRU;

/** The state a recurrent layer carries: h `[layers·dirs, N, H]`, or `[h, c]` for an LSTM. */
export type RecurrentState = Tensor | readonly [Tensor, Tensor];

export function checkCell(
  where: string,
  cell: string,
  allowed: readonly CellType[] = ['rnn', 'lstm', 'gru'],
): CellType {
  if (!(allowed as readonly string[]).includes(cell)) {
    throw new ValueError(
      `${where}: cell must be ${allowed.map((c) => `'${c}'`).join(', ')}, got ${JSON.stringify(cell)}`,
    );
  }
  return cell as CellType;
}

/** `new nn.RNN | nn.LSTM | nn.GRU(inputSize, hiddenSize, options)` by name (the RNN uses tanh). */
export function makeRecurrent(
  cell: CellType,
  inputSize: number,
  hiddenSize: number,
  options: RNNBaseOptions,
): RecurrentLayer {
  if (cell === 'lstm') return new LSTM(inputSize, hiddenSize, options);
  if (cell === 'gru') return new GRU(inputSize, hiddenSize, options);
  return new RNN(inputSize, hiddenSize, options);
}

/** Runs any recurrent layer: `[output, final state]`, the state as that layer takes it. */
export function runRecurrent(
  rnn: RecurrentLayer,
  x: Tensor,
  state?: RecurrentState,
): [Tensor, RecurrentState] {
  if (rnn instanceof LSTM) {
    if (state !== undefined && state instanceof Tensor) {
      throw new ValueError(`${rnn.constructor.name}: an LSTM's state is a pair [h, c], got one tensor`);
    }
    return rnn.forward(x, state as readonly [Tensor, Tensor] | undefined);
  }
  if (state !== undefined && !(state instanceof Tensor)) {
    throw new ValueError(`${rnn.constructor.name}: this layer's state is one tensor h, got a pair`);
  }
  return rnn.forward(x, state as Tensor | undefined);
}

/** A zero state for `batch` sequences. */
export function zeroState(rnn: RecurrentLayer, batch: number): RecurrentState {
  const shape = [rnn.numLayers * rnn.numDirections, batch, rnn.hiddenSize];
  return rnn instanceof LSTM ? [zeros(shape), zeros(shape)] : zeros(shape);
}

/** Applies `fn` to every tensor of a state (h, or h and c). */
export function mapState(state: RecurrentState, fn: (t: Tensor) => Tensor): RecurrentState {
  return state instanceof Tensor ? fn(state) : [fn(state[0]), fn(state[1])];
}

/** The state cut from the autograd graph: what truncated backpropagation through time carries to the next chunk. */
export function detachState(state: RecurrentState): RecurrentState {
  return mapState(state, (t) => t.detach());
}

/** 1 where int32 tokens `[N, L]` are not `padId`, 0 where they are (row-major). */
export function tokenMask(tokens: Tensor, padId: number): Uint8Array {
  const mask = new Uint8Array(tokens.size);
  for (let i = 0; i < mask.length; i++) mask[i] = tokens.data[i] !== padId ? 1 : 0;
  return mask;
}

/**
 * Runs a unidirectional recurrent layer over batch-first inputs `[N, L, features]`, keeping each sequence's state
 * unchanged at the steps where `mask` (`[N·L]`, row-major) is 0, so a padded sequence ends in the state its last
 * real step left, as PyTorch's packed sequences give. Without padding it is one call over the whole sequence.
 */
export function encodeMasked(
  rnn: RecurrentLayer,
  x: Tensor,
  mask: Uint8Array | null,
  state?: RecurrentState,
): RecurrentState {
  return encodeMaskedSteps(rnn, x, mask, state, false)[1];
}

/**
 * {@link encodeMasked}, also returning the top layer's outputs `[N, L, H]` at every step (what an attention
 * mechanism reads; the outputs at padding steps are whatever the layer gave and are meant to be masked).
 */
export function encodeMaskedWithOutputs(
  rnn: RecurrentLayer,
  x: Tensor,
  mask: Uint8Array | null,
  state?: RecurrentState,
): [Tensor, RecurrentState] {
  return encodeMaskedSteps(rnn, x, mask, state, true) as [Tensor, RecurrentState];
}

function encodeMaskedSteps(
  rnn: RecurrentLayer,
  x: Tensor,
  mask: Uint8Array | null,
  state: RecurrentState | undefined,
  keepOutputs: boolean,
): [Tensor | null, RecurrentState] {
  const [n, steps] = x.shape;
  if (mask === null || mask.every((m) => m === 1)) return runRecurrent(rnn, x, state);
  let s = state ?? zeroState(rnn, n);
  const outputs: Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const active = new Uint8Array(n);
    for (let i = 0; i < n; i++) active[i] = mask[i * steps + t];
    if (active.every((m) => m === 0)) {
      if (keepOutputs) outputs.push(zeros([n, 1, rnn.hiddenSize * rnn.numDirections]));
      continue;
    }
    const [out, next] = runRecurrent(rnn, narrow(x, 1, t, 1), s);
    if (keepOutputs) outputs.push(out);
    if (active.every((m) => m === 1)) {
      s = next;
      continue;
    }
    const keep = new Tensor(active, [1, n, 1]);
    const old = s instanceof Tensor ? [s] : s;
    const blended = (next instanceof Tensor ? [next] : next).map((t, k) => where(keep, t, old[k]));
    s = blended.length === 1 ? blended[0] : [blended[0], blended[1]];
  }
  return [keepOutputs ? concat(outputs, 1) : null, s];
}
