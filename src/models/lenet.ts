import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import { AvgPool2d, Conv2d, Linear, MaxPool2d, Module } from '../nn/index.js';
import { internalMarker, keepsNothingWithChildren, reluThenPool } from '../nn/internal.js';
import { flatten, pad, relu, tanh } from '../ops/index.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

export interface LeNet5Options {
  /** Number of output logits (default 10). */
  numClasses?: number;
  /** Channels of the input images (default 1). */
  inChannels?: number;
  /** The squashing function after C1, C3, C5 and F6 (default 'tanh', as in the paper). */
  activation?: 'tanh' | 'relu';
  /** The subsampling layers S2 and S4: 2×2 average (default, the paper's) or max pooling. */
  pooling?: 'avg' | 'max';
  /** Source of the initial weights (the default generator otherwise). */
  generator?: Generator;
}

const FIELD = 32;

/**
 * LeNet-5 (LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document recognition", 1998):
 * C1 (6@5×5) → S2 (2×2 pooling) → C3 (16@5×5) → S4 → C5 (120@5×5, which sees the whole 5×5 map) → F6 (84) →
 * output, with the paper's layer names as attribute names (state-dict keys `c1.weight`, …, `output.bias`).
 *
 * Inputs smaller than the paper's 32×32 field are zero-padded to it, as LeCun did with the 28×28 MNIST digits:
 * for 28×28 this is exactly C1 with padding 2. Like most modern re-implementations it keeps the architecture
 * but simplifies three details of the paper: C3 connects to all six S2 maps (the paper used a sparse connection
 * table), S2/S4 are plain pools (the paper's had a trainable scale and bias), and the output is a linear layer
 * giving logits (the paper's Euclidean RBF units fed a special loss). `tanh` is the plain hyperbolic tangent
 * rather than the paper's scaled 1.7159·tanh(2x/3).
 *
 * ```ts
 * const net = new LeNet5();
 * net.forward(nt.randn([8, 1, 28, 28])).shape; // [8, 10]
 * net.numParameters(); // 61,706
 * ```
 */
export class LeNet5 extends Module {
  c1: Conv2d;
  s2: AvgPool2d | MaxPool2d;
  c3: Conv2d;
  s4: AvgPool2d | MaxPool2d;
  c5: Conv2d;
  f6: Linear;
  output: Linear;
  readonly numClasses: number;
  readonly inChannels: number;
  readonly activation: 'tanh' | 'relu';
  readonly pooling: 'avg' | 'max';

  constructor(options: LeNet5Options = {}) {
    super();
    this.numClasses = positiveInt('LeNet5', 'numClasses', options.numClasses ?? 10);
    this.inChannels = positiveInt('LeNet5', 'inChannels', options.inChannels ?? 1);
    this.activation = options.activation ?? 'tanh';
    this.pooling = options.pooling ?? 'avg';
    if (this.activation !== 'tanh' && this.activation !== 'relu') {
      throw new ValueError(
        `LeNet5: activation must be 'tanh' or 'relu', got ${JSON.stringify(this.activation)}`,
      );
    }
    if (this.pooling !== 'avg' && this.pooling !== 'max') {
      throw new ValueError(`LeNet5: pooling must be 'avg' or 'max', got ${JSON.stringify(this.pooling)}`);
    }
    const generator = options.generator;
    const pool = () => (this.pooling === 'avg' ? new AvgPool2d(2) : new MaxPool2d(2));
    this.c1 = new Conv2d(this.inChannels, 6, 5, { generator });
    this.s2 = pool();
    this.c3 = new Conv2d(6, 16, 5, { generator });
    this.s4 = pool();
    this.c5 = new Conv2d(16, 120, 5, { generator });
    this.f6 = new Linear(120, 84, { generator });
    this.output = new Linear(84, this.numClasses, { generator });
  }

  /** x [N, inChannels, H, W] with H, W ≤ 32 (28×28 for MNIST) → logits [N, numClasses]. */
  forward(x: Tensor): Tensor {
    const [, c, h, w] = x.shape;
    if (x.ndim !== 4 || c !== this.inChannels || h > FIELD || w > FIELD || h < 1 || w < 1) {
      throw new ShapeError(
        `LeNet5: expected input [N, ${this.inChannels}, H, W] with H, W ≤ ${FIELD} (e.g. 28×28 or 32×32), got ${fmtShape(x.shape)}`,
      );
    }
    const act = this.activation === 'tanh' ? tanh : relu;
    const top = (FIELD - h) >> 1;
    const left = (FIELD - w) >> 1;
    // the paper's 32×32 input field, the image centred in it
    const mark = internalMarker(this);
    const field =
      h === FIELD && w === FIELD ? x : mark(pad(x, [left, FIELD - w - left, top, FIELD - h - top]));
    // with ReLU and max-pooling, each pool runs before its ReLU: the same result on a quarter of the elements
    const actPool = (t: Tensor, pool: AvgPool2d | MaxPool2d): Tensor =>
      act === relu ? reluThenPool(t, pool, mark) : pool.forward(mark(act(t)));
    const s2 = mark(actPool(mark(this.c1.forward(field)), this.s2));
    const s4 = mark(actPool(mark(this.c3.forward(s2)), this.s4));
    const c5 = mark(flatten(mark(act(mark(this.c5.forward(s4)))), 1));
    return this.output.forward(mark(act(mark(this.f6.forward(c5)))));
  }

  protected override extraRepr(): string {
    return `numClasses=${this.numClasses}, inChannels=${this.inChannels}, activation=${this.activation}, pooling=${this.pooling}`;
  }
}

keepsNothingWithChildren(LeNet5);
