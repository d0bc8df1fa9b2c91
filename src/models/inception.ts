import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Linear,
  MaxPool2d,
  Module,
  Sequential,
} from '../nn/index.js';
import { internalMarker, keepsNothingWithChildren, normThenRelu } from '../nn/internal.js';
import { concat, flatten, relu } from '../ops/index.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

export interface BasicConv2dOptions {
  stride?: number;
  padding?: number;
  /** Batch normalisation between the convolution and the ReLU (default true); without it the convolution has a bias. */
  batchNorm?: boolean;
  generator?: Generator;
}

/**
 * Convolution → batch norm → ReLU, torchvision's building block for GoogLeNet (attributes `conv` and `bn`; the
 * convolution has no bias when batch norm follows, and the batch norm uses eps 1e-3 as torchvision's does).
 * With `batchNorm: false` it is the paper's convolution with bias followed by ReLU.
 */
export class BasicConv2d extends Module {
  conv: Conv2d;
  bn: BatchNorm2d | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: BasicConv2dOptions = {}) {
    super();
    const batchNorm = options.batchNorm ?? true;
    this.conv = new Conv2d(inChannels, outChannels, kernelSize, {
      stride: options.stride ?? 1,
      padding: options.padding ?? 0,
      bias: !batchNorm,
      generator: options.generator,
    });
    this.bn = batchNorm ? new BatchNorm2d(outChannels, { eps: 1e-3 }) : null;
  }

  forward(x: Tensor): Tensor {
    const mark = internalMarker(this);
    const y = mark(this.conv.forward(x));
    return this.bn ? normThenRelu(y, this.bn, mark) : relu(y);
  }
}

keepsNothingWithChildren(BasicConv2d);

export interface InceptionOptions {
  /**
   * The third branch's spatial convolution after its 1×1 reduction: one 5×5 (default, Szegedy et al. 2014) or
   * two stacked 3×3 convolutions with the same receptive field and fewer weights (the factorisation of
   * Inception v2/v3).
   */
  branch3?: '5x5' | 'double3x3';
  /** Batch normalisation in every convolution block (default true; the 2014 paper had none). */
  batchNorm?: boolean;
  generator?: Generator;
}

/**
 * The Inception module of GoogLeNet (Szegedy et al., "Going deeper with convolutions", 2014): four parallel
 * branches over the same input, concatenated on the channel axis —
 * 1×1; 1×1 reduction → 3×3; 1×1 reduction → 5×5 (or two 3×3); 3×3 max-pool (stride 1) → 1×1 projection.
 * The arguments follow the columns of the paper's Table 1 (and torchvision's `Inception`); the output has
 * `ch1x1 + ch3x3 + ch5x5 + poolProj` channels and the input's height and width. State-dict keys are
 * torchvision's: `branch1.conv.weight`, `branch2.0.conv.weight`, `branch2.1.bn.running_mean`, …,
 * `branch4.1.conv.weight`.
 *
 * ```ts
 * const block = new Inception(192, 64, 96, 128, 16, 32, 32); // the paper's inception (3a)
 * block.forward(nt.randn([2, 192, 28, 28])).shape; // [2, 256, 28, 28]
 * ```
 */
export class Inception extends Module {
  branch1: BasicConv2d;
  branch2: Sequential;
  branch3: Sequential;
  branch4: Sequential;
  readonly outChannels: number;

  constructor(
    readonly inChannels: number,
    ch1x1: number,
    ch3x3red: number,
    ch3x3: number,
    ch5x5red: number,
    ch5x5: number,
    poolProj: number,
    options: InceptionOptions = {},
  ) {
    super();
    const counts = { inChannels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj };
    for (const [name, v] of Object.entries(counts)) {
      positiveInt('Inception', name, v);
    }
    const branch3 = options.branch3 ?? '5x5';
    if (branch3 !== '5x5' && branch3 !== 'double3x3') {
      throw new ValueError(`Inception: branch3 must be '5x5' or 'double3x3', got ${JSON.stringify(branch3)}`);
    }
    const o = { batchNorm: options.batchNorm ?? true, generator: options.generator };
    this.branch1 = new BasicConv2d(inChannels, ch1x1, 1, o);
    this.branch2 = new Sequential(
      new BasicConv2d(inChannels, ch3x3red, 1, o),
      new BasicConv2d(ch3x3red, ch3x3, 3, { ...o, padding: 1 }),
    );
    this.branch3 =
      branch3 === '5x5'
        ? new Sequential(
            new BasicConv2d(inChannels, ch5x5red, 1, o),
            new BasicConv2d(ch5x5red, ch5x5, 5, { ...o, padding: 2 }),
          )
        : new Sequential(
            new BasicConv2d(inChannels, ch5x5red, 1, o),
            new BasicConv2d(ch5x5red, ch5x5, 3, { ...o, padding: 1 }),
            new BasicConv2d(ch5x5, ch5x5, 3, { ...o, padding: 1 }),
          );
    this.branch4 = new Sequential(
      new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }),
      new BasicConv2d(inChannels, poolProj, 1, o),
    );
    this.outChannels = ch1x1 + ch3x3 + ch5x5 + poolProj;
  }

  /** x [N, inChannels, H, W] → [N, outChannels, H, W]. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(
        `Inception(${this.inChannels} -> ${this.outChannels}): expected input [N, ${this.inChannels}, H, W], got ${fmtShape(x.shape)}`,
      );
    }
    const mark = internalMarker(this);
    const branches = [this.branch1, this.branch2, this.branch3, this.branch4];
    return concat(
      branches.map((b) => mark(b.forward(x))),
      1,
    );
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}`;
  }
}

keepsNothingWithChildren(Inception);

/** The paper's Table 1 (ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj) for inception (3a) … (5b). */
const TABLE1 = {
  inception3a: [64, 96, 128, 16, 32, 32],
  inception3b: [128, 128, 192, 32, 96, 64],
  inception4a: [192, 96, 208, 16, 48, 64],
  inception4b: [160, 112, 224, 24, 64, 64],
  inception4c: [128, 128, 256, 24, 64, 64],
  inception4d: [112, 144, 288, 32, 64, 64],
  inception4e: [256, 160, 320, 32, 128, 128],
  inception5a: [256, 160, 320, 32, 128, 128],
  inception5b: [384, 192, 384, 48, 128, 128],
} as const;

/**
 * GoogLeNetMini's children up to the global average pool, in the order its forward runs them (flatten, dropout
 * and fc follow): the ONNX and PyTorch exporters walk this list.
 */
export const GOOGLENET_FEATURES = [
  'conv1',
  'maxpool1',
  'conv2',
  'conv3',
  'inception3a',
  'inception3b',
  'maxpool3',
  'inception4a',
  'inception4b',
  'inception4c',
  'inception4d',
  'inception4e',
  'maxpool4',
  'inception5a',
  'inception5b',
  'avgpool',
] as const;

export interface GoogLeNetMiniOptions {
  /** Number of output logits (default 10). */
  numClasses?: number;
  /** Channels of the input images (default 1). */
  inChannels?: number;
  /** Multiplier on every channel count of the paper (default 0.25; rounded, at least 1). */
  widthMultiplier?: number;
  /** See {@link InceptionOptions.branch3} (default '5x5'). */
  branch3?: '5x5' | 'double3x3';
  /** Batch normalisation in every convolution block (default true). */
  batchNorm?: boolean;
  /** Dropout before the last layer (default 0.4, the paper's). */
  dropout?: number;
  /** Source of the initial weights and of the dropout masks (the default generator otherwise). */
  generator?: Generator;
}

/**
 * GoogLeNet (Szegedy et al. 2014) for 28×28 and 32×32 images: a stem, the paper's nine Inception modules
 * (3a, 3b, max-pool, 4a–4e, max-pool, 5a, 5b) with Table 1's channel counts times `widthMultiplier`, global
 * average pooling, dropout and one linear layer. Attribute names are torchvision's (`conv1`, `maxpool1`,
 * `conv2`, `conv3`, `inception3a`, …, `fc`).
 *
 * Scaled for small inputs: the paper's stem (7×7 stride-2 convolution, max-pool, 1×1, 3×3, max-pool) divides a
 * 224×224 image by 8 before inception (3a); here conv1 is 3×3 with stride 1 and only the first max-pool remains
 * (torchvision's `maxpool2` is left out), so (3a) sees 14×14 (16×16 for 32×32 inputs), stage 4 sees 7×7 and
 * stage 5 sees 4×4. The two auxiliary classifiers of the paper (a training-time regulariser) are left out.
 *
 * ```ts
 * const net = new GoogLeNetMini({ numClasses: 10, inChannels: 1 });
 * net.forward(nt.randn([8, 1, 28, 28])).shape; // [8, 10]
 * ```
 */
export class GoogLeNetMini extends Module {
  conv1: BasicConv2d;
  maxpool1: MaxPool2d;
  conv2: BasicConv2d;
  conv3: BasicConv2d;
  inception3a: Inception;
  inception3b: Inception;
  maxpool3: MaxPool2d;
  inception4a: Inception;
  inception4b: Inception;
  inception4c: Inception;
  inception4d: Inception;
  inception4e: Inception;
  maxpool4: MaxPool2d;
  inception5a: Inception;
  inception5b: Inception;
  avgpool: AdaptiveAvgPool2d;
  dropout: Dropout;
  fc: Linear;
  readonly numClasses: number;
  readonly inChannels: number;

  constructor(options: GoogLeNetMiniOptions = {}) {
    super();
    this.numClasses = options.numClasses ?? 10;
    this.inChannels = options.inChannels ?? 1;
    const multiplier = options.widthMultiplier ?? 0.25;
    for (const [name, v] of [
      ['numClasses', this.numClasses],
      ['inChannels', this.inChannels],
    ] as const) {
      positiveInt('GoogLeNetMini', name, v);
    }
    if (!(multiplier > 0 && Number.isFinite(multiplier))) {
      throw new ValueError(`GoogLeNetMini: widthMultiplier must be a positive number, got ${multiplier}`);
    }
    const scale = (c: number) => Math.max(1, Math.round(c * multiplier));
    const generator = options.generator;
    const o = { batchNorm: options.batchNorm ?? true, generator };
    const block = (inChannels: number, name: keyof typeof TABLE1) => {
      const [a, b, c, d, e, f] = TABLE1[name].map(scale);
      return new Inception(inChannels, a, b, c, d, e, f, { ...o, branch3: options.branch3 });
    };

    this.conv1 = new BasicConv2d(this.inChannels, scale(64), 3, { ...o, padding: 1 });
    this.maxpool1 = new MaxPool2d(3, { stride: 2, ceilMode: true });
    this.conv2 = new BasicConv2d(scale(64), scale(64), 1, o);
    this.conv3 = new BasicConv2d(scale(64), scale(192), 3, { ...o, padding: 1 });
    this.inception3a = block(scale(192), 'inception3a');
    this.inception3b = block(this.inception3a.outChannels, 'inception3b');
    this.maxpool3 = new MaxPool2d(3, { stride: 2, ceilMode: true });
    this.inception4a = block(this.inception3b.outChannels, 'inception4a');
    this.inception4b = block(this.inception4a.outChannels, 'inception4b');
    this.inception4c = block(this.inception4b.outChannels, 'inception4c');
    this.inception4d = block(this.inception4c.outChannels, 'inception4d');
    this.inception4e = block(this.inception4d.outChannels, 'inception4e');
    this.maxpool4 = new MaxPool2d(2, { stride: 2, ceilMode: true });
    this.inception5a = block(this.inception4e.outChannels, 'inception5a');
    this.inception5b = block(this.inception5a.outChannels, 'inception5b');
    this.avgpool = new AdaptiveAvgPool2d(1);
    this.dropout = new Dropout(options.dropout ?? 0.4, { generator });
    this.fc = new Linear(this.inception5b.outChannels, this.numClasses, { generator });
  }

  /** x [N, inChannels, H, W] → logits [N, numClasses]. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(
        `GoogLeNetMini: expected input [N, ${this.inChannels}, H, W], got ${fmtShape(x.shape)}`,
      );
    }
    const mark = internalMarker(this);
    let y = x;
    for (const m of [this.conv1, this.maxpool1, this.conv2, this.conv3, this.inception3a, this.inception3b]) {
      y = mark(m.forward(y));
    }
    y = mark(this.maxpool3.forward(y));
    for (const b of [
      this.inception4a,
      this.inception4b,
      this.inception4c,
      this.inception4d,
      this.inception4e,
    ]) {
      y = mark(b.forward(y));
    }
    y = mark(this.inception5b.forward(mark(this.inception5a.forward(mark(this.maxpool4.forward(y))))));
    return this.fc.forward(mark(this.dropout.forward(mark(flatten(mark(this.avgpool.forward(y)), 1)))));
  }

  protected override extraRepr(): string {
    return `numClasses=${this.numClasses}, inChannels=${this.inChannels}`;
  }
}

keepsNothingWithChildren(GoogLeNetMini);
