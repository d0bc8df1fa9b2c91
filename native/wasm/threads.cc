// The thread pool of the WebAssembly build (native/threads.h's API), without Emscripten's pthread runtime: the
// JavaScript loader (src/backend/wasm/) starts Web Workers (worker_threads in Node) that instantiate the same
// module over the same shared memory and park in neurite_worker_loop; run_tasks hands them chunks through one
// atomic word. Built with NEURITE_WASM_THREADS=0 (no shared memory, e.g. a page that is not cross-origin
// isolated), everything runs on the calling thread.
//
// As in native/threads.cc, the chunks depend only on the problem size and the thread count, so a result is the
// same whichever thread runs which chunk, and whether or not the workers have started yet: the caller claims
// chunks too, so a worker that is still loading (or never loads) only costs speed.
#include <atomic>
#include <cstdint>
#include <functional>

#include "../threads.h"

namespace neurite {
namespace {

constexpr int kMaxThreads = 64;

// How many threads the kernels split their work for (the caller included): set by the loader to the workers
// it started plus one.
std::atomic<int> g_threads{1};

#if NEURITE_WASM_THREADS

// job packs (generation, task count, next unclaimed task), so claiming a task is one compare-and-swap that
// also proves the job is still the one the worker saw.
constexpr int kTaskBits = 16;
constexpr uint64_t kTaskMask = (uint64_t{1} << kTaskBits) - 1;
constexpr int kMaxTasks = static_cast<int>(kTaskMask);
constexpr int kGenShift = 2 * kTaskBits;
// Idle workers poll this many times before they sleep on the wake word.
constexpr int kSpin = 20000;

std::atomic<uint64_t> g_job{0};
std::atomic<int> g_done{0};
// The generation as a 32-bit word, which memory.atomic.wait32 and notify work on.
std::atomic<int32_t> g_wake{0};
std::atomic<bool> g_busy{false};
const std::function<void(int)>* g_fn = nullptr;
uint64_t g_generation = 0;

bool claim(uint64_t gen, int& task) {
  uint64_t v = g_job.load(std::memory_order_acquire);
  for (;;) {
    if ((v >> kGenShift) != gen) return false;
    const int tasks = static_cast<int>((v >> kTaskBits) & kTaskMask);
    const int next = static_cast<int>(v & kTaskMask);
    if (next >= tasks) return false;
    if (g_job.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
      task = next;
      return true;
    }
  }
}

int32_t* wake_word() { return reinterpret_cast<int32_t*>(&g_wake); }

#endif

}  // namespace

int num_threads() { return g_threads.load(std::memory_order_relaxed); }

void set_num_threads(int n) {
#if NEURITE_WASM_THREADS
  g_threads.store(n < 1 ? 1 : (n > kMaxThreads ? kMaxThreads : n), std::memory_order_relaxed);
#else
  (void)n;
#endif
}

void run_tasks(int tasks, const std::function<void(int)>& fn) {
#if NEURITE_WASM_THREADS
  // nested calls (a task that splits again) and calls while the pool is busy run inline
  if (tasks > 1 && tasks <= kMaxTasks && num_threads() > 1 && !g_busy.exchange(true, std::memory_order_acquire)) {
    const uint64_t gen = ++g_generation;
    g_fn = &fn;
    g_done.store(0, std::memory_order_relaxed);
    g_job.store(gen << kGenShift | static_cast<uint64_t>(tasks) << kTaskBits, std::memory_order_release);
    g_wake.store(static_cast<int32_t>(gen), std::memory_order_release);
    __builtin_wasm_memory_atomic_notify(wake_word(), kMaxThreads);
    int t;
    while (claim(gen, t)) {
      fn(t);
      g_done.fetch_add(1, std::memory_order_acq_rel);
    }
    // the calling thread may be a browser's main thread, which must not block: wait by spinning (the
    // remaining chunks are already running on the workers)
    while (g_done.load(std::memory_order_acquire) != tasks) {
    }
    g_busy.store(false, std::memory_order_release);
    return;
  }
#endif
  for (int t = 0; t < tasks; t++) fn(t);
}

}  // namespace neurite

extern "C" {

// A worker's whole life: wait for a job, run the chunks it can claim, wait again. Never returns. `id` numbers
// the workers from 0; a worker whose id is not below the thread count minus one sits jobs out.
__attribute__((used, export_name("neurite_worker_loop"))) void neurite_worker_loop(int id) {
#if NEURITE_WASM_THREADS
  using namespace neurite;
  int32_t seen = g_wake.load(std::memory_order_acquire);
  for (;;) {
    int32_t now;
    int spin = 0;
    while ((now = g_wake.load(std::memory_order_acquire)) == seen) {
      if (++spin < kSpin) continue;
      // sleeps until run_tasks bumps the word (or returns at once if it already has)
      __builtin_wasm_memory_atomic_wait32(wake_word(), seen, -1);
      spin = 0;
    }
    seen = now;
    if (id >= num_threads() - 1) continue;
    const uint64_t gen = g_job.load(std::memory_order_acquire) >> kGenShift;
    if (static_cast<int32_t>(gen) != now) continue;
    int t;
    while (claim(gen, t)) {
      // the claim succeeded, so the caller is still waiting for this task and g_fn is its function
      (*g_fn)(t);
      g_done.fetch_add(1, std::memory_order_acq_rel);
    }
  }
#else
  (void)id;
#endif
}

}  // extern "C"
