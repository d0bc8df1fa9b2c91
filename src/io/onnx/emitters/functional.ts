/**
 * The ops that model forwards call directly (relu(x), add(a, b), concat, flatten, pad, …), each as ONNX nodes
 * plus neurite's own result on the example input. Shapes that depend on the batch keep ONNX's 0 ("copy this
 * axis") or -1 so that a dynamic batch size flows through.
 */

import { add as addOp, mul as mulOp } from '../../../ops/elementwise.js';
import * as ops from '../../../ops/index.js';
import type { Tensor } from '../../../tensor/tensor.js';
import type { OnnxGraph, Value } from '../graph.js';
import { int } from '../graph.js';

export function unary(g: OnnxGraph, opType: string, x: Value, t: Tensor): Value {
  return { name: g.op(opType, [x.name]), t };
}

export const relu = (g: OnnxGraph, x: Value): Value => unary(g, 'Relu', x, ops.relu(x.t));
export const tanh = (g: OnnxGraph, x: Value): Value => unary(g, 'Tanh', x, ops.tanh(x.t));
export const sigmoid = (g: OnnxGraph, x: Value): Value => unary(g, 'Sigmoid', x, ops.sigmoid(x.t));

export function add(g: OnnxGraph, a: Value, b: Value): Value {
  return { name: g.op('Add', [a.name, b.name]), t: addOp(a.t, b.t) };
}

export function mul(g: OnnxGraph, a: Value, b: Value): Value {
  return { name: g.op('Mul', [a.name, b.name]), t: mulOp(a.t, b.t) };
}

/** Concatenation along `axis` (Inception's branches, RandWire's inputs). */
export function concat(g: OnnxGraph, xs: Value[], axis: number): Value {
  const t = ops.concat(
    xs.map((x) => x.t),
    axis,
  );
  const a = axis < 0 ? axis + t.ndim : axis;
  return {
    name: g.op(
      'Concat',
      xs.map((x) => x.name),
      { axis: int(a) },
    ),
    t,
  };
}

/**
 * A reshape to `t`'s shape, keeping the leading `keep` axes as they come in (ONNX 0) so that a dynamic batch
 * passes; one other axis, the first of the rest, is written -1 when the batch is folded into it.
 */
export function reshapeTo(g: OnnxGraph, x: Value, t: Tensor, keep: number): Value {
  const spec = t.shape.map((d, i) => (i < keep ? 0 : d));
  // the batch axis folded into a later one (keep = 0): let ONNX infer that axis
  if (keep === 0 && spec.length > 0) spec[0] = -1;
  return { name: g.op('Reshape', [x.name, g.int64s('shape', spec)]), t };
}

/** torch.flatten(x, start, end) */
export function flatten(g: OnnxGraph, x: Value, startAxis = 0, endAxis = -1): Value {
  const t = ops.flatten(x.t, startAxis, endAxis);
  const s = startAxis < 0 ? startAxis + x.t.ndim : startAxis;
  const e = endAxis < 0 ? endAxis + x.t.ndim : endAxis;
  if (s === 1 && e === x.t.ndim - 1) return { name: g.op('Flatten', [x.name], { axis: int(s) }), t };
  return reshapeTo(g, x, t, s);
}

/** torch.nn.functional.pad in constant mode: `pads` as (before, after) pairs from the last axis. */
export function padConstant(g: OnnxGraph, x: Value, pads: readonly number[], value = 0): Value {
  const t = ops.pad(x.t, pads, { value });
  const rank = x.t.ndim;
  const begins = new Array<number>(rank).fill(0);
  const ends = new Array<number>(rank).fill(0);
  for (let k = 0; k < pads.length / 2; k++) {
    begins[rank - 1 - k] = pads[2 * k];
    ends[rank - 1 - k] = pads[2 * k + 1];
  }
  const inputs = [x.name, g.int64s('pads', [...begins, ...ends]), g.scalar('pad_value', value)];
  return { name: g.op('Pad', inputs), t };
}
