// The lecture's models and the classic architectures; one export line per model file.

export * from './alexnet.js';
export * from './inception.js';
export * from './lenet.js';
export { LogisticRegression, type LogisticRegressionOptions, type MultiClass } from './logistic.js';
export { MLP, type MLPActivation, type MLPInit, type MLPOptions, type MLPOutputActivation } from './mlp.js';
export * as randwire from './randwire/index.js';
export { RandWireNet, RandWireNode, RandWireStage } from './randwire/index.js';
export { LinearRegression, type LinearRegressionOptions, type RegressionMethod } from './regression.js';
export * from './resnet.js';
export * as seq from './seq/index.js';
export { CharRNN, Seq2Seq, SequenceClassifier, SequenceGenerator, SequenceTagger } from './seq/index.js';
export * from './vgg.js';
