/** nt.onnx.save (Node): exports a model to ONNX and writes the file atomically. */

import { FormatError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { writeFileAtomic } from '../file.js';
import { exportOnnx, type OnnxExportOptions, type OnnxExportResult } from './export.js';

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
