/**
 * The graph under construction: nodes, weights (initializers) and fresh value names, as plain objects in the shape
 * of ONNX's NodeProto/TensorProto (camelCase field names, as protobufjs expects). The layers' emitters (emitters/)
 * append to it; {@link encodeModel} turns it into bytes.
 */

import { ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';

/** A value in the graph: its ONNX name and neurite's own result for it on the example input (shapes, checks). */
export interface Value {
  name: string;
  t: Tensor;
}

/** An attribute as ONNX types it (AttributeProto.AttributeType). */
export type Attr =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'graph'; value: Record<string, unknown> };

export const float = (value: number): Attr => ({ type: 'float', value });
export const int = (value: number): Attr => ({ type: 'int', value });
export const ints = (value: readonly number[]): Attr => ({ type: 'ints', value });
export const floats = (value: readonly number[]): Attr => ({ type: 'floats', value });
export const str = (value: string): Attr => ({ type: 'string', value });
export const strs = (value: readonly string[]): Attr => ({ type: 'strings', value });
/** A subgraph (a Loop's body), as GraphProto's fields. */
export const graph = (value: Record<string, unknown>): Attr => ({ type: 'graph', value });

// onnx.proto: AttributeProto.AttributeType and TensorProto.DataType
const ATTR_TYPE = { float: 1, int: 2, string: 3, graph: 5, floats: 6, ints: 7, strings: 8 } as const;
export const FLOAT = 1;
export const BOOL = 9;
export const INT32 = 6;
export const INT64 = 7;
export const STRING = 8;

export interface NodeJSON {
  opType: string;
  name: string;
  input: string[];
  output: string[];
  attribute: Record<string, unknown>[];
  /** The operator set's domain when not ONNX's own (e.g. 'ai.onnx.ml'). */
  domain?: string;
}

export interface TensorJSON {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

function bytesOf(view: Float32Array | BigInt64Array | Int32Array): Uint8Array {
  // ONNX's raw_data is little-endian; so is every platform JavaScript runs on that we know of, but check
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new ValueError('onnx.exportModel: big-endian platforms are not supported');
  }
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

export class OnnxGraph {
  readonly nodes: NodeJSON[] = [];
  readonly initializers: TensorJSON[] = [];
  constructor(
    readonly opset: number,
    private readonly used = new Set<string>(),
  ) {}

  /** A subgraph's graph (a Loop's body): its own nodes and weights, names apart from this graph's. */
  child(): OnnxGraph {
    return new OnnxGraph(this.opset, this.used);
  }

  /** A name nobody holds yet, built from `hint`. */
  fresh(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name that must stay as given (the graph's input and output names). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new ValueError(`onnx.exportModel: the name '${name}' is used twice`);
    this.used.add(name);
    return name;
  }

  /** Appends one node; gives back its output names (`outputs` of them, named after `hint`). */
  node(
    opType: string,
    input: string[],
    attrs: Record<string, Attr> = {},
    hint = opType,
    outputs = 1,
  ): string[] {
    const output = Array.from({ length: outputs }, (_, i) =>
      this.fresh(outputs === 1 ? hint : `${hint}_${i}`),
    );
    const attribute = Object.entries(attrs).map(([name, a]) => {
      const out: Record<string, unknown> = { name, type: ATTR_TYPE[a.type] };
      if (a.type === 'float') out.f = a.value;
      else if (a.type === 'int') out.i = a.value;
      else if (a.type === 'floats') out.floats = [...a.value];
      else if (a.type === 'ints') out.ints = [...a.value];
      else if (a.type === 'strings') out.strings = a.value.map((v) => new TextEncoder().encode(v));
      else if (a.type === 'graph') out.g = a.value;
      else out.s = new TextEncoder().encode(a.value);
      return out;
    });
    this.nodes.push({ opType, name: this.fresh(`${hint}_node`), input, output, attribute });
    return output;
  }

  /** One node with one output. */
  op(opType: string, input: string[], attrs: Record<string, Attr> = {}, hint = opType): string {
    return this.node(opType, input, attrs, hint, 1)[0];
  }

  /** A float32 weight, named after its state-dict key when it has one. */
  weight(hint: string, data: Float32Array | readonly number[], dims: readonly number[]): string {
    const name = this.fresh(hint);
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) {
      throw new ValueError(
        `onnx: weight '${hint}' has ${values.length} values for shape [${dims.join(', ')}]`,
      );
    }
    this.initializers.push({ name, dims: [...dims], dataType: FLOAT, rawData: bytesOf(values) });
    return name;
  }

  /** A float32 weight from a tensor (cast from whatever dtype it holds). */
  tensor(hint: string, t: Tensor, dims: readonly number[] = t.shape): string {
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
    return this.weight(hint, data.subarray(0, t.size), dims);
  }

  /** A scalar float32 constant. */
  scalar(hint: string, v: number): string {
    return this.weight(hint, [v], []);
  }

  /** An int32 scalar constant (compared with int32 token ids). */
  int32(hint: string, value: number): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims: [], dataType: INT32, rawData: bytesOf(Int32Array.of(value)) });
    return name;
  }

  /** A bool scalar constant. */
  bool(hint: string, value: boolean): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims: [], dataType: BOOL, rawData: Uint8Array.of(value ? 1 : 0) });
    return name;
  }

  /** An int64 vector constant (shapes, axes, split sizes). */
  int64s(hint: string, values: readonly number[]): string {
    const name = this.fresh(hint);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: INT64, rawData: bytesOf(data) });
    return name;
  }
}
