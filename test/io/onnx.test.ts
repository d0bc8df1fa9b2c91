// Exported models run in ONNX Runtime (WebAssembly build, in Node) and must give neurite's outputs (evaluation
// mode) within 1e-5 of their scale, for batches of 1 and 7 through one file exported with a dynamic batch.
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { type Checked, exportAndCheck, type Net, randomiseNorms } from './onnx-helpers.js';

const { models } = nt;

const report: Record<string, Checked> = {};

function model<T extends nt.nn.Module>(m: T): T & Net {
  randomiseNorms(m);
  return m as T & Net;
}

describe('onnx export, checked in ONNX Runtime', () => {
  const g = () => new nt.Generator(3);
  const cases: [string, () => Net, number[]][] = [
    ['MLP', () => model(new models.MLP({ sizes: [20, 32, 16, 5], generator: g() })), [20]],
    [
      'MLP (batch norm, GELU, dropout, softmax)',
      () =>
        model(
          new models.MLP({
            sizes: [12, 24, 3],
            activation: 'gelu',
            batchNorm: true,
            dropout: 0.3,
            outputActivation: 'softmax',
            generator: g(),
          }),
        ),
      [12],
    ],
    ['LeNet5 (tanh, avg, 28×28)', () => model(new models.LeNet5({ generator: g() })), [1, 28, 28]],
    [
      'LeNet5 (relu, max, 32×32)',
      () => model(new models.LeNet5({ activation: 'relu', pooling: 'max', generator: g() })),
      [1, 32, 32],
    ],
    [
      'AlexNet',
      () => model(new models.AlexNet({ width: 0.0625, hiddenFeatures: 32, generator: g() })),
      [1, 28, 28],
    ],
    [
      'VGG-11 (batch norm)',
      () => model(new models.VGG({ widthMultiplier: 0.0625, hiddenFeatures: 32, generator: g() })),
      [1, 28, 28],
    ],
    [
      'ResNet (basic blocks)',
      () => model(new models.ResNet({ widthMultiplier: 0.125, generator: g() })),
      [1, 28, 28],
    ],
    [
      'ResNet (bottleneck)',
      () =>
        model(
          new models.ResNet({
            block: 'bottleneck',
            layers: [1, 2, 1],
            baseWidth: 4,
            inChannels: 3,
            generator: g(),
          }),
        ),
      [3, 20, 20],
    ],
    [
      'GoogLeNetMini',
      () => model(new models.GoogLeNetMini({ widthMultiplier: 0.0625, generator: g() })),
      [1, 28, 28],
    ],
  ];
  for (const [name, build, sample] of cases) {
    it(name, async () => {
      report[name] = await exportAndCheck(build(), sample);
    });
  }

  it('prints the figures', () => {
    for (const [name, r] of Object.entries(report)) {
      console.log(`${name}: ${r.opCount} ops, ${r.bytes} bytes, max error ${r.maxError.toExponential(2)}`);
    }
    expect(Object.keys(report).length).toBe(cases.length);
  });
});
