// Broadcast iteration for the elementwise kernels: the output is walked in runs along its last (collapsed)
// axis, each input advancing by its own stride (0 where it is broadcast).
#pragma once

#include <cstdint>
#include <vector>

#include "threads.h"

namespace neurite {

template <int NIN>
struct Broadcast {
  std::vector<int64_t> shape;            // collapsed output shape, at least one axis
  std::vector<int64_t> strides[NIN];     // element strides of each input per collapsed axis
  int64_t total = 0;

  // meta holds, for the output then each input: a rank followed by that many sizes. Inputs are aligned on
  // the right against the output, as in NumPy.
  explicit Broadcast(const int32_t* meta) {
    const int nd = meta[0];
    std::vector<int64_t> out(meta + 1, meta + 1 + nd);
    std::vector<int64_t> in_strides[NIN];
    const int32_t* p = meta + 1 + nd;
    for (int k = 0; k < NIN; k++) {
      const int r = *p++;
      in_strides[k].assign(nd, 0);
      int64_t acc = 1;
      for (int i = r - 1; i >= 0; i--) {
        const int oi = i + nd - r;
        in_strides[k][oi] = p[i] == 1 ? 0 : acc;
        acc *= p[i];
      }
      p += r;
    }
    total = 1;
    for (int64_t d : out) total *= d;
    for (int d = 0; d < nd; d++) {
      if (out[d] == 1) continue;
      const int last = static_cast<int>(shape.size()) - 1;
      bool merge = last >= 0;
      for (int k = 0; k < NIN && merge; k++) merge = strides[k][last] == in_strides[k][d] * out[d];
      if (merge) {
        shape[last] *= out[d];
        for (int k = 0; k < NIN; k++) strides[k][last] = in_strides[k][d];
      } else {
        shape.push_back(out[d]);
        for (int k = 0; k < NIN; k++) strides[k].push_back(in_strides[k][d]);
      }
    }
    if (shape.empty()) {
      shape.push_back(1);
      for (int k = 0; k < NIN; k++) strides[k].push_back(0);
    }
  }

  // f(outOffset, inOffsets[NIN], runLength, inSteps[NIN]) for every run, split over the pool in chunks of at
  // least `grain` elements.
  template <class F>
  void for_each_run(int64_t grain, F&& f) const {
    if (total == 0) return;
    const int nd = static_cast<int>(shape.size());
    const int64_t len = shape[nd - 1];
    const int64_t runs = total / len;
    int64_t steps[NIN];
    for (int k = 0; k < NIN; k++) steps[k] = strides[k][nd - 1];
    parallel_for(runs, std::max<int64_t>(1, grain / len), [&](int64_t lo, int64_t hi) {
      std::vector<int64_t> counter(nd, 0);
      int64_t off[NIN] = {};
      int64_t r = lo;
      for (int d = nd - 2; d >= 0; d--) {
        counter[d] = r % shape[d];
        r /= shape[d];
        for (int k = 0; k < NIN; k++) off[k] += counter[d] * strides[k][d];
      }
      for (int64_t run = lo; run < hi; run++) {
        f(run * len, off, len, steps);
        for (int d = nd - 2; d >= 0; d--) {
          counter[d]++;
          for (int k = 0; k < NIN; k++) off[k] += strides[k][d];
          if (counter[d] < shape[d]) break;
          for (int k = 0; k < NIN; k++) off[k] -= strides[k][d] * counter[d];
          counter[d] = 0;
        }
      }
    });
  }
};

}  // namespace neurite
