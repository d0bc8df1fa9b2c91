/**
 * What every subcommand of the `neurite` command shares: the error type that becomes a one-line message, name
 * suggestions, option parsers backed by zod schemas, output streams for human and machine (`--json`) output, and
 * small file helpers that name the file in their errors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';

/** Exit status of a wrong command line (flags, arguments, preset names), as most Unix tools use. */
export const USAGE_EXIT = 2;
/** Exit status of everything else that fails: files, data, training. */
export const FAILURE_EXIT = 1;

/**
 * An error the command reports as one line on stderr (`neurite: <message>`) with `exitCode`, without a stack
 * trace unless `--verbose` is given.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = FAILURE_EXIT,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage mistake: exit status 2. */
export function usageError(message: string): CliError {
  return new CliError(message, USAGE_EXIT);
}

/** Edit distance (insertions, deletions, substitutions, transpositions of neighbours) between two strings. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate closest to `name`, when it is close enough to be a plausible typo (at most a third of its
 * letters wrong), or one that starts with or contains what was typed (`cnn` → `cnn-mnist`).
 */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const dist = editDistance(lower, c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(Math.max(lower.length, 3) / 3)))
    return best;
  if (lower.length >= 2) return candidates.find((c) => c.toLowerCase().includes(lower));
  return undefined;
}

/** `; did you mean "x"?` for a close candidate, or nothing. */
export function didYouMean(name: string, candidates: readonly string[], quote = true): string {
  const c = closest(name, candidates);
  if (c === undefined) return '';
  return quote ? `; did you mean "${c}"?` : `; did you mean ${c}?`;
}

// ---------------------------------------------------------------------------------------------------------------
// option values

/**
 * A commander argument parser that validates the option's text with a zod schema; a value the schema refuses
 * becomes commander's "option '--epochs <n>' argument 'x' is invalid. <what it must be>" error.
 */
export function parseWith<T>(schema: z.ZodType<T>, what: string): (value: string) => T {
  return (value: string) => {
    const r = schema.safeParse(value);
    if (!r.success) throw new InvalidArgumentError(`It must be ${what}.`);
    return r.data;
  };
}

const numberText = z
  .string()
  .trim()
  .regex(/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/)
  .transform(Number);

/** Option parsers: positive integers, non-negative integers, positive numbers, probabilities. */
export const parse = {
  positiveInt: parseWith(
    numberText.pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)),
    'a positive integer',
  ),
  nonNegativeInt: parseWith(
    numberText.pipe(
      z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1),
    ),
    'an integer >= 0',
  ),
  positiveNumber: parseWith(numberText.pipe(z.number().positive().finite()), 'a positive number'),
  nonNegativeNumber: parseWith(numberText.pipe(z.number().min(0).finite()), 'a number >= 0'),
  probability: parseWith(numberText.pipe(z.number().min(0).max(1)), 'a probability between 0 and 1'),
  openFraction: parseWith(numberText.pipe(z.number().gt(0).lt(1)), 'a fraction between 0 and 1 (exclusive)'),
  choice: <const T extends string>(choices: readonly T[]) =>
    parseWith(z.enum(choices as unknown as [T, ...T[]]), `one of ${choices.join(', ')}`),
};

// ---------------------------------------------------------------------------------------------------------------
// output

/**
 * Where the command writes. Human output goes to stdout; with `--json`, stdout carries only the final JSON
 * object, and everything a person reads (progress, notes) moves to stderr.
 */
export class Output {
  constructor(readonly json: boolean) {}

  /** The stream progress and notes go to. */
  get humanStream(): NodeJS.WriteStream {
    return this.json ? process.stderr : process.stdout;
  }

  /** A line for people: stdout normally, stderr in JSON mode. */
  say(line = ''): void {
    this.humanStream.write(`${line}\n`);
  }

  /** The machine-readable result: exactly one line of JSON on stdout, last. */
  result(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, jsonReplacer)}\n`);
  }
}

/** JSON has no NaN or Infinity: they are written as null. */
function jsonReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

/** A number for a result line: 4 decimals, or scientific notation for very small or large values. */
export function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return v.toFixed(4);
}

/** `accuracy 0.9871  loss 0.0402` */
export function fmtMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${fmtNumber(v)}`)
    .join('  ');
}

/** 12,345 */
export const fmtCount = (n: number): string => n.toLocaleString('en-US');

/** Seconds as `12.3 s` or `4 min 05 s`. */
export function fmtSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - 60 * m)).padStart(2, '0')} s`;
}

// ---------------------------------------------------------------------------------------------------------------
// files

/** The text of a file, or a CliError naming it. */
export function readText(path: string, what = 'file'): string {
  if (!existsSync(path)) throw new CliError(`${path}: no such ${what}`);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EISDIR')
      throw new CliError(`${path} is a folder, not a ${what}`);
    throw new CliError(`${path}: cannot read the ${what}: ${(e as Error).message}`);
  }
}

/** Line and column (1-based) of a character offset, for JSON syntax errors. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** Parses JSON text, turning a syntax error into a CliError with the file, line and column. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const at = /position (\d+)/.exec(msg);
    const where = at ? ` (${lineColumn(text, Number(at[1]))})` : '';
    throw new CliError(
      `${source}: not valid JSON${where}: ${msg.replace(/ in JSON at position \d+.*$/, '')}`,
    );
  }
}

/** Reads and parses a JSON file. */
export function readJson(path: string, what = 'JSON file'): unknown {
  return parseJsonText(readText(path, what), path);
}

/** `model.sizes[1]` for a zod issue path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(key))) out += out ? `.${String(key)}` : String(key);
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(top level)';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

/**
 * One line for the first problem zod found in a JSON document: `<source>: <json path>: <what is wrong>`, with
 * the offending value and, for misspelt names, the closest valid one.
 */
export function formatZodError(
  error: z.ZodError,
  input: unknown,
  source: string,
  formatPath: (path: readonly PropertyKey[]) => string = jsonPath,
): string {
  const issue = error.issues[0];
  const more =
    error.issues.length > 1
      ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})`
      : '';
  const path = issue.path as PropertyKey[];
  const actual = valueAt(input, path);
  let what: string;
  switch (issue.code) {
    case 'invalid_type':
      what =
        actual === undefined
          ? `is required (${issue.expected})`
          : `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}, got ${describeValue(actual)}`;
      break;
    case 'too_small': {
      const op = issue.inclusive ? '>=' : '>';
      what =
        issue.origin === 'array'
          ? `needs at least ${issue.minimum} entr${issue.minimum === 1 ? 'y' : 'ies'}, got ${describeValue(actual)}`
          : issue.origin === 'string'
            ? 'must not be empty'
            : `must be ${op} ${issue.minimum}, got ${describeValue(actual)}`;
      break;
    }
    case 'too_big': {
      const op = issue.inclusive ? '<=' : '<';
      what =
        issue.origin === 'array'
          ? `takes at most ${issue.maximum} entries, got ${describeValue(actual)}`
          : `must be ${op} ${issue.maximum}, got ${describeValue(actual)}`;
      break;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      what = `must be ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}, got ${describeValue(actual)}`;
      if (typeof actual === 'string') what += didYouMean(actual, issue.values.map(String));
      break;
    }
    case 'unrecognized_keys': {
      const others = issue.keys.length > 1 ? ` (so are ${issue.keys.slice(1).join(', ')})` : '';
      return `${source ? `${source}: ` : ''}${formatPath([...path, issue.keys[0]])}: unknown field${others}${more}`;
    }
    case 'invalid_union': {
      const options = (issue as unknown as { options?: unknown[] }).options;
      const branches = (issue as unknown as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
      if (actual === undefined) {
        what = 'is required';
      } else if (options) {
        const names = options.map(String);
        what = `must be one of ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${describeValue(actual)}`;
        if (typeof actual === 'string') what += didYouMean(actual, names);
      } else if (branches.length > 0) {
        // report the problem of the form that came closest; alternatives for one field are listed together
        const fewest = Math.min(...branches.map((b) => b.length));
        const nearest = branches.filter((b) => b.length === fewest);
        const firsts = nearest.map((b) => b[0]);
        const key = (i: z.core.$ZodIssue) => JSON.stringify(i.path);
        if (firsts.every((i) => i.code === 'invalid_value' && key(i) === key(firsts[0]))) {
          const values = firsts.flatMap((i) => (i as z.core.$ZodIssueInvalidValue).values);
          const merged = { ...firsts[0], values } as z.core.$ZodIssue;
          return (
            formatZodError(
              { issues: [{ ...merged, path: [...path, ...merged.path] }] } as z.ZodError,
              input,
              source,
              formatPath,
            ) + more
          );
        }
        const inner = nearest[0][0];
        return (
          formatZodError(
            { issues: [{ ...inner, path: [...path, ...inner.path] }] } as z.ZodError,
            input,
            source,
            formatPath,
          ) + more
        );
      } else {
        what = `does not match any accepted form (got ${describeValue(actual)})`;
      }
      break;
    }
    default:
      what = issue.message;
  }
  return `${source ? `${source}: ` : ''}${formatPath(path)}: ${what}${more}`;
}
