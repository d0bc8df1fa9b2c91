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
import { type Emitter, ExportContext, type ModuleClass } from './context.js';
import { activationEmitters } from './emitters/activations.js';
import { classicEmitters } from './emitters/classic.js';
import { cnnEmitters } from './emitters/cnn.js';
import { layerEmitters } from './emitters/layers.js';
import { encodeModel, type ModelJSON } from './encode.js';
import { OnnxGraph } from './graph.js';
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

/** Every class the exporter knows, with its emitter. */
export function onnxEmitters(): ReadonlyMap<ModuleClass, Emitter> {
  return new Map([
    ...layerEmitters,
    ...activationEmitters,
    ...cnnEmitters,
    ...classicEmitters,
    ...preprocessingEmitters,
  ]);
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
      const x = exampleInput.dtype === 'float32' ? exampleInput : exampleInput.to('float32');
      const ctx = new ExportContext(g, onnxEmitters());
      const y = ctx.emit(model, { name: inputName, t: x }, '');
      const expected = ctx.run(
        () => (model as Module & { forward(x: Tensor): unknown }).forward(x),
        '',
        model,
      );
      if (
        expected.shape.join() !== y.t.shape.join() ||
        expected.data.some((v, i) => !Object.is(v, y.t.data[i]))
      ) {
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
        inputs: [{ name: inputName, dims: batch(x.shape) }],
        outputs: [{ name: outputName, dims: batch(y.t.shape) }],
        docString: options.docString,
      };
      const ops: Record<string, number> = {};
      for (const n of g.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
      return { bytes: encodeModel(json), ops, output: expected };
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
