/**
 * nt.train.loadModel: a checkpoint alone gives back a ready model (architecture rebuilt, weights loaded, evaluation
 * mode) and the preprocessing its inputs need; `neurite train` runs reproduce `neurite eval` through it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { lastJson, removeTempDirs, runCli, tempDir } from '../cli/helpers.js';

afterAll(removeTempDirs);

const accuracy = (out: nt.Tensor, y: nt.Tensor) => {
  const pred = out.argmax(1).toList();
  const labels = y.toList();
  return pred.filter((p, i) => p === labels[i]).length / labels.length;
};

describe('loadModel', () => {
  it('rebuilds a model made with buildModel from its checkpoint, in evaluation mode, with the same outputs', async () => {
    nt.manualSeed(3);
    const model = nt.train.buildModel('MLP', { sizes: [4, 8, 3], dropout: 0.5 });
    const dir = join(tempDir(), 'ckpt');
    await nt.train.saveCheckpoint(dir, { model });
    const { model: again, preprocess, input } = await nt.train.loadModel<nt.models.MLP>(dir);
    expect(again).toBeInstanceOf(nt.models.MLP);
    expect(again.training).toBe(false);
    expect(input).toBeNull();
    const x = nt.randn([5, 4]);
    model.eval();
    expect(again.forward(preprocess(x)).toList()).toEqual(model.forward(x).toList());
  });

  it('applies the recorded input steps in order: normalize, fitted scalers, reshape', async () => {
    const model = nt.train.buildModel('LinearRegression', { inFeatures: 4, outFeatures: 1 });
    const scaler = new nt.data.StandardScaler().fit(
      nt.tensor([
        [0, 2, 4, 6],
        [2, 4, 6, 8],
      ]),
    );
    const input: nt.train.InputSpec = {
      description: 'test',
      steps: [
        { type: 'normalize', divide: 2, mean: 1, std: 0.5 },
        scaler.toJSON(),
        { type: 'reshape', shape: [2, 2] },
      ],
    };
    const dir = join(tempDir(), 'ckpt');
    await nt.train.saveCheckpoint(dir, { model, preprocessing: { input } });
    const { preprocess } = await nt.train.loadModel(dir);
    const x = nt.tensor([[4, 8, 12, 16]]);
    const expected = scaler.transform(nt.tensor([[2, 6, 10, 14]])).reshape([1, 2, 2]); // (x/2 - 1)/0.5 = x - 2
    expect(preprocess(x).shape).toEqual([1, 2, 2]);
    const got = preprocess(x).toList();
    expected.toList().forEach((v, i) => {
      expect(got[i]).toBeCloseTo(v, 5);
    });
  });

  it('says how to load a checkpoint that does not record its architecture', async () => {
    const dir = join(tempDir(), 'old');
    await nt.train.saveCheckpoint(dir, { model: new nt.nn.Linear(2, 1) });
    // and one written before architectures were recorded: no "architecture" in the manifest at all
    const manifest = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
    delete manifest.architecture;
    writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify(manifest));
    expect((await nt.train.loadCheckpoint(dir)).architecture).toBeNull();
    await expect(nt.train.loadModel(dir)).rejects.toThrow(
      /does not record its model's architecture.*restoreCheckpoint/,
    );
  });

  it('a CLI run of cnn-mnist: loadModel + preprocess on raw pixels reproduces neurite eval', async () => {
    const run = join(tempDir(), 'cnn');
    const t = await runCli(['train', 'cnn-mnist', '--epochs', '1', '--limit', '300', '--out', run, '--json']);
    expect(t.code, t.stderr).toBe(0);
    const { model, preprocess, input } = await nt.train.loadModel(run);
    expect(model).toBeInstanceOf(nt.models.LeNet5);
    expect(input?.description).toContain('0–255');
    const { images, labels } = nt.loadMnist({ split: 'test', normalize: 'none', flatten: true });
    const x = nt.narrow(images, 0, 0, 300);
    const y = nt.narrow(labels, 0, 0, 300);
    const mine = accuracy(nt.train.predict(model, preprocess(x)), y);
    expect(mine).toBeCloseTo((lastJson(t).metrics as Record<string, number>).accuracy, 10);
    expect(mine).toBeGreaterThan(0.5);
  });

  it('a CLI run of a table: loadModel + preprocess on raw features reproduces neurite eval --data', async () => {
    const dir = tempDir();
    const run = join(dir, 'bc');
    const t = await runCli(['train', 'logreg-breast-cancer', '--epochs', '3', '--out', run]);
    expect(t.code, t.stderr).toBe(0);
    const { x, y, featureNames } = nt.loadBreastCancer();
    const rows = [[...featureNames, 'target'].join(',')];
    const xs = x.toArray() as number[][];
    const ys = y.toList();
    for (let i = 0; i < 100; i++) rows.push([...xs[i], ys[i]].join(','));
    writeFileSync(join(dir, 'some.csv'), `${rows.join('\n')}\n`);
    const e = lastJson(await runCli(['eval', run, '--data', join(dir, 'some.csv'), '--json']));
    const { model, preprocess } = await nt.train.loadModel(run);
    const out = nt.train.predict(model, preprocess(nt.narrow(x, 0, 0, 100)));
    // one logit per sample (binary): class 1 when positive
    const pred = out.toList().map((v) => (v > 0 ? 1 : 0));
    const acc = pred.filter((p, i) => p === ys[i]).length / 100;
    expect(acc).toBeCloseTo((e.metrics as Record<string, number>).accuracy, 10);
  });
});
