export * from './augment.js';
export {
  type CategoricalEncoding,
  type CsvData,
  type CsvOptions,
  type ParseCsvOptions,
  parseCsv,
  type TensorFromRowsOptions,
  tensorFromRows,
} from './csv.js';
export * from './dataset.js';
export * from './preprocessing.js';
export * from './sequence.js';
export * from './toy.js';
export * from './vocab.js';
export * from './word-tasks.js';
