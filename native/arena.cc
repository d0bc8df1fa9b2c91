#include "arena.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace neurite {
namespace {

constexpr size_t kAlign = 64;

// Blocks are kept by their size rounded up to whole cache lines (one line for an empty buffer): a training step
// asks for the same sizes every step, so exact buckets serve it, and rounding lets near sizes share them.
size_t block_size(size_t bytes) { return std::max<size_t>(1, (bytes + kAlign - 1) / kAlign) * kAlign; }

class Arena {
 public:
  static Arena& get() {
    // never destroyed: V8 may hand blocks back while the process exits
    static Arena* arena = new Arena();
    return *arena;
  }

  void* take(size_t bytes) {
    const size_t size = block_size(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        void* block = it->second.back();
        it->second.pop_back();
        stats_.cached_bytes -= static_cast<int64_t>(size);
        stats_.cached_blocks--;
        stats_.live_bytes += static_cast<int64_t>(size);
        stats_.reused++;
        return block;
      }
      stats_.fresh++;
      stats_.live_bytes += static_cast<int64_t>(size);
    }
    void* block = std::aligned_alloc(kAlign, size);
    if (block == nullptr) {
      // trimmed memory may make room
      trim();
      block = std::aligned_alloc(kAlign, size);
    }
    if (block == nullptr) {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.fresh--;
      stats_.live_bytes -= static_cast<int64_t>(size);
      throw std::bad_alloc();
    }
    return block;
  }

  void give_back(void* block, size_t bytes) {
    const size_t size = block_size(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.live_bytes -= static_cast<int64_t>(size);
      if (stats_.cached_bytes + static_cast<int64_t>(size) <= stats_.limit_bytes) {
        free_[size].push_back(block);
        stats_.cached_bytes += static_cast<int64_t>(size);
        stats_.cached_blocks++;
        return;
      }
      stats_.released++;
    }
    std::free(block);
  }

  void trim() {
    std::unordered_map<size_t, std::vector<void*>> blocks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      blocks.swap(free_);
      stats_.released += stats_.cached_blocks;
      stats_.cached_bytes = 0;
      stats_.cached_blocks = 0;
    }
    for (auto& [size, list] : blocks) {
      for (void* block : list) std::free(block);
    }
  }

  void set_limit(int64_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.limit_bytes = bytes < 0 ? 0 : bytes;
      if (stats_.cached_bytes <= stats_.limit_bytes) return;
    }
    trim();
  }

  ArenaStats stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

 private:
  // 256 MiB unused at most, the bound the library's JavaScript buffer pool has too (src/backend/pool.ts)
  Arena() : stats_{0, 0, 0, 0, 0, 0, int64_t{256} << 20} {}

  std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  ArenaStats stats_;
};

}  // namespace

void* arena_take(size_t bytes) { return Arena::get().take(bytes); }
void arena_give_back(void* block, size_t bytes) { Arena::get().give_back(block, bytes); }
void arena_trim() { Arena::get().trim(); }
void arena_set_limit(int64_t bytes) { Arena::get().set_limit(bytes); }
ArenaStats arena_stats() { return Arena::get().stats(); }

}  // namespace neurite
