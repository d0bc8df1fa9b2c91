import { getBackend } from '../backend/registry.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { allocate, allocateUninitialized, type DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** What binary ops accept: a tensor or a plain number. */
export type TensorLike = Tensor | number;

/**
 * Wraps a number as a scalar tensor that takes part in type promotion the way a Python scalar does in PyTorch:
 * float32 if the number is not an integer or `dtype` is float32, otherwise int32 (an integer next to a bool
 * tensor counts as int32, so `mask.mul(-2)` gives -2, not a wrapped-around byte).
 */
export function asTensor(x: TensorLike, dtype: DType = 'float32'): Tensor {
  if (x instanceof Tensor) return x;
  const isInt32 = Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31;
  const d = dtype === 'float32' || !isInt32 ? 'float32' : 'int32';
  const arr = allocate(d, 1);
  arr[0] = x;
  return new Tensor(arr, []);
}

/**
 * A new tensor of `shape` with unspecified contents (as torch.empty), for an output that a kernel then writes
 * in full: on Node its memory is not zero-filled first (see setRawAllocator). Use {@link zeroed} for anything
 * that accumulates into its output.
 */
export function empty(shape: Shape, dtype: DType = 'float32'): Tensor {
  return new Tensor(allocateUninitialized(dtype, sizeOf(shape)), shape);
}

/** A new zero-filled tensor of `shape`, for a kernel that accumulates into its output. */
export function zeroed(shape: Shape, dtype: DType = 'float32'): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape);
}

/** The tensor converted to `dtype` (the same tensor when it already is). Not differentiable across dtypes. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = empty(x.shape, dtype);
  getBackend().cast(x.data, out.data);
  return out;
}

export function requireFloat(x: Tensor, op: string): Float32Array {
  if (x.dtype !== 'float32') throw new DTypeError(`${op}: expected a float32 tensor, got ${x.dtype}`);
  return x.data as Float32Array;
}

/** Float32 view of any tensor: float tensors as they are, others converted (integers and bools to floats). */
export function floatData(x: Tensor): Float32Array {
  return cast(x, 'float32').data as Float32Array;
}

/** Ops that pick along an axis need one: a 0-d tensor has none. */
export function requireAxes(x: Tensor, op: string): void {
  if (x.ndim === 0)
    throw new ShapeError(`${op}: expected a tensor with at least one dimension, got shape []`);
}

/** How a value is shown in an error message: short, and recognisable to the caller. */
export function describeValue(v: unknown): string {
  if (v instanceof Tensor) return `a ${v.dtype} tensor of shape [${v.shape.join(', ')}]`;
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `[${v.map(describeValue).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    return keys.length === 0 ? '{}' : `an object with keys { ${keys.join(', ')} }`;
  }
  return String(v);
}

/**
 * What an option may hold: a primitive type, one of a few strings, or a test with the words for what it wants.
 * `null` passes wherever a tensor may be left out.
 */
export type OptionSpec =
  | 'number'
  | 'integer'
  | 'boolean'
  | 'string'
  | 'tensor'
  | 'tensor?'
  | readonly string[]
  | { readonly test: (v: unknown) => boolean; readonly expected: string };

const KIND_TESTS: Record<string, [(v: unknown) => boolean, string]> = {
  number: [(v) => typeof v === 'number', 'a number'],
  integer: [(v) => Number.isInteger(v), 'an integer'],
  boolean: [(v) => typeof v === 'boolean', 'a boolean (true or false)'],
  string: [(v) => typeof v === 'string', 'a string'],
  tensor: [(v) => v instanceof Tensor, 'a tensor'],
  'tensor?': [(v) => v === null || v instanceof Tensor, 'a tensor or null'],
};

/**
 * Checks an options object at run time, for JavaScript callers who have no type checker: it must be a plain
 * object (or undefined), every key must be one the op knows, and every value that is not undefined must fit
 * its spec. Throws a ValueError naming the op and the option.
 */
export function checkOptions(
  op: string,
  options: unknown,
  schema: Readonly<Record<string, OptionSpec>>,
): void {
  if (options === undefined) return;
  const known = Object.keys(schema);
  if (
    options === null ||
    typeof options !== 'object' ||
    Array.isArray(options) ||
    options instanceof Tensor
  ) {
    throw new ValueError(
      `${op}: expected an options object { ${known.join(', ')} }, got ${describeValue(options)}`,
    );
  }
  for (const [key, value] of Object.entries(options)) {
    const spec = schema[key];
    if (spec === undefined) {
      throw new ValueError(
        `${op}: unknown option '${key}'${known.length ? ` (known options: ${known.join(', ')})` : ''}`,
      );
    }
    checkValue(op, `option '${key}'`, value, spec);
  }
}

/** Checks one positional argument (`name`) against a spec; undefined passes (the default applies). */
export function checkArg(op: string, name: string, value: unknown, spec: OptionSpec): void {
  checkValue(op, name, value, spec);
}

/** An array of tensors (`concat([a, b])`, not `concat(a, b)`), as the ops that take several tensors want it. */
export const TENSOR_LIST: OptionSpec = {
  test: (v) => Array.isArray(v) && v.every((t) => t instanceof Tensor),
  expected: 'an array of tensors',
};

function checkValue(op: string, what: string, value: unknown, spec: OptionSpec): void {
  if (value === undefined) return;
  let ok: boolean;
  let expected: string;
  if (typeof spec === 'string') [ok, expected] = [KIND_TESTS[spec][0](value), KIND_TESTS[spec][1]];
  else if (Array.isArray(spec)) {
    ok = spec.includes(value as string);
    expected = `one of ${spec.map((s) => `'${s}'`).join(', ')}`;
  } else {
    const s = spec as { test: (v: unknown) => boolean; expected: string };
    [ok, expected] = [s.test(value), s.expected];
  }
  if (!ok) throw new ValueError(`${op}: ${what} must be ${expected}, got ${describeValue(value)}`);
}

/**
 * Wraps an op so that a call with more positional arguments than it takes is an error naming the op, its
 * parameters and the first extra argument (a JavaScript caller's `softplus(x, 3)` would otherwise run with the
 * 3 silently ignored). `params` names the parameters, in order, for that message.
 */
const OP_PARAMS = Symbol('neurite.opParams');

/** The parameter names of a function made by {@link defineOp}, or undefined for any other function. */
export function opParams(fn: unknown): readonly string[] | undefined {
  return typeof fn === 'function'
    ? (fn as unknown as Record<symbol, readonly string[]>)[OP_PARAMS]
    : undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: the wrapper keeps the exact signature of any op
export function defineOp<F extends (...args: any[]) => any>(
  name: string,
  params: readonly string[],
  fn: F,
): F {
  const max = params.length;
  const checked = (...args: unknown[]) => {
    if (args.length > max) {
      throw new ValueError(
        `${name}: unexpected extra argument ${describeValue(args[max])}; ${name} takes (${params.join(', ')})`,
      );
    }
    return fn(...args);
  };
  Object.defineProperty(checked, 'name', { value: name });
  Object.defineProperty(checked, OP_PARAMS, { value: params });
  return checked as F;
}

/** An axis, or a list of axes, as reductions take them. */
export const AXES_SPEC: OptionSpec = {
  test: (v) => Number.isInteger(v) || (Array.isArray(v) && v.every((a) => Number.isInteger(a))),
  expected: 'an integer axis or a list of them',
};

/** Checks the `axis` and `keepDim` arguments that every reduction takes. */
export function checkReduceArgs(op: string, axis: unknown, keepDim: unknown): void {
  checkArg(op, 'axis', axis, AXES_SPEC);
  checkArg(op, 'keepDim', keepDim, 'boolean');
}
