/**
 * One small CNN training run, written once and run both in Node and in a browser's Web Worker (bundled by
 * wasm.test.ts), so the two can be compared number for number. It uses only the browser-safe core.
 */
import type * as NT from '../../src/index.js';

/** The loss after each of `steps` Adam steps of a small CNN on seeded random 12×12 images with 3 classes. */
export function trainSmallCnn(nt: typeof NT, steps = 12): number[] {
  nt.manualSeed(7);
  const { nn, optim } = nt;
  const model = new nn.Sequential(
    new nn.Conv2d(1, 6, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 8, 3),
    new nn.ReLU(),
    new nn.Flatten(),
    new nn.Linear(8 * 4 * 4, 3),
  );
  // three classes that a CNN can tell apart: the class sets the sign of a bright 4×4 patch's position
  const n = 48;
  const x = nt.randn([n, 1, 12, 12]).mul(0.3);
  const y = new Int32Array(n);
  const xd = x.data as Float32Array;
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    const r = 1 + 3 * y[i];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) xd[i * 144 + (r + a) * 12 + r + b] += 1;
  }
  const target = nt.tensor(y, { dtype: 'int32' });
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = nt.crossEntropy(model.forward(x), target);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return losses;
}
