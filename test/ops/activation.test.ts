import { expect } from 'vitest';
import * as nt from '../../src/index.js';
import { DTypeError } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

/** Values at least 0.1 from the kink at 0, so central differences with eps 1e-2 stay on one side. */
const kinkFree = () => nt.tensor([-2.1, -0.7, -0.15, 0.12, 0.6, 1.9, 3.2, -3.5]);

forEachBackend('activations', (_b, it) => {
  it('gradcheck relu, leakyRelu, elu away from the kink', () => {
    gradcheck((x) => nt.relu(x), [kinkFree()]);
    gradcheck((x) => nt.leakyRelu(x), [kinkFree()]);
    gradcheck((x) => nt.leakyRelu(x, 0.3), [kinkFree()]);
    gradcheck((x) => nt.elu(x), [kinkFree()]);
    gradcheck((x) => nt.elu(x, 0.4), [kinkFree()]);
  });

  it('gradcheck the smooth activations', () => {
    const x = nt.randn([3, 4], { generator: new nt.Generator(3) }).mul(2);
    gradcheck((t) => nt.gelu(t), [x]);
    gradcheck((t) => nt.sigmoid(t), [x]);
    gradcheck((t) => nt.tanh(t), [x]);
    gradcheck((t) => nt.softplus(t), [x]);
    gradcheck((t) => nt.softplus(t), [nt.tensor([-30, 19.5, 20.5, 40])]);
    gradcheck((t) => nt.gelu(t, { approximate: 'tanh' }), [x]);
    gradcheck((t) => nt.softplus(t, { beta: 2, threshold: 3 }), [nt.tensor([-3, -0.4, 0.6, 1.4, 1.6, 4])]);
    gradcheck((t) => nt.softplus(t, { beta: 0.5 }), [x]);
  });

  it('relu at 0 has gradient 0, as in PyTorch', () => {
    const x = nt.tensor([0, 1], { requiresGrad: true });
    nt.relu(x).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 1]);
  });

  it('values at the extremes stay finite', () => {
    const x = nt.tensor([-1000, -50, 50, 1000]);
    expect(Array.from(nt.sigmoid(x).data)).toEqual([0, expect.closeTo(0, 10), 1, 1]);
    expect(Array.from(nt.softplus(x).data)).toEqual([0, expect.closeTo(0, 10), 50, 1000]);
    expect(Array.from(nt.tanh(x).data)).toEqual([-1, -1, 1, 1]);
    expectClose(nt.gelu(nt.tensor([-10, 10])).data, [0, 10]);
    expect(Array.from(nt.elu(nt.tensor([-1000])).data)).toEqual([-1]);
  });

  it('gradcheck softmax and logSoftmax on every axis', () => {
    const x = nt.randn([2, 3, 4], { generator: new nt.Generator(5) });
    for (const axis of [0, 1, 2, -1]) {
      gradcheck((t) => nt.softmax(t, axis), [x]);
      gradcheck((t) => nt.logSoftmax(t, axis), [x]);
    }
  });

  it('softmax is stable for large logits and sums to 1', () => {
    const x = nt.tensor([
      [1000, 1001, 1002],
      [-1000, -1000, -1000],
    ]);
    const s = nt.softmax(x);
    expect(Array.from(s.data).every(Number.isFinite)).toBe(true);
    expectClose(nt.sum(s, 1).data, [1, 1]);
    expectClose(nt.logSoftmax(x).data, [-2.407606, -1.407606, -0.407606, -1.0986123, -1.0986123, -1.0986123]);
  });

  it('softmax of a 0-d or 1-d tensor', () => {
    expect(nt.softmax(nt.tensor(3)).item()).toBe(1);
    expectClose(nt.softmax(nt.tensor([0, Math.log(3)])).data, [0.25, 0.75]);
  });

  it('activations need float input', () => {
    expect(() => nt.sigmoid(nt.tensor([1], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => nt.softmax(nt.tensor([1], { dtype: 'int32' }))).toThrow(/softmax.*float32/);
  });
});

forEachBackend('activation NaN handling', (_b, it) => {
  it('relu keeps NaN, as torch.relu does', () => {
    expect(Number.isNaN(nt.relu(nt.tensor([Number.NaN])).item())).toBe(true);
    expect(Number.isNaN(nt.relu(nt.tensor([Number.NaN, 1])).data[0])).toBe(true);
  });

  it('gradcheck the composed activations', () => {
    const x = nt.randn([3, 4], { generator: new nt.Generator(5) }).mul(2);
    gradcheck((t) => nt.silu(t), [x]);
    gradcheck((t) => nt.mish(t), [x]);
    gradcheck((t) => nt.softsign(t), [kinkFree()]);
    gradcheck((t) => nt.logsigmoid(t), [x]);
    gradcheck((t) => nt.selu(t), [kinkFree()]);
    gradcheck((t) => nt.celu(t, 0.7), [kinkFree()]);
    gradcheck((t) => nt.hardtanh(t, -0.5, 2), [kinkFree()]);
    gradcheck((t) => nt.relu6(t), [kinkFree().mul(2)]);
    gradcheck((t) => nt.hardsigmoid(t), [kinkFree().add(0.05)]);
    gradcheck((t) => nt.hardswish(t), [kinkFree().add(0.05)]);
    gradcheck((t) => nt.glu(t, 1), [x]);
    gradcheck((t) => nt.softmin(t, 0), [x]);
    const w = nt.tensor([0.2, -0.1, 0.4]);
    gradcheck(
      (t, s) => nt.prelu(t, s),
      [kinkFree().reshape([2, 4]).reshape([1, 2, 4]).expand([3, 2, 4]).permute([1, 0, 2]), w],
    );
  });

  it('hardtanh, relu6 and hardsigmoid have gradient 0 at their bounds (clamp has 1), as PyTorch', () => {
    const x = nt.tensor([-1, 1, 0, 6, -3, 3], { requiresGrad: true });
    nt.hardtanh(x).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 1, 0, 0, 0]);
    x.grad = null;
    nt.relu6(x).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 1, 0, 0, 0, 1]);
    expect(() => nt.glu(nt.zeros([2, 3]))).toThrow(/glu: axis 1 of input \[2, 3\] has odd size 3/);
    expect(() => nt.prelu(nt.zeros([2, 3]), nt.zeros([2]))).toThrow(
      /prelu: weight \[2\] must have 1 element or one per channel \(3\)/,
    );
    expect(() => nt.hardtanh(nt.zeros([2]), 1, -1)).toThrow(/hardtanh: minVal 1 must not exceed maxVal -1/);
  });
});
