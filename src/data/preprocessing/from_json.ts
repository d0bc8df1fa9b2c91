/** Rebuilding any preprocessor from its JSON form (checkpoints store them so). */
import { ValueError } from '../../errors.js';
import { LabelEncoder, OneHotEncoder } from './encoders.js';
import { PolynomialFeatures } from './polynomial.js';
import { MinMaxScaler, StandardScaler } from './scalers.js';
import type { PreprocessorJSON } from './types.js';

/** Rebuilds any scaler or encoder from its `toJSON()`, by its `type` (for checkpoints). */
export function preprocessorFromJSON(
  json: PreprocessorJSON,
): StandardScaler | MinMaxScaler | OneHotEncoder | LabelEncoder | PolynomialFeatures {
  switch (json?.type) {
    case 'StandardScaler':
      return StandardScaler.fromJSON(json);
    case 'MinMaxScaler':
      return MinMaxScaler.fromJSON(json);
    case 'OneHotEncoder':
      return OneHotEncoder.fromJSON(json);
    case 'LabelEncoder':
      return LabelEncoder.fromJSON(json);
    case 'PolynomialFeatures':
      return PolynomialFeatures.fromJSON(json);
    default:
      throw new ValueError(
        `preprocessorFromJSON: unknown type ${JSON.stringify((json as { type?: unknown })?.type)}; expected ` +
          'StandardScaler, MinMaxScaler, OneHotEncoder, LabelEncoder or PolynomialFeatures',
      );
  }
}
