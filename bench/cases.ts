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
];

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

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `fn` (after one warm-up call): at least `minReps` (1 when the warm-up alone took longer than the budget)
 * and at most `maxReps` repetitions, stopping once `budgetMs` is spent. Returns the median in milliseconds.
 */
export async function timeIt(
  fn: () => unknown | Promise<unknown>,
  { minReps = 3, maxReps = 10, budgetMs = 8000 } = {},
): Promise<number> {
  const w0 = performance.now();
  await fn();
  // a call that alone outlasts the budget (the pure-JS backends on the big cases) is measured once more only
  const reps = performance.now() - w0 > budgetMs ? 1 : minReps;
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxReps && (times.length < reps || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    if (times.length >= 1 && performance.now() - start > budgetMs * 3) break;
  }
  return median(times);
}
