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
import { CliError, parse } from './common.js';

interface BenchOptions {
  cases?: string;
  impls?: string;
  repeat?: number;
}

/** The package root: two folders above this file, from src/cli and from dist/cli alike. */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'run the benchmarks: neurite (native and TypeScript), TensorFlow.js and PyTorch side by side',
    )
    .option('--cases <list>', 'comma-separated cases, e.g. sgemm-1024,conv-fwd (default: all)')
    .option(
      '--impls <list>',
      'comma-separated implementations: neurite-native, neurite-ts, tfjs-wasm, tfjs-cpu, pytorch',
    )
    .option(
      '--repeat <n>',
      'run each measurement in n fresh processes and report their median',
      parse.positiveInt,
    )
    .option('--verbose', 'show stack traces of errors')
    .addHelpText(
      'after',
      `
Runs bench/run.ts of a source checkout (the same as npm run bench), each case in a fresh process on 2 threads,
and prints a Markdown table. It needs the repository's dev dependencies (npm ci in a clone); the npm package
does not ship bench/.`,
    )
    .action((opts: BenchOptions) => {
      const root = packageRoot();
      const script = join(root, 'bench', 'run.ts');
      const tsx = join(root, 'node_modules', 'tsx');
      if (!existsSync(script) || !existsSync(tsx)) {
        throw new CliError(
          `the benchmarks live in the source repository (bench/run.ts${existsSync(script) ? ' is here but tsx is not installed' : ' is not in this package'}): ` +
            'clone neurite, run npm ci, then npm run bench (or neurite bench from the clone)',
        );
      }
      const args = ['--import', 'tsx', script];
      if (opts.cases) args.push('--cases', opts.cases);
      if (opts.impls) args.push('--impls', opts.impls);
      if (opts.repeat !== undefined) args.push('--repeat', String(opts.repeat));
      const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
      if (r.error) throw new CliError(`cannot run the benchmarks: ${r.error.message}`);
      if (r.status !== 0) throw new CliError(`the benchmarks failed (exit status ${r.status ?? r.signal})`);
    });
}
