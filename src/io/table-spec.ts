/**
 * What the ONNX and PyTorch exporters read from a checkpoint of `neurite train` on a CSV with categorical columns:
 * the feature columns in the order the CSV reader lays out their encoded blocks, the fitted encoder of each
 * categorical one, and the classes of a label-encoded target.
 */

import type { Category, LabelEncoderJSON, OneHotEncoderJSON } from '../data/preprocessing.js';
import { FormatError } from '../errors.js';
import type { Checkpoint } from '../train/types.js';

export interface CheckpointTable {
  /** The feature columns, in order. */
  columns: string[];
  /** The encoder of each categorical feature column, by name. */
  encoders: Record<string, OneHotEncoderJSON | LabelEncoderJSON>;
  /** A label-encoded target: its column and classes (class k is output k). */
  target?: { name: string; classes: Category[] };
}

/**
 * The table a checkpoint's run read, when it read one with categorical feature columns (`extra.info` and
 * `preprocessing.encoders` of a `neurite train` run); null for any other checkpoint. A checkpoint that names
 * categorical columns without their encoders is a FormatError.
 */
export function checkpointTable(ckpt: Checkpoint | null | undefined, where: string): CheckpointTable | null {
  const info = (ckpt?.extra as { info?: { columns?: unknown; categorical?: unknown } } | null | undefined)
    ?.info;
  if (!info || !Array.isArray(info.categorical) || info.categorical.length === 0) return null;
  const saved = (ckpt?.preprocessing as { encoders?: Record<string, { type?: unknown }> } | undefined)
    ?.encoders;
  if (!Array.isArray(info.columns) || !info.columns.every((c) => typeof c === 'string') || !saved) {
    throw new FormatError(
      `${where}: the checkpoint names categorical columns but not its columns or their encoders (extra.info.columns, preprocessing.encoders)`,
    );
  }
  const columns = info.columns as string[];
  const encoders: CheckpointTable['encoders'] = {};
  for (const c of info.categorical) {
    const e = saved[String(c)];
    if (e?.type !== 'OneHotEncoder' && e?.type !== 'LabelEncoder') {
      throw new FormatError(`${where}: the checkpoint has no encoder for its categorical column '${c}'`);
    }
    if (!columns.includes(String(c))) {
      throw new FormatError(
        `${where}: the categorical column '${c}' is not among the columns ${columns.join(', ')}`,
      );
    }
    encoders[String(c)] = e as OneHotEncoderJSON | LabelEncoderJSON;
  }
  const table: CheckpointTable = { columns, encoders };
  for (const [name, e] of Object.entries(saved)) {
    if (e?.type === 'LabelEncoder' && !columns.includes(name)) {
      table.target = { name, classes: [...(e as LabelEncoderJSON).classes] };
    }
  }
  return table;
}
