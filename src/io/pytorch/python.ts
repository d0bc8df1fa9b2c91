/**
 * Python source text from TypeScript values: literals (numbers, strings, lists, None/True/False) and calls laid out
 * the way a person writes them — on one line when short, one argument per line otherwise — so a generated
 * `model.py` reads like hand-written PyTorch.
 */

import { ValueError } from '../../errors.js';

/** A Python call `fn(arg, name=value, …)`; a value is Python source text, a nested call, or a list of them. */
export interface Call {
  fn: string;
  args: Arg[];
  /** A comment written above the call when it spans several lines (e.g. the module's path). */
  comment?: string;
}

export type Value = string | Call | Value[];

export interface Arg {
  name?: string;
  value: Value;
}

const INDENT = '    ';
const WIDTH = 100;

/** A number as Python reads it back exactly (integers stay integers). */
export function pyNumber(v: number, what = 'value'): string {
  if (!Number.isFinite(v))
    throw new ValueError(`pytorch export: ${what} is ${v}, which model.py cannot spell`);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** A plain JSON-like value (numbers, strings, booleans, null, arrays) as a Python literal. */
export function pyLiteral(v: unknown, what = 'value'): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v, what);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) {
    const items = v.map((x) => pyLiteral(x, what));
    return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
  }
  throw new ValueError(`pytorch export: ${what} (${typeof v}) has no Python literal here`);
}

/** A Python list literal of plain values: `[1, 2]`. */
export function pyList(v: readonly unknown[], what = 'value'): string {
  return `[${v.map((x) => pyLiteral(x, what)).join(', ')}]`;
}

/** The argument list of a call: positional values, then the keyword ones whose value is not undefined. */
export function args(positional: Value[], keywords: Record<string, Value | undefined> = {}): Arg[] {
  const out: Arg[] = positional.map((value) => ({ value }));
  for (const [name, value] of Object.entries(keywords)) if (value !== undefined) out.push({ name, value });
  return out;
}

function flat(v: Value): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(flat).join(', ')}]`;
  return `${v.fn}(${v.args.map((a) => (a.name ? `${a.name}=${flat(a.value)}` : flat(a.value))).join(', ')})`;
}

/** Python source of `v`, starting at column `indent·4`: on one line when it fits, else one argument per line. */
export function format(v: Value, indent = 0): string {
  if (typeof v === 'string') return v;
  const one = flat(v);
  if (one.length + indent * INDENT.length <= WIDTH) return one;
  const pad = INDENT.repeat(indent + 1);
  const close = INDENT.repeat(indent);
  const item = (a: Arg) => {
    const c = a.value;
    const comment = typeof c !== 'string' && !Array.isArray(c) && c.comment ? `${pad}# ${c.comment}\n` : '';
    return `${comment}${pad}${a.name ? `${a.name}=` : ''}${format(c, indent + 1)},\n`;
  };
  if (Array.isArray(v)) return `[\n${v.map((value) => item({ value })).join('')}${close}]`;
  return `${v.fn}(\n${v.args.map(item).join('')}${close})`;
}
