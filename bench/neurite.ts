/** neurite's side of the benchmark, on the backend named by `backend` ('native', 'wasm' or 'ts'). */
import * as nt from '../src/node.js';
import { type CaseSpec, CONV, GROWTH_EPOCHS, GROWTH_FROM, LSTM, TRAIN, timeIt } from './cases.js';

export type Result = { value: number; note?: string } | { skip: string };

function mlp(): nt.nn.Module {
  return new nt.nn.Sequential(new nt.nn.Linear(784, 128), new nt.nn.ReLU(), new nt.nn.Linear(128, 10));
}

function cnn(): nt.nn.Module {
  return new nt.nn.Sequential(
    new nt.nn.Conv2d(1, 32, 3, { padding: 1 }),
    new nt.nn.ReLU(),
    new nt.nn.MaxPool2d(2),
    new nt.nn.Conv2d(32, 64, 3, { padding: 1 }),
    new nt.nn.ReLU(),
    new nt.nn.MaxPool2d(2),
    new nt.nn.Flatten(),
    new nt.nn.Linear(64 * 7 * 7, 128),
    new nt.nn.ReLU(),
    new nt.nn.Linear(128, 10),
  );
}

/**
 * One epoch over the 8,000 training digits. Slow configurations are measured on the first batches and
 * extrapolated (said in the note) so the whole benchmark stays within minutes.
 */
function epoch(
  model: nt.nn.Module,
  flat: boolean,
  limitSeconds: number,
  opt: nt.optim.Optimizer = new nt.optim.Adam(model.parameters(), { lr: TRAIN.lr }),
): { value: number; note?: string } {
  const { images, labels } = nt.loadMnist({ split: 'train', flatten: flat });
  const forward = (x: nt.Tensor) => (model as unknown as { forward(x: nt.Tensor): nt.Tensor }).forward(x);
  const batches = Math.ceil(TRAIN.samples / TRAIN.batch);
  const step = (b: number) => {
    const start = b * TRAIN.batch;
    const size = Math.min(TRAIN.batch, TRAIN.samples - start);
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

export async function runNeurite(backend: string, spec: CaseSpec): Promise<Result> {
  if (!nt.listBackends().includes(backend)) return { skip: `backend '${backend}' not available` };
  nt.setBackend(backend);
  // the WASM backend's workers start in the background: measure once they all run
  await nt.wasmReady();
  nt.manualSeed(0);
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
      return epoch(mlp(), true, 60);
    case 'cnn-epoch':
    case 'cnn-rss': {
      const r = epoch(cnn(), false, 90);
      if (spec.id === 'cnn-epoch') return r;
      return { value: process.resourceUsage().maxRSS / 1024, note: r.note };
    }
    case 'cnn-rss-growth': {
      // resident memory once the heaps have settled (GROWTH_FROM) and after the last epoch: a leak grows it
      const model = cnn();
      const opt = new nt.optim.Adam(model.parameters(), { lr: TRAIN.lr });
      const mib = () => process.memoryUsage().rss / 2 ** 20;
      let settled = 0;
      const trace: number[] = [];
      for (let e = 1; e <= GROWTH_EPOCHS; e++) {
        epoch(model, false, Number.POSITIVE_INFINITY, opt);
        trace.push(mib());
        if (e === GROWTH_FROM) settled = mib();
      }
      const at = (e: number) => trace[e - 1].toFixed(0);
      return {
        value: mib() - settled,
        note: `RSS after epochs 1, 2, 5, 10, 15, 20: ${[1, 2, 5, 10, 15, 20].map(at).join(', ')} MiB`,
      };
    }
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
  return { skip: 'unknown case' };
}
