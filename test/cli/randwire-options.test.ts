// `neurite train randwire-mnist --stages --stem-strides --head-channels`: the architecture the checkpoint records
// follows the flags (eval, loadModel and both exports rebuild it), the defaults build the network they always built
// (a checkpoint written before the flags existed still evaluates), and a bad value is refused naming the flag.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { relError, runOrt } from '../io/onnx-helpers.js';
import { lastJson, lines, removeTempDirs, runCli, tempDir } from './helpers.js';

afterAll(removeTempDirs);

type Net = nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor };
const params = (m: nt.nn.Module) => m.parameters().reduce((n, p) => n + p.size, 0);

const SMALL = ['--stages', '2', '--stem-strides', '2,1', '--head-channels', '64'];

describe('randwire-mnist architecture flags', () => {
  it('the defaults build the network the preset always built; the flags change it as asked', async () => {
    const before = new nt.models.RandWireNet({
      graph: { type: 'ws', k: 4, p: 0.75 },
      nodes: 8,
      channels: 16,
      stages: 3,
      numClasses: 10,
      inChannels: 1,
      headChannels: 256,
      stemStrides: [1, 1],
      seed: 0,
    });
    const d = await runCli(['summary', 'randwire-mnist', '--json']);
    expect(d.code, d.stderr).toBe(0);
    expect(lastJson(d).totalParams).toBe(params(before));

    const small = new nt.models.RandWireNet({
      graph: { type: 'er', p: 0.3 },
      nodes: 6,
      channels: 8,
      stages: 2,
      numClasses: 10,
      inChannels: 1,
      headChannels: 64,
      stemStrides: [2, 1],
      seed: 0,
    });
    const s = await runCli([
      'summary',
      'randwire-mnist',
      '--graph',
      'er',
      '--p',
      '0.3',
      '--nodes',
      '6',
      '--channels',
      '8',
      ...SMALL,
    ]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toContain('RandWire ER(0.3), 2 stages of 6 nodes, C = 8, stem strides 2,1, head 64');
    expect(s.stdout).toContain(`Total params: ${params(small).toLocaleString('en')}`);
    expect(params(small)).not.toBe(params(before));
  });

  it('a run with them records them: eval, loadModel, ONNX and PyTorch exports rebuild the same network', async () => {
    const run = join(tempDir(), 'small');
    const t = await runCli([
      'train',
      'randwire-mnist',
      ...SMALL,
      '--epochs',
      '1',
      '--limit',
      '50',
      '--out',
      run,
    ]);
    expect(t.code, t.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(run, 'checkpoint.json'), 'utf8'));
    expect(manifest.extra.options).toMatchObject({ stages: 2, stemStrides: [2, 1], headChannels: 64 });
    expect(manifest.architecture.options).toMatchObject({ stages: 2, stemStrides: [2, 1], headChannels: 64 });

    const e = await runCli(['eval', run, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const trained = JSON.parse(readFileSync(join(run, 'result.json'), 'utf8')).metrics.accuracy;
    expect((lastJson(e).metrics as { accuracy: number }).accuracy).toBe(trained);

    const { model, preprocess } = await nt.train.loadModel(run);
    const net = model as nt.models.RandWireNet;
    expect(net.graphs()).toHaveLength(2);
    expect((net.conv1.at(0) as nt.nn.Conv2d).stride).toEqual([2, 2]);
    expect((net.conv2.at(1) as nt.nn.Conv2d).stride).toEqual([1, 1]);
    expect(net.fc.inFeatures).toBe(64);

    const raw = nt.rand([3, 784], { generator: new nt.Generator(2) }).mul(255);
    const want = nt.noGrad(() => (model as Net).forward(preprocess(raw)));
    const onnx = await runCli(['export', run, '--json']);
    expect(onnx.code, onnx.stderr).toBe(0);
    const got = await runOrt(new Uint8Array(readFileSync(join(run, 'model.onnx'))), raw);
    expect(got.dims).toEqual([3, 10]);
    expect(relError(got.data, want.data as Float32Array)).toBeLessThan(1e-5);

    const out = join(tempDir(), 'torch');
    const py = await runCli(['export', run, '--format', 'pytorch', '--out', out, '--no-data']);
    expect(py.code, py.stderr).toBe(0);
    const modelPy = readFileSync(join(out, 'model.py'), 'utf8');
    // conv1 strides 2, two stages (16 then 32 channels), the head's 1×1 convolution has 64 (test/io/pytorch.test.ts runs such
    // files in PyTorch where it is installed)
    expect(modelPy).toMatch(/nn\.Conv2d\(1, 8, 3, stride=2/);
    expect(modelPy).toMatch(/nn\.Conv2d\(32, 64, 1\b/);
    expect(modelPy).toMatch(/nn\.Linear\(64, 10\)/);
  }, 120_000);

  it('a checkpoint written before the flags existed (its options without them) still evaluates', async () => {
    const run = join(tempDir(), 'old');
    const t = await runCli([
      'train',
      'randwire-mnist',
      '--nodes',
      '6',
      '--epochs',
      '1',
      '--limit',
      '50',
      '--out',
      run,
    ]);
    expect(t.code, t.stderr).toBe(0);
    const path = join(run, 'checkpoint.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    expect(manifest.extra.options).toMatchObject({ stages: 3, stemStrides: [1, 1], headChannels: 256 });
    for (const key of ['stages', 'stemStrides', 'headChannels']) delete manifest.extra.options[key];
    writeFileSync(path, JSON.stringify(manifest));
    const e = await runCli(['eval', run, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const trained = JSON.parse(readFileSync(join(run, 'result.json'), 'utf8')).metrics.accuracy;
    expect((lastJson(e).metrics as { accuracy: number }).accuracy).toBe(trained);
  }, 120_000);

  it('refuses bad values, naming the flag', async () => {
    const fails = async (args: string[]) => {
      const r = await runCli(['train', 'randwire-mnist', ...args]);
      expect(r.code).toBe(2);
      return lines(r.stderr)[0];
    };
    expect(await fails(['--stages', '5'])).toBe('neurite: randwire-mnist: --stages: must be <= 4, got 5');
    expect(await fails(['--stages', '0'])).toContain('--stages: must be >= 1, got 0');
    expect(await fails(['--stem-strides', '3,1'])).toContain('--stem-strides: must be one of 1, 2, got 3');
    expect(await fails(['--stem-strides', '2'])).toContain('--stem-strides: needs at least 2 entries');
    expect(await fails(['--stem-strides', '1,1,1'])).toContain('--stem-strides: takes at most 2 entries');
    expect(await fails(['--head-channels', '0'])).toContain('--head-channels: must be >= 1, got 0');
    expect(await fails(['--stem-strides', 'a,1'])).toContain('It must be an integer');
    // a flag of randwire-mnist given to another preset
    const other = await runCli(['train', 'cnn-mnist', '--stages', '2']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('--stages does not apply to cnn-mnist');
  });
});
