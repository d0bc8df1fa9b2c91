/**
 * The `neurite` executable end to end, spawned as a process: help and version, a training run with --json,
 * resuming after the process was killed mid-training, and eval / predict / summary / sample on the checkpoints.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, lines, ROOT, removeTempDirs, runCli, spawnCli, tempDir } from './helpers.js';

afterAll(removeTempDirs);

describe('neurite (spawned)', () => {
  it('prints help, exit status 0', async () => {
    const help = await spawnCli(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['train', 'eval', 'predict', 'summary', 'sample', 'bench', 'datasets']) {
      expect(help.stdout).toContain(cmd);
    }
  });

  it('reports a wrong command line in one line on stderr, exit status 2, no stack trace', async () => {
    const r = await spawnCli(['train', 'cnn-mnsit']);
    expect(r.code).toBe(2);
    // (a machine without the native addon adds its one-line notice first)
    expect(lines(r.stderr).filter((l) => !l.startsWith('neurite: native backend unavailable'))).toHaveLength(
      1,
    );
    expect(lines(r.stderr).at(-1)).toMatch(
      /^neurite: unknown preset "cnn-mnsit"; did you mean "cnn-mnist"\?/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it("require('neurite') works from CommonJS, and engines names the first Node 20 that can (20.19)", async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(
      process.execPath,
      ['-e', `process.stdout.write(typeof require(${JSON.stringify(ROOT)}).train.fit)`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stdout, r.stderr).toBe('function');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe('>=20.19');
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(
      "`require('neurite')` from CommonJS needs Node.js\n≥ 20.19",
    );
  });

  describe('a trained run', () => {
    const dir = tempDir();
    const run = join(dir, 'run');
    let result: Record<string, unknown>;

    beforeAll(async () => {
      const r = await spawnCli(
        ['train', 'logreg-xor', '--crosses', '--epochs', '8', '--out', run, '--json'],
        { cwd: dir },
      );
      expect(r.code, r.stderr).toBe(0);
      result = lastJson(r);
    }, 120_000);

    it('trains with --json: progress on stderr, one JSON object as the last stdout line', () => {
      expect(result.preset).toBe('logreg-xor');
      expect(result.epochs).toBe(8);
      expect(result.checkpoint).toBe(run);
      expect(typeof result.seconds).toBe('number');
      const metrics = result.metrics as Record<string, number>;
      expect(metrics.accuracy).toBeGreaterThan(0.9); // crosses make XOR linearly separable
      expect(Object.keys(metrics).sort()).toEqual(['accuracy', 'f1', 'loss']);
      expect(existsSync(join(run, 'checkpoint.json'))).toBe(true);
      const log = lines(readFileSync(join(run, 'log.jsonl'), 'utf8'));
      expect(log).toHaveLength(8);
      expect(JSON.parse(log[7]).epoch).toBe(8);
    });

    it('evaluates the checkpoint to the same test metrics', async () => {
      const r = await spawnCli(['eval', run, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const out = lastJson(r);
      expect(out.epoch).toBe(8);
      expect(out.metrics).toEqual(result.metrics);
    });

    it('predicts from inline JSON', async () => {
      const inline = await spawnCli(['predict', run, '[[0.5, -0.5], [0.5, 0.5], [-0.6, -0.4]]', '--json']);
      expect(inline.code, inline.stderr).toBe(0);
      const preds = lastJson(inline).predictions as {
        prediction: number;
        label: string;
        probability: number;
      }[];
      expect(preds.map((p) => p.prediction)).toEqual([1, 0, 0]);
      expect(preds[0].label).toBe('opposite signs');
    });
  });

  it('Ctrl-C during training says how to resume, and the last finished epoch stays resumable', async () => {
    const dir = tempDir();
    const run = join(dir, 'run');
    const args = ['train', 'mlp-digits', '--hidden', '16', '--out', run, '--json'];
    const interrupted = await spawnCli([...args, '--epochs', '200'], {
      cwd: dir,
      onStderr: (text, child) => {
        if (/epoch 2\/200/.test(text) && !child.killed) child.kill('SIGINT');
      },
    });
    expect(interrupted.code, interrupted.stderr).toBe(130);
    const manifest = JSON.parse(readFileSync(join(run, 'checkpoint.json'), 'utf8'));
    expect(manifest.epoch).toBeGreaterThanOrEqual(1);
    expect(manifest.epoch).toBeLessThan(200);
    expect(interrupted.stderr).toContain(
      `interrupted: ${join(run, 'checkpoint.json')} holds epoch ${manifest.epoch}, intact; ` +
        `resume with: neurite train mlp-digits --out ${run} --resume`,
    );
    const resumed = await spawnCli([...args, '--resume', '--epochs', String(manifest.epoch + 1)], {
      cwd: dir,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming after epoch ${manifest.epoch}`);
    expect(lastJson(resumed).epochs).toBe(manifest.epoch + 1);
  }, 120_000);

  it('resumes a killed run exactly where it stopped, to the result of an uninterrupted run', async () => {
    const dir = tempDir();
    const args = ['train', 'mlp-digits', '--epochs', '20', '--hidden', '16', '--json'];
    const whole = await spawnCli([...args, '--out', join(dir, 'whole')], { cwd: dir });
    expect(whole.code, whole.stderr).toBe(0);

    const killed = await spawnCli([...args, '--out', join(dir, 'killed')], {
      cwd: dir,
      onStderr: (text, child) => {
        if (/epoch 3\/20/.test(text)) child.kill('SIGKILL');
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    const manifest = JSON.parse(readFileSync(join(dir, 'killed', 'checkpoint.json'), 'utf8'));
    expect(manifest.epoch).toBeGreaterThanOrEqual(2);
    expect(manifest.epoch).toBeLessThan(20);

    const resumed = await spawnCli(
      ['train', 'mlp-digits', '--resume', '--out', join(dir, 'killed'), '--json'],
      { cwd: dir },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming after epoch ${manifest.epoch}`);
    const a = lastJson(whole);
    const b = lastJson(resumed);
    expect(b.epochs).toBe(20);
    expect(b.metrics).toEqual(a.metrics);
    // the per-epoch losses after the crash are the uninterrupted run's too
    const lossesOf = (d: string) =>
      lines(readFileSync(join(dir, d, 'log.jsonl'), 'utf8')).map((l) => JSON.parse(l).loss);
    expect(lossesOf('killed').slice(-3)).toEqual(lossesOf('whole').slice(-3));
  });

  it('samples text from a char-RNN checkpoint', async () => {
    const dir = tempDir();
    const run = join(dir, 'charrnn');
    const train = await runCli([
      'train',
      'charrnn',
      '--limit',
      '8',
      '--epochs',
      '1',
      '--hidden-size',
      '16',
      '--embed-dim',
      '8',
      '--seq-length',
      '20',
      '--out',
      run,
      '--json',
    ]);
    expect(train.code, train.stderr).toBe(0);
    const metrics = lastJson(train).metrics as Record<string, number>;
    expect(metrics.bitsPerChar).toBeGreaterThan(0);
    const sample = await spawnCli([
      'sample',
      run,
      '--prime',
      'Elizabeth',
      '--length',
      '40',
      '--seed',
      '3',
      '--json',
    ]);
    expect(sample.code, sample.stderr).toBe(0);
    const text = lastJson(sample).text as string;
    expect(text.startsWith('Elizabeth')).toBe(true);
    expect([...text]).toHaveLength('Elizabeth'.length + 40);
    const again = await runCli(['sample', run, '--prime', 'Elizabeth', '--length', '40', '--seed', '3']);
    expect(again.stdout).toBe(`${text}\n`); // same seed, same text
  });
});
