#!/usr/bin/env node
/**
 * The `neurite` command: train the lecture's models or your own experiments, evaluate and use the checkpoints,
 * show model summaries, sample text, run the benchmarks and list the built-in datasets.
 *
 * Every mistake ends the command with one line on stderr, `neurite: <what is wrong>`, and a non-zero exit
 * status (2 for a wrong command line, 1 for everything else); `--verbose` adds the stack trace.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { benchCommand } from './bench.js';
import { CliError, FAILURE_EXIT, USAGE_EXIT } from './common.js';
import { datasetsCommand } from './datasets.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { predictCommand } from './predict.js';
import { sampleCommand } from './sample.js';
import { studioCommand } from './studio.js';
import { summaryCommand } from './summary.js';
import { trainCommand } from './train.js';

/** The package's version, from the package.json two folders up (from src/cli and from dist/cli alike). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Commander's error text as one line: `unknown option '--epoch' (did you mean --epochs?)`. */
function oneLine(text: string): string {
  return text
    .replace(/^error: /i, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.replace(/^\(Did you mean (.*)\)$/, '(did you mean $1)'))
    .join(' ');
}

export function program(): Command {
  const version = packageVersion();
  const prog = new Command('neurite')
    .description(
      'deep learning for TypeScript: train, evaluate and use the models of the lecture, or your own',
    )
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`neurite: ${oneLine(text)}\n`) });
  const commands = [
    trainCommand(version),
    evalCommand(),
    exportCommand(),
    predictCommand(),
    summaryCommand(),
    sampleCommand(),
    benchCommand(),
    datasetsCommand(),
    studioCommand(),
  ];
  for (const cmd of commands) {
    cmd
      .exitOverride()
      .configureOutput({ outputError: (text, write) => write(`neurite ${cmd.name()}: ${oneLine(text)}\n`) });
    prog.addCommand(cmd);
  }
  prog.addHelpText(
    'after',
    `
Quick start:
  neurite train cnn-mnist              train LeNet-5 on MNIST, print the test accuracy, save runs/cnn-mnist-<time>
  neurite eval runs/cnn-mnist-<time>   evaluate the checkpoint on the test digits
  neurite <command> --help             the options of a command`,
  );
  return prog;
}

/** Runs the command line; returns the exit status. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    await program().parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has printed its message (or the help, or the version) already
      return e.exitCode === 0 ? 0 : USAGE_EXIT;
    }
    const err = e as Error;
    const message = oneLine(String(err?.message ?? err)) || String(err);
    process.stderr.write(`neurite: ${message}\n`);
    if (verbose && err?.stack) process.stderr.write(`${err.stack}\n`);
    return e instanceof CliError ? e.exitCode : FAILURE_EXIT;
  }
}

/** Whether this module is the program being run (directly, or through the `neurite` bin link), not an import. */
function isEntryPoint(): boolean {
  const invoked = process.argv[1];
  if (!invoked) return false;
  try {
    return realpathSync(invoked) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  main().then((code) => {
    process.exitCode = code;
  });
}
