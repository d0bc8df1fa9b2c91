/** The fitted classics: LinearRegression and LogisticRegression are x·Wᵀ + b (their forward gives the logits). */

import { LogisticRegression } from '../../../models/logistic.js';
import { LinearRegression } from '../../../models/regression.js';
import { type Emitter, type Entry, entry, unsupported } from '../context.js';
import { linearNodes } from './layers.js';

const emitAffine: Emitter<LinearRegression | LogisticRegression> = (ctx, m, x, path) => {
  if (!m.weight) throw unsupported(path, m, 'it has no coefficients yet (fit it or load its weights first)');
  const t = ctx.run(() => m.forward(x.t), path, m);
  return { name: linearNodes(ctx.g, path, x, m.weight, m.bias), t };
};

export const classicEmitters: Entry[] = [
  entry(LinearRegression, emitAffine),
  entry(LogisticRegression, emitAffine),
];
