export * from './container.js';
export * as init from './init.js';
export * from './linear.js';
export * from './module.js';
export * from './parameter.js';
