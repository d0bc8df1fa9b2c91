/** nt.pytorch in Node: the browser-safe exporter plus {@link save}, which writes the folder. */
export * from './index.js';
export { save } from './save.node.js';
