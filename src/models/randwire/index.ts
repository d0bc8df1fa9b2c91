/** Randomly wired networks (Xie, Kirillov, Girshick, He 2019): graph generators, nodes, stages and the net. */
export * from './graphs.js';
export * from './network.js';
