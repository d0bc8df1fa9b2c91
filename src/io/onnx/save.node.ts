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
  try {
    await writeFileAtomic(path, result.bytes);
  } catch (e) {
    const err = new FormatError(
      `onnx.save(${path}): cannot write the file: ${e instanceof Error ? e.message : String(e)}`,
    );
    err.cause = e;
    throw err;
  }
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
  await writeAt(path, result.bytes, 'saveTable');
  return result;
}

async function writeAt(path: string, bytes: Uint8Array, what: string): Promise<void> {
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    const err = new FormatError(
      `onnx.${what}(${path}): cannot write the file: ${e instanceof Error ? e.message : String(e)}`,
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
  try {
    await mkdir(dir, { recursive: true });
    for (const f of result.files) await writeFileAtomic(join(dir, f.name), f.bytes);
  } catch (e) {
    const err = new FormatError(
      `onnx.saveGenerator(${dir}): cannot write the files: ${e instanceof Error ? e.message : String(e)}`,
    );
    err.cause = e;
    throw err;
  }
  return result;
}
