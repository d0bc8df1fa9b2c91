import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { allocate, type DType, type TypedArray } from './dtype.js';
import { defaultGenerator, type Generator } from './random.js';
import { checkShape, type Shape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

export type NestedArray = number | boolean | readonly NestedArray[];

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

function finish(t: Tensor, options: CreateOptions | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], out: TypedArray): void {
  // a bool tensor holds 0/1 only, whatever numbers it was given (a Uint8Array would keep 2 or wrap -1 to 255)
  const isBool = out instanceof Uint8Array;
  let k = 0;
  const walk = (v: NestedArray, depth: number, path: number[]) => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw new ShapeError(`tensor: ragged nested array at [${path.join(', ')}]`);
      const x = typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
      if (typeof x !== 'number')
        throw new ValueError(`tensor: non-numeric value ${String(v)} at [${path.join(', ')}]`);
      out[k++] = isBool ? (x !== 0 ? 1 : 0) : x;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `length ${v.length}` : 'a scalar';
      throw new ShapeError(
        `tensor: ragged nested array: expected length ${shape[depth]} at [${path.join(', ')}], got ${got}`,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, [...path, i]);
  };
  walk(data, 0, []);
}

/**
 * Makes a tensor from nested arrays, a flat array or typed array with a shape, or a number. Numbers become
 * float32 unless `dtype` says otherwise; an Int32Array becomes int32, a Uint8Array bool. Typed arrays of the
 * requested dtype are used without a copy.
 */
export function tensor(
  data: NestedArray | TypedArray | readonly number[],
  shape?: Shape | CreateOptions,
  options?: CreateOptions,
): Tensor {
  let opts = options;
  let shp: Shape | undefined;
  if (shape !== undefined && !Array.isArray(shape)) opts = shape as CreateOptions;
  else shp = shape as Shape | undefined;

  if (ArrayBuffer.isView(data)) {
    const typed = data as TypedArray;
    const dtype =
      opts?.dtype ??
      (typed instanceof Int32Array ? 'int32' : typed instanceof Uint8Array ? 'bool' : 'float32');
    const s = shp ? checkShape(shp, 'tensor') : [typed.length];
    let arr: TypedArray;
    if (
      (dtype === 'float32' && typed instanceof Float32Array) ||
      (dtype === 'int32' && typed instanceof Int32Array) ||
      (dtype === 'bool' && typed instanceof Uint8Array && typed.every((v) => v <= 1))
    ) {
      arr = typed;
    } else {
      arr = allocate(dtype, typed.length);
      for (let i = 0; i < typed.length; i++) arr[i] = dtype === 'bool' ? (typed[i] !== 0 ? 1 : 0) : typed[i];
    }
    if (sizeOf(s) !== arr.length) {
      throw new ShapeError(`tensor: ${arr.length} values do not fill shape ${fmtShape(s)}`);
    }
    return finish(new Tensor(arr, s), opts);
  }
  const inferred = inferShape(data as NestedArray);
  const isBool = typeof (Array.isArray(data) ? deepFirst(data) : data) === 'boolean';
  const dtype = opts?.dtype ?? (isBool ? 'bool' : 'float32');
  const arr = allocate(dtype, sizeOf(inferred));
  flatten(data as NestedArray, inferred, arr);
  if (shp) {
    const s = checkShape(shp, 'tensor');
    if (sizeOf(s) !== arr.length)
      throw new ShapeError(`tensor: ${arr.length} values do not fill shape ${fmtShape(s)}`);
    return finish(new Tensor(arr, s), opts);
  }
  return finish(new Tensor(arr, inferred), opts);
}

function deepFirst(v: NestedArray): NestedArray {
  let cur = v;
  while (Array.isArray(cur) && cur.length > 0) cur = cur[0];
  return cur;
}

/** A tensor of shape `shape` with every element `value`. */
export function full(shape: Shape, value: number, options?: CreateOptions): Tensor {
  return filled(shape, value, options, 'full');
}

/** full() under the name of the op the user called, for its errors. */
function filled(shape: Shape, value: number, options: CreateOptions | undefined, op: string): Tensor {
  const s = checkShape(shape, op);
  const dtype = options?.dtype ?? 'float32';
  const arr = allocate(dtype, sizeOf(s));
  arr.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
  return finish(new Tensor(arr, s), options);
}

/** A tensor of zeros (float32 unless `dtype` says otherwise). */
export function zeros(shape: Shape, options?: CreateOptions): Tensor {
  return filled(shape, 0, options, 'zeros');
}

/** A tensor of ones (float32 unless `dtype` says otherwise). */
export function ones(shape: Shape, options?: CreateOptions): Tensor {
  return filled(shape, 1, options, 'ones');
}

/** A scalar (rank-0) tensor. */
export function scalar(value: number, options?: CreateOptions): Tensor {
  return full([], value, options);
}

/** Zeros with t's shape and (unless `options.dtype` says otherwise) t's dtype. */
export function zerosLike(t: Tensor, options?: CreateOptions): Tensor {
  return zeros(t.shape, { ...options, dtype: options?.dtype ?? t.dtype });
}

/** Ones with t's shape and (unless `options.dtype` says otherwise) t's dtype. */
export function onesLike(t: Tensor, options?: CreateOptions): Tensor {
  return ones(t.shape, { ...options, dtype: options?.dtype ?? t.dtype });
}

/** `value` everywhere, with t's shape and (unless `options.dtype` says otherwise) t's dtype. */
export function fullLike(t: Tensor, value: number, options?: CreateOptions): Tensor {
  return full(t.shape, value, { ...options, dtype: options?.dtype ?? t.dtype });
}

/** Values from `start` up to (not including) `end` by `step`, like `torch.arange`. `arange(n)` counts 0…n-1. */
export function arange(start: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new ValueError(`arange: step must be finite and non-zero, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  // like torch.arange, any fractional bound or step makes the result float
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const arr = allocate(options?.dtype ?? (allInt ? 'int32' : 'float32'), n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return finish(new Tensor(arr, [n]), options);
}

/** `steps` evenly spaced values from `start` to `end` inclusive (float32 unless `dtype` says otherwise). */
export function linspace(start: number, end: number, steps: number, options?: CreateOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ValueError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const arr = allocate(options?.dtype ?? 'float32', steps);
  const d = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) arr[i] = i === steps - 1 && steps > 1 ? end : start + i * d;
  return finish(new Tensor(arr, [steps]), options);
}

/** The identity matrix (n × m, m defaults to n). */
export function eye(n: number, m = n, options?: CreateOptions): Tensor {
  const s = checkShape([n, m], 'eye');
  const arr = allocate(options?.dtype ?? 'float32', n * m);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return finish(new Tensor(arr, s), options);
}

function floatOnly(options: CreateOptions | undefined, op: string): void {
  if (options?.dtype && options.dtype !== 'float32') throw new DTypeError(`${op}: only float32 is supported`);
}

/** Uniform values in [0, 1) from the seeded generator. */
export function rand(shape: Shape, options?: RandomOptions): Tensor {
  floatOnly(options, 'rand');
  const s = checkShape(shape, 'rand');
  const g = options?.generator ?? defaultGenerator;
  const arr = new Float32Array(sizeOf(s));
  for (let i = 0; i < arr.length; i++) arr[i] = g.random();
  return finish(new Tensor(arr, s), options);
}

/** Standard normal values from the seeded generator. */
export function randn(shape: Shape, options?: RandomOptions): Tensor {
  floatOnly(options, 'randn');
  const s = checkShape(shape, 'randn');
  const g = options?.generator ?? defaultGenerator;
  const arr = new Float32Array(sizeOf(s));
  for (let i = 0; i < arr.length; i++) arr[i] = g.normal();
  return finish(new Tensor(arr, s), options);
}

/** Uniform integers in [low, high) as int32. */
export function randint(low: number, high: number, shape: Shape, options?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError(`randint: need integers low < high, got ${low} and ${high}`);
  }
  const s = checkShape(shape, 'randint');
  const g = options?.generator ?? defaultGenerator;
  const arr = allocate(options?.dtype ?? 'int32', sizeOf(s));
  for (let i = 0; i < arr.length; i++) arr[i] = g.int(low, high);
  return finish(new Tensor(arr, s), options);
}

/** Uniform values in [0, 1) with t's shape. */
export function randLike(t: Tensor, options?: RandomOptions): Tensor {
  return rand(t.shape, options);
}

/** Standard normal values with t's shape. */
export function randnLike(t: Tensor, options?: RandomOptions): Tensor {
  return randn(t.shape, options);
}

/** Uniform integers in [low, high) with t's shape. */
export function randintLike(t: Tensor, low: number, high: number, options?: RandomOptions): Tensor {
  return randint(low, high, t.shape, options);
}

/** A random permutation of 0…n-1 (Fisher–Yates) as int32. */
export function randperm(n: number, options?: RandomOptions): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new ValueError(`randperm: n must be a non-negative integer, got ${n}`);
  const g = options?.generator ?? defaultGenerator;
  const arr = new Int32Array(n);
  for (let i = 0; i < n; i++) arr[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return new Tensor(arr, [n]);
}
