import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
} from '../nn/index.js';
import { constant_, kaimingNormal_, normal_, zeros_ } from '../nn/init.js';
import { internalMarker, keepsNothingWithChildren } from '../nn/internal.js';
import { flatten } from '../ops/index.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/** A VGG layout: output channels of each 3×3 convolution, 'M' for a 2×2 max-pool. */
export type VGGConfig = readonly (number | 'M')[];

/**
 * The configurations of Simonyan & Zisserman's Table 1 at full width: A (VGG-11), B (VGG-13), D (VGG-16) and
 * E (VGG-19).
 */
export const VGG_CONFIGS: Readonly<Record<'vgg11' | 'vgg13' | 'vgg16' | 'vgg19', VGGConfig>> = {
  vgg11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  vgg19: [
    64,
    64,
    'M',
    128,
    128,
    'M',
    256,
    256,
    256,
    256,
    'M',
    512,
    512,
    512,
    512,
    'M',
    512,
    512,
    512,
    512,
    'M',
  ],
};

export interface VGGOptions {
  /** A configuration of the paper ('vgg11' = A, 'vgg13' = B, 'vgg16' = D, 'vgg19' = E; default 'vgg11') or a custom layout. */
  config?: keyof typeof VGG_CONFIGS | VGGConfig;
  /** Number of output logits (default 10). */
  numClasses?: number;
  /** Channels of the input images (default 1). */
  inChannels?: number;
  /**
   * Multiplier on the channel counts of a named configuration (default 0.25: 16-32-64-128-128). A custom
   * `config` is used as written.
   */
  widthMultiplier?: number;
  /** Batch normalisation after each convolution, as torchvision's `vgg11_bn` (default true). */
  batchNorm?: boolean;
  /** Units of each of the two hidden dense layers (default 512; the paper's had 4096). */
  hiddenFeatures?: number;
  /** Dropout probability after each hidden dense layer (default 0.5, as in the paper). */
  dropout?: number;
  /** Source of the initial weights and of the dropout masks (the default generator otherwise). */
  generator?: Generator;
}

/**
 * VGG (Simonyan & Zisserman, "Very deep convolutional networks for large-scale image recognition", 2014):
 * stacks of 3×3 convolutions (padding 1) with ReLU, separated by 2×2 max-pools, then three dense layers with
 * dropout after the two hidden ones. Attribute names and indices are torchvision's (`features`, `avgpool`,
 * `classifier`), so state-dict keys read `features.0.weight`, `features.1.running_mean` (with batch norm), …,
 * `classifier.6.bias`; the initialisation is torchvision's too (He normal, fan_out, for convolutions; N(0, 0.01)
 * for dense layers; zero biases).
 *
 * Sized for small images: the pools use ceil mode, so the paper's five of them take 32×32 to 1×1 and 28×28 to
 * 1×1 as well (28 → 14 → 7 → 4 → 2 → 1); the adaptive average pool then reduces whatever is left to 1×1, so the
 * classifier's first layer sees just the last convolution's channels instead of 512·7·7.
 *
 * ```ts
 * const net = new VGG({ config: 'vgg16', widthMultiplier: 0.25 });
 * net.forward(nt.randn([8, 1, 28, 28])).shape; // [8, 10]
 * ```
 */
export class VGG extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;
  readonly numClasses: number;
  readonly inChannels: number;
  /** The layout actually built (channel counts after the width multiplier). */
  readonly config: VGGConfig;
  readonly batchNorm: boolean;

  constructor(options: VGGOptions = {}) {
    super();
    const name = typeof options.config === 'string' ? options.config : undefined;
    const label = `VGG(${name ?? (options.config ? 'custom' : 'vgg11')})`;
    this.numClasses = options.numClasses ?? 10;
    this.inChannels = options.inChannels ?? 1;
    this.batchNorm = options.batchNorm ?? true;
    const hidden = options.hiddenFeatures ?? 512;
    const p = options.dropout ?? 0.5;
    const multiplier = options.widthMultiplier ?? 0.25;
    for (const [n, v] of [
      ['numClasses', this.numClasses],
      ['inChannels', this.inChannels],
      ['hiddenFeatures', hidden],
    ] as const) {
      positiveInt(label, n, v);
    }
    if (!(multiplier > 0 && Number.isFinite(multiplier))) {
      throw new ValueError(`${label}: widthMultiplier must be a positive number, got ${multiplier}`);
    }
    let config: VGGConfig;
    if (options.config === undefined || typeof options.config === 'string') {
      const base = VGG_CONFIGS[options.config ?? 'vgg11'];
      if (!base) {
        throw new ValueError(
          `VGG: unknown config ${JSON.stringify(options.config)}; expected one of ${Object.keys(VGG_CONFIGS).join(', ')} or a list of channel counts and 'M'`,
        );
      }
      config = base.map((v) => (v === 'M' ? v : Math.max(1, Math.round(v * multiplier))));
    } else {
      config = [...options.config];
      if (!config.some((v) => v !== 'M')) {
        throw new ValueError(
          `${label}: config needs at least one convolution, got ${JSON.stringify(config)}`,
        );
      }
      for (const v of config) {
        if (v !== 'M' && !(Number.isInteger(v) && v >= 1)) {
          throw new ValueError(
            `${label}: config entries must be positive channel counts or 'M', got ${JSON.stringify(v)}`,
          );
        }
      }
    }
    this.config = Object.freeze(config);

    const generator = options.generator;
    const layers: Module[] = [];
    let channels = this.inChannels;
    for (const v of config) {
      if (v === 'M') {
        layers.push(new MaxPool2d(2, { stride: 2, ceilMode: true }));
        continue;
      }
      const conv = new Conv2d(channels, v, 3, { padding: 1, generator });
      kaimingNormal_(conv.weight, { mode: 'fan_out', nonlinearity: 'relu', generator });
      zeros_(conv.bias as Tensor);
      layers.push(conv);
      if (this.batchNorm) layers.push(new BatchNorm2d(v));
      layers.push(new ReLU());
      channels = v;
    }
    this.features = new Sequential(...layers);
    this.avgpool = new AdaptiveAvgPool2d(1);
    const dense = (i: number, o: number) => {
      const l = new Linear(i, o, { generator });
      normal_(l.weight, 0, 0.01, generator);
      constant_(l.bias as Tensor, 0);
      return l;
    };
    this.classifier = new Sequential(
      dense(channels, hidden),
      new ReLU(),
      new Dropout(p, { generator }),
      dense(hidden, hidden),
      new ReLU(),
      new Dropout(p, { generator }),
      dense(hidden, this.numClasses),
    );
  }

  /** x [N, inChannels, H, W] → logits [N, numClasses]. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(`VGG: expected input [N, ${this.inChannels}, H, W], got ${fmtShape(x.shape)}`);
    }
    const mark = internalMarker(this);
    return this.classifier.forward(
      mark(flatten(mark(this.avgpool.forward(mark(this.features.forward(x)))), 1)),
    );
  }

  protected override extraRepr(): string {
    return `numClasses=${this.numClasses}, inChannels=${this.inChannels}, batchNorm=${this.batchNorm}`;
  }
}

keepsNothingWithChildren(VGG);
