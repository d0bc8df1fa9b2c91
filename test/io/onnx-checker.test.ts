// ONNX's own validator on the exported files: onnx.checker.check_model with full_check (which runs ONNX's shape
// inference too), from Debian's python3-onnx; skipped where /usr/bin/python3 has no onnx module.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import * as nt from '../../src/index.js';

const PYTHON = '/usr/bin/python3';
const hasOnnx = spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'neurite-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs onnx.checker (full check) over the files: it must print nothing on stderr and have checked every one. */
function expectValid(files: string[]): void {
  const script =
    'import onnx, sys\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)\nprint(len(sys.argv) - 1)';
  const r = spawnSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe(String(files.length));
}

it.skipIf(!hasOnnx)('every exported model passes onnx.checker (full check) at opsets 13 and 17', () => {
  const { models, nn } = nt;
  const g = () => new nt.Generator(1);
  const image = nt.randn([2, 1, 28, 28]);
  const cases: [string, nt.nn.Module, nt.Tensor][] = [
    [
      'mlp',
      new models.MLP({ sizes: [8, 16, 3], batchNorm: true, activation: 'gelu', generator: g() }),
      nt.randn([2, 8]),
    ],
    ['lenet5', new models.LeNet5({ generator: g() }), image],
    ['alexnet', new models.AlexNet({ width: 0.0625, hiddenFeatures: 16, generator: g() }), image],
    ['vgg', new models.VGG({ widthMultiplier: 0.0625, hiddenFeatures: 16, generator: g() }), image],
    ['resnet', new models.ResNet({ widthMultiplier: 0.125, generator: g() }), image],
    ['googlenet', new models.GoogLeNetMini({ widthMultiplier: 0.0625, generator: g() }), image],
    [
      'randwire',
      new models.RandWireNet({
        graph: { type: 'ws', k: 2, p: 0.5 },
        nodes: 5,
        channels: 8,
        stages: 2,
        inChannels: 1,
        numClasses: 10,
        headChannels: 16,
        seed: 1,
      }),
      image,
    ],
    [
      'lstm',
      new models.SequenceClassifier({
        cell: 'lstm',
        inputSize: 4,
        hiddenSize: 5,
        numClasses: 3,
        numLayers: 2,
        bidirectional: true,
        generator: g(),
      }),
      nt.randn([2, 6, 4]),
    ],
    [
      'gru',
      new models.SequenceTagger({ cell: 'gru', inputSize: 4, hiddenSize: 5, numTags: 3, generator: g() }),
      nt.randn([2, 6, 4]),
    ],
    [
      'layers',
      new nn.Sequential(
        new nn.SeparableConv2d(1, 4, 3, { padding: 'same', generator: g() }),
        new nn.LayerNorm([4, 28, 28]),
        new nn.AdaptiveAvgPool2d([3, 5]),
        new nn.Flatten(),
        new nn.Mish(),
        new nn.Linear(60, 4, { generator: g() }),
        new nn.GLU(),
      ),
      image,
    ],
    [
      'layers of issue 13, 2-D',
      new nn.Sequential(
        new nn.ConvTranspose2d(1, 4, 3, { stride: 2, padding: 1, outputPadding: 1, generator: g() }),
        new nn.GroupNorm(2, 4),
        new nn.InstanceNorm2d(4, { affine: true }),
        new nn.Upsample({ size: [30, 31], mode: 'bilinear' }),
        new nn.Upsample({ scaleFactor: 0.5 }),
        new nn.AdaptiveMaxPool2d([3, 5]),
      ),
      image,
    ],
    [
      'layers of issue 13, 1-D',
      new nn.Sequential(
        new nn.Conv1d(4, 6, 3, { padding: 'same', generator: g() }),
        new nn.MaxPool1d(2, { ceilMode: true }),
        new nn.AvgPool1d(3, { stride: 2, padding: 1, ceilMode: true }),
        new nn.ConvTranspose1d(6, 4, 3, { stride: 2, generator: g() }),
        new nn.InstanceNorm1d(4, { trackRunningStats: true }),
        new nn.AdaptiveMaxPool1d(3),
        new nn.Upsample({ size: 7, mode: 'linear', alignCorners: true }),
        new nn.AdaptiveAvgPool1d(2),
      ),
      nt.randn([2, 4, 11]),
    ],
    [
      'transformer encoder of issue 13',
      new nn.TransformerEncoder(
        new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: 'gelu', generator: g() }),
        2,
        { norm: new nn.LayerNorm(8) },
      ),
      nt.randn([5, 2, 8]),
    ],
  ];
  const files: string[] = [];
  for (const opset of [13, 17]) {
    for (const [name, model, x] of cases) {
      const file = join(dir, `${name}-${opset}.onnx`);
      writeFileSync(file, nt.onnx.exportModel(model, x, { opset }));
      files.push(file);
    }
  }
  expectValid(files);
});

it.skipIf(!hasOnnx)(
  "the generators' step graphs and their Loop pass onnx.checker (full check) at opsets 13 and 17",
  () => {
    const { models } = nt;
    const g = () => new nt.Generator(2);
    const generators: [string, nt.nn.Module][] = [
      ...(['lstm', 'gru', 'rnn'] as const).flatMap((cell) =>
        ([null, 'luong', 'bahdanau'] as const).map((attention): [string, nt.nn.Module] => [
          `seq2seq-${cell}-${attention ?? 'none'}`,
          new models.Seq2Seq({ cell, vocabSize: 9, embedDim: 3, hiddenSize: 4, attention, generator: g() }),
        ]),
      ),
      [
        'generator',
        new models.SequenceGenerator({
          conditionSize: 3,
          vocabSize: 7,
          embedDim: 2,
          hiddenSize: 4,
          numLayers: 2,
        }),
      ],
      ['charrnn', new models.CharRNN({ vocabSize: 6, embedDim: 2, hiddenSize: 3, cell: 'gru' })],
    ];
    const files: string[] = [];
    for (const opset of [13, 17]) {
      for (const [name, model] of generators) {
        for (const f of nt.onnx.exportGenerator(model, { opset }).files) {
          const file = join(dir, `${name}-${opset}-${f.name}`);
          writeFileSync(file, f.bytes);
          files.push(file);
        }
      }
    }
    expectValid(files);
  },
);

it.skipIf(!hasOnnx)(
  'a table with categorical columns (ai.onnx.ml LabelEncoder, the one-hot Gathers) passes onnx.checker at opsets 13 and 17',
  () => {
    const colour = new nt.data.OneHotEncoder().fit([['red'], ['blue'], ['green']]);
    const shape = new nt.data.OneHotEncoder({ handleUnknown: 'ignore' }).fit([[1], [5]]);
    const grade = new nt.data.LabelEncoder().fit(['a', 'b']);
    const width = 3 + 1 + 2 + 1;
    const scaler = new nt.data.StandardScaler().fit(nt.randn([10, width]));
    const model = new nt.models.MLP({ sizes: [width, 5, 2], generator: new nt.Generator(3) });
    const table: nt.onnx.TableSpec = {
      columns: ['colour', 'size', 'shape', 'grade'],
      encoders: { colour: colour.toJSON(), shape: shape.toJSON(), grade: grade.toJSON() },
      input: { description: 'rows', steps: [scaler.toJSON()] },
    };
    const files: string[] = [];
    for (const opset of [13, 17]) {
      const file = join(dir, `table-${opset}.onnx`);
      writeFileSync(file, nt.onnx.exportTable(model, table, { opset }).bytes);
      files.push(file);
    }
    expectValid(files);
  },
);
