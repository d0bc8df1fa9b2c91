// Recurrent networks in every structure: many-to-one, one-to-many, many-to-many (synced and encoder–decoder),
// and the character-level language model.
export { type AttentionType, BahdanauAttention, LuongAttention } from './attention.js';
export * from './charrnn.js';
export * from './classifier.js';
export {
  type CellType,
  type DecodeOptions,
  detachState,
  type RecurrentLayer,
  type RecurrentState,
  SequenceAccuracy,
  type SequenceInputOptions,
  type SequenceLossOptions,
  type SpecialTokenIds,
  sequenceCrossEntropy,
  TokenAccuracy,
  type TokenAccuracyOptions,
} from './common.js';
export * from './generator.js';
export * from './seq2seq.js';
export * from './tagger.js';
