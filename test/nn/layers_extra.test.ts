/**
 * The layers of issue 13 as modules (Conv1d, ConvTranspose1d/2d, MaxPool1d, AvgPool1d, the adaptive 1-D and max
 * poolings, Upsample, GroupNorm, InstanceNorm1d/2d), replayed from test/fixtures/layers_extra.json
 * (scripts/fixtures/layers_extra.py) on every backend: PyTorch's state dict is loaded under the very same keys,
 * then the output, the input and parameter gradients and the running statistics after each step must agree.
 * Their functional forms are replayed by test/parity/ops.test.ts; gradchecks and errors are in
 * test/ops/layers_extra.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { decode } from '../helpers/parity-fixture.js';

const { nn } = nt;

interface Encoded {
  dtype: 'float32' | 'int32';
  shape: number[];
  values: number[];
}

interface Step {
  x: Encoded;
  weight: Encoded;
  out: Encoded;
  dx: Encoded;
  grads: Record<string, Encoded>;
  stateAfter: Record<string, Encoded>;
}

interface ModuleCase {
  name: string;
  module: string;
  args: unknown[];
  options: Record<string, unknown>;
  train: boolean;
  torch: string;
  repr: string;
  state: Record<string, Encoded>;
  steps: Step[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/layers_extra.json', import.meta.url), 'utf8'),
) as { torch: string; modules: ModuleCase[] };

const TOL = { rtol: 1e-4, atol: 1e-5 };

/** null inside an array argument stays null (a kept size); the PyTorch tuples arrive as arrays. */
type Layer = nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor };

function build(c: ModuleCase): Layer {
  const Cls = (nn as unknown as Record<string, new (...a: unknown[]) => Layer>)[c.module];
  if (typeof Cls !== 'function') throw new Error(`neurite has no nn.${c.module}`);
  return c.module === 'Upsample' ? new Cls(c.options) : new Cls(...c.args, c.options);
}

describe('layers fixture', () => {
  it('covers every new layer', () => {
    const layers = new Set(fixture.modules.map((m) => m.module));
    for (const name of [
      'Conv1d',
      'ConvTranspose1d',
      'ConvTranspose2d',
      'MaxPool1d',
      'AvgPool1d',
      'AdaptiveMaxPool2d',
      'AdaptiveMaxPool1d',
      'AdaptiveAvgPool1d',
      'Upsample',
      'GroupNorm',
      'InstanceNorm1d',
      'InstanceNorm2d',
    ])
      expect(layers.has(name), `a module case for ${name}`).toBe(true);
  });
});

forEachBackend('layers against PyTorch modules', (_backend, itOn) => {
  for (const c of fixture.modules) {
    itOn(c.name, () => {
      try {
        const m = build(c);
        // the same keys in the same order as PyTorch's state dict
        expect(Object.keys(m.stateDict())).toEqual(Object.keys(c.state));
        m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, decode(v)])));
        m.train(c.train);
        for (const [i, step] of c.steps.entries()) {
          const x = decode(step.x).requiresGrad_();
          m.zeroGrad();
          const out = m.forward(x);
          expect(out.shape, `step ${i}: output shape`).toEqual(step.out.shape);
          expectClose(out.data, step.out.values, TOL, `step ${i}: output`);
          out.mul(decode(step.weight)).sum().backward();
          expectClose(x.grad!.data, step.dx.values, TOL, `step ${i}: input gradient`);
          const params = Object.fromEntries(m.namedParameters());
          expect(Object.keys(params).sort()).toEqual(Object.keys(step.grads).sort());
          for (const [k, g] of Object.entries(step.grads)) {
            expect(params[k].grad, `step ${i}: gradient of ${k}`).not.toBeNull();
            expectClose(params[k].grad!.data, g.values, TOL, `step ${i}: gradient of ${k}`);
          }
          const state = m.stateDict();
          for (const [k, v] of Object.entries(step.stateAfter)) {
            expect(state[k].dtype, `step ${i}: ${k} dtype`).toBe(v.dtype);
            expectClose(state[k].data, v.values, TOL, `step ${i}: ${k} after the step`);
          }
        }
      } catch (e) {
        if (e instanceof Error) e.message += `\n--- PyTorch ---\n${c.torch}`;
        throw e;
      }
    });
  }
});
