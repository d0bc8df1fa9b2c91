// Presets as named configs: every preset a config can express is a config object built by the config builder, so a
// preset and its config written to a file train the same weights; only the sequence presets build in code.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/cli/config.js';
import { PRESETS } from '../../src/cli/presets/index.js';
import type { NamedConfigPreset } from '../../src/cli/presets/named.js';
import { lastJson, lines, removeTempDirs, runCli, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const named = PRESETS.filter((p): p is NamedConfigPreset<unknown> => 'config' in p);

/** The preset's options from its flags, as `neurite train` parses them. */
const optionsOf = (name: string, flags: Record<string, unknown>) => {
  const preset = named.find((p) => p.name === name) as NamedConfigPreset<unknown>;
  return preset.config(preset.options.parse(flags));
};

/** The sha-256 of the run's weights file (model, optimiser and scheduler state). */
function weightsHash(run: string): string {
  const file = readdirSync(run).find((f) => f.startsWith('weights-') && f.endsWith('.safetensors'));
  expect(file, `${run} has no weights file`).toBeDefined();
  return createHash('sha256')
    .update(readFileSync(join(run, file as string)))
    .digest('hex');
}

describe('presets', () => {
  it('are named configs, except the sequence presets, which a config cannot express', () => {
    const code = PRESETS.filter((p) => !('config' in p)).map((p) => p.name);
    expect(code).toEqual(['seq2seq-reverse', 'charrnn']);
    for (const p of named) {
      const config = p.config(p.options.parse({}));
      // a config a user could write: it passes the schema of config files as JSON
      expect(validateConfig(JSON.parse(JSON.stringify(config)), p.name)).toEqual(config);
      expect(config.name).toBe(p.name);
    }
  });

  it('keep their defaults: epochs, batch size and learning rate come from their configs', () => {
    const defaults = Object.fromEntries(PRESETS.map((p) => [p.name, Object.values(p.defaults)]));
    expect(defaults).toEqual({
      'linreg-diabetes': [100, 32, 0.01],
      'logreg-breast-cancer': [50, 32, 0.01],
      'logreg-xor': [30, 32, 0.05],
      'mlp-digits': [30, 32, 1e-3],
      'dnn-mnist': [10, 64, 3e-3],
      'cnn-mnist': [15, 32, 3e-3],
      'resnet-mnist': [3, 64, 2e-3],
      'randwire-mnist': [8, 64, 3e-3],
      'lstm-seqmnist': [8, 64, 3e-3],
      'gru-seqmnist': [8, 64, 3e-3],
      'seq2seq-reverse': [12, 64, 3e-3],
      charrnn: [2, 64, 4e-3],
    });
  });

  it('turn their flags into the config', () => {
    expect(optionsOf('logreg-xor', { degree: 3, solver: 'lbfgs' })).toMatchObject({
      model: { type: 'logistic', solver: 'lbfgs' },
      data: { dataset: 'xor', n: 1000, noise: 0.05, seed: 0, degree: 3, testSize: 0.2, splitSeed: 0 },
      optimizer: { type: 'adam', lr: 0.05 },
      scheduler: { type: 'cosine' },
    });
    expect(optionsOf('randwire-mnist', { graph: 'ba', m: 3, stemStrides: [2, 1], shift: 1 })).toMatchObject({
      model: {
        type: 'randwire',
        graph: { type: 'ba', m: 3 },
        nodes: 8,
        channels: 16,
        stages: 3,
        headChannels: 256,
        stemStrides: [2, 1],
      },
      data: { dataset: 'mnist', shift: 1 },
      metrics: ['accuracy'],
    });
    expect(optionsOf('gru-seqmnist', { layers: 2 })).toMatchObject({
      model: { type: 'gru-classifier', hiddenSize: 128, layers: 2, bidirectional: false },
      training: { epochs: 8, batchSize: 64, clipGradNorm: 1 },
    });
    expect(optionsOf('mlp-digits', { activation: 'tanh' }).model).toMatchObject({ init: 'xavier' });
  });
});

describe('a preset and its config in a file', () => {
  const cases: [string, string[], Record<string, unknown>][] = [
    ['logreg-xor', ['--crosses'], { crosses: true }],
    ['linreg-diabetes', ['--solver', 'exact'], { solver: 'exact' }],
    ['mlp-digits', ['--hidden', '16,8'], { hidden: [16, 8] }],
    ['cnn-mnist', ['--limit', '64'], {}],
    [
      'randwire-mnist',
      [
        '--limit',
        '48',
        '--graph',
        'ba',
        '--m',
        '2',
        '--nodes',
        '4',
        '--channels',
        '4',
        '--stages',
        '1',
        '--stem-strides',
        '2,1',
      ],
      { graph: 'ba', m: 2, nodes: 4, channels: 4, stages: 1, stemStrides: [2, 1] },
    ],
  ];

  it.each(cases)(
    '%s %s trains the same weights and writes the same files',
    async (name, flags, options) => {
      const dir = tempDir();
      const common = ['--epochs', '2', '--json'];
      const fromPreset = join(dir, 'preset');
      const p = await runCli(['train', name, ...flags, ...common, '--out', fromPreset]);
      expect(p.code, p.stderr).toBe(0);

      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(optionsOf(name, options)));
      const fromConfig = join(dir, 'config');
      const limit = flags.includes('--limit') ? ['--limit', flags[flags.indexOf('--limit') + 1]] : [];
      const c = await runCli(['train', file, ...limit, ...common, '--out', fromConfig]);
      expect(c.code, c.stderr).toBe(0);

      expect(weightsHash(fromConfig)).toBe(weightsHash(fromPreset));
      expect(lastJson(c).metrics).toEqual(lastJson(p).metrics);
      const stored = (run: string) => JSON.parse(readFileSync(join(run, 'checkpoint.json'), 'utf8'));
      expect(stored(fromConfig).preprocessing).toEqual(stored(fromPreset).preprocessing);
      expect(stored(fromConfig).architecture).toEqual(stored(fromPreset).architecture);
      if (name === 'randwire-mnist') {
        for (const f of ['stage0.dot', 'stage0.json']) {
          const read = (run: string) => readFileSync(join(run, 'graphs', f), 'utf8');
          expect(read(fromConfig)).toBe(read(fromPreset));
        }
        expect(existsSync(join(fromConfig, 'graphs', 'stage1.dot'))).toBe(false);
      }
    },
    120_000,
  );

  it('the preset shows its own title and data; the config its name', async () => {
    const dir = tempDir();
    const p = await runCli(['train', 'logreg-xor', '--crosses', '--epochs', '1', '--out', join(dir, 'p')]);
    expect(p.code, p.stderr).toBe(0);
    expect(lines(p.stdout).slice(0, 2)).toEqual([
      'logreg-xor: logistic regression on XOR with degree-2 feature crosses',
      '  data      XOR (800 train / 200 test rows)',
    ]);
    const file = join(dir, 'xor.json');
    writeFileSync(file, JSON.stringify(optionsOf('logreg-xor', { crosses: true })));
    const c = await runCli(['train', file, '--epochs', '1', '--out', join(dir, 'c')]);
    expect(c.code, c.stderr).toBe(0);
    expect(lines(c.stdout)[0]).toBe(`${file}: logreg-xor: logistic on xor`);
    // XOR's classes have names in a config too
    const r = await runCli(['predict', join(dir, 'c'), '[[0.5, -0.5]]', '--top', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('opposite signs');
    expect(r.stdout).toContain('same sign');
  });

  it('an underfitting linear preset is told the flags to change, a config the keys', async () => {
    const dir = tempDir();
    const p = await runCli(['train', 'linreg-diabetes', '--epochs', '1', '--lr', '0.0001', '--out', dir]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(
      /underfits: .*use --solver exact, or train longer \(--epochs\) with a higher --lr/,
    );
  });
});
