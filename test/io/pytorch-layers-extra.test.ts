// PyTorch export of the layers of issue 13: model.py, loaded by the real PyTorch (Debian's python3-torch), must
// rebuild each model with neurite's state-dict keys and reproduce neurite's outputs. Skipped, saying why, where
// /usr/bin/python3 has no torch.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { removeTempDirs, tempDir } from '../cli/helpers.js';
import { hasTorch, PYTHON, SKIP } from './torch-helpers.js';

afterAll(removeTempDirs);

type Net = nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor };

const CHECK = `
import importlib.util, json, os, sys, torch
torch.set_num_threads(1)
root, names = sys.argv[1], sys.argv[2].split(",")
out = {}
for name in names:
    spec = importlib.util.spec_from_file_location("model_" + name, os.path.join(root, name, "model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.load_model()
    t = mod.read_safetensors(os.path.join(root, name + ".check.safetensors"))
    with torch.no_grad():
        y = model(t["input"])
    e = t["expected"]
    out[name] = {"diff": float((y - e).abs().max()), "scale": float(e.abs().max()),
                 "keys": list(model.state_dict().keys())}
print(json.dumps(out))
`;

/** Parameters and running statistics away from their defaults, so a dropped or misplaced one shows. */
function randomise(m: nt.nn.Module): nt.nn.Module {
  const g = new nt.Generator(3);
  for (const [key, t] of [...m.namedParameters(), ...m.namedBuffers()]) {
    if (t.dtype !== 'float32') continue;
    const v = key.endsWith('running_var')
      ? nt.rand(t.shape, { generator: g }).add(0.5)
      : nt
          .randn(t.shape, { generator: g })
          .mul(0.5)
          .add(key.endsWith('weight') && t.ndim === 1 ? 1 : 0);
    t.data.set(v.data);
  }
  return m;
}

it.skipIf(!hasTorch)(
  `model.py rebuilds issue 13's layers with the same keys and outputs${SKIP}`,
  async () => {
    const { nn } = nt;
    const g = () => new nt.Generator(5);
    const cases: [string, nt.nn.Module, nt.Tensor][] = [
      [
        'conv2d_family',
        new nn.Sequential(
          new nn.ConvTranspose2d(2, 4, 3, { stride: 2, padding: 1, outputPadding: 1, generator: g() }),
          new nn.GroupNorm(2, 4),
          new nn.ConvTranspose2d(4, 6, [3, 2], { groups: 2, dilation: [2, 1], bias: false, generator: g() }),
          new nn.InstanceNorm2d(6, { affine: true, trackRunningStats: true, momentum: 0.3 }),
          new nn.Upsample({ scaleFactor: 1.5, mode: 'bilinear', alignCorners: true }),
          new nn.AdaptiveMaxPool2d([5, null]),
          new nn.Upsample({ size: [7, 9], mode: 'nearest-exact' }),
          new nn.InstanceNorm2d(6, { eps: 1e-3 }),
        ),
        nt.randn([2, 2, 5, 4], { generator: g() }),
      ],
      [
        'conv1d_family',
        new nn.Sequential(
          new nn.Conv1d(3, 4, 4, { padding: 'same', dilation: 2, generator: g() }),
          new nn.MaxPool1d(3, { stride: 2, padding: 1, ceilMode: true }),
          new nn.Conv1d(4, 6, 3, { stride: 2, groups: 2, bias: false, generator: g() }),
          new nn.ConvTranspose1d(6, 4, 3, { stride: 3, outputPadding: 1, generator: g() }),
          new nn.InstanceNorm1d(4, { affine: true }),
          new nn.AvgPool1d(3, { stride: 2, padding: 1, countIncludePad: false }),
          new nn.AdaptiveMaxPool1d(5),
          new nn.Upsample({ size: 8, mode: 'linear' }),
          new nn.AdaptiveAvgPool1d(3),
        ),
        nt.randn([2, 3, 23], { generator: g() }),
      ],
    ];
    const root = tempDir();
    for (const [name, model, input] of cases) {
      randomise(model);
      model.eval();
      const expected = nt.noGrad(() => (model as Net).forward(input));
      await nt.pytorch.save(model, join(root, name));
      writeFileSync(join(root, `${name}.check.safetensors`), nt.io.encodeSafetensors({ input, expected }));
    }
    const r = spawnSync(PYTHON, ['-c', CHECK, root, cases.map(([n]) => n).join(',')], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<
      string,
      { diff: number; scale: number; keys: string[] }
    >;
    for (const [name, model] of cases) {
      expect(res[name].keys, name).toEqual(Object.keys(model.stateDict()));
      expect(res[name].scale, `${name}: outputs too small for the check to mean anything`).toBeGreaterThan(
        0.05,
      );
      expect(res[name].diff, name).toBeLessThan(1e-5 * Math.max(1, res[name].scale));
    }
  },
  120_000,
);
