/** PyTorch export (browser-safe): nt.pytorch.exportModel and the pieces a custom layer's writer needs. */

export {
  canExport,
  exportModel,
  MAX_DATA_BYTES,
  PYTORCH_INPUT_STEPS,
  type PytorchExport,
  type PytorchExportOptions,
  type PytorchTraining,
  pytorchWriters,
} from './export.js';
export { type Arg, type Call, format, pyList, pyLiteral, pyNumber, type Value } from './python.js';
export { type ModuleClass, unsupported, WriteContext, type Writer } from './writers.js';
