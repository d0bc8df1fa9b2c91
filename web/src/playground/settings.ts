/**
 * The playground's settings: their defaults, their allowed values, and their round trip through the URL. The
 * same URL gives the same run, so everything that changes the numbers (data, model, training, seed) lives here.
 */

export const DATASETS = [
  'circle',
  'xor',
  'gaussian',
  'spiral',
  'blobs',
  'plane',
  'multigauss',
  'custom',
] as const;
export type DatasetName = (typeof DATASETS)[number];
export const REGRESSION: readonly DatasetName[] = ['plane', 'multigauss'];

export const FEATURES = ['x1', 'x2', 'x1sq', 'x2sq', 'x1x2', 'sinx1', 'sinx2'] as const;
export type FeatureName = (typeof FEATURES)[number];
/** The value of input feature `f` at the point (x, y): what the network and the feature thumbnails both use. */
export function featureValue(f: FeatureName, x: number, y: number): number {
  switch (f) {
    case 'x1':
      return x;
    case 'x2':
      return y;
    case 'x1sq':
      return x * x;
    case 'x2sq':
      return y * y;
    case 'x1x2':
      return x * y;
    case 'sinx1':
      return Math.sin(x);
    case 'sinx2':
      return Math.sin(y);
  }
}

export const FEATURE_LABELS: Record<FeatureName, string> = {
  x1: 'x₁',
  x2: 'x₂',
  x1sq: 'x₁²',
  x2sq: 'x₂²',
  x1x2: 'x₁·x₂',
  sinx1: 'sin x₁',
  sinx2: 'sin x₂',
};

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];
export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const REGULARIZATIONS = ['none', 'l1', 'l2'] as const;
export type RegularizationName = (typeof REGULARIZATIONS)[number];

export const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const MAX_LAYERS = 8;
export const MAX_UNITS = 64;

export interface PlaygroundSettings {
  dataset: DatasetName;
  /** Classes of the blobs and spiral sets (2 for the others). */
  classes: number;
  /** Noise in percent, 0–50. */
  noise: number;
  /** Share of the points used for training, percent, 10–90. */
  trainRatio: number;
  batchSize: number;
  lr: number;
  activation: ActivationName;
  optimizer: OptimizerName;
  regularization: RegularizationName;
  regRate: number;
  features: FeatureName[];
  /** Widths of the hidden layers, input to output; empty for logistic/linear regression. */
  hidden: number[];
  seed: number;
  discretize: boolean;
  showTest: boolean;
}

export const DEFAULTS: PlaygroundSettings = {
  dataset: 'circle',
  classes: 2,
  noise: 0,
  trainRatio: 50,
  batchSize: 10,
  lr: 0.03,
  activation: 'tanh',
  optimizer: 'sgd',
  regularization: 'none',
  regRate: 0,
  features: ['x1', 'x2'],
  hidden: [4, 2],
  seed: 1,
  discretize: false,
  showTest: false,
};

/** The lecture's starting point: no hidden layer, the raw inputs, on xor (where it must fail). */
export const LOGISTIC_PRESET: Partial<PlaygroundSettings> = {
  dataset: 'xor',
  hidden: [],
  features: ['x1', 'x2'],
  optimizer: 'sgd',
  lr: 0.03,
  regularization: 'none',
};

export function isRegression(s: Pick<PlaygroundSettings, 'dataset'>): boolean {
  return REGRESSION.includes(s.dataset);
}

/** Number of output classes of a classification set (custom sets count their own). */
export function classCount(s: PlaygroundSettings, customClasses = 2): number {
  if (isRegression(s)) return 1;
  if (s.dataset === 'custom') return Math.max(2, customClasses);
  return s.dataset === 'blobs' || s.dataset === 'spiral' ? s.classes : 2;
}

const clampInt = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function nearest(value: number, allowed: readonly number[]): number {
  return allowed.reduce((best, a) => (Math.abs(a - value) < Math.abs(best - value) ? a : best), allowed[0]);
}

function num(params: URLSearchParams, key: string): number | null {
  const v = params.get(key);
  if (v === null || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Settings from URL parameters; unknown or out-of-range values fall back to the defaults (never throw). */
export function settingsFromParams(params: URLSearchParams): PlaygroundSettings {
  const d = DEFAULTS;
  const features = params.has('features')
    ? (params.get('features') ?? '')
        .split(',')
        .filter((f): f is FeatureName => (FEATURES as readonly string[]).includes(f))
    : d.features;
  const hidden = params.has('hidden')
    ? (params.get('hidden') ?? '')
        .split(',')
        .filter((h) => h.trim() !== '')
        .map((h) => clampInt(Number(h) || 1, 1, MAX_UNITS))
        .slice(0, MAX_LAYERS)
    : d.hidden;
  const lr = num(params, 'lr');
  const regRate = num(params, 'regRate');
  return {
    dataset: oneOf(params.get('dataset'), DATASETS, d.dataset),
    classes: clampInt(num(params, 'classes') ?? d.classes, 2, 5),
    noise: clampInt(num(params, 'noise') ?? d.noise, 0, 50),
    trainRatio: clampInt(num(params, 'trainRatio') ?? d.trainRatio, 10, 90),
    batchSize: clampInt(num(params, 'batchSize') ?? d.batchSize, 1, 100),
    lr: lr === null ? d.lr : nearest(lr, LEARNING_RATES),
    activation: oneOf(params.get('activation'), ACTIVATIONS, d.activation),
    optimizer: oneOf(params.get('optimizer'), OPTIMIZERS, d.optimizer),
    regularization: oneOf(params.get('regularization'), REGULARIZATIONS, d.regularization),
    regRate: regRate === null ? d.regRate : nearest(regRate, REG_RATES),
    features: features.length > 0 ? [...new Set(features)] : ['x1'],
    hidden,
    seed: clampInt(num(params, 'seed') ?? d.seed, 0, 2 ** 31 - 1),
    discretize: params.get('discretize') === '1',
    showTest: params.get('showTest') === '1',
  };
}

/** URL parameters for settings: every setting is written, so a shared link does not depend on our defaults. */
export function settingsToParams(s: PlaygroundSettings): URLSearchParams {
  const p = new URLSearchParams();
  p.set('dataset', s.dataset);
  p.set('classes', String(s.classes));
  p.set('noise', String(s.noise));
  p.set('trainRatio', String(s.trainRatio));
  p.set('batchSize', String(s.batchSize));
  p.set('lr', String(s.lr));
  p.set('activation', s.activation);
  p.set('optimizer', s.optimizer);
  p.set('regularization', s.regularization);
  p.set('regRate', String(s.regRate));
  p.set('features', s.features.join(','));
  p.set('hidden', s.hidden.join(','));
  p.set('seed', String(s.seed));
  p.set('discretize', s.discretize ? '1' : '0');
  p.set('showTest', s.showTest ? '1' : '0');
  return p;
}

/** Which settings change the run (data, model or training) rather than only the drawing. */
export function changesRun(a: PlaygroundSettings, b: PlaygroundSettings): boolean {
  const keys: (keyof PlaygroundSettings)[] = [
    'dataset',
    'classes',
    'noise',
    'trainRatio',
    'batchSize',
    'lr',
    'activation',
    'optimizer',
    'regularization',
    'regRate',
    'seed',
  ];
  return (
    keys.some((k) => a[k] !== b[k]) ||
    a.features.join() !== b.features.join() ||
    a.hidden.join() !== b.hidden.join()
  );
}
