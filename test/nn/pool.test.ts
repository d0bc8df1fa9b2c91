import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';

const { nn } = nt;

describe('pooling layers', () => {
  const x = nt.randn([2, 3, 7, 6], { generator: new nt.Generator(4) });

  it('MaxPool2d runs maxPool2d with its options and no parameters', () => {
    const pool = new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true });
    const y = pool.forward(x);
    expect([...y.data]).toEqual([...nt.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }).data]);
    expect(y.shape).toEqual([2, 3, 4, 4]);
    expect(pool.parameters()).toEqual([]);
    expect(Object.keys(pool.stateDict())).toEqual([]);
    expect(new nn.MaxPool2d(2).forward(nt.zeros([3, 4, 4])).shape).toEqual([3, 2, 2]);
  });

  it('AvgPool2d runs avgPool2d with its options', () => {
    const pool = new nn.AvgPool2d([3, 2], { padding: [1, 0], countIncludePad: false });
    expect([...pool.forward(x).data]).toEqual([
      ...nt.avgPool2d(x, [3, 2], { padding: [1, 0], countIncludePad: false }).data,
    ]);
  });

  it('AdaptiveAvgPool2d gives a fixed output size whatever the input', () => {
    const pool = new nn.AdaptiveAvgPool2d([2, null]);
    expect(pool.forward(x).shape).toEqual([2, 3, 2, 6]);
    expect(new nn.AdaptiveAvgPool2d(1).forward(nt.zeros([4, 5, 9, 3])).shape).toEqual([4, 5, 1, 1]);
  });

  it('checks sizes at construction and input shapes with the layer name', () => {
    expect(() => new nn.MaxPool2d(3, { padding: 2 })).toThrow(
      'MaxPool2d: padding [2, 2] must be at most half the kernel [3, 3]',
    );
    expect(() => new nn.AvgPool2d(0)).toThrow(nt.ValueError);
    expect(() => new nn.AdaptiveAvgPool2d(0)).toThrow(
      /AdaptiveAvgPool2d: outputSize must be a positive integer/,
    );
    expect(() => new nn.MaxPool2d(2).forward(nt.zeros([1, 1, 1, 5]))).toThrow(
      'MaxPool2d(kernel 2): input [1, 1, 1, 5] is too small for kernel [2, 2]',
    );
    expect(() => new nn.AvgPool2d(2).forward(nt.zeros([5, 5]))).toThrow(
      /AvgPool2d\(kernel 2\): expected a 4-D input/,
    );
  });

  it('describes itself like PyTorch', () => {
    expect(new nn.MaxPool2d(2).toString()).toBe(
      'MaxPool2d(kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false)',
    );
    expect(new nn.AvgPool2d([3, 2], { stride: 1, padding: [1, 0] }).toString()).toBe(
      'AvgPool2d(kernelSize=(3, 2), stride=1, padding=(1, 0))',
    );
    expect(new nn.AdaptiveAvgPool2d([7, null]).toString()).toBe('AdaptiveAvgPool2d(outputSize=(7, null))');
  });
});
