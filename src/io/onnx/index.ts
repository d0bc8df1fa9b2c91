/** ONNX export (browser-safe): nt.onnx.exportModel and the pieces a custom layer's emitter needs. */

export { type CheckpointTable, checkpointTable } from '../table-spec.js';
export { type Emitter, type Entry, ExportContext, entry, join, unsupported } from './context.js';
export { decodeModel } from './encode.js';
export {
  canExport,
  exportModel,
  exportOnnx,
  type OnnxExportOptions,
  type OnnxExportResult,
  onnxEmitters,
} from './export.js';
export {
  exportGenerator,
  type GeneratorModel,
  isGenerator,
  type OnnxGeneratorExport,
  type OnnxGeneratorOptions,
  type OnnxGraphFile,
} from './generators.js';
export type { Value } from './graph.js';
export { ONNX_INPUT_STEPS, WithPreprocessing } from './preprocessing.js';
export { exportTable, type OnnxTableExport, type TableInput, type TableSpec } from './table.js';
