import { describe, expect, it } from 'vitest';
import { positiveInt, ValueError } from '../src/errors.js';

describe('positiveInt', () => {
  it('returns a positive integer unchanged', () => {
    expect(positiveInt('Linear', 'inFeatures', 3)).toBe(3);
  });

  it.each([0, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses %s, naming the caller, the argument and the value',
    (v) => {
      expect(() => positiveInt('DataLoader', 'batchSize', v)).toThrow(ValueError);
      expect(() => positiveInt('DataLoader', 'batchSize', v)).toThrow(
        `DataLoader: batchSize must be a positive integer, got ${v}`,
      );
    },
  );

  it('refuses a number given as a string', () => {
    expect(() => positiveInt('MLP', 'sizes[1]', '3' as unknown as number)).toThrow(
      'MLP: sizes[1] must be a positive integer, got 3',
    );
  });
});
