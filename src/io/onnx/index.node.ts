/** nt.onnx in Node: the browser-safe exporter plus {@link save}, which writes the file. */
export * from './index.js';
export { save, saveGenerator, saveTable } from './save.node.js';
