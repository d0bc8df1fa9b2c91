/**
 * A Keras-like model summary: each layer's output shape and parameter count, with totals. The shapes come from
 * one forward pass of a dummy input, recorded by wrapping the `forward` of every layer for the duration of that
 * pass, so nested modules and custom `forward`s are covered without the model's cooperation.
 */
import { noGrad } from '../autograd/engine.js';
import { fmtShape, ValueError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { zeros } from '../tensor/creation.js';
import { BYTES_PER_ELEMENT, type DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';

export interface SummaryRow {
  /** The dotted path of the layer in the model (`features.0`), empty for the model itself. */
  name: string;
  /** The layer's class (`Conv2d`). */
  type: string;
  /** The output shape, e.g. `[1, 6, 28, 28]` ('-' for a layer the forward pass did not call). */
  outputShape: string;
  /** The layer's own parameters, counted on its first call only, so the column adds up to the total. */
  params: number;
}

export interface ModelSummary {
  /** The model's class name. */
  model: string;
  /** The input shape the forward pass used. */
  inputShape: number[];
  /** One row per call of a layer, in call order, then the layers that were not called. */
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** Parameters and persistent buffers in MiB (2^20 bytes), what a checkpoint of the weights takes. */
  sizeMB: number;
}

export interface SummaryOptions {
  /** The dtype of the dummy input made from a shape (default float32; int32 for models that embed token ids). */
  dtype?: DType;
  /** How to call the model (default `model.forward(x)`). */
  forward?: (model: Module, x: Tensor) => unknown;
}

/** Layers that get a row: leaves, and containers that hold parameters of their own. */
function isListed(m: Module): boolean {
  return m.children().length === 0 || m.parameters(false).length > 0;
}

/** Parameters a layer holds itself (for a leaf, all of them; a listed container's children have their own rows). */
function ownParams(m: Module): number {
  return m.parameters(false).reduce((n, p) => n + p.size, 0);
}

function describeOutput(out: unknown): string {
  if (isTensor(out)) return fmtShape(out.shape);
  if (Array.isArray(out)) return `(${out.map(describeOutput).join(', ')})`;
  if (out === null || out === undefined) return String(out);
  return typeof out;
}

/**
 * The summary of `model` as data: runs one forward pass (in evaluation mode, without gradients) on zeros of
 * `input` (a shape including the batch axis, e.g. `[1, 1, 28, 28]`) or on the tensor given.
 */
export function modelSummary(
  model: Module,
  input: Shape | Tensor,
  options: SummaryOptions = {},
): ModelSummary {
  const where = 'summary';
  if (!model || typeof model.namedModules !== 'function') throw new ValueError(`${where}: expected a Module`);
  const x = isTensor(input) ? input : zeros(input, { dtype: options.dtype ?? 'float32' });
  const forward =
    options.forward ??
    ((m: Module, t: Tensor) => (m as unknown as { forward(t: Tensor): unknown }).forward(t));

  const named = new Map<Module, string>();
  for (const [name, m] of model.namedModules()) if (!named.has(m)) named.set(m, name);
  const listed = [...named.keys()].filter(isListed);

  const rows: SummaryRow[] = [];
  const counted = new Set<Module>();
  const unwrap: (() => void)[] = [];
  for (const m of listed) {
    const self = m as unknown as Record<string, unknown>;
    const hadOwn = Object.hasOwn(self, 'forward');
    const original = self.forward as (...args: unknown[]) => unknown;
    self.forward = function (this: unknown, ...args: unknown[]) {
      const out = original.apply(this, args);
      rows.push({
        name: named.get(m) ?? '',
        type: m.constructor.name,
        outputShape: describeOutput(out),
        params: counted.has(m) ? 0 : ownParams(m),
      });
      counted.add(m);
      return out;
    };
    unwrap.push(() => {
      if (hadOwn) self.forward = original;
      else delete self.forward;
    });
  }
  const modes = model.modules().map((m) => [m, m.training] as const);
  try {
    model.eval();
    noGrad(() => forward(model, x));
  } finally {
    for (const u of unwrap) u();
    for (const [m, t] of modes) m.training = t;
  }
  for (const m of listed) {
    if (!counted.has(m)) {
      rows.push({
        name: named.get(m) ?? '',
        type: m.constructor.name,
        outputShape: '-',
        params: ownParams(m),
      });
    }
  }
  const params = model.parameters();
  const totalParams = params.reduce((n, p) => n + p.size, 0);
  const trainableParams = params.filter((p) => p.requiresGrad).reduce((n, p) => n + p.size, 0);
  const bytes = Object.values(model.stateDict()).reduce((n, t) => n + t.size * BYTES_PER_ELEMENT[t.dtype], 0);
  return {
    model: model.constructor.name,
    inputShape: [...x.shape],
    rows,
    totalParams,
    trainableParams,
    nonTrainableParams: totalParams - trainableParams,
    sizeMB: bytes / 2 ** 20,
  };
}

const count = (n: number) => n.toLocaleString('en-US');

/** Formats a {@link ModelSummary} as a table. */
export function formatSummary(s: ModelSummary): string {
  const head = ['Layer (type)', 'Output shape', 'Param #'];
  const cells = s.rows.map((r) => [
    r.name ? `${r.name} (${r.type})` : r.type,
    r.outputShape,
    count(r.params),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    `${c[0].padEnd(widths[0])}   ${c[1].padEnd(widths[1])}   ${c[2].padStart(widths[2])}`.trimEnd();
  const width = widths[0] + widths[1] + widths[2] + 6;
  return [
    `Model: ${s.model} (input ${fmtShape(s.inputShape)})`,
    '='.repeat(width),
    line(head),
    '='.repeat(width),
    ...cells.map(line),
    '='.repeat(width),
    `Total params: ${count(s.totalParams)}`,
    `Trainable params: ${count(s.trainableParams)}`,
    `Non-trainable params: ${count(s.nonTrainableParams)}`,
    `Size (MB): ${s.sizeMB.toFixed(2)}`,
  ].join('\n');
}

/**
 * A Keras-like summary table of `model`: layer name and type, output shape and parameter count for each layer
 * in call order, and the totals (all, trainable, non-trainable parameters; size of the weights in MB).
 *
 * ```ts
 * console.log(nt.train.summary(model, [1, 1, 28, 28]));
 * ```
 */
export function summary(model: Module, input: Shape | Tensor, options: SummaryOptions = {}): string {
  return formatSummary(modelSummary(model, input, options));
}
