/**
 * Preprocessing as scikit-learn has it, one concept per file under preprocessing/: scalers, category encoders,
 * polynomial features, the train/test split, and rebuilding any of them from JSON. This file gathers their names.
 */

export { LabelEncoder, OneHotEncoder, type OneHotEncoderOptions } from './preprocessing/encoders.js';
export { preprocessorFromJSON } from './preprocessing/from_json.js';
export { PolynomialFeatures, type PolynomialFeaturesOptions } from './preprocessing/polynomial.js';
export {
  MinMaxScaler,
  type MinMaxScalerOptions,
  StandardScaler,
  type StandardScalerOptions,
} from './preprocessing/scalers.js';
export {
  type TrainTestSplit,
  type TrainTestSplitOptions,
  type TrainTestSplitXY,
  trainTestSplit,
} from './preprocessing/split.js';
export type {
  CategoricalInput,
  Category,
  LabelEncoderJSON,
  MinMaxScalerJSON,
  OneHotEncoderJSON,
  PolynomialFeaturesJSON,
  PreprocessorJSON,
  StandardScalerJSON,
  Transformer,
} from './preprocessing/types.js';
