/**
 * Every error neurite throws on purpose is a {@link NeuriteError}. Subclasses say which kind of mistake it was;
 * messages name the op or layer and the shapes, files or values involved.
 */
export class NeuriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together: broadcasting, matmul, layer inputs, reshapes. */
export class ShapeError extends NeuriteError {}

/** A tensor of the wrong dtype for an op (for example float labels where class indices are expected). */
export class DTypeError extends NeuriteError {}

/** An argument outside its allowed range or of the wrong kind (negative sizes, unknown options). */
export class ValueError extends NeuriteError {}

/** Autograd misuse: backward on a non-scalar without a gradient, backward through a released graph. */
export class GradError extends NeuriteError {}

/** A file that cannot be read or written as asked: bad header, truncated data, missing or mismatched keys. */
export class FormatError extends NeuriteError {}

/** Formats a shape the way messages show it: `[32, 28, 28]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * `value`, if it is a positive integer; otherwise a ValueError "`where`: `name` must be a positive integer, got
 * `value`" (`where` is the op, layer or function, `name` the argument). The one check behind that message.
 */
export function positiveInt(where: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ValueError(`${where}: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
