/**
 * Every way the command refuses: one line on stderr starting with `neurite`, a non-zero exit status (2 for the
 * command line, 1 for files and data), no stack trace unless --verbose, and nothing overwritten.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, removeTempDirs, runCli, tempDir } from './helpers.js';

afterAll(removeTempDirs);

/** Runs the command and checks the failure's form; returns the error line. */
async function fails(args: string[], code: 1 | 2): Promise<string> {
  const r = await runCli(args);
  expect(r.code, `${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code);
  const errLines = lines(r.stderr);
  expect(errLines, r.stderr).toHaveLength(1);
  expect(errLines[0]).toMatch(/^neurite( [a-z]+)?: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return errLines[0];
}

describe('command-line mistakes (exit status 2)', () => {
  it('an unknown preset, with the closest name', async () => {
    expect(await fails(['train', 'cnn-mnsit'], 2)).toContain(
      'unknown preset "cnn-mnsit"; did you mean "cnn-mnist"?',
    );
    expect(await fails(['summary', 'lstm-mnist'], 2)).toContain('did you mean "lstm-seqmnist"?');
  });

  it('an unknown command or option, with the closest one', async () => {
    expect(await fails(['trian', 'cnn-mnist'], 2)).toContain("unknown command 'trian' (did you mean train?)");
    expect(await fails(['train', 'cnn-mnist', '--epoch', '3'], 2)).toContain(
      "unknown option '--epoch' (did you mean --epochs?)",
    );
  });

  it('bad option values', async () => {
    expect(await fails(['train', 'cnn-mnist', '--epochs', 'abc'], 2)).toMatch(
      /--epochs <n>.*'abc' is invalid\. It must be a positive integer/,
    );
    expect(await fails(['train', 'cnn-mnist', '--epochs', '0'], 2)).toContain('positive integer');
    expect(await fails(['train', 'cnn-mnist', '--lr', '-1'], 2)).toContain('positive number');
    expect(await fails(['bench', '--repeat', '0'], 2)).toContain('positive integer');
    expect(await fails(['sample', 'x', '--temperature', 'hot'], 2)).toContain('--temperature');
    expect(await fails(['train', 'randwire-mnist', '--graph', 'wss'], 2)).toBe(
      'neurite: randwire-mnist: --graph: must be one of "ws", "er", "ba", got "wss"; did you mean "ws"?',
    );
    expect(await fails(['train', 'randwire-mnist', '--graph', 'er', '--k', '4'], 2)).toContain(
      '--k: only applies to --graph ws',
    );
    expect(await fails(['train', 'randwire-mnist', '--k', '3'], 2)).toContain('--k: must be even');
    expect(await fails(['train', 'linreg-diabetes', '--solver', 'lbfgs'], 2)).toContain(
      '--solver: must be one of "gd", "exact"',
    );
  });

  it('bench: an unknown case or implementation lists the valid ones; --help lists the cases', async () => {
    expect(await fails(['bench', '--cases', 'sgemm-1024,sgem-512'], 2)).toMatch(
      /unknown --cases "sgem-512"; valid: sgemm-256, sgemm-1024, .*conv-fwd/,
    );
    expect(await fails(['bench', '--impls', 'torch'], 2)).toMatch(
      /unknown --impls "torch"; valid: neurite-native, .*neurite-ts, .*pytorch/,
    );
    const help = await runCli(['bench', '--help']);
    expect(help.stdout).toMatch(/Cases:\n {2}sgemm-256 +SGEMM 256 \(GFLOP\/s\)/);
    expect(help.stdout).toContain('cnn-rss-growth');
    // the browser columns (headless chromium) are listed and validated like the others
    expect(help.stdout).toMatch(/Implementations: .*, browser-neurite-wasm, browser-tfjs-wasm$/m);
    expect(await fails(['bench', '--impls', 'browser-neurite-wasm,browser-wasm'], 2)).toContain(
      'unknown --impls "browser-wasm"',
    );
  }, 30_000);

  it('a preset option the preset does not take', async () => {
    expect(await fails(['train', 'cnn-mnist', '--graph', 'ws'], 2)).toContain(
      '--graph does not apply to cnn-mnist (it takes --shift, --activation, --pooling)',
    );
  });

  it('missing arguments and contradictory flags', async () => {
    expect(await fails(['train'], 2)).toContain("missing required argument 'preset-or-config'");
    expect(await fails(['predict', 'somewhere'], 2)).toContain("missing required argument 'input'");
    expect(await fails(['train', 'cnn-mnist', '--resume', '--force', '--out', tempDir()], 2)).toContain(
      'contradict',
    );
  });
});

describe('files (exit status 1)', () => {
  const dir = tempDir();
  const run = join(dir, 'run');

  beforeAll(async () => {
    const r = await runCli(['train', 'logreg-breast-cancer', '--epochs', '2', '--out', run]);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('a missing checkpoint or input file', async () => {
    expect(await fails(['eval', join(dir, 'nowhere')], 1)).toContain('no such checkpoint');
    expect(await fails(['predict', run, join(dir, 'nothing.csv')], 1)).toContain('no such file');
    expect(await fails(['train', join(dir, 'missing.json')], 1)).toContain('no such config file');
  });

  it('a corrupt checkpoint: damaged weights, broken manifest, or not a run of neurite train', async () => {
    const damaged = join(dir, 'damaged');
    await runCli(['train', 'logreg-breast-cancer', '--epochs', '1', '--out', damaged]);
    const weights = readdirSync(damaged).find((f) => f.endsWith('.safetensors')) as string;
    const bytes = readFileSync(join(damaged, weights));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(damaged, weights), bytes);
    expect(await fails(['eval', damaged], 1)).toContain('does not match the manifest');
    expect(await fails(['predict', damaged, '[[1]]'], 1)).toContain('damaged');

    const broken = join(dir, 'broken');
    await runCli(['train', 'logreg-breast-cancer', '--epochs', '1', '--out', broken]);
    writeFileSync(join(broken, 'checkpoint.json'), '{"format": "neurite-checkpoint", ');
    expect(await fails(['eval', broken], 1)).toContain('not valid JSON');
    expect(await fails(['train', 'logreg-breast-cancer', '--resume', '--out', broken], 1)).toContain(
      'not valid JSON',
    );
  });

  it('a folder where a file belongs', async () => {
    expect(await fails(['predict', run, dir], 1)).toContain(`${dir} is a folder; give a file`);
    expect(await fails(['eval', run, '--data', dir], 1)).toContain(`${dir} is a folder`);
    const config = join(dir, 'folder-data.json');
    writeFileSync(config, JSON.stringify({ model: { type: 'mlp' }, data: { csv: '.', target: 'y' } }));
    expect(await fails(['train', config, '--out', join(dir, 'never')], 1)).toContain(
      'is a folder, not a CSV file',
    );
  });

  it('inputs that do not fit the model', async () => {
    expect(await fails(['predict', run, '[[1, 2, 3]]'], 1)).toContain('row 1 has 3 values; expected 30');
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'a,b\n1,2\n');
    expect(await fails(['predict', run, csv], 1)).toMatch(
      /missing columns "mean radius", "mean texture", …|missing columns/,
    );
    expect(await fails(['predict', run, '[[1, 2'], 1)).toContain('not valid JSON');
    expect(await fails(['eval', run, '--data', csv], 1)).toContain('missing columns');
    expect(await fails(['sample', run], 1)).toContain('sample needs a charrnn checkpoint');
  });

  it('never overwrites a run without --resume or --force', async () => {
    const before = readFileSync(join(run, 'checkpoint.json'));
    expect(await fails(['train', 'logreg-breast-cancer', '--out', run], 2)).toContain(
      'already holds a run; pass --resume to continue it or --force',
    );
    expect(await fails(['train', 'logreg-xor', '--out', run, '--resume'], 2)).toContain(
      'holds a run of logreg-breast-cancer, not of logreg-xor',
    );
    expect(
      await fails(['train', 'logreg-breast-cancer', '--out', run, '--resume', '--lr', '0.5'], 2),
    ).toContain('was trained with --lr 0.01');
    expect(readFileSync(join(run, 'checkpoint.json'))).toEqual(before);
    expect(
      await fails(['train', 'logreg-breast-cancer', '--resume', '--out', join(dir, 'empty')], 1),
    ).toContain('no checkpoint to resume');
  });

  it('--verbose adds the stack trace', async () => {
    const r = await runCli(['eval', join(dir, 'nowhere'), '--verbose']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^neurite: .*no such checkpoint/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('configs (exit status 1, the file and the JSON path named)', () => {
  const dir = tempDir();
  const write = (name: string, content: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return file;
  };

  it.each([
    [
      { model: { type: 'mlp', hidden: [16, -2] }, data: { dataset: 'iris' } },
      'model.hidden[1]: must be > 0, got -2',
    ],
    [
      { model: { type: 'mpl' }, data: { dataset: 'iris' } },
      'model.type: must be one of "linear", "logistic", "mlp"',
    ],
    [{ model: { type: 'mpl' }, data: { dataset: 'iris' } }, 'did you mean "mlp"?'],
    [
      { model: { type: 'mlp' }, data: { dataset: 'iris' }, training: { epochs: 2.5 } },
      'training.epochs: expected an integer, got 2.5',
    ],
    [{ model: { type: 'mlp', widht: 3 }, data: { dataset: 'iris' } }, 'model.widht: unknown field'],
    [{ model: { type: 'mlp' } }, 'data: is required'],
    [
      { model: { type: 'mlp' }, data: { dataset: 'iris' }, optimizer: { type: 'adamm' } },
      'optimizer.type: must be one of',
    ],
    [
      { model: { type: 'mlp' }, data: { dataset: 'iris' }, training: { earlyStopping: { patience: 2 } } },
      'training.earlyStopping: watches a validation value: give training.validationSplit too',
    ],
    [{ model: { type: 'lenet5' }, data: { dataset: 'iris' } }, 'model.type "lenet5" reads images'],
    [{ model: { type: 'linear' }, data: { dataset: 'iris' } }, 'model.type "linear" is for regression'],
    [{ model: { type: 'mlp' }, data: { csv: 'nope.csv', target: 'y' } }, 'nope.csv'],
  ])('%j', async (config, message) => {
    const file = write('bad.json', config);
    const line = await fails(['train', file, '--out', join(dir, 'run')], 1);
    expect(line).toContain(file);
    expect(line).toContain(message);
  });

  it('a syntax error with its line and column', async () => {
    const file = write(
      'syntax.json',
      '{\n  "model": { "type": "mlp" },\n  "data": { "dataset": "iris", }\n}\n',
    );
    expect(await fails(['train', file], 1)).toMatch(/syntax\.json: not valid JSON \(line 3, column \d+\)/);
  });

  it('preset options do not apply to configs', async () => {
    const file = write('ok.json', { model: { type: 'mlp' }, data: { dataset: 'iris' } });
    expect(await fails(['train', file, '--graph', 'ws'], 2)).toContain('do not apply to a config file');
  });
});
