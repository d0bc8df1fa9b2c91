export * from './adagrad.js';
export * from './adam.js';
export * from './clip.js';
export * from './lbfgs.js';
export * from './lr_scheduler.js';
export * from './optimizer.js';
export * from './rmsprop.js';
export * from './sgd.js';
