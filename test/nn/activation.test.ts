import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { ValueError } from '../../src/index.js';

const { nn } = nt;
const x = () => nt.tensor([[-2.5, -0.4, 0.3, 1.7]]);

describe('activation modules', () => {
  it('each module is its functional', () => {
    const pairs: [nt.nn.Module, (t: nt.Tensor) => nt.Tensor][] = [
      [new nn.SiLU(), nt.silu],
      [new nn.Mish(), nt.mish],
      [new nn.SELU(), nt.selu],
      [new nn.CELU(0.5), (t) => nt.celu(t, 0.5)],
      [new nn.Hardtanh(-0.5, 1.5), (t) => nt.hardtanh(t, -0.5, 1.5)],
      [new nn.ReLU6(), nt.relu6],
      [new nn.Hardsigmoid(), nt.hardsigmoid],
      [new nn.Hardswish(), nt.hardswish],
      [new nn.Softsign(), nt.softsign],
      [new nn.LogSigmoid(), nt.logsigmoid],
      [new nn.GLU(), nt.glu],
      [new nn.Softmin(1), (t) => nt.softmin(t, 1)],
      [new nn.GELU({ approximate: 'tanh' }), (t) => nt.gelu(t, { approximate: 'tanh' })],
      [new nn.Softplus({ beta: 2, threshold: 1 }), (t) => nt.softplus(t, { beta: 2, threshold: 1 })],
    ];
    for (const [m, f] of pairs) {
      expect(Array.from((m.forward as (t: nt.Tensor) => nt.Tensor)(x()).data)).toEqual(
        Array.from(f(x()).data),
      );
    }
    expect(nn.functional.silu).toBe(nt.silu);
    expect(nn.functional.prelu).toBe(nt.prelu);
  });

  it('PReLU learns its slopes under PyTorch names', () => {
    const m = new nn.PReLU({ numParameters: 3, init: 0.1 });
    expect(Object.keys(m.stateDict())).toEqual(['weight']);
    expect(Array.from(m.weight.data)).toEqual(Array.from(Float32Array.of(0.1, 0.1, 0.1)));
    const input = nt.tensor([
      [
        [-1, 2],
        [3, -4],
        [-5, -6],
      ],
    ]);
    const y = m.forward(input);
    expect(Array.from(y.data)).toEqual(Array.from(Float32Array.of(-0.1, 2, 3, -0.4, -0.5, -0.6)));
    y.sum().backward();
    // d/dw_c = Σ of the negative inputs of channel c
    expect(Array.from(m.weight.grad!.data)).toEqual([-1, -4, -11]);
    expect(new nn.PReLU().weight.shape).toEqual([1]);
    expect(() => new nn.PReLU({ numParameters: 0 })).toThrow(ValueError);
    expect(() => new nn.CELU(0)).toThrow(/CELU: alpha must be a non-zero number/);
    expect(() => new nn.PReLU({ num_parameters: 3 } as never)).toThrow(
      /PReLU: unknown option 'num_parameters'/,
    );
    expect(() => new nn.GELU({ approximate: true } as never)).toThrow(
      /GELU: option 'approximate' must be one of/,
    );
    expect(() => new nn.Softplus({ beta: '2' } as never)).toThrow(/Softplus: option 'beta' must be a number/);
    expect(() => new nn.Hardtanh(2, 1)).toThrow(/Hardtanh: minVal 2 must not exceed maxVal 1/);
  });
});
