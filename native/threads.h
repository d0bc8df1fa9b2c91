// A small persistent thread pool. Kernels split their work into a fixed number of contiguous chunks that
// depend only on the problem size and the thread count, so results are the same run after run whichever
// thread picks which chunk. BLAS runs single-threaded inside the chunks: the pool is the only source of
// parallelism, so the cores are never oversubscribed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>

namespace neurite {

// Multiply-adds below which a second thread is not worth waking: a product or a chunk this small is done before
// the thread would have started.
constexpr double kParallelMacs = 1 << 18;

// Items per parallel_for chunk when each item costs `macs` multiply-adds: enough items for kParallelMacs.
inline int64_t macs_grain(double macs) {
  return std::max<int64_t>(1, static_cast<int64_t>(kParallelMacs / std::max(1.0, macs)));
}

// Threads the kernels use (the calling thread included).
int num_threads();
// Sets the thread count (1 = everything on the calling thread); starts workers when it grows.
void set_num_threads(int n);

// Runs fn(0) … fn(tasks - 1), on the pool when it is free, inline otherwise (nested calls, or calls from a
// second JavaScript thread while the pool is busy).
void run_tasks(int tasks, const std::function<void(int)>& fn);

// Chunks per thread: the caller and the workers claim chunks as they go, so a thread that is slow to start
// or loses its core to another process holds back only a small share of the work.
constexpr int kChunksPerThread = 4;

// How many chunks parallel_for uses for n items of at least `grain` each: a function of n, grain and the
// thread count only, so chunked results (partial sums) are the same from run to run.
inline int chunks_for(int64_t n, int64_t grain) {
  const int threads = num_threads();
  if (n <= 0 || threads <= 1) return 1;
  const int64_t g = std::max<int64_t>(grain, 1);
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(int64_t{threads} * kChunksPerThread, (n + g - 1) / g)));
}

// Calls f(begin, end) over [0, n) in contiguous chunks of at least `grain` items, spread over the pool.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  const int64_t tasks = chunks_for(n, grain);
  if (tasks <= 1) {
    f(int64_t{0}, n);
    return;
  }
  run_tasks(static_cast<int>(tasks), [&](int t) { f(n * t / tasks, n * (t + 1) / tasks); });
}

}  // namespace neurite
