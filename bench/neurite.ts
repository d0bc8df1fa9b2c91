/**
 * neurite's side of the benchmark in Node, on the backend named by `backend` ('native', 'wasm' or 'ts'): the
 * shared cases of bench/neurite-cases.ts on the MNIST digits, and the resident-memory cases, which only Node has.
 */
import * as nt from '../src/node.js';
import { type CaseSpec, GROWTH_EPOCHS, GROWTH_FROM, type Result, TRAIN } from './cases.js';
import type { MnistSource } from './data.js';
import { cnn, epoch, runNeuriteCase } from './neurite-cases.js';

export type { Result } from './cases.js';

/**
 * The first 8,000 digits of the MNIST training split, as the epoch cases have always trained on; loaded once per
 * process, as a training script would (reloading them every epoch left 33 MB of garbage per epoch to the
 * collector, which the resident-memory cases then measured instead of training).
 */
let digits: ReturnType<MnistSource> | undefined;
export const mnistDigits: MnistSource = () => {
  if (!digits) {
    const { images, labels } = nt.loadMnist({ split: 'train' });
    digits = {
      samples: labels.shape[0],
      images: images.data as Float32Array,
      labels: labels.data as Int32Array,
    };
  }
  return digits;
};

export async function runNeurite(backend: string, spec: CaseSpec): Promise<Result> {
  if (!nt.listBackends().includes(backend)) return { skip: `backend '${backend}' not available` };
  nt.setBackend(backend);
  // the WASM backend's workers start in the background: measure once they all run
  await nt.wasmReady();
  nt.manualSeed(0);
  switch (spec.id) {
    case 'cnn-rss': {
      const r = epoch(nt, mnistDigits, cnn(nt), false, 90);
      return { value: process.resourceUsage().maxRSS / 1024, note: r.note };
    }
    case 'cnn-rss-growth': {
      // resident memory once the heaps have settled (GROWTH_FROM) and after the last epoch: a leak grows it
      const model = cnn(nt);
      const opt = new nt.optim.Adam(model.parameters(), { lr: TRAIN.lr });
      const mib = () => process.memoryUsage().rss / 2 ** 20;
      let settled = 0;
      const trace: number[] = [];
      for (let e = 1; e <= GROWTH_EPOCHS; e++) {
        epoch(nt, mnistDigits, model, false, Number.POSITIVE_INFINITY, opt);
        trace.push(mib());
        if (e === GROWTH_FROM) settled = mib();
      }
      const at = (e: number) => trace[e - 1].toFixed(0);
      return {
        value: mib() - settled,
        note: `RSS after epochs 1, 2, 5, 10, 15, 20: ${[1, 2, 5, 10, 15, 20].map(at).join(', ')} MiB`,
      };
    }
  }
  return (await runNeuriteCase(nt, spec, mnistDigits)) ?? { skip: 'unknown case' };
}
