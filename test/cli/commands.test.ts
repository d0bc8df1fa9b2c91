/**
 * Every subcommand, run in this process through the same `main` the executable calls (the spawned tests in
 * process.test.ts cover the real process): help texts, datasets, summaries of every preset, predictions from
 * each input format, eval on files, JSON configs on built-in and CSV data.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PRESET_NAMES } from '../../src/cli/presets/index.js';
import * as nt from '../../src/node.js';
import { lastJson, lines, type Result, ROOT, removeTempDirs, runCli, TSX, tempDir } from './helpers.js';

afterAll(removeTempDirs);

describe('help', () => {
  it.each([
    [
      'train',
      [
        '--epochs',
        '--batch-size',
        '--lr',
        '--seed',
        '--out',
        '--resume',
        '--force',
        '--json',
        '--limit',
        '--graph',
        '--crosses',
        ...PRESET_NAMES,
      ],
    ],
    ['eval', ['--data', '--json']],
    ['predict', ['--top', '--json', 'PGM']],
    ['summary', ['--json']],
    ['sample', ['--temperature', '--length', '--prime', '--seed']],
    ['bench', ['--cases', '--impls', '--repeat']],
    ['datasets', ['--json']],
  ])('neurite %s --help', async (cmd, words) => {
    const r = await runCli([cmd, '--help']);
    expect(r.code).toBe(0);
    for (const w of words) expect(r.stdout).toContain(w);
  });

  it('says "a GRU" and "an LSTM", "1 epoch" and "2 epochs"', async () => {
    const help = await runCli(['train', '--help']);
    expect(help.stdout).toContain('a GRU reading each MNIST digit');
    expect(help.stdout).toContain('an LSTM reading each MNIST digit');
    const dir = tempDir();
    const one = await runCli(['train', 'logreg-xor', '--epochs', '1', '--out', join(dir, 'one')]);
    expect(one.stdout).toMatch(/training {2}1 epoch, batch/);
    const two = await runCli(['train', 'logreg-xor', '--epochs', '2', '--out', join(dir, 'two')]);
    expect(two.stdout).toMatch(/training {2}2 epochs, batch/);
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});

describe('datasets', () => {
  it('lists the built-in datasets with their sizes', async () => {
    const r = await runCli(['datasets']);
    expect(r.code).toBe(0);
    for (const name of [
      'mnist',
      'iris',
      'wine',
      'breast-cancer',
      'diabetes',
      'digits',
      'austen',
      'xor',
      'spirals',
    ]) {
      expect(r.stdout).toContain(name);
    }
    const json = lastJson(await runCli(['datasets', '--json'])).datasets as {
      name: string;
      samples: string;
    }[];
    expect(json.find((d) => d.name === 'iris')?.samples).toBe('150');
    expect(json.find((d) => d.name === 'breast-cancer')?.samples).toBe('569');
  });
});

describe('summary', () => {
  it.each(PRESET_NAMES)('of the preset %s', async (name) => {
    const r = await runCli(['summary', name, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = lastJson(r) as { totalParams: number; rows: { outputShape: string }[] };
    expect(s.totalParams).toBeGreaterThan(0);
    expect(s.rows.length).toBeGreaterThan(0);
  });

  it('follows preset options', async () => {
    const lenet = lastJson(await runCli(['summary', 'cnn-mnist', '--json']));
    expect(lenet.totalParams).toBe(61_706);
    const deep = lastJson(
      await runCli(['summary', 'dnn-mnist', '--depth', '3', '--width', '32', '--no-batch-norm', '--json']),
    );
    expect(deep.totalParams).toBe(784 * 32 + 32 + 2 * (32 * 32 + 32) + 32 * 10 + 10);
    const table = await runCli(['summary', 'randwire-mnist', '--graph', 'er', '--p', '0.3', '--nodes', '6']);
    expect(table.stdout).toContain('RandWire ER(0.3), 3 stages of 6 nodes');
    expect(table.stdout).toContain('Total params:');
  });
});

describe('tables', () => {
  const dir = tempDir();
  const run = join(dir, 'xor');

  it('train, predict from CSV (columns by name) and JSON objects, eval on a labelled file', async () => {
    const t = await runCli(['train', 'logreg-xor', '--degree', '2', '--epochs', '5', '--out', run, '--json']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toContain('epoch 5/5');
    const csv = join(dir, 'points.csv');
    writeFileSync(csv, 'x1,x0\n0.7,-0.8\n0.6,0.9\n');
    const p = await runCli(['predict', run, csv]);
    expect(p.code, p.stderr).toBe(0);
    expect(lines(p.stdout)).toHaveLength(2);
    expect(lines(p.stdout)[0]).toMatch(/^0: opposite signs \(class 1, p = 0\.\d{4}\)$/);
    expect(lines(p.stdout)[1]).toMatch(/^1: same sign \(class 0, p = 0\.\d{4}\)$/);
    // --top names the runners-up too, and --json carries the class names
    const top = await runCli(['predict', run, csv, '--top', '2']);
    expect(lines(top.stdout)[0]).toMatch(
      /^0: opposite signs \(class 1, p = 0\.\d{4}\) {2}next: same sign \(class 0\) 0\.\d{4}$/,
    );
    const topJson = lastJson(await runCli(['predict', run, csv, '--top', '2', '--json']));
    expect(topJson.labels).toEqual(['same sign', 'opposite signs']);
    const first = (
      topJson.predictions as { top: { class: number; label: string; probability: number }[] }[]
    )[0];
    expect(first.top.map((t) => [t.class, t.label])).toEqual([
      [1, 'opposite signs'],
      [0, 'same sign'],
    ]);
    expect(first.top[0].probability + first.top[1].probability).toBeCloseTo(1, 6);
    const objects = lastJson(await runCli(['predict', run, '[{"x0": -0.5, "x1": 0.5}]', '--json']));
    expect((objects.predictions as { prediction: number }[])[0].prediction).toBe(1);
    const labelled = join(dir, 'labelled.csv');
    writeFileSync(labelled, '0.5,-0.5,1\n0.5,0.5,0\n-0.5,-0.5,0\n-0.5,0.5,1\n');
    const e = lastJson(await runCli(['eval', run, '--data', labelled, '--json']));
    expect(e.samples).toBe(4);
    expect((e.metrics as Record<string, number>).accuracy).toBe(1);
  });

  it('solves linear regression exactly with --solver exact', async () => {
    const r = await runCli([
      'train',
      'linreg-diabetes',
      '--solver',
      'exact',
      '--out',
      join(dir, 'exact'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson(r);
    expect(out.epochs).toBe(1);
    // scikit-learn's LinearRegression on the same split and standardised features gives the same optimum
    const { x, y } = nt.loadDiabetes();
    const s = nt.data.trainTestSplit(x, y, { testSize: 0.2, seed: 0 });
    const scaler = new nt.data.StandardScaler().fit(s.xTrain);
    const ref = new nt.models.LinearRegression().fit(scaler.transform(s.xTrain), s.yTrain);
    const r2 = ref.score(scaler.transform(s.xTest), s.yTest);
    expect((out.metrics as Record<string, number>).r2).toBeCloseTo(r2, 4);
  });
});

describe('images and sequences', () => {
  const dir = tempDir();

  it('a LeNet-5 run reads PGM, JSON and CSV digits', async () => {
    const run = join(dir, 'lenet');
    const t = await runCli(['train', 'cnn-mnist', '--limit', '64', '--epochs', '1', '--out', run]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/test {6}accuracy 0\.\d{4} {2}loss \d\.\d{4} {2}\(64 samples\)/);
    const { images, labels } = nt.loadMnist({ split: 'test', normalize: 'none' });
    const digit = Array.from(images.data.subarray(0, 784));
    const pgm = join(dir, 'digit.pgm');
    writeFileSync(pgm, Buffer.concat([Buffer.from('P5\n# a test digit\n28 28\n255\n'), Buffer.from(digit)]));
    const ascii = join(dir, 'digit-ascii.pgm');
    writeFileSync(ascii, `P2\n28 28\n255\n${digit.join(' ')}\n`);
    const json = join(dir, 'digit.json');
    writeFileSync(json, JSON.stringify(digit));
    const results: Record<string, unknown>[] = [];
    for (const f of [pgm, ascii, json]) results.push(lastJson(await runCli(['predict', run, f, '--json'])));
    const first = (results[0].predictions as { probabilities: number[] }[])[0].probabilities;
    for (const r of results) {
      const p = (r.predictions as { probabilities: number[] }[])[0].probabilities;
      p.forEach((v, i) => {
        expect(v).toBeCloseTo(first[i], 6);
      });
    }
    const csv = join(dir, 'digits.csv');
    const rows = [0, 1, 2].map((i) =>
      [...images.data.subarray(i * 784, (i + 1) * 784), labels.data[i]].join(','),
    );
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const e = lastJson(await runCli(['eval', run, '--data', csv, '--json']));
    expect(e.samples).toBe(3);
    const p = lastJson(await runCli(['predict', run, csv, '--json']));
    expect((p.predictions as unknown[]).length).toBe(3);
  });

  it('recognises PGM and PNG by their first bytes (no extension, stdin) and inverts a dark digit on white', async () => {
    const run = join(dir, 'lenet-images');
    const t = await runCli(['train', 'cnn-mnist', '--limit', '64', '--epochs', '1', '--out', run]);
    expect(t.code, t.stderr).toBe(0);
    const { images } = nt.loadMnist({ split: 'test', normalize: 'none' });
    const digit = Array.from(images.data.subarray(0, 784));
    const pgmBytes = Buffer.concat([Buffer.from('P5\n28 28\n255\n'), Buffer.from(digit)]);
    const probabilities = (r: Result) => {
      expect(r.code, r.stderr).toBe(0);
      return (lastJson(r).predictions as { probabilities: number[] }[])[0].probabilities;
    };
    const reference = probabilities(await runCli(['predict', run, JSON.stringify(digit), '--json']));
    const same = (p: number[]) =>
      p.forEach((v, i) => {
        expect(v).toBeCloseTo(reference[i], 6);
      });
    const bare = join(dir, 'digit'); // no extension
    writeFileSync(bare, pgmBytes);
    same(probabilities(await runCli(['predict', run, bare, '--json'])));
    const png = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0, inputHasAlpha: false });
    png.data = Buffer.from(digit);
    const pngFile = join(dir, 'digit.png');
    writeFileSync(pngFile, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
    same(probabilities(await runCli(['predict', run, pngFile, '--json'])));
    // black on white: inverted back, and said
    const inverted = join(dir, 'inverted.pgm');
    writeFileSync(
      inverted,
      Buffer.concat([Buffer.from('P5\n28 28\n255\n'), Buffer.from(digit.map((v) => 255 - v))]),
    );
    const inv = await runCli(['predict', run, inverted, '--json']);
    same(probabilities(inv));
    expect(inv.stderr).toMatch(/light background .*inverted/);
    // stdin, as the README documents: a real process reading the PGM bytes from its standard input
    const piped = spawnSync(
      process.execPath,
      ['--import', TSX, join(ROOT, 'src/cli/main.ts'), 'predict', run, '-', '--json'],
      {
        input: pgmBytes,
        encoding: 'utf8',
        env: { ...process.env, NEURITE_NUM_THREADS: '1' },
      },
    );
    same(probabilities({ code: piped.status, stdout: piped.stdout, stderr: piped.stderr }));
  }, 60_000);

  it('a seq2seq run writes sequences for strings of digits', async () => {
    const run = join(dir, 'seq2seq');
    const t = await runCli([
      'train',
      'seq2seq-reverse',
      '--limit',
      '64',
      '--epochs',
      '1',
      '--hidden-size',
      '16',
      '--out',
      run,
      '--json',
    ]);
    expect(t.code, t.stderr).toBe(0);
    expect(Object.keys(lastJson(t).metrics as object).sort()).toEqual([
      'loss',
      'sequenceAccuracy',
      'tokenAccuracy',
    ]);
    const p = lastJson(await runCli(['predict', run, '["12345", "907"]', '--json']));
    const preds = p.predictions as { input: string; prediction: string }[];
    expect(preds.map((r) => r.input)).toEqual(['12345', '907']);
    for (const r of preds) expect(r.prediction).toMatch(/^[0-9]*$/);
    const file = join(dir, 'pairs.csv');
    writeFileSync(file, 'input,output\n123,321\n4455,5544\n');
    const e = lastJson(await runCli(['eval', run, '--data', file, '--json']));
    expect(e.samples).toBe(2);
  });
});

describe('JSON configs', () => {
  it('trains an MLP on iris with a validation split and early stopping', async () => {
    const dir = tempDir();
    const config = join(dir, 'iris.json');
    writeFileSync(
      config,
      JSON.stringify({
        name: 'iris-mlp',
        model: { type: 'mlp', hidden: [16] },
        data: { dataset: 'iris' },
        optimizer: { type: 'adam', lr: 0.01 },
        training: { epochs: 40, batchSize: 16, validationSplit: 0.2, earlyStopping: { patience: 2 } },
      }),
    );
    const r = await runCli(['train', config, '--out', join(dir, 'run'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('val_loss');
    const out = lastJson(r);
    expect(out.preset).toBe(config);
    expect((out.metrics as Record<string, number>).accuracy).toBeGreaterThan(0.8);
    const summary = await runCli(['summary', join(dir, 'run')]);
    expect(summary.stdout).toContain('Total params: 131'); // 4·16 + 16 + 16·3 + 3
  });

  it("trains on the user's CSV with a categorical feature and a text target, then predicts and evaluates", async () => {
    const dir = tempDir();
    const g = new nt.Generator(1);
    const rows = ['size,colour,kind'];
    for (let i = 0; i < 200; i++) {
      const size = g.random() * 10;
      const colour = ['red', 'green', 'blue'][g.int(0, 3)];
      rows.push(`${size.toFixed(3)},${colour},${size > 5 !== (colour === 'blue') ? 'big' : 'small'}`);
    }
    writeFileSync(join(dir, 'things.csv'), `${rows.join('\n')}\n`);
    writeFileSync(
      join(dir, 'things.json'),
      JSON.stringify({
        model: { type: 'mlp', hidden: [16] },
        data: { csv: 'things.csv', target: 'kind', categorical: ['colour', 'kind'] },
        optimizer: { lr: 0.02 },
        training: { epochs: 30, batchSize: 16 },
      }),
    );
    const run = join(dir, 'run');
    const r = await runCli(['train', join(dir, 'things.json'), '--out', run, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((lastJson(r).metrics as Record<string, number>).accuracy).toBeGreaterThan(0.85);
    // the checkpoint alone predicts: the training file may be gone
    writeFileSync(join(dir, 'things.csv'), 'gone\n');
    const p = lastJson(
      await runCli([
        'predict',
        run,
        '[{"size": 9, "colour": "red"}, {"size": 9, "colour": "blue"}]',
        '--json',
      ]),
    );
    const preds = p.predictions as { label: string }[];
    expect(preds.map((x) => x.label)).toEqual(['big', 'small']);
    writeFileSync(join(dir, 'new.csv'), 'kind,colour,size\nbig,green,8\nsmall,green,1\nsmall,blue,9\n');
    const e = lastJson(await runCli(['eval', run, '--data', join(dir, 'new.csv'), '--json']));
    expect(e.samples).toBe(3);
    expect((e.metrics as Record<string, number>).accuracy).toBeGreaterThanOrEqual(2 / 3);
  });
});

describe('configs with defaults', () => {
  const dir = tempDir();
  const g = new nt.Generator(7);
  const rows = ['x1,x2,y,flag,grade'];
  for (let i = 0; i < 300; i++) {
    const x1 = g.random() * 100;
    const x2 = g.random() * 50;
    // y is exactly linear (plus a little noise) on a scale far from 1: what a default Adam run cannot reach
    const y = 3 * x1 - 2 * x2 + 500 + g.normal();
    rows.push(`${x1.toFixed(3)},${x2.toFixed(3)},${y.toFixed(3)},${x1 > 50 ? 1 : 0},${Math.floor(x2 / 10)}`);
  }
  writeFileSync(join(dir, 'linear.csv'), `${rows.join('\n')}\n`);
  const config = (name: string, body: Record<string, unknown>) => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(body));
    return file;
  };

  it('a linear model fits linear data with its defaults (the exact solver), and says how it was solved', async () => {
    const file = config('lin', {
      model: { type: 'linear' },
      data: { csv: 'linear.csv', target: 'y', columns: ['x1', 'x2'] },
    });
    const r = await runCli(['train', file, '--out', join(dir, 'lin'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((lastJson(r).metrics as Record<string, number>).r2).toBeGreaterThan(0.99);
    expect(r.stderr).toContain('regression');
    expect(r.stderr).toMatch(/exact least squares/);
  });

  it('gradient descent that stops short of the least-squares fit warns that the model underfits', async () => {
    const file = config('lin-gd', {
      model: { type: 'linear', solver: 'gd' },
      data: { csv: 'linear.csv', target: 'y', columns: ['x1', 'x2'] },
    });
    const r = await runCli(['train', file, '--out', join(dir, 'lin-gd'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((lastJson(r).metrics as Record<string, number>).r2).toBeLessThan(0.5);
    expect(r.stderr).toMatch(
      /underfits: train R² -?\d+\.\d+ where the least-squares fit reaches (0\.99\d|1\.000)/,
    );
    expect(r.stderr).toContain('"solver": "exact"');
  });

  it('a 0/1 or small-integer label column is classification, and the choice is said', async () => {
    for (const target of ['flag', 'grade']) {
      const file = config(`cls-${target}`, {
        model: { type: 'mlp', hidden: [8] },
        data: { csv: 'linear.csv', target, columns: ['x1', 'x2'] },
        training: { epochs: 2 },
      });
      const r = await runCli(['train', file, '--out', join(dir, `cls-${target}`), '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(Object.keys(lastJson(r).metrics as object)).toContain('accuracy');
      expect(r.stderr).toMatch(new RegExp(`classification: the target "${target}" holds \\d+ whole numbers`));
    }
  });

  it('task "classification" on a real-valued target is explained in the config\'s terms', async () => {
    const file = config('wrong', {
      model: { type: 'mlp' },
      data: { csv: 'linear.csv', target: 'y', task: 'classification' },
    });
    const r = await runCli(['train', file, '--out', join(dir, 'wrong')]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('MLP:');
    expect(r.stderr).toMatch(
      /data\.task is "classification" but the target "y" holds numbers such as \d+\.\d+/,
    );
    expect(r.stderr).toContain('"regression"');
  });
});

describe('runs', () => {
  it('defaults to runs/<preset>-<time> and --resume finds the latest run', async () => {
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const first = lastJson(await runCli(['train', 'logreg-breast-cancer', '--epochs', '2', '--json']));
      expect(first.checkpoint).toMatch(/^runs[/\\]logreg-breast-cancer-\d{8}-\d{6}-\d{3}$/);
      expect(existsSync(join(first.checkpoint as string, 'checkpoint.json'))).toBe(true);
      const more = await runCli(['train', 'logreg-breast-cancer', '--resume', '--epochs', '4', '--json']);
      expect(more.code, more.stderr).toBe(0);
      expect(lastJson(more).checkpoint).toBe(first.checkpoint);
      expect(lastJson(more).epochs).toBe(4);
      expect(more.stderr).toContain('resuming after epoch 2');
    } finally {
      process.chdir(cwd);
    }
  });

  it.each([
    ['linreg-diabetes', 'exact'],
    ['logreg-breast-cancer', 'lbfgs'],
  ])('--resume of a run %s solved by --solver %s evaluates the solved weights', async (preset, solver) => {
    const run = join(tempDir(), 'run');
    const args = ['train', preset, '--solver', solver, '--limit', '200', '--out', run, '--json'];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    const stored = readFileSync(join(run, 'result.json'), 'utf8');
    const again = await runCli([...args, '--resume']);
    expect(again.code, again.stderr).toBe(0);
    expect(lastJson(again).metrics).toEqual(lastJson(first).metrics);
    expect(readFileSync(join(run, 'result.json'), 'utf8')).toBe(stored);
  });

  it('two runs started in the same millisecond get folders of their own, in order', async () => {
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(2026, 11, 4, 14, 30, 5, 7));
    try {
      const args = ['train', 'logreg-breast-cancer', '--epochs', '1', '--limit', '50', '--json'];
      const a = await runCli(args);
      const b = await runCli(args);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(lastJson(a).checkpoint).toBe(join('runs', 'logreg-breast-cancer-20261204-143005-007'));
      expect(lastJson(b).checkpoint).toBe(join('runs', 'logreg-breast-cancer-20261204-143005-007-1'));
      expect(readdirSync('runs').sort()).toEqual([
        'logreg-breast-cancer-20261204-143005-007',
        'logreg-breast-cancer-20261204-143005-007-1',
      ]);
    } finally {
      vi.useRealTimers();
      process.chdir(cwd);
    }
  });

  it('--force replaces a run, and only then', async () => {
    const dir = tempDir();
    const run = join(dir, 'run');
    await runCli(['train', 'logreg-breast-cancer', '--epochs', '2', '--out', run]);
    const before = readFileSync(join(run, 'checkpoint.json'));
    const refused = await runCli(['train', 'logreg-breast-cancer', '--epochs', '3', '--out', run]);
    expect(refused.code).toBe(2);
    expect(readFileSync(join(run, 'checkpoint.json'))).toEqual(before);
    const forced = await runCli([
      'train',
      'logreg-breast-cancer',
      '--epochs',
      '3',
      '--out',
      run,
      '--force',
      '--json',
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(lastJson(forced).epochs).toBe(3);
    expect(lines(readFileSync(join(run, 'log.jsonl'), 'utf8'))).toHaveLength(3);
  });
});
