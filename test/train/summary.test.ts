import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { nn, train } from '../../src/index.js';

describe('summary', () => {
  it('tabulates a small CNN: output shapes, parameter counts and totals', () => {
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(676, 10),
    );
    model.train();
    expect(train.summary(model, [1, 1, 28, 28])).toBe(
      [
        'Model: Sequential (input [1, 1, 28, 28])',
        '==========================================',
        'Layer (type)      Output shape     Param #',
        '==========================================',
        '0 (Conv2d)        [1, 4, 26, 26]        40',
        '1 (BatchNorm2d)   [1, 4, 26, 26]         8',
        '2 (ReLU)          [1, 4, 26, 26]         0',
        '3 (MaxPool2d)     [1, 4, 13, 13]         0',
        '4 (Flatten)       [1, 676]               0',
        '5 (Linear)        [1, 10]            6,770',
        '==========================================',
        'Total params: 6,818',
        'Trainable params: 6,818',
        'Non-trainable params: 0',
        'Size (MB): 0.03',
      ].join('\n'),
    );
    const s = train.modelSummary(model, [2, 1, 28, 28]);
    // 6,818 parameters, 8 running statistics and one int32 counter, 4 bytes each
    expect(s.sizeMB).toBe(((6818 + 8 + 1) * 4) / 2 ** 20);
    expect(s.rows.map((r) => r.outputShape)[5]).toBe('[2, 10]');
    // the pass ran in evaluation mode without touching the running statistics, and put everything back
    expect(model.training).toBe(true);
    expect((model.at(1) as nt.nn.BatchNorm2d).num_batches_tracked!.item()).toBe(0);
    for (const m of model.modules()) expect(Object.hasOwn(m, 'forward')).toBe(false);
  });

  it('walks nested modules, counts shared layers once and splits off frozen parameters', () => {
    class Block extends nn.Module {
      conv = new nn.Linear(8, 8);
      scale = new nn.Parameter(nt.ones([8]));
      forward(x: nt.Tensor): nt.Tensor {
        return this.conv.forward(x).mul(this.scale).relu();
      }
    }
    class Net extends nn.Module {
      stem = new nn.Linear(3, 8);
      body = new nn.Sequential(new Block(), new nn.Dropout(0.1));
      head = new nn.Linear(8, 2);
      unused = new nn.Linear(2, 2);
      forward(x: nt.Tensor): nt.Tensor {
        const h = this.body.forward(this.stem.forward(x));
        return this.head.forward(this.body.forward(h)); // the body runs twice, sharing its weights
      }
    }
    const net = new Net();
    net.stem.weight.requiresGrad = false;
    const s = train.modelSummary(net, [5, 3]);
    expect(s.rows.map((r) => [r.name, r.type, r.outputShape, r.params])).toEqual([
      ['stem', 'Linear', '[5, 8]', 32],
      ['body.0.conv', 'Linear', '[5, 8]', 72],
      ['body.0', 'Block', '[5, 8]', 8],
      ['body.1', 'Dropout', '[5, 8]', 0],
      ['body.0.conv', 'Linear', '[5, 8]', 0],
      ['body.0', 'Block', '[5, 8]', 0],
      ['body.1', 'Dropout', '[5, 8]', 0],
      ['head', 'Linear', '[5, 2]', 18],
      ['unused', 'Linear', '-', 6],
    ]);
    expect(s.totalParams).toBe(32 + 72 + 8 + 18 + 6);
    expect(s.rows.reduce((n, r) => n + r.params, 0)).toBe(s.totalParams);
    expect(s.trainableParams).toBe(s.totalParams - 24);
    expect(s.nonTrainableParams).toBe(24);
  });

  it('reports the outputs of layers that return several tensors, and takes an input tensor', () => {
    class Pair extends nn.Module {
      forward(x: nt.Tensor): [nt.Tensor, nt.Tensor[]] {
        return [x, [x.sum(1), x]];
      }
    }
    const s = train.modelSummary(new Pair(), nt.zeros([2, 3]));
    expect(s.rows).toEqual([{ name: '', type: 'Pair', outputShape: '([2, 3], ([2], [2, 3]))', params: 0 }]);
    const ids = nt.tensor(Int32Array.from([1, 2, 3]), [1, 3]);
    const emb = train.modelSummary(new nn.Embedding(10, 4), ids);
    expect(emb.rows[0].outputShape).toBe('[1, 3, 4]');
    expect(train.modelSummary(new nn.Embedding(10, 4), [2, 5], { dtype: 'int32' }).rows[0].outputShape).toBe(
      '[2, 5, 4]',
    );
  });

  it('puts the layers back when the forward pass fails', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(5, 2));
    expect(() => train.summary(model, [1, 3])).toThrow();
    for (const m of model.modules()) expect(Object.hasOwn(m, 'forward')).toBe(false);
  });
});
