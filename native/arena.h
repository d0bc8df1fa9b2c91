// Memory for the arrays of op outputs in Node, kept by the addon for reuse instead of going back to the system.
//
// Tensors' arrays are garbage-collected JavaScript objects. Made over malloc, a large one is a fresh mapping whose
// every page faults on first touch, and is unmapped again when V8 frees it; a training step makes hundreds of them.
// On hosts where a page fault is slow (a virtual machine handing pages back to its host costs about 10 µs per 4 KiB
// page) that alone took longer than the kernels: 0.1–0.15 ms to make a 256 KiB array, 40 ms for the 16 MiB output
// of a 2048² product. The arena owns such memory instead. An array's memory comes back to it when V8 frees the
// array (V8 calls arena_give_back(), on any thread, during its sweep: no event-loop turn is needed, so a
// synchronous training loop gets its memory back too), and the next array of the same size takes it, with its
// pages already mapped. What the arena keeps unused is bounded (arena_set_limit); past the bound memory goes
// back to the system as before.
#pragma once

#include <cstddef>
#include <cstdint>

namespace neurite {

struct ArenaStats {
  int64_t cached_bytes;   // held for reuse now
  int64_t cached_blocks;  // blocks held for reuse now
  int64_t live_bytes;     // handed out and not yet given back
  int64_t reused;         // blocks handed out again from the cache
  int64_t fresh;          // blocks made new
  int64_t released;       // blocks given back to the system (over the limit, or trimmed)
  int64_t limit_bytes;    // the most the cache holds
};

// A block of at least `bytes` bytes (64-byte aligned, contents unspecified). Throws std::bad_alloc.
void* arena_take(size_t bytes);
// Hands a block back; `bytes` is the size it was taken with. Thread-safe.
void arena_give_back(void* block, size_t bytes);
// Frees every cached block; the live ones come back later as usual.
void arena_trim();
void arena_set_limit(int64_t bytes);
ArenaStats arena_stats();

}  // namespace neurite
