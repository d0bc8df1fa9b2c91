/**
 * What the sequence models share, one concern per file: recurrent.ts (choosing and running a recurrent layer,
 * masking padding steps), decoding.ts (token decoding), metrics.ts (per-token loss and accuracies), inputs.ts
 * (inputs, options, special tokens), checks.ts (argument checks). This file gathers their names.
 */

export { checkTemperature, checkTokens, positiveInt, probability } from './checks.js';
export {
  type DecodeOptions,
  type DecoderParts,
  decodeGreedy,
  decodeTeacherForced,
  sampleLogits,
  shiftRight,
} from './decoding.js';
export {
  type DecoderModelOptions,
  type DecoderSettings,
  decoderSettings,
  inference,
  readSequence,
  type SequenceInputOptions,
  type SpecialTokenIds,
  sequenceInput,
  specialIds,
} from './inputs.js';
export {
  SequenceAccuracy,
  type SequenceLossOptions,
  sequenceCrossEntropy,
  TokenAccuracy,
  type TokenAccuracyOptions,
} from './metrics.js';
export {
  type CellType,
  checkCell,
  detachState,
  encodeMasked,
  encodeMaskedWithOutputs,
  makeRecurrent,
  mapState,
  type RecurrentLayer,
  type RecurrentState,
  runRecurrent,
  tokenMask,
  zeroState,
} from './recurrent.js';
