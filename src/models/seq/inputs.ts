/**
 * The input side and options of the sequence models: features or tokens per step, special token ids, decoder
 * settings, and running a model for inference.
 */
import { noGrad } from '../../autograd/engine.js';
import { DTypeError, fmtShape, positiveInt, ShapeError, ValueError } from '../../errors.js';
import { Embedding } from '../../nn/embedding.js';
import type { Module } from '../../nn/module.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { probability } from './checks.js';
import { type CellType, checkCell } from './recurrent.js';

/** Runs `fn` without gradients and with `module` in evaluation mode (no dropout), then puts the modes back. */
export function inference<T>(module: Module, fn: () => T): T {
  const modes = module.modules().map((m) => [m, m.training] as const);
  module.eval();
  try {
    return noGrad(fn);
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}

/** The input side of the sequence models that read features or tokens at every step. */
export interface SequenceInputOptions {
  /** Features per time step of float inputs. Give this, or `vocabSize` and `embedDim` for token inputs. */
  inputSize?: number;
  /** Token inputs: int32 ids `[N, L]` in 0…vocabSize−1, looked up in an embedding of `embedDim` features. */
  vocabSize?: number;
  /** Size of the token embedding (with `vocabSize`). */
  embedDim?: number;
  /** An embedding row that stays zero and untrained (with `vocabSize`; default none). */
  paddingIdx?: number;
  /** Float inputs are `[N, L, inputSize]` (default true) rather than `[L, N, inputSize]`; tokens are always `[N, L]`. */
  batchFirst?: boolean;
}

/** Resolves the embedding and the recurrent layer's input size from {@link SequenceInputOptions}. */
export function sequenceInput(
  where: string,
  options: SequenceInputOptions,
  generator: Generator | undefined,
): { embedding: Embedding | null; inputSize: number } {
  if (options.vocabSize !== undefined) {
    if (options.inputSize !== undefined) {
      throw new ValueError(
        `${where}: give inputSize (float features) or vocabSize and embedDim (tokens), not both`,
      );
    }
    const vocab = positiveInt(where, 'vocabSize', options.vocabSize);
    const dim = positiveInt(where, 'embedDim', options.embedDim ?? Number.NaN);
    return {
      embedding: new Embedding(vocab, dim, { paddingIdx: options.paddingIdx, generator }),
      inputSize: dim,
    };
  }
  if (options.inputSize === undefined) {
    throw new ValueError(`${where}: give inputSize (float features) or vocabSize and embedDim (tokens)`);
  }
  return { embedding: null, inputSize: positiveInt(where, 'inputSize', options.inputSize) };
}

/** Embeds token inputs, or checks float inputs; returns what the recurrent layer reads. */
export function readSequence(
  where: string,
  embedding: Embedding | null,
  inputSize: number,
  batchFirst: boolean,
  x: Tensor,
): Tensor {
  if (embedding) {
    if (x.dtype !== 'int32' || x.ndim !== 2) {
      throw new DTypeError(`${where}: expected int32 token ids [N, L], got ${x.dtype} ${fmtShape(x.shape)}`);
    }
    return embedding.forward(x);
  }
  if (x.dtype !== 'float32' || x.ndim !== 3 || x.shape[2] !== inputSize) {
    const layout = batchFirst ? 'N, L' : 'L, N';
    throw new ShapeError(
      `${where}: expected float32 input [${layout}, ${inputSize}], got ${x.dtype} ${fmtShape(x.shape)}`,
    );
  }
  return x;
}

/** Ids of the special tokens; the defaults match the sequence tasks of `data` (`<pad>`, `<bos>`, `<eos>`). */
export interface SpecialTokenIds {
  /** Padding: ignored by the encoder and the loss (default 0). */
  padId?: number;
  /** Begin of sequence: the decoder's first input (default 1). */
  bosId?: number;
  /** End of sequence: the decoder's last output (default 2). */
  eosId?: number;
}

/** The options that every model decoding tokens step by step (SequenceGenerator, Seq2Seq) reads alike. */
export interface DecoderModelOptions extends SpecialTokenIds {
  cell?: CellType;
  vocabSize: number;
  embedDim: number;
  hiddenSize: number;
  numLayers?: number;
  teacherForcingRatio?: number;
  dropout?: number;
  generator?: Generator;
}

/** {@link DecoderModelOptions} checked, with their defaults filled in. */
export interface DecoderSettings {
  cell: CellType;
  vocabSize: number;
  embedDim: number;
  hiddenSize: number;
  numLayers: number;
  padId: number;
  bosId: number;
  eosId: number;
  teacherForcingRatio: number;
  dropout: number;
  generator: Generator | undefined;
}

/** Checks a decoding model's options, naming the model (`where`) in any error. */
export function decoderSettings(
  where: string,
  options: DecoderModelOptions,
  defaultCell: CellType,
): DecoderSettings {
  const cell = checkCell(where, options.cell ?? defaultCell);
  const vocabSize = positiveInt(where, 'vocabSize', options.vocabSize);
  const embedDim = positiveInt(where, 'embedDim', options.embedDim);
  const hiddenSize = positiveInt(where, 'hiddenSize', options.hiddenSize);
  const numLayers = positiveInt(where, 'numLayers', options.numLayers ?? 1);
  const [padId, bosId, eosId] = specialIds(where, options, vocabSize);
  return {
    cell,
    vocabSize,
    embedDim,
    hiddenSize,
    numLayers,
    padId,
    bosId,
    eosId,
    teacherForcingRatio: probability(where, 'teacherForcingRatio', options.teacherForcingRatio ?? 1),
    dropout: probability(where, 'dropout', options.dropout ?? 0),
    generator: options.generator,
  };
}

/** Validates the special ids: distinct, inside the vocabulary. */
export function specialIds(
  where: string,
  options: SpecialTokenIds,
  vocabSize: number,
): [number, number, number] {
  const ids: [number, number, number] = [options.padId ?? 0, options.bosId ?? 1, options.eosId ?? 2];
  const names = ['padId', 'bosId', 'eosId'];
  ids.forEach((id, k) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new ValueError(`${where}: ${names[k]} ${id} is outside the vocabulary 0…${vocabSize - 1}`);
    }
  });
  if (new Set(ids).size !== 3)
    throw new ValueError(`${where}: padId, bosId and eosId must differ, got ${ids.join(', ')}`);
  return ids;
}
