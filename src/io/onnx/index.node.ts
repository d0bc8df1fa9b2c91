/** nt.onnx in Node: the browser-safe exporter plus {@link save}, which writes the file. */
export * from './index.js';
export { save, saveGenerator } from './save.node.js';
