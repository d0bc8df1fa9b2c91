import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import {
  AdaptiveAvgPool2d,
  Conv2d,
  Dropout,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
} from '../nn/index.js';
import { internalMarker, keepsNothingWithChildren } from '../nn/internal.js';
import { flatten } from '../ops/index.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

export interface AlexNetOptions {
  /** Number of output logits (default 10). */
  numClasses?: number;
  /** Channels of the input images (default 1). */
  inChannels?: number;
  /**
   * Width multiplier on the paper's channel counts 96-256-384-384-256 (default 0.25: 24-64-96-96-64). Each
   * count is rounded and kept at least 1.
   */
  width?: number;
  /** Units of each of the two hidden dense layers (default 512; the paper's had 4096). */
  hiddenFeatures?: number;
  /** Dropout probability before each hidden dense layer (default 0.5, as in the paper). */
  dropout?: number;
  /** Source of the initial weights and of the dropout masks (the default generator otherwise). */
  generator?: Generator;
}

/** The paper's five convolutions: output channels, kernel size, and whether an overlapping max-pool follows. */
const PAPER: readonly [channels: number, kernel: number, pool: boolean][] = [
  [96, 11, true],
  [256, 5, true],
  [384, 3, false],
  [384, 3, false],
  [256, 3, true],
];

/** The map side after the three pools, for 28×28 and 32×32 inputs alike. */
const POOLED = 4;

/**
 * AlexNet (Krizhevsky, Sutskever & Hinton, "ImageNet classification with deep convolutional neural networks",
 * 2012), sized for 28×28 and 32×32 images. It keeps the paper's pattern: five ReLU convolutions, a large
 * kernel first, overlapping 3×3 max-pools with stride 2 after the first, second and fifth, then two hidden
 * dense layers each preceded by dropout, then the output layer. Attribute names are torchvision's
 * (`features`, `avgpool`, `classifier`, with the same indices), so the state-dict keys read `features.0.weight`,
 * …, `classifier.6.bias`.
 *
 * How it is scaled down from 224×224 images: the first kernel 11×11 with stride 4 becomes 5×5 with stride 1
 * and padding 2 (on 32 pixels, 5 is about as large a share of the image as 11 of 224 after the stride); the
 * pools keep their 3×3 window and stride 2 but pad by 1, so 28 → 14 → 7 → 4 and 32 → 16 → 8 → 4; channel
 * counts are multiplied by `width`; the dense layers shrink from 4096 to `hiddenFeatures`. The adaptive average
 * pool (torchvision's, to 4×4 here) is the identity at 28×28 and 32×32 and lets other sizes through. Local
 * response normalisation is left out, as in torchvision.
 *
 * ```ts
 * const net = new AlexNet({ numClasses: 10, inChannels: 1 });
 * net.forward(nt.randn([8, 1, 28, 28])).shape; // [8, 10]
 * ```
 */
export class AlexNet extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;
  readonly numClasses: number;
  readonly inChannels: number;
  readonly width: number;

  constructor(options: AlexNetOptions = {}) {
    super();
    this.numClasses = options.numClasses ?? 10;
    this.inChannels = options.inChannels ?? 1;
    this.width = options.width ?? 0.25;
    const hidden = options.hiddenFeatures ?? 512;
    const p = options.dropout ?? 0.5;
    for (const [name, v] of [
      ['numClasses', this.numClasses],
      ['inChannels', this.inChannels],
      ['hiddenFeatures', hidden],
    ] as const) {
      positiveInt('AlexNet', name, v);
    }
    if (!(this.width > 0 && Number.isFinite(this.width))) {
      throw new ValueError(`AlexNet: width must be a positive number, got ${this.width}`);
    }
    const generator = options.generator;
    const layers: Module[] = [];
    let channels = this.inChannels;
    PAPER.forEach(([paperChannels, paperKernel, pool], i) => {
      const out = Math.max(1, Math.round(paperChannels * this.width));
      const kernel = i === 0 ? 5 : paperKernel;
      layers.push(new Conv2d(channels, out, kernel, { padding: kernel >> 1, generator }), new ReLU());
      if (pool) layers.push(new MaxPool2d(3, { stride: 2, padding: 1 }));
      channels = out;
    });
    this.features = new Sequential(...layers);
    this.avgpool = new AdaptiveAvgPool2d(POOLED);
    this.classifier = new Sequential(
      new Dropout(p, { generator }),
      new Linear(channels * POOLED * POOLED, hidden, { generator }),
      new ReLU(),
      new Dropout(p, { generator }),
      new Linear(hidden, hidden, { generator }),
      new ReLU(),
      new Linear(hidden, this.numClasses, { generator }),
    );
  }

  /** x [N, inChannels, H, W] → logits [N, numClasses]. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(`AlexNet: expected input [N, ${this.inChannels}, H, W], got ${fmtShape(x.shape)}`);
    }
    const mark = internalMarker(this);
    return this.classifier.forward(
      mark(flatten(mark(this.avgpool.forward(mark(this.features.forward(x)))), 1)),
    );
  }

  protected override extraRepr(): string {
    return `numClasses=${this.numClasses}, inChannels=${this.inChannels}, width=${this.width}`;
  }
}

keepsNothingWithChildren(AlexNet);
