/** Checks shared by the preprocessors: matrix shapes, finiteness, fitted state, JSON forms. */
import { fmtShape, ShapeError, ValueError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';

/** Returns [rows, columns] of a 2-D tensor, or throws naming the caller. */
export function matrixShape(x: Tensor, where: string): [number, number] {
  if (!(x instanceof Tensor)) throw new ValueError(`${where}: expected a Tensor, got ${describe(x)}`);
  if (x.ndim !== 2) {
    throw new ShapeError(
      `${where}: expected a 2-D tensor [samples, features], got shape ${fmtShape(x.shape)}`,
    );
  }
  if (x.dtype === 'bool') throw new ValueError(`${where}: expected numbers, got a bool tensor`);
  return [x.shape[0], x.shape[1]];
}

export function checkColumns(x: Tensor, expected: number, where: string): [number, number] {
  const [n, f] = matrixShape(x, where);
  if (f !== expected) {
    throw new ShapeError(
      `${where}: fitted on ${expected} features, got ${f} (input shape ${fmtShape(x.shape)})`,
    );
  }
  return [n, f];
}

/** Throws on the first NaN or infinity, naming its row and column, so a bad value never becomes a NaN loss. */
export function checkFinite(x: Tensor, where: string): void {
  const d = x.data;
  const f = x.shape[1];
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new ValueError(`${where}: row ${Math.floor(i / f)}, column ${i % f} is ${d[i]}`);
    }
  }
}

export function checkNotEmpty(n: number, x: Tensor, where: string): void {
  if (n === 0) throw new ValueError(`${where}: cannot fit on 0 samples (shape ${fmtShape(x.shape)})`);
}

export function notFitted(name: string, method: string): ValueError {
  return new ValueError(`${name}.${method}: not fitted yet; call fit(x) first`);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? ((v as object).constructor?.name ?? 'an object') : typeof v;
}

export function checkJSON(json: { type?: unknown } | null | undefined, type: string): void {
  if (!json || json.type !== type) {
    throw new ValueError(
      `${type}.fromJSON: expected an object with type "${type}", got ${JSON.stringify(json?.type)}`,
    );
  }
}

export function numberArray(v: unknown, length: number, what: string): number[] {
  if (!Array.isArray(v) || v.length !== length || !v.every((e) => typeof e === 'number')) {
    throw new ValueError(`${what}: expected ${length} numbers`);
  }
  return v as number[];
}
