import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, Module, Sequential } from '../nn/index.js';
import { kaimingNormal_, zeros_ } from '../nn/init.js';
import { internalMarker, keepsNothingWithChildren, normThenRelu } from '../nn/internal.js';
import { add, flatten, relu } from '../ops/index.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

export interface ResidualBlockOptions {
  /** Stride of the block's spatial convolution (default 1); 2 halves the height and width. */
  stride?: number;
  /**
   * The shortcut when the block changes the shape: He et al.'s projection (option B), a 1×1 convolution with
   * the block's stride followed by batch norm. Default null: the identity.
   */
  downsample?: Module | null;
  generator?: Generator;
}

function conv(inC: number, outC: number, kernel: 1 | 3, stride: number, generator?: Generator): Conv2d {
  return new Conv2d(inC, outC, kernel, { stride, padding: kernel === 3 ? 1 : 0, bias: false, generator });
}

function shortcut(block: Module, x: Tensor): Tensor {
  return (block as Module & { forward(x: Tensor): Tensor }).forward(x);
}

/**
 * The residual block of ResNet-18/34 (He, Zhang, Ren & Sun, "Deep residual learning for image recognition",
 * 2015): 3×3 conv → BN → ReLU → 3×3 conv → BN, plus the shortcut, then ReLU. Attribute names are torchvision's
 * (`conv1`, `bn1`, `conv2`, `bn2`, `downsample`), so the state-dict keys are too.
 */
export class BasicBlock extends Module {
  /** Output channels per `planes`. */
  static readonly expansion = 1;
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare conv2: Conv2d;
  declare bn2: BatchNorm2d;
  declare downsample: Module | null;
  readonly stride: number;

  constructor(
    readonly inplanes: number,
    readonly planes: number,
    options: ResidualBlockOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    const g = options.generator;
    this.conv1 = conv(inplanes, planes, 3, this.stride, g);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv(planes, planes, 3, 1, g);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = options.downsample ?? null;
  }

  /** The batch norm that closes the residual branch (zeroed by `zeroInitResidual`). */
  get lastBN(): BatchNorm2d {
    return this.bn2;
  }

  forward(x: Tensor): Tensor {
    const mark = internalMarker(this);
    let out = mark(normThenRelu(mark(this.conv1.forward(x)), this.bn1, mark));
    out = mark(this.bn2.forward(mark(this.conv2.forward(out))));
    return relu(mark(add(out, this.downsample ? mark(shortcut(this.downsample, x)) : x)));
  }

  protected override extraRepr(): string {
    return `${this.inplanes}, ${this.planes}, stride=${this.stride}`;
  }
}

keepsNothingWithChildren(BasicBlock);

/**
 * The bottleneck block of ResNet-50/101/152 (He et al. 2015): 1×1 conv reducing to `planes` → BN → ReLU → 3×3
 * conv → BN → ReLU → 1×1 conv expanding to 4·`planes` → BN, plus the shortcut, then ReLU. As in torchvision
 * (ResNet "v1.5") the stride sits on the 3×3 convolution, where the paper had it on the first 1×1: no parameter
 * changes, and the 3×3 no longer skips three quarters of its input. Attribute names are torchvision's
 * (`conv1`…`conv3`, `bn1`…`bn3`, `downsample`).
 */
export class Bottleneck extends Module {
  /** Output channels per `planes`. */
  static readonly expansion = 4;
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare conv2: Conv2d;
  declare bn2: BatchNorm2d;
  declare conv3: Conv2d;
  declare bn3: BatchNorm2d;
  declare downsample: Module | null;
  readonly stride: number;

  constructor(
    readonly inplanes: number,
    readonly planes: number,
    options: ResidualBlockOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    const g = options.generator;
    this.conv1 = conv(inplanes, planes, 1, 1, g);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv(planes, planes, 3, this.stride, g);
    this.bn2 = new BatchNorm2d(planes);
    this.conv3 = conv(planes, planes * Bottleneck.expansion, 1, 1, g);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.downsample = options.downsample ?? null;
  }

  /** The batch norm that closes the residual branch (zeroed by `zeroInitResidual`). */
  get lastBN(): BatchNorm2d {
    return this.bn3;
  }

  forward(x: Tensor): Tensor {
    const mark = internalMarker(this);
    let out = mark(normThenRelu(mark(this.conv1.forward(x)), this.bn1, mark));
    out = mark(normThenRelu(mark(this.conv2.forward(out)), this.bn2, mark));
    out = mark(this.bn3.forward(mark(this.conv3.forward(out))));
    return relu(mark(add(out, this.downsample ? mark(shortcut(this.downsample, x)) : x)));
  }

  protected override extraRepr(): string {
    return `${this.inplanes}, ${this.planes}, stride=${this.stride}`;
  }
}

keepsNothingWithChildren(Bottleneck);

export interface ResNetOptions {
  /** 'basic' (two 3×3 convolutions, ResNet-18/34) or 'bottleneck' (1×1-3×3-1×1, ResNet-50 and deeper). Default 'basic'. */
  block?: 'basic' | 'bottleneck';
  /**
   * Blocks per stage (default [2, 2, 2, 2], ResNet-18). Stage i has base·2ⁱ planes; every stage after the
   * first starts with stride 2. Any number of stages works ([3, 3, 3] with baseWidth 16 is He et al.'s
   * CIFAR ResNet-20).
   */
  layers?: readonly number[];
  /** Number of output logits (default 10). */
  numClasses?: number;
  /** Channels of the input images (default 1). */
  inChannels?: number;
  /** Multiplier on the paper's 64-128-256-512 planes (default 0.25: 16-32-64-128). Ignored if `baseWidth` is set. */
  widthMultiplier?: number;
  /** Planes of the stem and the first stage, doubling at each later stage (default 64·widthMultiplier). */
  baseWidth?: number;
  /**
   * Start the last batch norm of every residual branch at zero (torchvision's `zero_init_residual`), so each
   * block begins as the identity; helps deep networks early in training. Default false.
   */
  zeroInitResidual?: boolean;
  /** Source of the initial weights (the default generator otherwise). */
  generator?: Generator;
}

type BlockClass = typeof BasicBlock | typeof Bottleneck;

/**
 * ResNet (He et al. 2015) for 28×28 and 32×32 images, with torchvision's attribute names (`conv1`, `bn1`,
 * `layer1`…, `avgpool`, `fc`; blocks `layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, …) and
 * initialisation (He normal with fan_out for convolutions, batch norms at 1 and 0).
 *
 * The stem is the CIFAR/MNIST one: a 3×3 convolution with stride 1 and no max-pool, instead of ImageNet's 7×7
 * stride-2 convolution and 3×3 max-pool, which would shrink a 28×28 digit to 7×7 before the first block. A
 * 28×28 input then goes 28 → 14 → 7 → 4 through the four stages; global average pooling feeds the last layer.
 * Shortcuts are identities except where a block changes the shape, where they are projections (1×1
 * convolution + batch norm, the paper's option B).
 *
 * ```ts
 * const net = new ResNet({ block: 'basic', layers: [2, 2, 2, 2], widthMultiplier: 0.25 }); // = resnet18Mini()
 * net.forward(nt.randn([8, 1, 28, 28])).shape; // [8, 10]
 * ```
 */
export class ResNet extends Module {
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare avgpool: AdaptiveAvgPool2d;
  declare fc: Linear;
  readonly numClasses: number;
  readonly inChannels: number;
  readonly block: 'basic' | 'bottleneck';
  readonly layers: readonly number[];
  /** The stages in order (they are also the properties `layer1`, `layer2`, …). */
  private _stages: Sequential[] = [];

  constructor(options: ResNetOptions = {}) {
    super();
    this.block = options.block ?? 'basic';
    this.layers = Object.freeze([...(options.layers ?? [2, 2, 2, 2])]);
    this.numClasses = options.numClasses ?? 10;
    this.inChannels = options.inChannels ?? 1;
    const multiplier = options.widthMultiplier ?? 0.25;
    if (this.block !== 'basic' && this.block !== 'bottleneck') {
      throw new ValueError(
        `ResNet: block must be 'basic' or 'bottleneck', got ${JSON.stringify(this.block)}`,
      );
    }
    if (this.layers.length === 0 || !this.layers.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new ValueError(
        `ResNet: layers must be a non-empty list of positive block counts, got ${JSON.stringify(options.layers)}`,
      );
    }
    if (!(multiplier > 0 && Number.isFinite(multiplier))) {
      throw new ValueError(`ResNet: widthMultiplier must be a positive number, got ${multiplier}`);
    }
    const base = options.baseWidth ?? Math.max(1, Math.round(64 * multiplier));
    for (const [name, v] of [
      ['numClasses', this.numClasses],
      ['inChannels', this.inChannels],
      ['baseWidth', base],
    ] as const) {
      positiveInt('ResNet', name, v);
    }
    const Block: BlockClass = this.block === 'basic' ? BasicBlock : Bottleneck;
    const generator = options.generator;

    this.conv1 = conv(this.inChannels, base, 3, 1, generator);
    this.bn1 = new BatchNorm2d(base);
    let inplanes = base;
    this.layers.forEach((blocks, i) => {
      const planes = base * 2 ** i;
      const stride = i === 0 ? 1 : 2;
      const outC = planes * Block.expansion;
      const downsample =
        stride !== 1 || inplanes !== outC
          ? new Sequential(conv(inplanes, outC, 1, stride, generator), new BatchNorm2d(outC))
          : null;
      const stage = new Sequential(new Block(inplanes, planes, { stride, downsample, generator }));
      for (let b = 1; b < blocks; b++) stage.append(new Block(outC, planes, { generator }));
      inplanes = outC;
      this._stages.push(stage);
      (this as unknown as Record<string, Module>)[`layer${i + 1}`] = stage;
    });
    this.avgpool = new AdaptiveAvgPool2d(1);
    this.fc = new Linear(inplanes, this.numClasses, { generator });

    for (const m of this.modules()) {
      if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu', generator });
      if ((m instanceof BasicBlock || m instanceof Bottleneck) && options.zeroInitResidual) {
        zeros_(m.lastBN.weight as Tensor);
      }
    }
  }

  /** The residual stage `layer{index}` (1-based, as the attribute names). */
  layer(index: number): Sequential {
    const stage = this._stages[index - 1];
    if (!stage) throw new ValueError(`ResNet: no layer${index} (it has ${this._stages.length} stages)`);
    return stage;
  }

  /** x [N, inChannels, H, W] → logits [N, numClasses]. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(`ResNet: expected input [N, ${this.inChannels}, H, W], got ${fmtShape(x.shape)}`);
    }
    const mark = internalMarker(this);
    let y = mark(normThenRelu(mark(this.conv1.forward(x)), this.bn1, mark));
    for (const stage of this._stages) y = mark(stage.forward(y));
    return this.fc.forward(mark(flatten(mark(this.avgpool.forward(y)), 1)));
  }

  protected override extraRepr(): string {
    return `block=${this.block}, layers=[${this.layers.join(', ')}], numClasses=${this.numClasses}, inChannels=${this.inChannels}`;
  }
}

keepsNothingWithChildren(ResNet);

/** The paper's depths (Table 1 of He et al.) as block type and blocks per stage. */
const DEPTHS: Readonly<Record<number, [ResNetOptions['block'], number[]]>> = {
  18: ['basic', [2, 2, 2, 2]],
  34: ['basic', [3, 4, 6, 3]],
  50: ['bottleneck', [3, 4, 6, 3]],
  101: ['bottleneck', [3, 4, 23, 3]],
  152: ['bottleneck', [3, 8, 36, 3]],
};

export interface ResNetMiniOptions extends Omit<ResNetOptions, 'block' | 'layers'> {
  /** One of the paper's depths: 18, 34 (basic blocks), 50, 101, 152 (bottlenecks). Default 18. */
  depth?: 18 | 34 | 50 | 101 | 152;
}

/**
 * A ResNet of one of the paper's depths with the small-image stem and reduced width (default 0.25: the
 * stages have 16-32-64-128 planes).
 *
 * ```ts
 * const net = resnetMini({ depth: 34, numClasses: 10, inChannels: 3 });
 * ```
 */
export function resnetMini(options: ResNetMiniOptions = {}): ResNet {
  const { depth = 18, ...rest } = options;
  const layout = DEPTHS[depth];
  if (!layout) {
    throw new ValueError(`resnetMini: depth must be one of ${Object.keys(DEPTHS).join(', ')}, got ${depth}`);
  }
  return new ResNet({ ...rest, block: layout[0], layers: layout[1] });
}

/** ResNet-18's layout (basic blocks, [2, 2, 2, 2]) with the small-image stem and width 0.25 by default. */
export function resnet18Mini(options: Omit<ResNetOptions, 'block' | 'layers'> = {}): ResNet {
  return resnetMini({ ...options, depth: 18 });
}
