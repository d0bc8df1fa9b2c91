/**
 * The buffer pool (src/backend/pool.ts) and its two owners: the autograd engine recycles the gradients that die
 * inside backward(), and the forward activations that only library layers of a Sequential ever saw once the graph
 * is released. These tests prove that memory is reused, and that reuse never changes a tensor the user can still
 * read: the suite's allocator poisons every recycled buffer with NaN (test/setup.ts), so a buffer handed out
 * while still readable shows up as NaN or changed values.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { issueMark, markIssued, releaseBuffer } from '../../src/backend/pool.js';
import * as nt from '../../src/index.js';
import { ownsGrad, peekGrad } from '../../src/tensor/tensor.js';
import { forEachBackend } from '../helpers/backends.js';

type Fwd = { forward(x: nt.Tensor): nt.Tensor };
const fwd = (m: nt.nn.Module, x: nt.Tensor) => (m as unknown as Fwd).forward(x);
const copy = (t: nt.Tensor) => Array.from(t.data);

/** A small CNN in a Sequential, as the benchmark's: every intermediate passes between library layers. */
function cnn(last?: nt.nn.Module): nt.nn.Sequential {
  const seq = new nt.nn.Sequential(
    new nt.nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nt.nn.ReLU(),
    new nt.nn.MaxPool2d(2),
    new nt.nn.Flatten(),
    new nt.nn.Linear(4 * 4 * 4, 10),
  );
  if (last) seq.append(last);
  return seq;
}

/** Trains `model` for `steps` steps on fixed random data; returns the losses. */
function train(model: nt.nn.Module, steps: number, x = nt.randn([8, 1, 8, 8])): number[] {
  const y = nt.randint(0, 10, [8]);
  const opt = new nt.optim.Adam(model.parameters(), { lr: 1e-2 });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = nt.crossEntropy(fwd(model, x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return losses;
}

forEachBackend('buffer reuse', (_backend, it) => {
  // pool every size, so that the tests' small tensors take part
  beforeEach(() => {
    nt.clearBufferPool();
    nt.configureBufferPool({ minBytes: 1 });
  });
  afterEach(() => {
    nt.configureBufferPool({ minBytes: 1 }); // as test/setup.ts sets it for the whole suite
    nt.clearBufferPool();
  });

  it('reuses the memory of gradients and of internal activations, step after step', () => {
    // sizes as a real step's: only arrays of 16 KiB and more go through the pool
    nt.configureBufferPool({ minBytes: 16 << 10 });
    nt.manualSeed(0);
    const model = new nt.nn.Sequential(
      new nt.nn.Conv2d(1, 8, 3, { padding: 1 }),
      new nt.nn.ReLU(),
      new nt.nn.MaxPool2d(2),
      new nt.nn.Conv2d(8, 8, 3, { padding: 1 }),
      new nt.nn.ReLU(),
      new nt.nn.Flatten(),
      new nt.nn.Linear(8 * 8 * 8, 10),
    );
    const opt = new nt.optim.Adam(model.parameters(), { lr: 1e-2 });
    const x = nt.randn([16, 1, 16, 16]);
    const y = nt.randint(0, 10, [16]);
    const step = () => {
      opt.zeroGrad();
      nt.crossEntropy(fwd(model, x), y).backward();
      opt.step();
    };
    step();
    expect(nt.bufferPoolStats().released).toBeGreaterThan(0);
    step();
    const a = nt.bufferPoolStats();
    for (let s = 0; s < 3; s++) step();
    const b = nt.bufferPoolStats();
    const [hits, misses] = [b.hits - a.hits, b.misses - a.misses];
    // in the steady state most outputs come from the pool: what is left is what the user may hold (the loss,
    // the logits, the parameters' .grad) and arrays that ops keep outside the graph's tensors
    expect(hits).toBeGreaterThan(2 * misses);
  });

  it('trains recurrent layers to the same numbers with and without reuse', () => {
    // the recurrent layers' sequence nodes (ops/rnn.ts) read their saved states and gates in the backward pass,
    // and an earlier design kept each step's incoming gradient past its rule (recycling those arrays at once gave
    // weight_hh a wrong gradient from the second step on)
    const run = (
      make: () => nt.nn.Module & { forward(x: nt.Tensor): [nt.Tensor, unknown] },
      width: number,
    ) => {
      nt.manualSeed(3);
      const rnn = make();
      const head = new nt.nn.Linear(width, 3);
      const opt = new nt.optim.Adam([...rnn.parameters(), ...head.parameters()], { lr: 1e-2 });
      const x = nt.randn([7, 4, 5]);
      const y = nt.randint(0, 3, [4]);
      const losses: number[] = [];
      for (let s = 0; s < 4; s++) {
        opt.zeroGrad();
        const [out] = rnn.forward(x);
        const loss = nt.crossEntropy(fwd(head, out.select(0, 6)), y);
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
      return [...losses, ...rnn.parameters().flatMap((p) => Array.from(p.data))];
    };
    const makers = [
      () => new nt.nn.GRU(5, 6, { numLayers: 2 }),
      () => new nt.nn.LSTM(5, 6, { bidirectional: true }),
      () => new nt.nn.RNN(5, 6),
    ];
    for (const [i, make] of makers.entries()) {
      const width = i === 1 ? 12 : 6;
      const withPool = run(make, width);
      expect(nt.bufferPoolStats().hits).toBeGreaterThan(0);
      nt.configureBufferPool({ maxBytes: 0 });
      const without = run(make, width);
      nt.configureBufferPool({ maxBytes: 256 << 20 });
      expect(withPool).toEqual(without);
    }
  });

  it('trains to exactly the same numbers with and without reuse', () => {
    nt.manualSeed(1);
    const a = cnn();
    const x = nt.randn([8, 1, 8, 8]);
    nt.manualSeed(2);
    const withPool = train(a, 6, x);
    nt.configureBufferPool({ maxBytes: 0 });
    nt.manualSeed(1);
    const b = cnn();
    nt.manualSeed(2);
    const without = train(b, 6, x);
    nt.configureBufferPool({ maxBytes: 256 << 20 });
    expect(withPool).toEqual(without);
    a.parameters().forEach((p, i) => {
      expect(copy(p)).toEqual(copy(b.parameters()[i]));
    });
  });

  it("trains the classic, residual, Inception and randomly wired networks to the same numbers with and without reuse, reusing their blocks' memory", () => {
    // sizes as a real step's: the many small arrays (batch-norm statistics, the loss) stay out of the count
    nt.configureBufferPool({ minBytes: 16 << 10 });
    const makers = [
      // 32×32, which LeNet-5 takes without padding (a padded 28×28 image is made without gradients, outside
      // the graph that backward releases)
      () => new nt.models.LeNet5(),
      () => new nt.models.AlexNet(),
      () => new nt.models.VGG({ config: 'vgg11' }),
      () => nt.models.resnetMini({ depth: 18, widthMultiplier: 0.125 }),
      () => nt.models.resnetMini({ depth: 50, widthMultiplier: 0.0625 }),
      () => new nt.models.GoogLeNetMini({ widthMultiplier: 0.125 }),
      () =>
        new nt.models.randwire.RandWireNet({
          graph: { type: 'ws', k: 4, p: 0.75 },
          nodes: 8,
          channels: 16,
          numClasses: 10,
          inChannels: 1,
          headChannels: 32,
          // full resolution into the first stage, so that its nodes' outputs are large enough to be pooled
          stemStrides: [1, 1],
          seed: 0,
        }),
    ];
    for (const make of makers) {
      const run = () => {
        nt.manualSeed(1);
        const model = make();
        const size = model instanceof nt.models.LeNet5 ? 32 : 28;
        const x = nt.randn([4, 1, size, size]);
        const y = nt.randint(0, 10, [4]);
        const opt = new nt.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
        const losses: number[] = [];
        let fresh = 0;
        for (let s = 0; s < 3; s++) {
          const before = nt.bufferPoolStats().misses;
          opt.zeroGrad();
          const loss = nt.crossEntropy(fwd(model, x), y);
          loss.backward();
          opt.step();
          losses.push(loss.item());
          fresh = nt.bufferPoolStats().misses - before;
        }
        return { losses, fresh, params: model.parameters().map(copy) };
      };
      const pooled = run();
      // from the second step on, every large array a step needs is one the last step gave back: the blocks'
      // activations, the gradients between them, the parameters' gradients
      expect(pooled.fresh).toBe(0);
      nt.configureBufferPool({ maxBytes: 0 });
      const plain = run();
      nt.configureBufferPool({ maxBytes: 256 << 20 });
      expect(plain.fresh).toBeGreaterThan(0);
      expect(pooled.losses).toEqual(plain.losses);
      expect(pooled.params).toEqual(plain.params);
    }
  });

  it('keeps what a user module put inside a residual block saw', () => {
    nt.manualSeed(5);
    const seen: nt.Tensor[] = [];
    class Spy extends nt.nn.Module {
      constructor(readonly inner: nt.nn.Conv2d) {
        super();
      }
      forward(x: nt.Tensor): nt.Tensor {
        const y = fwd(this.inner, x);
        seen.push(x, y);
        return y;
      }
    }
    const model = nt.models.resnetMini({ depth: 18, widthMultiplier: 0.125 });
    const block = model.layer(2).at(0) as nt.models.BasicBlock;
    (block as unknown as { conv1: nt.nn.Module }).conv1 = new Spy(block.conv1);
    const x = nt.randn([2, 1, 28, 28]);
    fwd(model, x).sum().backward();
    const kept = [...seen];
    const before = kept.map(copy);
    train(model, 3, nt.randn([8, 1, 28, 28]));
    kept.forEach((t, i) => {
      expect(copy(t)).toEqual(before[i]);
    });
  });

  it("never recycles what the user holds: outputs, retained gradients, parameters' .grad", () => {
    nt.manualSeed(3);
    const model = cnn();
    const x = nt.randn([8, 1, 8, 8]);
    const out = fwd(model, x);
    const h = nt.relu(out).retainGrad(); // an intermediate the user made and keeps, with its gradient
    const loss = h.square().mean();
    loss.backward();
    const grads = model.parameters().map((p) => p.grad!);
    const kept = [out, h, h.grad!, loss, x, ...grads];
    const before = kept.map(copy);
    train(model, 5);
    kept.forEach((t, i) => {
      expect(copy(t)).toEqual(before[i]);
    });
  });

  it("reuses the memory of a parameter's gradient that nobody read, once it is replaced", () => {
    nt.manualSeed(11);
    const lin = new nt.nn.Linear(7, 5);
    const w = lin.weight;
    const x = nt.randn([3, 7]);
    const pass = () => fwd(lin, x).square().sum().backward();
    const bufferOf = () => peekGrad(w)!.data.buffer;
    pass();
    const expected = copy(peekGrad(w)!);
    expect(ownsGrad(w)).toBe(true);
    const first = bufferOf();
    lin.zeroGrad();
    expect(w.grad).toBeNull();
    pass();
    // zeroGrad gave the first gradient's memory to the pool, and the second pass's gradient took it
    expect(bufferOf()).toBe(first);
    expect(copy(peekGrad(w)!)).toEqual(expected);
    // a second pass without zeroGrad adds into a new array; the one it replaces is the pool's again
    const released = nt.bufferPoolStats().released;
    pass();
    expect(bufferOf()).not.toBe(first);
    expect(nt.bufferPoolStats().released).toBeGreaterThan(released);
    expect(copy(peekGrad(w)!)).toEqual(expected.map((v) => v + v));
  });

  it('leaves a gradient read through .grad, or set by the user, to its reader', () => {
    nt.manualSeed(12);
    const lin = new nt.nn.Linear(7, 5);
    const [w, b] = [lin.weight, lin.bias!];
    const opt = new nt.optim.SGD(lin.parameters(), { lr: 0.1 });
    const pass = () =>
      fwd(lin, nt.randn([3, 7]))
        .square()
        .sum()
        .backward();
    pass();
    const read = w.grad!; // the caller may keep it now
    expect(ownsGrad(w)).toBe(false);
    const readValues = copy(read);
    const mine = nt.ones([5]);
    b.grad = mine;
    expect(ownsGrad(b)).toBe(false);
    for (let s = 0; s < 4; s++) {
      opt.zeroGrad();
      pass();
      nt.optim.clipGradNorm(lin.parameters(), 0.01);
      opt.step();
    }
    expect(copy(read)).toEqual(readValues);
    expect(copy(mine)).toEqual([1, 1, 1, 1, 1]);
    expect(peekGrad(w)!.data.buffer).not.toBe(read.data.buffer);
    expect(peekGrad(b)!.data.buffer).not.toBe(mine.data.buffer);
  });

  it('clips a gradient only the library holds in place, and copies one someone read', () => {
    nt.manualSeed(13);
    const lin = new nt.nn.Linear(4, 3);
    const w = lin.weight;
    fwd(lin, nt.randn([2, 4]))
      .sum()
      .backward();
    const owned = peekGrad(w)!;
    const values = copy(owned);
    nt.optim.clipGradValue(w, 0.25);
    expect(peekGrad(w)).toBe(owned);
    const clamped = values.map((v) => Math.min(Math.max(v, -0.25), 0.25));
    expect(copy(owned)).toEqual(clamped);
    const read = w.grad!;
    // listed twice, the parameter is clipped twice, as PyTorch does; the tensor read above is left alone
    nt.optim.clipGradValue([w, w], 0.125);
    expect(copy(read)).toEqual(clamped);
    expect(copy(peekGrad(w)!)).toEqual(clamped.map((v) => Math.min(Math.max(v, -0.125), 0.125)));
    expect(ownsGrad(w)).toBe(true);
  });

  it("keeps a Sequential's last output when it is a view of an internal one (Flatten last)", () => {
    nt.manualSeed(4);
    const model = new nt.nn.Sequential(
      new nt.nn.Conv2d(1, 2, 3, { padding: 1 }),
      new nt.nn.ReLU(),
      new nt.nn.Flatten(),
    );
    const x = nt.randn([4, 1, 6, 6]);
    const out = fwd(model, x);
    out.sum().backward();
    const before = copy(out);
    for (let s = 0; s < 4; s++) fwd(model, x).sum().backward();
    expect(copy(out)).toEqual(before);
  });

  it('keeps the input of a Sequential whose first layers hand it on (Identity, Flatten)', () => {
    nt.manualSeed(5);
    const model = new nt.nn.Sequential(
      new nt.nn.Identity(),
      new nt.nn.Flatten(),
      new nt.nn.Linear(16, 3),
      new nt.nn.Identity(),
    );
    // the input is itself an op's output (library memory), with gradients
    const x = nt.randn([5, 4, 4], { requiresGrad: true }).mul(2);
    const xBefore = copy(x);
    const out = fwd(model, x);
    out.sum().backward();
    const outBefore = copy(out);
    for (let s = 0; s < 4; s++)
      fwd(model, nt.randn([5, 4, 4]).mul(2))
        .sum()
        .backward();
    expect(copy(x)).toEqual(xBefore);
    expect(copy(out)).toEqual(outBefore);
  });

  it('keeps what user layers inside a Sequential saw, and tensors reached through gradFn.inputs', () => {
    nt.manualSeed(6);
    const seen: nt.Tensor[] = [];
    class Spy extends nt.nn.Module {
      forward(x: nt.Tensor): nt.Tensor {
        seen.push(x);
        return x;
      }
    }
    const model = new nt.nn.Sequential(
      new nt.nn.Conv2d(1, 2, 3, { padding: 1 }),
      new nt.nn.ReLU(),
      new Spy(),
      new nt.nn.Conv2d(2, 2, 3, { padding: 1 }),
      new nt.nn.ReLU(),
      new nt.nn.Flatten(),
    );
    const x = nt.randn([2, 1, 5, 5]);
    const out = fwd(model, x);
    // the Flatten's input, an internal tensor, reached by walking the graph before backward
    const reached = out.gradFn!.inputs[0];
    out.sum().backward();
    const kept = [seen[0], reached];
    const before = kept.map(copy);
    for (let s = 0; s < 4; s++) fwd(model, x).sum().backward();
    kept.forEach((t, i) => {
      expect(copy(t)).toEqual(before[i]);
    });
  });

  it('keeps activations while the graph is retained, and reuses them once it is released', () => {
    nt.manualSeed(7);
    const model = cnn();
    const x = nt.randn([8, 1, 8, 8]);
    const loss = fwd(model, x).square().mean();
    loss.backward(undefined, { retainGraph: true });
    const first = model.parameters().map((p) => copy(p.grad!));
    model.zeroGrad();
    for (let s = 0; s < 3; s++)
      fwd(model, nt.randn([8, 1, 8, 8]))
        .sum()
        .backward();
    model.zeroGrad();
    loss.backward(); // through the retained graph: its saved activations must be intact
    model.parameters().forEach((p, i) => {
      expect(copy(p.grad!)).toEqual(first[i]);
    });
  });

  it('gives the partial result of a sum over separate axes back to the pool', () => {
    nt.manualSeed(14);
    const x = nt.randn([4, 3, 5, 2]);
    const before = nt.bufferPoolStats().released;
    // two kernel runs (axis 2, then axis 0): the first one's [4, 3, 2] is seen by nobody else
    const s = nt.sum(x, [0, 2]);
    expect(nt.bufferPoolStats().released).toBe(before + 1);
    const expected: number[] = [];
    for (let c = 0; c < 3; c++) {
      for (let w = 0; w < 2; w++) {
        let total = 0;
        for (let n = 0; n < 4; n++)
          for (let h = 0; h < 5; h++) total += x.data[((n * 3 + c) * 5 + h) * 2 + w];
        expected.push(total);
      }
    }
    copy(s).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i], 5);
    });
  });

  it('refuses buffers it did not issue and a second release of the same buffer', () => {
    const user = new ArrayBuffer(64);
    expect(releaseBuffer(user)).toBe(false);
    const mark = issueMark();
    const own = new ArrayBuffer(64);
    markIssued(own);
    expect(mark).toBeLessThanOrEqual(issueMark());
    expect(releaseBuffer(own)).toBe(true);
    expect(releaseBuffer(own)).toBe(false);
    expect(nt.bufferPoolStats().pooledBuffers).toBe(1);
  });
});
