/**
 * `neurite bench`: the side-by-side benchmarks of `npm run bench` (bench/run.ts, run through tsx). The harness
 * and its comparison libraries (TensorFlow.js, tsx) are development files of the repository, not of the npm
 * package, so in an installed package the command says how to get them instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { CliError, parse, usageError } from './common.js';

interface BenchOptions {
  cases?: string;
  impls?: string;
  repeat?: number;
  smoke?: boolean;
}

/** The package root: two folders above this file, from src/cli and from dist/cli alike. */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

interface BenchList {
  cases: { id: string; title: string; unit: string; group?: string }[];
  /** Names for groups of cases that the default run leaves out (`--cases scaling`). */
  groups?: string[];
  impls: string[];
}

/** The harness of a source checkout, or a message saying why it cannot run here. */
function harness(): { root: string; script: string } | { missing: string } {
  const root = packageRoot();
  const script = join(root, 'bench', 'run.ts');
  const tsx = join(root, 'node_modules', 'tsx');
  if (existsSync(script) && existsSync(tsx)) return { root, script };
  return {
    missing:
      `the benchmarks live in the source repository (bench/run.ts${existsSync(script) ? ' is here but tsx is not installed' : ' is not in this package'}): ` +
      'clone neurite, run npm ci, then npm run bench (or neurite bench from the clone)',
  };
}

/** The harness's cases and implementations (`bench/run.ts --list`: the one list), or null when it cannot run. */
function benchList(): BenchList | null {
  const h = harness();
  if ('missing' in h) return null;
  const r = spawnSync(process.execPath, ['--import', 'tsx', h.script, '--list'], {
    cwd: h.root,
    encoding: 'utf8',
  });
  if (r.status !== 0) return null;
  try {
    return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as BenchList;
  } catch {
    return null;
  }
}

function listHelp(): string {
  const list = benchList();
  if (!list) return '\nCases: listed here in a source checkout with its dev dependencies (npm ci).';
  const width = Math.max(...list.cases.map((c) => c.id.length));
  return (
    `\nCases:\n${list.cases.map((c) => `  ${c.id.padEnd(width)}  ${c.title} (${c.unit})${c.group ? ` [${c.group}]` : ''}`).join('\n')}` +
    (list.groups?.length
      ? `\nGroups (left out of the default run; --cases ${list.groups[0]} runs one): ${list.groups.join(', ')}`
      : '') +
    `\nImplementations: ${list.impls.join(', ')}`
  );
}

/** Unknown names in a comma-separated flag: a usage error listing the valid ones. */
function checkNames(flag: string, given: string | undefined, valid: readonly string[]): void {
  if (given === undefined) return;
  const names = given.split(',').map((v) => v.trim());
  const unknown = names.filter((v) => !valid.includes(v));
  if (unknown.length > 0 || names.length === 0) {
    throw usageError(
      `bench: unknown --${flag} ${unknown.map((v) => `"${v}"`).join(', ')}; valid: ${valid.join(', ')}`,
    );
  }
}

export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'run the benchmarks: neurite (native, WebAssembly and TypeScript; WebAssembly in headless chromium too), TensorFlow.js and PyTorch side by side',
    )
    .option(
      '--cases <list>',
      'comma-separated cases or groups, e.g. sgemm-1024,conv-fwd or scaling (default: all but the groups)',
    )
    .option(
      '--impls <list>',
      'comma-separated implementations: neurite-native, neurite-native-avx2 (on AVX-512 CPUs), neurite-wasm, neurite-ts, tfjs-wasm, tfjs-cpu, pytorch, browser-neurite-wasm, browser-tfjs-wasm',
    )
    .option(
      '--repeat <n>',
      'run each measurement in n fresh processes and report their median',
      parse.positiveInt,
    )
    .option('--smoke', 'run each case once on tiny settings, to check that it runs (figures meaningless)')
    .option('--verbose', 'show stack traces of errors')
    .addHelpText(
      'after',
      `
Runs bench/run.ts of a source checkout (the same as npm run bench), each case in a fresh process on 2 threads,
and prints a Markdown table. It needs the repository's dev dependencies (npm ci in a clone); the npm package
does not ship bench/.`,
    )
    .addHelpText('after', () => listHelp())
    .action((opts: BenchOptions) => {
      const h = harness();
      if ('missing' in h) throw new CliError(h.missing);
      const { root, script } = h;
      if (opts.cases !== undefined || opts.impls !== undefined) {
        const list = benchList();
        if (!list) throw new CliError('cannot list the benchmark cases (bench/run.ts --list failed)');
        checkNames('cases', opts.cases, [...list.cases.map((c) => c.id), ...(list.groups ?? [])]);
        checkNames('impls', opts.impls, list.impls);
      }
      const args = ['--import', 'tsx', script];
      if (opts.cases) args.push('--cases', opts.cases);
      if (opts.impls) args.push('--impls', opts.impls);
      if (opts.repeat !== undefined) args.push('--repeat', String(opts.repeat));
      if (opts.smoke) args.push('--smoke');
      const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
      if (r.error) throw new CliError(`cannot run the benchmarks: ${r.error.message}`);
      if (r.status !== 0) throw new CliError(`the benchmarks failed (exit status ${r.status ?? r.signal})`);
    });
}
