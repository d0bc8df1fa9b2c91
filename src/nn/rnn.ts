/**
 * Recurrent layers with PyTorch's equations, gate orders, parameter names and shapes: RNN, LSTM and GRU over
 * whole sequences (multi-layer, bidirectional, batch-first, initial states), and their single-step cells.
 */
import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import { dropout } from '../ops/dropout.js';
import { add } from '../ops/elementwise.js';
import { affine } from '../ops/matmul.js';
import {
  gruCellStep,
  gruSequence,
  lstmCellStep,
  lstmSequence,
  type RNNNonlinearity,
  rnnCellStep,
  rnnSequence,
  unbind,
} from '../ops/rnn.js';
import { concat, permute, reshape, stack, unsqueeze } from '../ops/shape.js';
import { zeros } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { uniform_ } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export type { RNNNonlinearity } from '../ops/rnn.js';

/** The options every sequence layer (RNN, LSTM, GRU) takes; the defaults are PyTorch's. */
export interface RNNBaseOptions {
  /** Stacked recurrent layers, each reading the previous one's output sequence (default 1). */
  numLayers?: number;
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [N, L, features] instead of [L, N, features] (default false); states stay [layers·dirs, N, H]. */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode only (default 0). */
  dropout?: number;
  /** Run a second set of layers over the reversed sequence and concatenate both outputs (default false). */
  bidirectional?: boolean;
  /** Where the initial weights and the dropout masks come from (default: the global seeded generator). */
  generator?: Generator;
}

export interface RNNOptions extends RNNBaseOptions {
  /** The activation of the Elman RNN (default 'tanh'). */
  nonlinearity?: RNNNonlinearity;
}

/** PyTorch's `mode` names, which also fix the number of gate blocks in the weights. */
export type RNNMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

const gateCount: Record<RNNMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** Creates the weights of one direction of one layer (or of a cell), initialised U(±1/√H) as in PyTorch. */
function makeWeights(
  gates: number,
  inputSize: number,
  hiddenSize: number,
  bias: boolean,
): [Parameter, Parameter, Parameter | null, Parameter | null] {
  const g = gates * hiddenSize;
  return [
    new Parameter(new Float32Array(g * inputSize), [g, inputSize]),
    new Parameter(new Float32Array(g * hiddenSize), [g, hiddenSize]),
    bias ? new Parameter(new Float32Array(g), [g]) : null,
    bias ? new Parameter(new Float32Array(g), [g]) : null,
  ];
}

function initUniform(params: Parameter[], hiddenSize: number, generator?: Generator): void {
  const bound = 1 / Math.sqrt(hiddenSize);
  for (const p of params) uniform_(p, -bound, bound, generator);
}

interface DirectionWeights {
  wIh: Parameter;
  wHh: Parameter;
  bIh: Parameter | null;
  bHh: Parameter | null;
}

/**
 * What RNN, LSTM and GRU share: the parameters `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`,
 * `bias_hh_l{k}` (suffix `_reverse` for the backward direction) in PyTorch's order, the shape checks, and the
 * loop over layers, directions and time steps.
 *
 * Each direction of each layer projects the whole input sequence with one GEMM ([L·N, in] · W_ihᵀ), then runs
 * one cell step per time step on its slice of that projection.
 */
export abstract class RNNBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  private _weights: DirectionWeights[][] = [];
  private _generator: Generator | undefined;

  constructor(
    readonly mode: RNNMode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: RNNBaseOptions = {},
  ) {
    super();
    const name = this.layerName();
    positiveInt(name, 'inputSize', inputSize);
    positiveInt(name, 'hiddenSize', hiddenSize);
    this.numLayers = options.numLayers ?? 1;
    positiveInt(name, 'numLayers', this.numLayers);
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new ValueError(`${name}: dropout must be a probability in [0, 1], got ${this.dropout}`);
    }
    this.bidirectional = options.bidirectional ?? false;
    this._generator = options.generator;

    const gates = gateCount[mode];
    const dirs = this.bidirectional ? 2 : 1;
    const all: Parameter[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      const layerIn = layer === 0 ? inputSize : hiddenSize * dirs;
      const perDir: DirectionWeights[] = [];
      for (let d = 0; d < dirs; d++) {
        const [wIh, wHh, bIh, bHh] = makeWeights(gates, layerIn, hiddenSize, this.bias);
        const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        // registered in PyTorch's order: w_ih, w_hh, b_ih, b_hh, forward direction first
        const self = this as unknown as Record<string, Parameter>;
        self[`weight_ih${suffix}`] = wIh;
        self[`weight_hh${suffix}`] = wHh;
        if (bIh && bHh) {
          self[`bias_ih${suffix}`] = bIh;
          self[`bias_hh${suffix}`] = bHh;
        }
        perDir.push({ wIh, wHh, bIh, bHh });
        all.push(wIh, wHh, ...(bIh && bHh ? [bIh, bHh] : []));
      }
      this._weights.push(perDir);
    }
    initUniform(all, hiddenSize, options.generator);
  }

  /** The parameters per layer and direction, as PyTorch's `all_weights`: [w_ih, w_hh, b_ih, b_hh] lists. */
  get allWeights(): Parameter[][] {
    return this._weights.flat().map((w) => [w.wIh, w.wHh, ...(w.bIh && w.bHh ? [w.bIh, w.bHh] : [])]);
  }

  /** Number of directions: 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** How errors name this layer: `LSTM(input 64, hidden 256)`. */
  protected describe(): string {
    return `${this.layerName()}(input ${this.inputSize}, hidden ${this.hiddenSize})`;
  }

  private layerName(): string {
    return this.constructor.name;
  }

  /** How many state tensors a step carries: [h], or [h, c] for the LSTM. */
  protected abstract readonly stateNames: readonly string[];

  /**
   * The whole sequence of one layer and direction as one graph node (ops/rnn.ts): `proj` [T, N, G·H] is
   * time-major and holds b_ih, and b_hh too when `bHh` is null. Returns the outputs [T, N, H] (h_t at
   * position t) and the final states.
   */
  protected abstract sequence(
    proj: Tensor,
    states: Tensor[],
    wHh: Tensor,
    bHh: Tensor | null,
    reverse: boolean,
  ): [Tensor, Tensor[]];

  /** Whether b_hh may be added into the input projection once instead of at every step (not for the GRU). */
  protected abstract readonly foldsHiddenBias: boolean;

  /**
   * Runs the layers over `input` from the initial states `init` (one tensor per state kind, or undefined for
   * zeros). Returns the last layer's output sequence and the final states, one stacked tensor per kind.
   */
  protected run(input: Tensor, init: (Tensor | undefined)[]): [Tensor, Tensor[]] {
    const where = this.describe();
    const batched = input.ndim === 3;
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== this.inputSize) {
      const layout = this.batchFirst ? 'N, L' : 'L, N';
      throw new ShapeError(
        input.ndim === 3
          ? `${where}: expected input [${layout}, ${this.inputSize}], got ${fmtShape(input.shape)}`
          : `${where}: expected input [${layout}, ${this.inputSize}] or unbatched [L, ${this.inputSize}], got ${fmtShape(input.shape)}`,
      );
    }
    // batch-first data keeps its layout: the time axis is 1 throughout, which spares two transposed copies
    const time = batched && this.batchFirst ? 1 : 0;
    let x = batched ? input : unsqueeze(input, 1);
    const steps = x.shape[time];
    const batch = x.shape[1 - time];
    if (steps === 0) throw new ShapeError(`${where}: the input sequence is empty (${fmtShape(input.shape)})`);
    const dirs = this.numDirections;
    const H = this.hiddenSize;

    // initial states, one [N, H] tensor per layer and direction for each state kind
    const stateShape = batched ? [this.numLayers * dirs, batch, H] : [this.numLayers * dirs, H];
    const initial = this.stateNames.map((stateName, k) => {
      const s = init[k];
      if (s === undefined) return new Array<Tensor>(this.numLayers * dirs).fill(zeros([batch, H]));
      if (s.ndim !== stateShape.length || s.shape.some((v, i) => v !== stateShape[i])) {
        throw new ShapeError(
          `${where}: expected ${stateName}0 ${fmtShape(stateShape)}, got ${fmtShape(s.shape)}` +
            (batched ? '' : ' (unbatched input takes unbatched states)'),
        );
      }
      return unbind(batched ? s : unsqueeze(s, 1), 0);
    });

    const finals: Tensor[][] = this.stateNames.map(() => []);
    for (let layer = 0; layer < this.numLayers; layer++) {
      const flat = reshape(x, [steps * batch, x.shape[2]]);
      const outs: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const { wIh, wHh, bIh, bHh } = this._weights[layer][d];
        const fold = this.foldsHiddenBias && bIh !== null && bHh !== null;
        const proj = affine(flat, wIh, fold ? add(bIh, bHh) : bIh);
        const proj3 = reshape(proj, [x.shape[0], x.shape[1], proj.shape[1]]);
        const states = initial.map((perLayer) => perLayer[layer * dirs + d]);
        // the steps run inside one node per layer and direction, over time-major projections
        const [hs, last] = this.sequence(
          time === 0 ? proj3 : permute(proj3, [1, 0, 2]),
          states,
          wHh,
          fold ? null : bHh,
          d === 1,
        );
        last.forEach((s, k) => {
          finals[k].push(s);
        });
        outs.push(time === 0 ? hs : permute(hs, [1, 0, 2]));
      }
      x = dirs === 1 ? outs[0] : concat(outs, 2);
      if (layer < this.numLayers - 1 && this.dropout > 0 && this.training) {
        x = dropout(x, this.dropout, { generator: this._generator });
      }
    }

    const output = batched ? x : reshape(x, [steps, dirs * H]);
    const last = finals.map((fs) => (batched ? stack(fs, 0) : reshape(stack(fs, 0), stateShape)));
    return [output, last];
  }

  protected override extraRepr(): string {
    const parts = [`${this.inputSize}`, `${this.hiddenSize}`];
    if (this.mode === 'RNN_RELU') parts.push(`nonlinearity='relu'`);
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    return parts.join(', ');
  }
}

/**
 * Elman RNN: h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) with act = tanh (default) or relu.
 *
 * `forward(input, h0?)` takes input [L, N, inputSize] ([N, L, inputSize] with `batchFirst`, or unbatched
 * [L, inputSize]) and h0 [numLayers·dirs, N, hiddenSize] (zeros if omitted), and returns
 * `[output, hN]`: output [L, N, dirs·hiddenSize] (the last layer's h at every step) and hN like h0.
 *
 * ```ts
 * const rnn = new nn.RNN(10, 20, { numLayers: 2 });
 * const [output, hN] = rnn.forward(nt.randn([5, 3, 10])); // [5, 3, 20], [2, 3, 20]
 * ```
 */
export class RNN extends RNNBase {
  protected readonly stateNames = ['h'] as const;
  protected readonly foldsHiddenBias = true;
  readonly nonlinearity: RNNNonlinearity;

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
      throw new ValueError(`RNN: nonlinearity must be 'tanh' or 'relu', got '${nonlinearity}'`);
    }
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  protected sequence(
    proj: Tensor,
    [h0]: Tensor[],
    wHh: Tensor,
    _bHh: null,
    reverse: boolean,
  ): [Tensor, Tensor[]] {
    const [hs, hN] = rnnSequence(proj, h0, wHh, this.nonlinearity, reverse);
    return [hs, [hN]];
  }

  forward(input: Tensor, h0?: Tensor): [Tensor, Tensor] {
    const [output, [hN]] = this.run(input, [h0]);
    return [output, hN];
  }
}

/**
 * Long short-term memory with PyTorch's gate order i, f, g, o:
 * c_t = σ(f)⊙c_{t−1} + σ(i)⊙tanh(g), h_t = σ(o)⊙tanh(c_t), where the four gate blocks are
 * x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh.
 *
 * `forward(input, [h0, c0]?)` returns `[output, [hN, cN]]`; shapes as for {@link RNN}, c like h.
 *
 * ```ts
 * const lstm = new nn.LSTM(28, 128, { batchFirst: true });
 * const [output, [hN, cN]] = lstm.forward(images); // images [N, 28, 28]
 * ```
 */
export class LSTM extends RNNBase {
  protected readonly stateNames = ['h', 'c'] as const;
  protected readonly foldsHiddenBias = true;

  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  protected sequence(
    proj: Tensor,
    [h0, c0]: Tensor[],
    wHh: Tensor,
    _bHh: null,
    reverse: boolean,
  ): [Tensor, Tensor[]] {
    const [hs, hN, cN] = lstmSequence(proj, h0, c0, wHh, reverse);
    return [hs, [hN, cN]];
  }

  forward(input: Tensor, hx?: readonly [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const [output, [hN, cN]] = this.run(input, hx ? [hx[0], hx[1]] : [undefined, undefined]);
    return [output, [hN, cN]];
  }
}

/**
 * Gated recurrent unit with PyTorch's gate order r, z, n: r, z = σ(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)
 * on their blocks, n = tanh(W_in x_t + b_in + r⊙(W_hn h_{t−1} + b_hn)), h_t = (1 − z)⊙n + z⊙h_{t−1}.
 *
 * `forward(input, h0?)` returns `[output, hN]`; shapes as for {@link RNN}.
 */
export class GRU extends RNNBase {
  protected readonly stateNames = ['h'] as const;
  protected readonly foldsHiddenBias = false;

  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }

  protected sequence(
    proj: Tensor,
    [h0]: Tensor[],
    wHh: Tensor,
    bHh: Tensor | null,
    reverse: boolean,
  ): [Tensor, Tensor[]] {
    const [hs, hN] = gruSequence(proj, h0, wHh, bHh, reverse);
    return [hs, [hN]];
  }

  forward(input: Tensor, h0?: Tensor): [Tensor, Tensor] {
    const [output, [hN]] = this.run(input, [h0]);
    return [output, hN];
  }
}

/** The options of the single-step cells. */
export interface RNNCellBaseOptions {
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Where the initial weights come from (default: the global seeded generator). */
  generator?: Generator;
}

export interface RNNCellOptions extends RNNCellBaseOptions {
  /** The activation (default 'tanh'). */
  nonlinearity?: RNNNonlinearity;
}

/**
 * What the cells share: parameters `weight_ih` [G·H, in], `weight_hh` [G·H, H], `bias_ih`, `bias_hh` [G·H],
 * initialised U(±1/√H), and the checks of x [N, in] or unbatched [in] and of the states.
 */
export abstract class RNNCellBase extends Module {
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    gates: number,
    options: RNNCellBaseOptions = {},
  ) {
    super();
    positiveInt(this.constructor.name, 'inputSize', inputSize);
    positiveInt(this.constructor.name, 'hiddenSize', hiddenSize);
    const [wIh, wHh, bIh, bHh] = makeWeights(gates, inputSize, hiddenSize, options.bias ?? true);
    this.weight_ih = wIh;
    this.weight_hh = wHh;
    this.bias_ih = bIh;
    this.bias_hh = bHh;
    initUniform([wIh, wHh, ...(bIh && bHh ? [bIh, bHh] : [])], hiddenSize, options.generator);
  }

  /**
   * Checks x and the given states, adds a batch axis to unbatched ones, and fills missing states with zeros.
   * Returns [x2d, states2d, batched].
   */
  protected prepare(
    x: Tensor,
    states: (Tensor | undefined)[],
    names: readonly string[],
  ): [Tensor, Tensor[], boolean] {
    const where = `${this.constructor.name}(input ${this.inputSize}, hidden ${this.hiddenSize})`;
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new ShapeError(
        `${where}: expected input [N, ${this.inputSize}] or unbatched [${this.inputSize}], got ${fmtShape(x.shape)}`,
      );
    }
    const batched = x.ndim === 2;
    const batch = batched ? x.shape[0] : 1;
    const expected = batched ? [batch, this.hiddenSize] : [this.hiddenSize];
    const full = states.map((s, k) => {
      if (s === undefined) return zeros([batch, this.hiddenSize]);
      if (s.ndim !== expected.length || s.shape.some((v, i) => v !== expected[i])) {
        throw new ShapeError(
          `${where}: expected ${names[k]} ${fmtShape(expected)}, got ${fmtShape(s.shape)}`,
        );
      }
      return batched ? s : unsqueeze(s, 0);
    });
    return [batched ? x : unsqueeze(x, 0), full, batched];
  }

  /** x·W_ihᵀ + b_ih, with b_hh added too when `fold` (the cells whose step allows it). */
  protected inputProjection(x: Tensor, fold: boolean): Tensor {
    const b = fold && this.bias_ih && this.bias_hh ? add(this.bias_ih, this.bias_hh) : this.bias_ih;
    return affine(x, this.weight_ih, b);
  }

  /** The hidden bias a step still has to add (null when it went into the input projection). */
  protected hiddenBias(fold: boolean): Tensor | null {
    return fold ? null : this.bias_hh;
  }

  protected override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias_ih ? '' : ', bias=false'}`;
  }
}

const unbatch = (t: Tensor, batched: boolean): Tensor => (batched ? t : reshape(t, [t.shape[1]]));

/**
 * One step of an Elman RNN: h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh). `forward(x [N, in] | [in], h?)` → h'.
 */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: RNNNonlinearity;

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    super(inputSize, hiddenSize, 1, options);
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
      throw new ValueError(`RNNCell: nonlinearity must be 'tanh' or 'relu', got '${nonlinearity}'`);
    }
    this.nonlinearity = nonlinearity;
  }

  forward(x: Tensor, h?: Tensor): Tensor {
    const [x2, [h2], batched] = this.prepare(x, [h], ['h']);
    const next = rnnCellStep(
      this.inputProjection(x2, true),
      h2,
      this.weight_hh,
      this.hiddenBias(true),
      this.nonlinearity,
    );
    return unbatch(next, batched);
  }

  protected override extraRepr(): string {
    return `${super.extraRepr()}${this.nonlinearity === 'relu' ? `, nonlinearity='relu'` : ''}`;
  }
}

/** One LSTM step (gate order i, f, g, o). `forward(x [N, in] | [in], [h, c]?)` → [h', c']. */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNCellBaseOptions = {}) {
    super(inputSize, hiddenSize, 4, options);
  }

  forward(x: Tensor, hx?: readonly [Tensor, Tensor]): [Tensor, Tensor] {
    const [x2, [h2, c2], batched] = this.prepare(x, hx ? [hx[0], hx[1]] : [undefined, undefined], ['h', 'c']);
    const [h, c] = lstmCellStep(
      this.inputProjection(x2, true),
      h2,
      c2,
      this.weight_hh,
      this.hiddenBias(true),
    );
    return [unbatch(h, batched), unbatch(c, batched)];
  }
}

/** One GRU step (gate order r, z, n). `forward(x [N, in] | [in], h?)` → h'. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNCellBaseOptions = {}) {
    super(inputSize, hiddenSize, 3, options);
  }

  forward(x: Tensor, h?: Tensor): Tensor {
    const [x2, [h2], batched] = this.prepare(x, [h], ['h']);
    const next = gruCellStep(this.inputProjection(x2, false), h2, this.weight_hh, this.hiddenBias(false));
    return unbatch(next, batched);
  }
}
