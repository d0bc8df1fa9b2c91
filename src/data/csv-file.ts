import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { FormatError, ValueError } from '../errors.js';
import { type CsvData, type CsvOptions, type CsvParseFunction, csvRecords, csvTable } from './csv.js';

/**
 * Loads a CSV file (UTF-8, optionally gzipped as `.gz`) into tensors: numeric columns as they are,
 * categorical ones one-hot or label encoded, an optional target column as `y`. Node only; {@link parseCsv}
 * does the same for a string anywhere.
 *
 * Every problem throws a {@link FormatError} naming the file, the line (1-based, the header counted, as an
 * editor shows it) and the column: ragged rows, words in numeric columns, empty or NaN cells, an empty file;
 * a column name that is not in the header throws a {@link ValueError} listing the columns.
 *
 * ```ts
 * const train = loadCsv('train.csv', { target: 'price', categorical: ['city'] });
 * const test = loadCsv('test.csv', { target: 'price', categorical: ['city'], encoders: train.encoders });
 * ```
 */
export function loadCsv(path: string, options: CsvOptions = {}): CsvData {
  if (typeof path !== 'string' || path === '') {
    throw new ValueError(`loadCsv: path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  const where = `loadCsv: ${path}`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EISDIR')
      throw new FormatError(`loadCsv: ${path} is a folder, not a CSV file`);
    throw new FormatError(`loadCsv: cannot read ${path}: ${(e as Error).message}`);
  }
  if (path.endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new FormatError(`${where} is not valid gzip data: ${(e as Error).message}`);
    }
  }
  const text = bytes.toString('utf8');
  return csvTable(csvRecords(text, options, where, parse as unknown as CsvParseFunction), options, where);
}
