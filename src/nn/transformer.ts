import { fmtShape, positiveInt, ShapeError, ValueError } from '../errors.js';
import { gelu, relu } from '../ops/activation.js';
import { add } from '../ops/elementwise.js';
import { checkOptions } from '../ops/util.js';
import { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { MultiheadAttention } from './attention.js';
import { ModuleList } from './container.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { LayerNorm } from './norm.js';

export interface TransformerEncoderLayerOptions {
  /** Hidden features of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after the attention, inside and after the feed-forward block, and on the attention weights (default 0.1). */
  dropout?: number;
  /** The feed-forward block's nonlinearity (default 'relu'; 'gelu' is the exact one). */
  activation?: 'relu' | 'gelu';
  /** ε of both LayerNorms (default 1e-5). */
  layerNormEps?: number;
  /** Inputs `[N, L, dModel]` (default false: `[L, N, dModel]`). */
  batchFirst?: boolean;
  /** Normalise before each block (pre-norm) instead of after the residual sum (default false: post-norm). */
  normFirst?: boolean;
  /** Source of the initial weights and dropout masks (default: the global generator). */
  generator?: Generator;
}

export interface TransformerEncoderForwardOptions {
  /** The self-attention mask `[L, S]` or `[N·nhead, L, S]`: bool true = not allowed, float added (as PyTorch). */
  srcMask?: Tensor | null;
  /** `[N, S]`: bool true where a position is padding (left out of the attention), float added. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention; with `srcMask` it is a hint and the mask is used as given. */
  isCausal?: boolean;
}

const FORWARD_SCHEMA = { srcMask: 'tensor?', srcKeyPaddingMask: 'tensor?', isCausal: 'boolean' } as const;

/**
 * One transformer encoder block, as torch.nn.TransformerEncoderLayer: self-attention then a feed-forward block
 * `linear2(dropout(activation(linear1(x))))`, each with a residual connection and a LayerNorm, after the sum
 * (post-norm, the default) or before the block (`normFirst`). Children and state-dict keys as PyTorch's:
 * `self_attn.*`, `linear1`, `linear2`, `norm1`, `norm2`.
 *
 * ```ts
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * layer.eval().forward(nt.randn([2, 10, 32]), { isCausal: true }).shape; // [2, 10, 32]
 * ```
 */
export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  readonly dModel: number;
  readonly nhead: number;
  readonly options: Readonly<Omit<TransformerEncoderLayerOptions, 'generator'>>;

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const where = 'TransformerEncoderLayer';
    checkOptions(where, options, {
      dimFeedforward: 'integer',
      dropout: 'number',
      activation: ['relu', 'gelu'],
      layerNormEps: 'number',
      batchFirst: 'boolean',
      normFirst: 'boolean',
      generator: { test: (v) => v instanceof Generator, expected: 'a Generator' },
    });
    const {
      dimFeedforward = 2048,
      dropout = 0.1,
      activation = 'relu',
      layerNormEps = 1e-5,
      batchFirst = false,
      normFirst = false,
      generator,
    } = options;
    positiveInt(where, 'dModel', dModel);
    positiveInt(where, 'nhead', nhead);
    if (dModel % nhead !== 0)
      throw new ValueError(`${where}: dModel ${dModel} is not divisible by nhead ${nhead}`);
    positiveInt(where, 'dimFeedforward', dimFeedforward);
    this.dModel = dModel;
    this.nhead = nhead;
    this.options = Object.freeze({
      dimFeedforward,
      dropout,
      activation,
      layerNormEps,
      batchFirst,
      normFirst,
    });
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst, generator });
    this.linear1 = new Linear(dModel, dimFeedforward, { generator });
    this.dropout = new Dropout(dropout, { generator });
    this.linear2 = new Linear(dimFeedforward, dModel, { generator });
    this.norm1 = new LayerNorm(dModel, { eps: layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: layerNormEps });
    this.dropout1 = new Dropout(dropout, { generator });
    this.dropout2 = new Dropout(dropout, { generator });
  }

  /** `src` `[L, N, dModel]` (`[N, L, dModel]` with batchFirst, or unbatched `[L, dModel]`) → the same shape. */
  forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    const where = `TransformerEncoderLayer(${this.dModel}, ${this.nhead})`;
    checkOptions(where, options, FORWARD_SCHEMA);
    if ((src.ndim !== 2 && src.ndim !== 3) || src.shape[src.ndim - 1] !== this.dModel) {
      throw new ShapeError(
        `${where}: expected src ${this.options.batchFirst ? '[N, L, ' : '[L, N, '}${this.dModel}] or unbatched [L, ${this.dModel}], got ${fmtShape(src.shape)}`,
      );
    }
    const attention = (x: Tensor) =>
      this.dropout1.forward(
        this.self_attn.forward(x, x, x, {
          attnMask: options.srcMask,
          keyPaddingMask: options.srcKeyPaddingMask,
          isCausal: options.isCausal,
          needWeights: false,
        })[0],
      );
    const act = this.options.activation === 'gelu' ? gelu : relu;
    const feedForward = (x: Tensor) =>
      this.dropout2.forward(this.linear2.forward(this.dropout.forward(act(this.linear1.forward(x)))));
    let x = src;
    if (this.options.normFirst) {
      x = add(x, attention(this.norm1.forward(x)));
      x = add(x, feedForward(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(add(x, attention(x)));
      x = this.norm2.forward(add(x, feedForward(x)));
    }
    return x;
  }

  /** A new layer with the same configuration and a copy of this one's weights (PyTorch deep-copies the layer). */
  clone(): TransformerEncoderLayer {
    const copy = new TransformerEncoderLayer(this.dModel, this.nhead, this.options);
    copy.loadStateDict(this.stateDict()); // copies the values
    copy.train(this.training);
    return copy;
  }

  protected override extraRepr(): string {
    const o = this.options;
    return `dModel=${this.dModel}, nhead=${this.nhead}, dimFeedforward=${o.dimFeedforward}, activation=${o.activation}, normFirst=${o.normFirst}`;
  }
}

export interface TransformerEncoderOptions {
  /** A final LayerNorm (or any module) applied after the last layer, as PyTorch's `norm` (default none). */
  norm?: Module | null;
}

/**
 * A stack of `numLayers` copies of an encoder layer, as torch.nn.TransformerEncoder: each copy starts with the
 * given layer's weights (PyTorch deep-copies it) and trains on its own. Keys `layers.0.…`, and `norm.…` when a
 * final norm is given.
 */
export class TransformerEncoder extends Module {
  layers: ModuleList;
  norm: Module | null;
  readonly numLayers: number;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    numLayers: number,
    options: TransformerEncoderOptions = {},
  ) {
    super();
    checkOptions('TransformerEncoder', options, {
      norm: { test: (v) => v === null || v instanceof Module, expected: 'a Module or null' },
    });
    if (!(encoderLayer instanceof TransformerEncoderLayer)) {
      throw new ValueError('TransformerEncoder: the first argument must be a TransformerEncoderLayer');
    }
    positiveInt('TransformerEncoder', 'numLayers', numLayers);
    this.numLayers = numLayers;
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.clone()));
    this.norm = options.norm ?? null;
  }

  /** `src` through every layer (the same masks for each), then the final norm if any. */
  forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    checkOptions('TransformerEncoder', options, FORWARD_SCHEMA);
    let x = src;
    for (const layer of this.layers) x = (layer as TransformerEncoderLayer).forward(x, options);
    if (this.norm) x = (this.norm as Module & { forward(t: Tensor): Tensor }).forward(x);
    return x;
  }
}
