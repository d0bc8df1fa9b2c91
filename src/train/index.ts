/**
 * Training: `fit` / `evaluate` / `predict`, metrics, callbacks, progress reporting, checkpoints and model
 * summaries. Browser-safe; file access (checkpoints, JSON-lines logs) and the terminal progress bar come from
 * the Node entry, which registers them when it loads.
 */
export * from './architecture.js';
export * from './callbacks.js';
export * from './checkpoint.js';
export type { TrainData, XY } from './data.js';
export * from './fit.js';
export * from './load_model.js';
export * from './losses.js';
export * from './metrics.js';
export { setTrainPlatform, type TrainPlatform, type Verbosity } from './platform.js';
export * from './progress.js';
export * from './summary.js';
