import { noGrad } from '../autograd/engine.js';
import { DTypeError, positiveInt, ShapeError, ValueError } from '../errors.js';
import { eq, where } from '../ops/elementwise.js';
import { embedding as lookup } from '../ops/indexing.js';
import { max, min } from '../ops/reduce.js';
import { reshape, unsqueeze } from '../ops/shape.js';
import { arange } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { normal_ } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface EmbeddingFnOptions {
  /** Rows looked up at this index receive no gradient (negative counts from the end). */
  paddingIdx?: number | null;
}

function normPaddingIdx(paddingIdx: number | null | undefined, rows: number, op: string): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -rows || paddingIdx >= rows) {
    throw new ValueError(`${op}: paddingIdx must be an integer in [-${rows}, ${rows}), got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
}

/**
 * Rows of `weight` [numEmbeddings, dim] picked by int32 `input` of any shape: output [...input, dim]
 * (torch.nn.functional.embedding). Lookups of `paddingIdx` return that row but send it no gradient.
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingFnOptions = {}): Tensor {
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D, got rank ${weight.ndim}`);
  const pad = normPaddingIdx(options.paddingIdx, weight.shape[0], 'embedding');
  const rows = lookup(input, weight);
  if (pad === null) return rows;
  // the padding lookups take their values from a detached copy, so the gradient to that row is zero
  return where(unsqueeze(eq(input, pad), -1), rows.detach(), rows);
}

export interface EmbeddingOptions extends EmbeddingFnOptions {
  /** Where the N(0, 1) initial weights come from (default: the global seeded generator). */
  generator?: Generator;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim` (torch.nn.Embedding), initialised from
 * N(0, 1). The `paddingIdx` row starts at zero and is never updated by gradients.
 */
export class Embedding extends Module {
  weight: Parameter;
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    positiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    if (!Number.isInteger(embeddingDim) || embeddingDim < 0) {
      throw new ValueError(`Embedding: embeddingDim must be a non-negative integer, got ${embeddingDim}`);
    }
    this.paddingIdx = normPaddingIdx(options.paddingIdx, numEmbeddings, this.layerName());
    this.weight = new Parameter(new Float32Array(numEmbeddings * embeddingDim), [
      numEmbeddings,
      embeddingDim,
    ]);
    normal_(this.weight, 0, 1, options.generator);
    const pad = this.paddingIdx;
    if (pad !== null) {
      const w = this.weight;
      noGrad(() => w.copy_(where(eq(reshape(arange(numEmbeddings), [numEmbeddings, 1]), pad), 0, w)));
    }
  }

  private layerName(): string {
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim})`;
  }

  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int32') {
      throw new DTypeError(`${this.layerName()}: indices must be int32, got ${indices.dtype}`);
    }
    if (indices.size > 0) {
      const hi = max(indices).item();
      const lo = min(indices).item();
      const bad = hi >= this.numEmbeddings ? hi : lo < 0 ? lo : null;
      if (bad !== null) {
        throw new ValueError(
          `${this.layerName()}: index ${bad} is out of range for ${this.numEmbeddings} embeddings`,
        );
      }
    }
    return embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
  }

  protected override extraRepr(): string {
    const pad = this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`;
    return `${this.numEmbeddings}, ${this.embeddingDim}${pad}`;
  }
}
