/**
 * The benchmark cases, shared by every implementation. A case returns one measurement: a value in its unit
 * (GFLOP/s: higher is better; ms, s, MiB: lower is better). Browser-safe: the browser columns import it too.
 */
export interface CaseSpec {
  id: string;
  title: string;
  unit: 'GFLOP/s' | 'ms' | 's' | 'MiB';
  /** FLOPs of one repetition, for the GFLOP/s cases. */
  flops?: number;
  /**
   * A group of cases left out of the default run, run by naming the group (`--cases scaling`) or the case. The
   * scaling cases show how the cost grows with the batch, the width, the threads and the model.
   */
  group?: 'scaling';
  /** Threads of this case (default 2). */
  threads?: number;
  /** The CNN of the epoch cases with another batch size or channel multiplier. */
  cnn?: { batch?: number; width?: number };
  /** A larger model trained for a fixed number of steps on 32×32×3 inputs (ms per step). */
  model?: 'resnet18' | 'googlenet' | 'randwire';
}

/** What a case run returns: its value (and a note), or why it was skipped. */
export type Result = { value: number; note?: string } | { skip: string };

const conv = { n: 64, cin: 32, cout: 64, h: 28, w: 28, k: 3 };
const convFlops = 2 * conv.n * conv.cout * conv.h * conv.w * conv.cin * conv.k * conv.k;

export const CASES: CaseSpec[] = [
  { id: 'sgemm-256', title: 'SGEMM 256', unit: 'GFLOP/s', flops: 2 * 256 ** 3 },
  { id: 'sgemm-1024', title: 'SGEMM 1024', unit: 'GFLOP/s', flops: 2 * 1024 ** 3 },
  { id: 'sgemm-2048', title: 'SGEMM 2048', unit: 'GFLOP/s', flops: 2 * 2048 ** 3 },
  { id: 'conv-fwd', title: 'conv2d fwd 64×32→64 28² 3×3', unit: 'GFLOP/s', flops: convFlops },
  { id: 'conv-fwdbwd', title: 'conv2d fwd+bwd (same)', unit: 'GFLOP/s', flops: 3 * convFlops },
  { id: 'mlp-epoch', title: 'MLP 784-128-10 epoch (8k MNIST, Adam)', unit: 's' },
  { id: 'cnn-epoch', title: 'CNN epoch (8k MNIST, Adam)', unit: 's' },
  { id: 'lstm', title: 'LSTM 64→256, 50 steps, batch 32, fwd+bwd', unit: 'ms' },
  { id: 'cnn-rss', title: 'CNN epoch peak RSS', unit: 'MiB' },
  { id: 'cnn-rss-growth', title: 'CNN RSS growth, end of epoch 5 → 20', unit: 'MiB' },
  ...[16, 64, 256].map(
    (batch): CaseSpec => ({
      id: `cnn-batch-${batch}`,
      title: `CNN epoch, batch ${batch}`,
      unit: 's',
      group: 'scaling',
      cnn: { batch },
    }),
  ),
  ...[1, 2, 4].map(
    (width): CaseSpec => ({
      id: `cnn-width-${width}`,
      title: `CNN epoch, channels ×${width} (${32 * width}-${64 * width})`,
      unit: 's',
      group: 'scaling',
      cnn: { width },
    }),
  ),
  ...[1, 2].map(
    (threads): CaseSpec => ({
      id: `cnn-threads-${threads}`,
      title: `CNN epoch, ${threads} thread${threads > 1 ? 's' : ''}`,
      unit: 's',
      group: 'scaling',
      threads,
    }),
  ),
  {
    id: 'resnet18-step',
    title: 'ResNet-18 mini (16-128 ch.) train step, 32×32×3, batch 64',
    unit: 'ms',
    group: 'scaling',
    model: 'resnet18',
  },
  {
    id: 'googlenet-step',
    title: 'GoogLeNet-mini (×0.25) train step, 32×32×3, batch 64',
    unit: 'ms',
    group: 'scaling',
    model: 'googlenet',
  },
  {
    id: 'randwire-step',
    title: 'RandWire WS(4, 0.75), 3 stages of 8 nodes, C = 16 train step, 32×32×3, batch 64',
    unit: 'ms',
    group: 'scaling',
    model: 'randwire',
  },
];

/** The groups `--cases` also accepts. */
export const GROUPS = ['scaling'] as const;

/** Cases whose value is a difference (no meaningful ratio), and that only the fast implementations run. */
export const GROWTH_CASES = new Set(['cnn-rss-growth']);

/**
 * Epochs of the memory-growth case, and the epoch it measures from: the garbage-collected heap and the C
 * allocator reach their working size within the first few epochs (neurite: 377, 382, 441, 442 MiB after
 * epochs 1, 2, 5, 10), so a leak shows as growth after that, not before.
 */
export const GROWTH_EPOCHS = 20;
export const GROWTH_FROM = 5;

export const CONV = conv;
export const LSTM = { input: 64, hidden: 256, steps: 50, batch: 32 };
export const TRAIN = { samples: 8000, batch: 64, lr: 1e-3 };
/** The larger models' cases: batch, steps timed after one warm-up step, input size, classes. */
export const LARGE = { batch: 64, steps: 10, channels: 3, size: 32, classes: 10 };
/**
 * The randomly wired network of the randwire-step case: the randwire-mnist preset's network (neurite train's
 * defaults) on LARGE's inputs. PyTorch runs the same network from the model.py that neurite's PyTorch export
 * writes for it, so both sides have the same graph.
 */
export const RANDWIRE = {
  graph: { type: 'ws', k: 4, p: 0.75 },
  nodes: 8,
  channels: 16,
  stages: 3,
  headChannels: 256,
  stemStrides: [1, 1],
  seed: 0,
} as const;

/**
 * `NEURITE_BENCH_SMOKE=1` (`npm run bench -- --smoke`): every case on tiny settings, to check that it runs, not to
 * time it: epochs over 256 samples, the larger models for 2 steps.
 */
export function smokeSettings(env: Record<string, string | undefined>): void {
  if (env.NEURITE_BENCH_SMOKE !== '1') return;
  TRAIN.samples = 256;
  LARGE.steps = 2;
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Calls shorter than this are timed in groups that last about as long: one call of a fraction of a millisecond
 * (SGEMM 256: 0.2-0.7 ms) measures timer noise more than the work. torch_bench.py groups its calls the same way.
 */
export const GROUP_MS = 20;

/**
 * Calls shorter than this are first repeated for this long, unmeasured: right after start-up they meet cold caches,
 * sleeping threads and memory that has never been touched. Neurite's outputs reuse the memory of arrays the
 * garbage collector freed (native/arena.h), so its steady state starts after the first collections: a warm-up of
 * 20 ms timed SGEMM 256's first few hundred calls, each faulting in fresh pages (51 GFLOP/s, against 125 once
 * warm, on a host where a page fault costs 10 µs), and one call timed the convolution's forward pass on fresh
 * 12.8 MB outputs. torch_bench.py warms up as long.
 */
export const WARMUP_MS = 500;

/**
 * Times `fn` (after one warm-up call): at least `minReps` (1 when the warm-up alone took longer than the budget)
 * and at most `maxReps` samples, stopping once `budgetMs` is spent. A call shorter than {@link WARMUP_MS} is first
 * repeated for that long; one shorter than {@link GROUP_MS} is then timed in groups of as many calls as fit in it.
 * Returns the median time of one call in milliseconds.
 */
export async function timeIt(
  fn: () => unknown | Promise<unknown>,
  { minReps = 3, maxReps = 10, budgetMs = 8000 } = {},
): Promise<number> {
  const w0 = performance.now();
  await fn();
  const first = performance.now() - w0;
  // a call that alone outlasts the budget (the pure-JS backends on the big cases) is measured once more only
  const reps = first > budgetMs ? 1 : minReps;
  let group = 1;
  if (first < WARMUP_MS) {
    const c0 = performance.now();
    let calls = 0;
    while (performance.now() - c0 < WARMUP_MS) {
      await fn();
      calls++;
    }
    if (first < GROUP_MS) group = Math.max(1, Math.round((calls * GROUP_MS) / (performance.now() - c0)));
  }
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxReps && (times.length < reps || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    for (let i = 0; i < group; i++) await fn();
    times.push((performance.now() - t0) / group);
    if (times.length >= 1 && performance.now() - start > budgetMs * 3) break;
  }
  return median(times);
}
