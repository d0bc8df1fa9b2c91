/** Reading and writing weights: the isomorphic safetensors codec and the Node file helpers. */
export * from './file.js';
export * from './safetensors.js';
