/** Reading categories: checking, sorting and collecting the category columns and labels the encoders fit on. */
import { fmtShape, ShapeError, ValueError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { describe, matrixShape } from './checks.js';
import type { CategoricalInput, Category } from './types.js';

export function fmtCategory(c: unknown): string {
  return typeof c === 'string' ? JSON.stringify(c) : String(c);
}

export function checkCategory(v: unknown, where: string): Category {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new ValueError(
    `${where} is ${typeof v === 'number' ? v : describe(v)}; expected a string or a finite number`,
  );
}

/** Sorted distinct values, as numpy's unique: numbers ascending, strings in code-unit order; never mixed. */
export function sortedUnique(values: Category[], where: string): Category[] {
  const kinds = new Set(values.map((v) => typeof v));
  if (kinds.size > 1) {
    const firstString = values.find((v) => typeof v === 'string');
    const firstNumber = values.find((v) => typeof v === 'number');
    throw new ValueError(
      `${where}: mixes strings and numbers (e.g. ${fmtCategory(firstString)} and ${firstNumber}); ` +
        'convert them to one kind first',
    );
  }
  const unique = [...new Set(values)];
  return kinds.has('number')
    ? (unique as number[]).sort((a, b) => a - b)
    : (unique as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Categorical rows as columns of values, checked (no NaN, no ragged rows). */
export function categoricalColumns(x: CategoricalInput, where: string): { n: number; columns: Category[][] } {
  if (x instanceof Tensor) {
    const [n, f] = matrixShape(x, where);
    const columns: Category[][] = Array.from({ length: f }, () => new Array<Category>(n));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < f; j++)
        columns[j][i] = checkCategory(x.data[i * f + j], `${where}: row ${i}, column ${j}`);
    }
    return { n, columns };
  }
  if (!Array.isArray(x))
    throw new ValueError(`${where}: expected a Tensor or an array of rows, got ${describe(x)}`);
  const n = x.length;
  const f = n > 0 && Array.isArray(x[0]) ? x[0].length : 0;
  const columns: Category[][] = Array.from({ length: f }, () => new Array<Category>(n));
  x.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== f) {
      throw new ShapeError(
        `${where}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, row 0 has ${f}`,
      );
    }
    row.forEach((v, j) => {
      columns[j][i] = checkCategory(v, `${where}: row ${i}, column ${j}`);
    });
  });
  return { n, columns };
}

export function indexOfCategories(categories: readonly Category[]): Map<Category, number> {
  return new Map(categories.map((c, k) => [c, k]));
}

export function labelValues(y: Tensor | readonly Category[], where: string): Category[] {
  if (y instanceof Tensor) {
    if (y.ndim !== 1)
      throw new ShapeError(`${where}: expected a 1-D tensor of labels, got shape ${fmtShape(y.shape)}`);
    return Array.from(y.data, (v, i) => checkCategory(v, `${where}: label ${i}`));
  }
  if (!Array.isArray(y))
    throw new ValueError(`${where}: expected a Tensor or an array of labels, got ${describe(y)}`);
  return y.map((v, i) => checkCategory(v, `${where}: label ${i}`));
}
