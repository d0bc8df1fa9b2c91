import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

const { nn } = nt;

interface Json {
  shape: number[];
  data: number[];
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/conv_pool.json', import.meta.url), 'utf8')) as {
  conv2d: {
    name: string;
    options: nt.Conv2dOptions;
    x: Json;
    weight: Json;
    bias: Json | null;
    up: Json;
    out: Json;
    dweight: Json;
    dbias: Json | null;
  }[];
};
const fromJson = (j: Json): nt.Tensor => nt.tensor(Float32Array.from(j.data), j.shape);

describe('Conv2d', () => {
  it('has PyTorch-shaped parameters and state-dict keys', () => {
    const conv = new nn.Conv2d(4, 6, [3, 2], { groups: 2 });
    expect(conv.weight.shape).toEqual([6, 2, 3, 2]);
    expect(conv.bias!.shape).toEqual([6]);
    expect(Object.keys(conv.stateDict())).toEqual(['weight', 'bias']);
    expect(conv.numParameters()).toBe(6 * 2 * 3 * 2 + 6);
    const noBias = new nn.Conv2d(3, 2, 3, { bias: false });
    expect(noBias.bias).toBeNull();
    expect(Object.keys(noBias.stateDict())).toEqual(['weight']);
  });

  it('initialises weight and bias U(±1/√fan_in), fan_in = inChannels/groups · kH · kW', () => {
    const conv = new nn.Conv2d(8, 16, 3, { groups: 4, generator: new nt.Generator(1) });
    const bound = 1 / Math.sqrt((8 / 4) * 9);
    for (const p of [conv.weight, conv.bias!]) {
      const values = [...p.data];
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      // spread over most of the range, not squeezed near zero
      expect(Math.max(...values)).toBeGreaterThan(0.7 * bound);
      expect(Math.min(...values)).toBeLessThan(-0.7 * bound);
    }
    const again = new nn.Conv2d(8, 16, 3, { groups: 4, generator: new nt.Generator(1) });
    expect([...again.weight.data]).toEqual([...conv.weight.data]);
  });

  it('computes what the conv2d op computes and matches PyTorch after loading its weights', () => {
    for (const c of fixtures.conv2d.filter((f) => f.x.shape.length === 4)) {
      const [outC, inPerGroup, kh, kw] = c.weight.shape;
      const groups = c.options.groups ?? 1;
      const conv = new nn.Conv2d(inPerGroup * groups, outC, [kh, kw], {
        ...c.options,
        bias: c.bias !== null,
      });
      conv.loadStateDict(
        c.bias ? { weight: fromJson(c.weight), bias: fromJson(c.bias) } : { weight: fromJson(c.weight) },
      );
      const out = conv.forward(fromJson(c.x));
      expectClose(out.data, c.out.data, { atol: 1e-5, rtol: 1e-4 }, `${c.name}: out`);
      out.mul(fromJson(c.up)).sum().backward();
      expectClose(conv.weight.grad!.data, c.dweight.data, { atol: 1e-5, rtol: 1e-4 }, `${c.name}: dweight`);
      if (c.bias)
        expectClose(conv.bias!.grad!.data, c.dbias!.data, { atol: 1e-5, rtol: 1e-4 }, `${c.name}: dbias`);
    }
  });

  it('accepts unbatched input and passes gradchecks through the layer', () => {
    const conv = new nn.Conv2d(2, 3, 2, { padding: 1, stride: 2, generator: new nt.Generator(2) });
    expect(conv.forward(nt.zeros([2, 5, 4])).shape).toEqual([3, 3, 3]);
    gradcheck(
      (x, w, b) => nt.conv2d(x, w, b, { padding: 1, stride: 2 }),
      [nt.randn([1, 2, 3, 3]), conv.weight, conv.bias!],
    );
  });

  it('keeps padding "same" sizes', () => {
    const conv = new nn.Conv2d(3, 4, [4, 3], { padding: 'same', dilation: 2 });
    expect(conv.forward(nt.zeros([2, 3, 9, 7])).shape).toEqual([2, 4, 9, 7]);
  });

  it('names the layer and the shapes in errors', () => {
    const conv = new nn.Conv2d(1, 32, 3);
    expect(() => conv.forward(nt.zeros([32, 28, 28]))).toThrow(
      'Conv2d(1 -> 32, kernel 3): expected input [N, 1, H, W] or [1, H, W], got [32, 28, 28]',
    );
    expect(() => conv.forward(nt.zeros([28, 28]))).toThrow(nt.ShapeError);
    expect(() => conv.forward(nt.zeros([1, 1, 2, 2]))).toThrow(
      'Conv2d(1 -> 32, kernel 3): kernel 3×3 (dilation included) is larger than the padded input 2×2',
    );
    expect(() => new nn.Conv2d(4, 6, 3, { groups: 4 })).toThrow(
      'Conv2d(4 -> 6, kernel 3): inChannels (4) and outChannels (6) must both be divisible by groups (4)',
    );
    expect(() => new nn.Conv2d(3, 6, 3, { groups: 2 })).toThrow(nt.ValueError);
    expect(() => new nn.Conv2d(0, 6, 3)).toThrow(/inChannels must be a positive integer/);
    expect(() => new nn.Conv2d(3, 6, 0)).toThrow(/kernelSize must be a positive integer/);
    expect(() => new nn.Conv2d(3, 6, 3, { padding: 'same', stride: 2 })).toThrow(
      /padding='same' needs stride 1/,
    );
  });

  it('describes itself like PyTorch', () => {
    expect(new nn.Conv2d(1, 32, 3).toString()).toBe('Conv2d(1, 32, kernelSize=(3, 3), stride=(1, 1))');
    expect(
      new nn.Conv2d(4, 8, [3, 5], {
        stride: 2,
        padding: [1, 2],
        dilation: 2,
        groups: 4,
        bias: false,
      }).toString(),
    ).toBe(
      'Conv2d(4, 8, kernelSize=(3, 5), stride=(2, 2), padding=(1, 2), dilation=(2, 2), groups=4, bias=false)',
    );
    expect(new nn.Conv2d(2, 2, 3, { padding: 'same' }).toString()).toBe(
      'Conv2d(2, 2, kernelSize=(3, 3), stride=(1, 1), padding=same)',
    );
  });
});
