/**
 * Presets on tables: linear regression on diabetes, logistic regression on breast cancer and on XOR (with and
 * without feature crosses), an MLP on the 8×8 digits. Each is a named config (named.ts): the config's builder
 * splits the table (fixed seed 0, stratified for classes), standardises it and builds the model, as for a user's
 * config on the same dataset.
 */
import { z } from 'zod';
import type { ConfigInput } from '../config.js';
import { namedConfig } from './named.js';

/**
 * What every table preset shares: 20 % of the rows held out with split seed 0 (so test figures compare across
 * runs and seeds), standardised features, and a cosine schedule — annealing the rate to zero lets mini-batch
 * descent settle on the minimum instead of hovering around it.
 */
function onTable(
  name: string,
  model: ConfigInput['model'],
  data: ConfigInput['data'],
  optimizer: { type: 'adam' | 'sgd'; lr: number; momentum?: number },
  d: { epochs: number; batchSize: number },
): ConfigInput {
  return {
    name,
    model,
    data: { testSize: 0.2, standardize: true, splitSeed: 0, ...data },
    optimizer,
    scheduler: { type: 'cosine' },
    training: { epochs: d.epochs, batchSize: d.batchSize },
  };
}

const linregOptions = z.strictObject({
  solver: z.enum(['gd', 'exact']).default('gd'),
});

export const linregDiabetes = namedConfig({
  name: 'linreg-diabetes',
  description: 'linear regression on the diabetes data (442 patients, 10 features); --solver gd|exact',
  options: linregOptions,
  config: (o) =>
    onTable(
      'linreg-diabetes',
      { type: 'linear', solver: o.solver },
      { dataset: 'diabetes' },
      { type: 'sgd', lr: 0.01, momentum: 0.9 },
      { epochs: 100, batchSize: 32 },
    ),
  title: (o) =>
    `linear regression (${o.solver === 'exact' ? 'exact least squares' : 'gradient descent'}) on diabetes`,
});

const logregOptions = z.strictObject({
  solver: z.enum(['gd', 'lbfgs']).default('gd'),
});

export const logregBreastCancer = namedConfig({
  name: 'logreg-breast-cancer',
  description:
    'logistic regression on breast cancer (569 tumours, 30 features, standardised); --solver gd|lbfgs',
  options: logregOptions,
  config: (o) =>
    onTable(
      'logreg-breast-cancer',
      { type: 'logistic', solver: o.solver },
      { dataset: 'breast-cancer' },
      { type: 'adam', lr: 0.01 },
      { epochs: 50, batchSize: 32 },
    ),
  title: (o) =>
    `logistic regression (${o.solver === 'lbfgs' ? 'L-BFGS' : 'gradient descent'}) on breast cancer`,
});

const xorOptions = z
  .strictObject({
    crosses: z.boolean().default(false),
    degree: z.number().int().min(1).max(8).optional(),
    solver: z.enum(['gd', 'lbfgs']).default('gd'),
  })
  .transform((o) => ({ ...o, degree: o.degree ?? (o.crosses ? 2 : 1) }));

/** XOR points: 1,000 in [−1, 1]², a little noise, 800 to train and 200 to test. */
export const logregXor = namedConfig({
  name: 'logreg-xor',
  description: 'logistic regression on XOR: fails on the raw inputs, solves it with --crosses (--degree N)',
  options: xorOptions,
  config: (o) =>
    onTable(
      'logreg-xor',
      { type: 'logistic', solver: o.solver },
      { dataset: 'xor', n: 1000, noise: 0.05, seed: 0, degree: o.degree },
      { type: 'adam', lr: 0.05 },
      { epochs: 30, batchSize: 32 },
    ),
  title: (o) =>
    o.degree > 1
      ? `logistic regression on XOR with degree-${o.degree} feature crosses`
      : 'logistic regression on raw XOR inputs (no crosses)',
});

const mlpDigitsOptions = z.strictObject({
  hidden: z.array(z.number().int().positive()).min(1).default([64]),
  activation: z.enum(['relu', 'tanh', 'sigmoid', 'gelu', 'leakyRelu']).default('relu'),
  dropout: z.number().min(0).lt(1).default(0),
});

export const mlpDigits = namedConfig({
  name: 'mlp-digits',
  description: 'an MLP on the 8×8 digits (1,797 images, standardised); --hidden 64,32 --activation --dropout',
  options: mlpDigitsOptions,
  config: (o) =>
    onTable(
      'mlp-digits',
      {
        type: 'mlp',
        hidden: o.hidden,
        activation: o.activation,
        dropout: o.dropout,
        init: o.activation === 'relu' || o.activation === 'leakyRelu' ? 'he' : 'xavier',
      },
      { dataset: 'digits' },
      { type: 'adam', lr: 1e-3 },
      { epochs: 30, batchSize: 32 },
    ),
  title: (o) => `MLP 64-${o.hidden.join('-')}-10 (${o.activation}) on the 8×8 digits`,
});
