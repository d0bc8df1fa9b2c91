import { positiveInt, ValueError } from '../errors.js';
import { GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh } from '../nn/activation.js';
import { Sequential } from '../nn/container.js';
import { Dropout } from '../nn/dropout.js';
import { calculateGain, kaimingNormal_, type Nonlinearity, xavierUniform_, zeros_ } from '../nn/init.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { BatchNorm1d } from '../nn/norm.js';
import type { Generator } from '../tensor/random.js';

/** The nonlinearity after each hidden layer of an {@link MLP}. */
export type MLPActivation = 'relu' | 'tanh' | 'sigmoid' | 'gelu' | 'leakyRelu';

/** What follows the last Linear layer of an {@link MLP}; by default nothing (logits, as losses expect). */
export type MLPOutputActivation = 'sigmoid' | 'tanh' | 'relu' | 'softmax' | 'logSoftmax';

/** How an {@link MLP} initialises its Linear layers. */
export type MLPInit = 'default' | 'he' | 'xavier';

/** Options of {@link MLP}. */
export interface MLPOptions {
  /** Layer widths from input to output: `[in, h1, …, out]`, at least two entries. */
  sizes: readonly number[];
  /** Nonlinearity after each hidden layer (default `'relu'`). */
  activation?: MLPActivation;
  /** Negative slope of `'leakyRelu'` (default 0.01). */
  negativeSlope?: number;
  /** A BatchNorm1d between each hidden Linear layer and its activation (default false). */
  batchNorm?: boolean;
  /** Dropout probability after each hidden activation (default 0: no Dropout layers). */
  dropout?: number;
  /**
   * `'default'`: PyTorch's Linear initialisation, U(±1/√fan_in); `'he'`: Kaiming normal with the gain of the
   * activation (the output layer with gain 1), zero biases; `'xavier'`: Glorot uniform with the activation's
   * gain, zero biases.
   */
  init?: MLPInit;
  /** A final activation module after the output layer (default none). */
  outputActivation?: MLPOutputActivation;
  /** Biases in the Linear layers (default true). */
  bias?: boolean;
  /** Where initial weights come from (default: the global seeded generator). */
  generator?: Generator;
}

const ACTIVATIONS: readonly MLPActivation[] = ['relu', 'tanh', 'sigmoid', 'gelu', 'leakyRelu'];
const OUTPUTS: readonly MLPOutputActivation[] = ['sigmoid', 'tanh', 'relu', 'softmax', 'logSoftmax'];

/** The gain torch.nn.init uses for an activation; GELU is close enough to ReLU to share its gain. */
function nonlinearityOf(activation: MLPActivation): Nonlinearity {
  switch (activation) {
    case 'relu':
    case 'gelu':
      return 'relu';
    case 'leakyRelu':
      return 'leaky_relu';
    case 'tanh':
      return 'tanh';
    case 'sigmoid':
      return 'sigmoid';
  }
}

function activationModule(name: MLPActivation | MLPOutputActivation, slope: number): Module {
  switch (name) {
    case 'relu':
      return new ReLU();
    case 'tanh':
      return new Tanh();
    case 'sigmoid':
      return new Sigmoid();
    case 'gelu':
      return new GELU();
    case 'leakyRelu':
      return new LeakyReLU(slope);
    case 'softmax':
      return new Softmax(-1);
    case 'logSoftmax':
      return new LogSoftmax(-1);
  }
}

function buildLayers(o: MLPOptions): Module[] {
  const where = 'MLP';
  const sizes = o.sizes;
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new ValueError(
      `${where}: sizes must list at least an input and an output width, got ${JSON.stringify(sizes)}`,
    );
  }
  sizes.forEach((s, i) => {
    positiveInt(where, `sizes[${i}]`, s);
  });
  const activation = o.activation ?? 'relu';
  if (!ACTIVATIONS.includes(activation)) {
    throw new ValueError(
      `${where}: activation must be one of ${ACTIVATIONS.join(', ')}, got '${activation}'`,
    );
  }
  if (o.outputActivation !== undefined && !OUTPUTS.includes(o.outputActivation)) {
    throw new ValueError(
      `${where}: outputActivation must be one of ${OUTPUTS.join(', ')}, got '${o.outputActivation}'`,
    );
  }
  const init = o.init ?? 'default';
  if (init !== 'default' && init !== 'he' && init !== 'xavier') {
    throw new ValueError(`${where}: init must be 'default', 'he' or 'xavier', got '${init}'`);
  }
  const dropout = o.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1))
    throw new ValueError(`${where}: dropout must be in [0, 1), got ${dropout}`);
  const slope = o.negativeSlope ?? 0.01;
  const nonlinearity = nonlinearityOf(activation);

  const layers: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const last = i + 2 === sizes.length;
    const linear = new Linear(sizes[i], sizes[i + 1], { bias: o.bias ?? true, generator: o.generator });
    // the output layer feeds no rectifier or squashing function, so it takes the linear gain of 1
    const nl: Nonlinearity = last ? 'linear' : nonlinearity;
    if (init === 'he') {
      kaimingNormal_(linear.weight, { nonlinearity: nl, a: slope, generator: o.generator });
    } else if (init === 'xavier') {
      xavierUniform_(linear.weight, calculateGain(nl, slope), o.generator);
    }
    if (init !== 'default' && linear.bias) zeros_(linear.bias);
    layers.push(linear);
    if (last) break;
    if (o.batchNorm) layers.push(new BatchNorm1d(sizes[i + 1]));
    layers.push(activationModule(activation, slope));
    if (dropout > 0) layers.push(new Dropout(dropout, { generator: o.generator }));
  }
  if (o.outputActivation) layers.push(activationModule(o.outputActivation, slope));
  return layers;
}

/**
 * A multilayer perceptron built from its widths: for each hidden layer Linear → [BatchNorm1d] → activation →
 * [Dropout], then the output Linear and an optional output activation. It is an nn.Sequential, so its layers
 * are numbered as PyTorch numbers them and its state dict loads into the same `nn.Sequential` in PyTorch.
 *
 * ```ts
 * // 784 → 256 → 128 → 10 with He initialisation, batch norm and dropout: keys 0.weight, 1.running_mean, …
 * const net = new models.MLP({ sizes: [784, 256, 128, 10], init: 'he', batchNorm: true, dropout: 0.2 });
 * const logits = net.forward(x); // [N, 10]
 * ```
 */
export class MLP extends Sequential {
  /** The widths, input to output. */
  readonly sizes: readonly number[];
  readonly activation: MLPActivation;

  constructor(options: MLPOptions) {
    super(...buildLayers(options));
    this.sizes = Object.freeze([...options.sizes]);
    this.activation = options.activation ?? 'relu';
  }

  /** Number of hidden layers (Linear layers before the output one). */
  get depth(): number {
    return this.sizes.length - 2;
  }
}
