import { fmtShape, ShapeError, ValueError } from '../errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of two shapes; `op` names the caller in the error. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together: axis ${i - n} (counted from the end) has size ${da} vs ${db}, and neither is 1`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Normalises a possibly negative axis against a rank, with a clear error. As in PyTorch, a 0-d tensor accepts
 * axis 0 and -1 (it is treated as rank 1), so callers that index the shape must handle rank 0 themselves.
 */
export function normAxis(axis: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1);
  const a = axis < 0 ? axis + n : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= n) {
    throw new ValueError(`${op}: axis ${axis} is out of range for a tensor of rank ${ndim}`);
  }
  return a;
}

/** Normalises an axis list (undefined = all axes), sorted and without duplicates. */
export function normAxes(axes: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normAxis(a, ndim, op)))].sort((x, y) => x - y);
  if (out.length !== list.length) throw new ValueError(`${op}: repeated axis in [${list.join(', ')}]`);
  // a 0-d tensor has no axis to reduce: its axis 0 names the tensor itself
  return ndim === 0 ? [] : out;
}

export function checkShape(shape: Shape, op: string): number[] {
  if (!Array.isArray(shape)) {
    throw new ValueError(`${op}: a shape must be an array of sizes, got ${String(shape)}`);
  }
  shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0) {
      throw new ValueError(
        `${op}: invalid shape ${fmtShape(shape)}: dimension ${i} is ${d}, sizes must be non-negative integers`,
      );
    }
  });
  return [...shape];
}

/** Splits `shape` around `axis` into the [outer, n, inner] form the kernels take. */
export function aroundAxis(shape: Shape, axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}
