/**
 * A table model as one ONNX file that takes raw rows: the numeric columns as one float input, each categorical
 * column as its own `[batch, 1]` input of its values (strings, or float32 for numeric categories), encoded in the
 * graph as neurite's CSV reader encodes them, then the checkpoint's other preprocessing and the model.
 *
 * Each categorical column becomes an `ai.onnx.ml` LabelEncoder (value → category index, an unknown value → K)
 * and a Gather from a constant table: for a OneHotEncoder the K×K identity (row k is category k's one-hot row),
 * for a LabelEncoder the column of codes 0…K−1. An unknown value's index K is past the table's end, which ONNX
 * makes an error (Gather's indices must be in range): the run fails, as neurite's encoder with
 * `handleUnknown: 'error'` throws. With `handleUnknown: 'ignore'` the table gets a row of zeros at K: an unknown
 * value encodes as all zeros, as in neurite.
 */

import type { Category, LabelEncoderJSON, OneHotEncoderJSON } from '../../data/preprocessing.js';
import { ValueError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import { Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import type { InputSpec } from '../../train/load_model.js';
import { encodeModel, type ValueInfo } from './encode.js';
import { type OnnxExportOptions, type OnnxExportResult, traceOnnx } from './export.js';
import { FLOAT, floats, int, ints, OnnxGraph, STRING, strs } from './graph.js';
import { WithPreprocessing } from './preprocessing.js';

/** What a table model reads, as a checkpoint of `neurite train` on a CSV records it. */
export interface TableSpec {
  /** The feature columns, in the order neurite's CSV reader puts their encoded blocks side by side. */
  columns: readonly string[];
  /** The fitted encoder of each categorical column, by column name; a column without one is numeric. */
  encoders: Readonly<Record<string, OneHotEncoderJSON | LabelEncoderJSON>>;
  /** The steps after encoding (the checkpoint's `preprocessing.input`: scaler, polynomial features, …), or null. */
  input: InputSpec | null;
}

/** One input of the exported file. */
export interface TableInput extends ValueInfo {
  /** The table columns it carries: the numeric ones in order, or the one categorical column. */
  columns: string[];
  /** A categorical column's categories (in the order of its one-hot block or codes). */
  categories?: Category[];
}

export interface OnnxTableExport extends OnnxExportResult {
  /** The file's inputs: `numeric` (when there are numeric columns) first, then each categorical column. */
  inputs: TableInput[];
}

/** The `ai.onnx.ml` operator set that came with each ONNX operator set (onnx/helper.py's VERSION_TABLE). */
const ML_OPSET: Record<number, number> = { 13: 2, 14: 2, 15: 2, 16: 3, 17: 3, 18: 3, 19: 3, 20: 4, 21: 4 };

/** The feature columns with an encoder, in order; errors name what is wrong with the spec. */
function categoricalColumns(table: TableSpec): string[] {
  const where = 'onnx.exportTable';
  if (!Array.isArray(table.columns) || table.columns.length === 0)
    throw new ValueError(
      `${where}: columns must list the feature columns, got ${JSON.stringify(table.columns)}`,
    );
  const seen = new Set<string>();
  for (const c of table.columns) {
    if (typeof c !== 'string' || c === '')
      throw new ValueError(`${where}: column names must be non-empty strings`);
    if (seen.has(c)) throw new ValueError(`${where}: the column '${c}' is listed twice`);
    seen.add(c);
  }
  const categorical = table.columns.filter((c) => table.encoders[c] !== undefined);
  for (const c of categorical) {
    const e = table.encoders[c];
    const cats = e.type === 'OneHotEncoder' ? e.categories : e.type === 'LabelEncoder' ? [e.classes] : null;
    if (!cats)
      throw new ValueError(
        `${where}: the encoder of '${c}' is a ${(e as { type: string }).type}, not a OneHotEncoder or LabelEncoder`,
      );
    if (cats.length !== 1 || cats[0].length === 0)
      throw new ValueError(
        `${where}: the encoder of '${c}' must encode that one column (it has ${cats.length} columns of categories)`,
      );
    const kinds = new Set(cats[0].map((v) => typeof v));
    if (kinds.size !== 1) throw new ValueError(`${where}: the categories of '${c}' mix strings and numbers`);
  }
  return categorical;
}

function categoriesOf(e: OneHotEncoderJSON | LabelEncoderJSON): Category[] {
  return e.type === 'OneHotEncoder' ? e.categories[0] : e.classes;
}

/** The encoded width of each column: K for a one-hot column, 1 for a numeric or label-encoded one. */
function widthOf(table: TableSpec, c: string): number {
  const e = table.encoders[c];
  return e?.type === 'OneHotEncoder' ? e.categories[0].length : 1;
}

/** An example of encoded rows for the trace: numeric values at random, each category in turn. */
function exampleRows(table: TableSpec, n: number): Tensor {
  const g = new Generator(0);
  const width = table.columns.reduce((s, c) => s + widthOf(table, c), 0);
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    let offset = 0;
    for (const c of table.columns) {
      const e = table.encoders[c];
      if (e === undefined) out[i * width + offset] = g.random() * 4 - 2;
      else if (e.type === 'LabelEncoder') out[i * width + offset] = i % e.classes.length;
      else out[i * width + offset + (i % e.categories[0].length)] = 1;
      offset += widthOf(table, c);
    }
  }
  return new Tensor(out, [n, width]);
}

/**
 * Exports a model that reads table rows (as `neurite train` on a CSV gives) to ONNX with the category encoding in
 * the graph: the file takes `numeric` (float32 `[batch, numeric columns]`, in the table's order) and one
 * `[batch, 1]` input per categorical column, named after the column (string, or float32 when its categories are
 * numbers), and gives what `model.forward(preprocess(encoded rows))` gives.
 */
export function exportTable(
  model: Module,
  table: TableSpec,
  options: OnnxExportOptions = {},
): OnnxTableExport {
  const where = 'onnx.exportTable';
  if (options.inputNames !== undefined)
    throw new ValueError(
      `${where}: the inputs are named after the table's columns; inputNames does not apply`,
    );
  const categorical = categoricalColumns(table);
  const numeric = table.columns.filter((c) => table.encoders[c] === undefined);
  const outputName = options.outputNames?.[0] ?? 'output';
  let numericName = categorical.includes('numeric') ? 'numeric_columns' : 'numeric';
  while (categorical.includes(numericName) || numericName === outputName) numericName = `_${numericName}`;
  for (const c of categorical) {
    if (c === outputName)
      throw new ValueError(
        `${where}: the column '${c}' would be both an input and the output; name the output otherwise with outputNames`,
      );
  }
  // the model and its later preprocessing, traced on encoded rows, under an input name no column takes
  let encodedName = 'encoded_features';
  while (table.columns.includes(encodedName) || encodedName === outputName) encodedName = `_${encodedName}`;
  const inner = traceOnnx(
    table.input ? new WithPreprocessing(model, table.input) : model,
    exampleRows(table, (options.dynamicBatch ?? true) ? 2 : 1),
    { ...options, inputNames: [encodedName], outputNames: [outputName] },
  );

  const traced = inner.json;
  const used = new Set<string>([outputName, numericName, ...categorical]);
  for (const n of traced.nodes) for (const v of [n.name, ...n.input, ...n.output]) used.add(v);
  for (const t of traced.initializers) used.add(t.name);
  // the model's own names (a Reshape's 'shape', …) give way to the column inputs
  const renamed = new Map<string, string>();
  const own = (name: string) => {
    if (name !== numericName && !categorical.includes(name)) return name;
    let fresh = `${name}_`;
    while (used.has(fresh)) fresh = `${fresh}_`;
    used.add(fresh);
    renamed.set(name, fresh);
    return fresh;
  };
  for (const t of traced.initializers) t.name = own(t.name);
  for (const n of traced.nodes) n.output = n.output.map(own);
  for (const n of traced.nodes) n.input = n.input.map((v) => renamed.get(v) ?? v);
  const g = new OnnxGraph(options.opset ?? 17, used);
  const dynamic = options.dynamicBatch ?? true;
  const batch = dynamic ? 'batch' : 1;
  const axis1 = { axis: int(1) };

  const inputs: TableInput[] = [];
  if (numeric.length > 0)
    inputs.push({ name: numericName, elemType: FLOAT, dims: [batch, numeric.length], columns: numeric });
  const parts: string[] = [];
  let run: number[] = [];
  const flushNumeric = () => {
    if (run.length === 0) return;
    const whole = run.length === numeric.length && run.every((k, i) => k === i);
    parts.push(whole ? numericName : g.op('Gather', [numericName, g.int64s('numeric_columns', run)], axis1));
    run = [];
  };
  for (const c of table.columns) {
    const e = table.encoders[c];
    if (e === undefined) {
      run.push(numeric.indexOf(c));
      continue;
    }
    flushNumeric();
    const cats = categoriesOf(e);
    const k = cats.length;
    const strings = typeof cats[0] === 'string';
    if (!strings && new Set(cats.map((v) => Math.fround(v as number))).size !== k) {
      throw new ValueError(
        `${where}: the categories of '${c}' (${cats.join(', ')}) are not all apart in float32, which the file's numeric category input holds`,
      );
    }
    inputs.push({
      name: c,
      elemType: strings ? STRING : FLOAT,
      dims: [batch, 1],
      columns: [c],
      categories: [...cats],
    });
    const [ids] = g.node(
      'LabelEncoder',
      [c],
      {
        ...(strings ? { keys_strings: strs(cats.map(String)) } : { keys_floats: floats(cats as number[]) }),
        values_int64s: ints(cats.map((_, i) => i)),
        default_int64: int(k),
      },
      `${c}_index`,
    );
    g.nodes[g.nodes.length - 1].domain = 'ai.onnx.ml';
    let rows: number[];
    let dims: number[];
    if (e.type === 'OneHotEncoder') {
      const unknownRow = e.handleUnknown === 'ignore' ? 1 : 0;
      rows = new Array((k + unknownRow) * k).fill(0);
      for (let i = 0; i < k; i++) rows[i * k + i] = 1;
      dims = [k + unknownRow, k];
    } else {
      rows = cats.map((_, i) => i);
      dims = [k, 1];
    }
    const lookup = g.weight(`${c}_${e.type === 'OneHotEncoder' ? 'onehot' : 'codes'}`, rows, dims);
    // [batch, 1] indices → [batch, 1, width] rows → [batch, width]
    const picked = g.op('Gather', [lookup, ids], { axis: int(0) }, `${c}_rows`);
    // ONNX Runtime's error for an unknown value names the node: let the name say what the index means
    if (e.type === 'LabelEncoder' || e.handleUnknown === 'error')
      g.nodes[g.nodes.length - 1].name = g.fresh(`${c}/index_${k}_is_a_category_not_seen_in_training`);
    parts.push(g.op('Flatten', [picked], axis1, `${c}_encoded`));
  }
  flushNumeric();
  const features = parts.length === 1 ? g.op('Identity', parts) : g.op('Concat', parts, axis1, 'features');

  // the model's nodes now read the encoded features from the nodes above
  for (const n of traced.nodes) n.input = n.input.map((v) => (v === encodedName ? features : v));
  const bytes = encodeModel({
    ...traced,
    nodes: [...g.nodes, ...traced.nodes],
    initializers: [...g.initializers, ...traced.initializers],
    inputs,
    domains: { 'ai.onnx.ml': ML_OPSET[options.opset ?? 17] },
  });
  const ops = { ...inner.ops };
  for (const n of g.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
  return { bytes, ops, output: inner.output, inputs };
}
