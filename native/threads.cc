#include "threads.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sched.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NEURITE_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define NEURITE_RELAX() asm volatile("yield")
#else
#define NEURITE_RELAX() std::this_thread::yield()
#endif

namespace neurite {
namespace {

// Idle threads poll this many times (tens of microseconds) before sleeping: long enough to catch the next
// kernel of a training step without a wake-up, short enough not to steal a core from JavaScript.
constexpr int kSpin = 4000;
constexpr int kMaxThreads = 256;

thread_local bool tl_in_pool = false;

int default_threads() {
  if (const char* env = std::getenv("NEURITE_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return std::min(n, kMaxThreads);
  }
#ifdef __linux__
  // the CPUs this process may run on (containers and taskset restrict them), not the machine's count
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int c = CPU_COUNT(&set);
    if (c > 0) return std::min(c, kMaxThreads);
  }
#endif
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? std::min(static_cast<int>(hc), kMaxThreads) : 1;
}

class Pool {
 public:
  static Pool& get() {
    // never destroyed: sleeping workers must not outlive the object at process exit
    static Pool* pool = new Pool();
    return *pool;
  }

  int threads() const { return threads_.load(std::memory_order_relaxed); }

  void set_threads(int n) { threads_.store(std::max(1, std::min(n, kMaxThreads)), std::memory_order_relaxed); }

  void run(int tasks, const std::function<void(int)>& fn) {
    if (tasks <= 1 || tasks > kMaxTasks || tl_in_pool || !run_mu_.try_lock()) {
      for (int t = 0; t < tasks; t++) fn(t);
      return;
    }
    std::lock_guard<std::mutex> hold(run_mu_, std::adopt_lock);
    start_workers(std::min(tasks, threads()) - 1);
    const uint64_t gen = ++generation_;
    fn_ = &fn;
    done_.store(0, std::memory_order_relaxed);
    {
      // under the mutex, so a worker about to sleep either sees the new job or gets the notification
      std::lock_guard<std::mutex> lk(mu_);
      job_.store(gen << kGenShift | static_cast<uint64_t>(tasks) << kTaskShift, std::memory_order_release);
    }
    wake_cv_.notify_all();
    // the caller works too, and takes whatever the workers have not claimed yet: a worker that is slow to
    // wake (or has no free core) delays nobody
    tl_in_pool = true;
    int t;
    int total;
    while (claim(gen, t, total)) {
      execute(t);
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
    tl_in_pool = false;
    for (int spin = 0; done_.load(std::memory_order_acquire) != tasks; spin++) {
      if (spin < kSpin) {
        NEURITE_RELAX();
        continue;
      }
      std::unique_lock<std::mutex> lk(mu_);
      done_cv_.wait(lk, [&] { return done_.load(std::memory_order_acquire) == tasks; });
      break;
    }
    // a task that threw (out of memory) fails the whole call, on the caller's thread
    if (error_) {
      std::exception_ptr e = error_;
      error_ = nullptr;
      std::rethrow_exception(e);
    }
  }

 private:
  // job_ packs (generation, task count, next unclaimed task), so claiming a task is one compare-and-swap
  // that also proves the job is still the one the worker woke up for
  static constexpr int kTaskShift = 12;
  static constexpr int kGenShift = 24;
  static constexpr int kMaxTasks = (1 << 12) - 1;

  Pool() : threads_(default_threads()) {}

  void execute(int t) {
    try {
      (*fn_)(t);
    } catch (...) {
      std::lock_guard<std::mutex> lk(error_mu_);
      if (!error_) error_ = std::current_exception();
    }
  }

  bool claim(uint64_t gen, int& task, int& total) {
    uint64_t v = job_.load(std::memory_order_acquire);
    for (;;) {
      if ((v >> kGenShift) != gen) return false;
      const int tasks = static_cast<int>((v >> kTaskShift) & kMaxTasks);
      const int next = static_cast<int>(v & kMaxTasks);
      if (next >= tasks) return false;
      if (job_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        task = next;
        total = tasks;
        return true;
      }
    }
  }

  void start_workers(int n) {
    while (workers_ < n) {
      const int id = workers_++;
      const uint64_t seen = job_.load(std::memory_order_relaxed) >> kGenShift;
      std::thread([this, id, seen] { worker(id, seen); }).detach();
    }
  }

  void worker(int id, uint64_t seen) {
    tl_in_pool = true;
    for (;;) {
      uint64_t gen;
      int spin = 0;
      while ((gen = job_.load(std::memory_order_acquire) >> kGenShift) == seen) {
        if (++spin < kSpin) {
          NEURITE_RELAX();
          continue;
        }
        std::unique_lock<std::mutex> lk(mu_);
        wake_cv_.wait(lk, [&] { return (job_.load(std::memory_order_acquire) >> kGenShift) != seen; });
      }
      seen = gen;
      // workers beyond the current thread count sit this job out
      if (id >= threads() - 1) continue;
      int t;
      int total;
      while (claim(gen, t, total)) {
        // the claim succeeded, so the caller is still waiting for this task and fn_ is its function
        execute(t);
        if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == total) {
          std::lock_guard<std::mutex> lk(mu_);
          done_cv_.notify_one();
        }
      }
    }
  }

  std::mutex run_mu_;
  std::mutex mu_;
  std::condition_variable wake_cv_;
  std::condition_variable done_cv_;
  std::atomic<uint64_t> job_{0};
  std::atomic<int> done_{0};
  const std::function<void(int)>* fn_ = nullptr;
  std::mutex error_mu_;
  std::exception_ptr error_;
  uint64_t generation_ = 0;
  int workers_ = 0;
  std::atomic<int> threads_;
};

}  // namespace

int num_threads() { return Pool::get().threads(); }

void set_num_threads(int n) { Pool::get().set_threads(n); }

void run_tasks(int tasks, const std::function<void(int)>& fn) { Pool::get().run(tasks, fn); }

}  // namespace neurite
