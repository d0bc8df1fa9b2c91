/**
 * nt.onnx.exportModel: a Module and an example input to the bytes of an ONNX model, browser-safe. The model runs
 * once in evaluation mode on the example input while its emitters append the nodes; the result of that walk must
 * equal the model's own forward, so a walk that drifted from the code it mirrors fails here rather than in a
 * deployment.
 */

import { noGrad } from '../../autograd/engine.js';
import { fmtShape, ValueError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import { isTensor, type Tensor } from '../../tensor/tensor.js';
import { lookupClass } from '../module-table.js';
import { type Emitter, ExportContext, type ModuleClass } from './context.js';
import { activationEmitters } from './emitters/activations.js';
import { attentionEmitters } from './emitters/attention.js';
import { classicEmitters } from './emitters/classic.js';
import { cnnEmitters } from './emitters/cnn.js';
import { layerEmitters } from './emitters/layers.js';
import { layerExtraEmitters } from './emitters/layers-extra.js';
import { moreEmitters } from './emitters/more.js';
import { recurrentEmitters } from './emitters/recurrent.js';
import { encodeModel, type ModelJSON } from './encode.js';
import { isGenerator } from './generators.js';
import { FLOAT, INT32, OnnxGraph } from './graph.js';
import { preprocessingEmitters } from './preprocessing.js';

export interface OnnxExportOptions {
  /** The ONNX operator set (default 17; 13–21). */
  opset?: number;
  /** Leave the batch axis (axis 0) of the input and output free, named 'batch' (default true). */
  dynamicBatch?: boolean;
  /** The graph input's name (default ['input']). */
  inputNames?: string[];
  /** The graph output's name (default ['output']). */
  outputNames?: string[];
  /** The graph's name (default the model's class name). */
  graphName?: string;
  /** A description stored in the model (ModelProto.doc_string). */
  docString?: string;
}

/** What a graph holds besides its bytes: for reports and tests. */
export interface OnnxExportResult {
  bytes: Uint8Array;
  /** Node count per operator type. */
  ops: Record<string, number>;
  /** neurite's output on the example input (evaluation mode). */
  output: Tensor;
}

/** The walk's result against the forward's: same shape, values within float32 rounding of the output's scale. */
function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.shape.join() !== b.shape.join()) return false;
  let scale = 0;
  for (let i = 0; i < a.size; i++) scale = Math.max(scale, Math.abs(a.data[i]));
  for (let i = 0; i < a.size; i++) {
    if (!(Math.abs(a.data[i] - b.data[i]) <= 1e-6 * scale) && !Object.is(a.data[i], b.data[i])) return false;
  }
  return true;
}

/** Every class the exporter knows, with its emitter. */
export function onnxEmitters(): ReadonlyMap<ModuleClass, Emitter> {
  return new Map([
    ...layerEmitters,
    ...layerExtraEmitters,
    ...activationEmitters,
    ...cnnEmitters,
    ...classicEmitters,
    ...moreEmitters,
    ...recurrentEmitters,
    ...attentionEmitters,
    ...preprocessingEmitters,
  ]);
}

/** Whether the exporter has an emitter for `model`'s class (or a class it inherits forward from). */
export function canExport(model: Module): boolean {
  return lookupClass(onnxEmitters(), model)?.sameForward ?? false;
}

function oneName(names: string[] | undefined, fallback: string, what: string): string {
  if (names === undefined) return fallback;
  if (!Array.isArray(names) || names.length !== 1 || typeof names[0] !== 'string' || names[0] === '') {
    throw new ValueError(
      `onnx.exportModel: ${what} must list one non-empty name, got ${JSON.stringify(names)}`,
    );
  }
  return names[0];
}

/**
 * Exports `model` (evaluation mode) to ONNX, tracing its forward on `exampleInput` ([N, …]); gives the model,
 * its node counts per operator and neurite's output on the example.
 */
export function exportOnnx(
  model: Module,
  exampleInput: Tensor,
  options: OnnxExportOptions = {},
): OnnxExportResult {
  const { json, ops, output } = traceOnnx(model, exampleInput, options);
  return { bytes: encodeModel(json), ops, output };
}

/**
 * {@link exportOnnx} before encoding: the model as the plain objects of its graph, for an exporter that adds nodes
 * in front of it (the table export's category encoders).
 */
export function traceOnnx(
  model: Module,
  exampleInput: Tensor,
  options: OnnxExportOptions = {},
): { json: ModelJSON; ops: Record<string, number>; output: Tensor } {
  if (isGenerator(model)) {
    throw new ValueError(
      `onnx.exportModel: a ${model.constructor.name} feeds its own tokens back, which one traced forward cannot hold; export it with onnx.exportGenerator (the graphs of its decoding steps, and greedy decoding in one graph)`,
    );
  }
  if (!isTensor(exampleInput)) throw new ValueError('onnx.exportModel: exampleInput must be a tensor');
  if (exampleInput.ndim < 1)
    throw new ValueError('onnx.exportModel: exampleInput needs a batch axis, got a scalar');
  const opset = options.opset ?? 17;
  const dynamic = options.dynamicBatch ?? true;
  const inputName = oneName(options.inputNames, 'input', 'inputNames');
  const outputName = oneName(options.outputNames, 'output', 'outputNames');
  if (inputName === outputName)
    throw new ValueError(`onnx.exportModel: input and output are both named '${inputName}'`);
  const g = new OnnxGraph(opset);
  g.reserve(inputName);
  g.reserve(outputName);
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      // int32 stays int32 (indices for an Embedding first), everything else goes in as float32
      const x =
        exampleInput.dtype === 'float32' || exampleInput.dtype === 'int32'
          ? exampleInput
          : exampleInput.to('float32');
      const ctx = new ExportContext(g, onnxEmitters());
      const y = ctx.emit(model, { name: inputName, t: x }, '');
      const expected = ctx.run(
        () => (model as Module & { forward(x: Tensor): unknown }).forward(x),
        '',
        model,
      );
      if (!sameValues(expected, y.t)) {
        throw new ValueError(
          `onnx.exportModel: the export of ${model.constructor.name} does not follow its forward (output ${fmtShape(y.t.shape)} vs ${fmtShape(expected.shape)}): please report this`,
        );
      }
      if (y.name === inputName) g.node('Identity', [inputName], {}, 'identity');
      const last = y.name === inputName ? g.nodes[g.nodes.length - 1].output[0] : y.name;
      if (!g.nodes.some((n) => n.output.includes(last))) {
        throw new ValueError(
          `onnx.exportModel: ${model.constructor.name}'s output is a constant, not computed from the input`,
        );
      }
      for (const n of g.nodes) {
        n.input = n.input.map((v) => (v === last ? outputName : v));
        n.output = n.output.map((v) => (v === last ? outputName : v));
      }
      const batch = (shape: readonly number[]) => shape.map((d, i) => (i === 0 && dynamic ? 'batch' : d));
      const json: ModelJSON = {
        opset,
        graphName: options.graphName ?? model.constructor.name,
        nodes: g.nodes,
        initializers: g.initializers,
        inputs: [{ name: inputName, dims: batch(x.shape), elemType: x.dtype === 'int32' ? INT32 : FLOAT }],
        outputs: [{ name: outputName, dims: batch(y.t.shape), elemType: FLOAT }],
        docString: options.docString,
      };
      const ops: Record<string, number> = {};
      for (const n of g.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
      return { json, ops, output: expected };
    });
  } finally {
    model.train(wasTraining);
  }
}

/** Exports `model` (evaluation mode) to the bytes of an ONNX model, tracing its forward on `exampleInput`. */
export function exportModel(
  model: Module,
  exampleInput: Tensor,
  options: OnnxExportOptions = {},
): Uint8Array {
  return exportOnnx(model, exampleInput, options).bytes;
}
