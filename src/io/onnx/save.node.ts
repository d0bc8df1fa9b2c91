/** nt.onnx.save and saveGenerator (Node): export a model to ONNX and write the file(s) atomically. */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { writeFileAtomic } from '../file.js';
import { exportOnnx, type OnnxExportOptions, type OnnxExportResult } from './export.js';
import { exportGenerator, type OnnxGeneratorExport, type OnnxGeneratorOptions } from './generators.js';
import { exportTable, type OnnxTableExport, type TableSpec } from './table.js';

/**
 * Exports `model` (evaluation mode, traced on `exampleInput`) to ONNX and writes it to `path`: to a temporary
 * file beside it, flushed, then renamed, so a failure never leaves half a model. Gives what {@link exportOnnx}
 * gives (bytes, node counts, neurite's output on the example).
 */
export async function save(
  model: Module,
  exampleInput: Tensor,
  path: string,
  options: OnnxExportOptions = {},
): Promise<OnnxExportResult> {
  const result = exportOnnx(model, exampleInput, options);
  await writing('save', path, 'file', () => writeFileAtomic(path, result.bytes));
  return result;
}

/**
 * Exports a table model with its category encoding in the graph (see {@link exportTable}) and writes it to
 * `path` atomically, as {@link save} does. Gives what exportTable gives.
 */
export async function saveTable(
  model: Module,
  table: TableSpec,
  path: string,
  options: OnnxExportOptions = {},
): Promise<OnnxTableExport> {
  const result = exportTable(model, table, options);
  await writing('saveTable', path, 'file', () => writeFileAtomic(path, result.bytes));
  return result;
}

/** Runs `write`; a failure becomes a FormatError naming the call (`onnx.<what>`), the path and the cause. */
async function writing(
  what: string,
  where: string,
  files: string,
  write: () => Promise<void>,
): Promise<void> {
  try {
    await write();
  } catch (e) {
    const err = new FormatError(
      `onnx.${what}(${where}): cannot write the ${files}: ${e instanceof Error ? e.message : String(e)}`,
    );
    err.cause = e;
    throw err;
  }
}

/**
 * Exports a generator (see {@link exportGenerator}) and writes its files into the folder `dir` (created when
 * missing), each atomically. Gives what exportGenerator gives.
 */
export async function saveGenerator(
  model: Module,
  dir: string,
  options: OnnxGeneratorOptions = {},
): Promise<OnnxGeneratorExport> {
  const result = exportGenerator(model, options);
  await writing('saveGenerator', dir, 'files', async () => {
    await mkdir(dir, { recursive: true });
    for (const f of result.files) await writeFileAtomic(join(dir, f.name), f.bytes);
  });
  return result;
}
