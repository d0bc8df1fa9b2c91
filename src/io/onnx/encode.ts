/**
 * ModelProto to bytes with protobufjs and ONNX's own schema (onnx.proto, parsed once, lazily): no hand-written
 * wire format.
 */

import protobuf from 'protobufjs';
import { ValueError } from '../../errors.js';
import type { NodeJSON, TensorJSON } from './graph.js';
import { ONNX_PROTO } from './schema.js';

let modelType: protobuf.Type | null = null;

function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: false }).root.lookupType('onnx.ModelProto');
  return modelType;
}

/** The IR version each opset came with (onnx/helper.py's VERSION_TABLE). */
const IR_VERSION: Record<number, number> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

export const OPSETS = Object.keys(IR_VERSION).map(Number);

/** A graph input or output: its element type, its axes fixed or named (a dynamic batch is the name 'batch'). */
export interface ValueInfo {
  name: string;
  /** TensorProto.DataType: 1 float32, 6 int32, 8 string. */
  elemType: number;
  dims: (number | string)[];
}

export interface ModelJSON {
  opset: number;
  graphName: string;
  nodes: NodeJSON[];
  initializers: TensorJSON[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  docString?: string;
  /** Named strings stored in the model (ModelProto.metadata_props), e.g. a generator's token ids. */
  metadata?: Record<string, string>;
  /** Operator sets of other domains the nodes use, e.g. `{ 'ai.onnx.ml': 3 }` (a category encoder's nodes). */
  domains?: Record<string, number>;
}

function valueInfo(v: ValueInfo) {
  const dim = v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: v.elemType, shape: { dim } } } };
}

/** GraphProto's fields for protobufjs (a model's graph, or a subgraph attribute such as a Loop's body). */
export function graphFields(
  name: string,
  nodes: NodeJSON[],
  initializers: TensorJSON[],
  inputs: ValueInfo[],
  outputs: ValueInfo[],
): Record<string, unknown> {
  return {
    name,
    node: nodes,
    initializer: initializers,
    input: inputs.map(valueInfo),
    output: outputs.map(valueInfo),
  };
}

export function encodeModel(m: ModelJSON): Uint8Array {
  const ir = IR_VERSION[m.opset];
  if (ir === undefined) {
    throw new ValueError(`onnx.exportModel: opset must be one of ${OPSETS.join(', ')}, got ${m.opset}`);
  }
  const type = modelProto();
  const message = {
    irVersion: ir,
    opsetImport: [
      { domain: '', version: m.opset },
      ...Object.entries(m.domains ?? {}).map(([domain, version]) => ({ domain, version })),
    ],
    producerName: 'neurite',
    docString: m.docString ?? '',
    metadataProps: Object.entries(m.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: graphFields(m.graphName, m.nodes, m.initializers, m.inputs, m.outputs),
  };
  const problem = type.verify(message);
  if (problem) throw new ValueError(`onnx.exportModel: the model does not fit onnx.proto: ${problem}`);
  return type.encode(message).finish();
}

/** Bytes back to a plain object (camelCase fields, int64 as numbers): for tests and tools. */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as Record<
    string,
    unknown
  >;
}
