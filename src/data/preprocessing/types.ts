/**
 * The shapes shared by the preprocessors: categories, the Transformer contract, and each preprocessor's JSON form
 * (what `toJSON()` gives and checkpoints store, what {@link preprocessorFromJSON} rebuilds from).
 */
import type { Tensor } from '../../tensor/tensor.js';

/** A category of {@link OneHotEncoder} or {@link LabelEncoder}: a string or a number. */
export type Category = string | number;

/** Anything {@link preprocessorFromJSON} can rebuild: the `toJSON()` of a scaler or encoder. */
export type PreprocessorJSON =
  | StandardScalerJSON
  | MinMaxScalerJSON
  | OneHotEncoderJSON
  | LabelEncoderJSON
  | PolynomialFeaturesJSON;

/** What every fitted column transformer offers (scalers, {@link OneHotEncoder}, {@link PolynomialFeatures}). */
export interface Transformer {
  fit(x: Tensor): this;
  transform(x: Tensor): Tensor;
  fitTransform(x: Tensor): Tensor;
  toJSON(): PreprocessorJSON;
}

/** Rows of categories: a 2-D tensor or an array of rows of strings/numbers. */
export type CategoricalInput = Tensor | readonly (readonly Category[])[];

export interface StandardScalerJSON {
  type: 'StandardScaler';
  withMean: boolean;
  withStd: boolean;
  nSamplesSeen: number;
  mean: number[];
  var: number[];
  scale: number[];
}

export interface MinMaxScalerJSON {
  type: 'MinMaxScaler';
  featureRange: [number, number];
  clip: boolean;
  dataMin: number[];
  dataMax: number[];
  scale: number[];
  min: number[];
}

export interface OneHotEncoderJSON {
  type: 'OneHotEncoder';
  handleUnknown: 'error' | 'ignore';
  categories: Category[][];
}

export interface LabelEncoderJSON {
  type: 'LabelEncoder';
  classes: Category[];
}

export interface PolynomialFeaturesJSON {
  type: 'PolynomialFeatures';
  degree: number;
  interactionOnly: boolean;
  includeBias: boolean;
  nFeaturesIn: number;
}
