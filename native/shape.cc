// Data movement: transpose, slice, insert, and the indexing kernels. Copies move raw 1- or 4-byte elements,
// so one instantiation serves float32 and int32 alike.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels.h"
#include "threads.h"

namespace neurite {
namespace {

constexpr int64_t kGrain = 1 << 15;

// A box of elements walked in row-major order, with the strides of the array on the other side of the copy.
// Axes of size 1 are dropped and neighbours that are contiguous on both sides merged, so runs are long.
struct Walk {
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  int64_t total = 1;

  Walk(const std::vector<int64_t>& box, const std::vector<int64_t>& far_strides) {
    for (int64_t d : box) total *= d;
    for (size_t d = 0; d < box.size(); d++) {
      if (box[d] == 1) continue;
      if (!shape.empty() && strides.back() == far_strides[d] * box[d]) {
        shape.back() *= box[d];
        strides.back() = far_strides[d];
      } else {
        shape.push_back(box[d]);
        strides.push_back(far_strides[d]);
      }
    }
    if (shape.empty()) {
      shape.push_back(1);
      strides.push_back(1);
    }
  }

  // f(nearOffset, farOffset, runLength, farStep) for each run along the last axis.
  template <class F>
  void for_each_run(int64_t far_start, F&& f) const {
    if (total == 0) return;
    const int nd = static_cast<int>(shape.size());
    const int64_t len = shape[nd - 1];
    const int64_t step = strides[nd - 1];
    parallel_for(total / len, std::max<int64_t>(1, kGrain / len), [&](int64_t lo, int64_t hi) {
      std::vector<int64_t> counter(nd, 0);
      int64_t far = far_start;
      int64_t r = lo;
      for (int d = nd - 2; d >= 0; d--) {
        counter[d] = r % shape[d];
        r /= shape[d];
        far += counter[d] * strides[d];
      }
      for (int64_t run = lo; run < hi; run++) {
        f(run * len, far, len, step);
        for (int d = nd - 2; d >= 0; d--) {
          counter[d]++;
          far += strides[d];
          if (counter[d] < shape[d]) break;
          far -= strides[d] * counter[d];
          counter[d] = 0;
        }
      }
    });
  }
};

std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

std::vector<int64_t> read_ints(const int32_t*& p, int n) {
  std::vector<int64_t> v(p, p + n);
  p += n;
  return v;
}

// Gathers a strided box into a contiguous out.
template <class E>
void gather_box(const E* src, const Walk& walk, int64_t start, E* out) {
  walk.for_each_run(start, [&](int64_t o, int64_t s, int64_t len, int64_t step) {
    if (step == 1) {
      std::memcpy(out + o, src + s, static_cast<size_t>(len) * sizeof(E));
    } else {
      for (int64_t j = 0; j < len; j++) out[o + j] = src[s + j * step];
    }
  });
}

// Transpose whose innermost output axis is strided in the input: copy 32×32 tiles between the output's last
// axis and the input's innermost axis, so both sides are read and written a cache line at a time.
template <class E>
bool tiled_transpose(const E* x, const Walk& walk, E* out) {
  const int nd = static_cast<int>(walk.shape.size());
  int q = -1;
  for (int d = 0; d < nd - 1; d++) {
    if (walk.strides[d] == 1) q = d;
  }
  if (q < 0) return false;
  const std::vector<int64_t> out_strides = contiguous_strides(walk.shape);
  const int64_t rows = walk.shape[q];       // contiguous in x, stride out_strides[q] in out
  const int64_t cols = walk.shape[nd - 1];  // contiguous in out, stride walk.strides[nd - 1] in x
  const int64_t row_step = out_strides[q];
  const int64_t col_step = walk.strides[nd - 1];
  // the remaining axes are walked one combination at a time
  std::vector<int64_t> rest;
  std::vector<int64_t> rest_in;
  std::vector<int64_t> rest_out;
  for (int d = 0; d < nd - 1; d++) {
    if (d == q) continue;
    rest.push_back(walk.shape[d]);
    rest_in.push_back(walk.strides[d]);
    rest_out.push_back(out_strides[d]);
  }
  int64_t combos = 1;
  for (int64_t d : rest) combos *= d;
  constexpr int64_t kTile = 32;
  const int64_t row_tiles = (rows + kTile - 1) / kTile;
  parallel_for(combos * row_tiles, std::max<int64_t>(1, kGrain / (kTile * cols)), [&](int64_t lo, int64_t hi) {
    for (int64_t u = lo; u < hi; u++) {
      int64_t c = u / row_tiles;
      const int64_t r0 = (u % row_tiles) * kTile;
      const int64_t r1 = std::min(rows, r0 + kTile);
      int64_t in_off = 0;
      int64_t out_off = 0;
      for (size_t d = rest.size(); d-- > 0;) {
        const int64_t i = c % rest[d];
        c /= rest[d];
        in_off += i * rest_in[d];
        out_off += i * rest_out[d];
      }
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        const int64_t c1 = std::min(cols, c0 + kTile);
        for (int64_t r = r0; r < r1; r++) {
          E* o = out + out_off + r * row_step;
          const E* s = x + in_off + r;
          for (int64_t col = c0; col < c1; col++) o[col] = s[col * col_step];
        }
      }
    }
  });
  return true;
}

template <class E>
void transpose_typed(const E* x, const std::vector<int64_t>& shape, const std::vector<int64_t>& perm, E* out) {
  const std::vector<int64_t> st = contiguous_strides(shape);
  std::vector<int64_t> box(shape.size());
  std::vector<int64_t> far(shape.size());
  for (size_t i = 0; i < perm.size(); i++) {
    box[i] = shape[perm[i]];
    far[i] = st[perm[i]];
  }
  const Walk walk(box, far);
  if (walk.total == 0) return;
  if (walk.strides.back() != 1 && walk.shape.back() >= 4 && tiled_transpose(x, walk, out)) return;
  gather_box(x, walk, 0, out);
}

template <class E>
void insert_typed(const E* src, const Walk& walk, int64_t start, E* dst, bool accumulate) {
  walk.for_each_run(start, [&](int64_t o, int64_t d, int64_t len, int64_t step) {
    if (!accumulate) {
      if (step == 1) {
        std::memcpy(dst + d, src + o, static_cast<size_t>(len) * sizeof(E));
      } else {
        for (int64_t j = 0; j < len; j++) dst[d + j * step] = src[o + j];
      }
    } else {
      for (int64_t j = 0; j < len; j++) {
        if constexpr (std::is_same_v<E, int32_t>) {
          dst[d + j * step] =
              static_cast<int32_t>(static_cast<uint32_t>(dst[d + j * step]) + static_cast<uint32_t>(src[o + j]));
        } else {
          dst[d + j * step] = static_cast<E>(dst[d + j * step] + src[o + j]);
        }
      }
    }
  });
}

// Blocks of (outer index, span of inner) that own disjoint output columns, for the scatter-style kernels.
template <class F>
void for_each_column_block(int64_t outer, int64_t inner, int64_t work_per_column, F&& f) {
  const int threads = num_threads();
  const int64_t span = outer >= threads ? inner : std::max<int64_t>(64, (inner + threads - 1) / threads);
  const int64_t spans = (inner + span - 1) / span;
  const int64_t per_block = std::max<int64_t>(1, work_per_column * span);
  parallel_for(outer * spans, std::max<int64_t>(1, kGrain / per_block), [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; b++) {
      const int64_t i0 = (b % spans) * span;
      f(b / spans, i0, std::min(inner, i0 + span));
    }
  });
}

}  // namespace

void transpose(const Array& x, const int32_t* meta, const Array& out) {
  const int nd = meta[0];
  const int32_t* p = meta + 1;
  const std::vector<int64_t> shape = read_ints(p, nd);
  const std::vector<int64_t> perm = read_ints(p, nd);
  if (elem_size(x.type) == 1) {
    transpose_typed(x.as<uint8_t>(), shape, perm, out.as<uint8_t>());
  } else {
    transpose_typed(x.as<uint32_t>(), shape, perm, out.as<uint32_t>());
  }
}

void slice(const Array& x, const int32_t* meta, const Array& out) {
  const int nd = meta[0];
  const int32_t* p = meta + 1;
  const std::vector<int64_t> shape = read_ints(p, nd);
  const std::vector<int64_t> begin = read_ints(p, nd);
  const std::vector<int64_t> out_shape = read_ints(p, nd);
  const std::vector<int64_t> st = contiguous_strides(shape);
  int64_t start = 0;
  for (int i = 0; i < nd; i++) start += begin[i] * st[i];
  const Walk walk(out_shape, st);
  if (elem_size(x.type) == 1) {
    gather_box(x.as<uint8_t>(), walk, start, out.as<uint8_t>());
  } else {
    gather_box(x.as<uint32_t>(), walk, start, out.as<uint32_t>());
  }
}

void insert(const Array& src, const Array& dst, const int32_t* meta, bool accumulate) {
  const int nd = meta[0];
  const int32_t* p = meta + 1;
  const std::vector<int64_t> src_shape = read_ints(p, nd);
  const std::vector<int64_t> dst_shape = read_ints(p, nd);
  const std::vector<int64_t> begin = read_ints(p, nd);
  const std::vector<int64_t> st = contiguous_strides(dst_shape);
  int64_t start = 0;
  for (int i = 0; i < nd; i++) start += begin[i] * st[i];
  const Walk walk(src_shape, st);
  if (src.type != dst.type) {
    // converting copy, with the reference's store semantics
    walk.for_each_run(start, [&](int64_t o, int64_t d, int64_t len, int64_t step) {
      for (int64_t j = 0; j < len; j++) {
        const double v = load(src, o + j);
        store(dst, d + j * step, accumulate ? load(dst, d + j * step) + v : v);
      }
    });
    return;
  }
  switch (dst.type) {
    case DType::F32:
      return insert_typed(src.as<float>(), walk, start, dst.as<float>(), accumulate);
    case DType::I32:
      return insert_typed(src.as<int32_t>(), walk, start, dst.as<int32_t>(), accumulate);
    default:
      return insert_typed(src.as<uint8_t>(), walk, start, dst.as<uint8_t>(), accumulate);
  }
}

namespace {

template <class E>
void index_select_typed(const E* x, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k, E* out) {
  parallel_for(outer * k, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const int64_t o = r / k;
      const int64_t j = r % k;
      std::memcpy(out + r * inner, x + (o * n + idx[j]) * inner, static_cast<size_t>(inner) * sizeof(E));
    }
  });
}

template <class E>
void gather_typed(const E* x, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k, E* out) {
  parallel_for(outer * k, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const int64_t o = r / k;
      const E* plane = x + o * n * inner;
      const int32_t* ir = idx + r * inner;
      E* orow = out + r * inner;
      for (int64_t i = 0; i < inner; i++) orow[i] = plane[ir[i] * inner + i];
    }
  });
}

}  // namespace

void index_select(const Array& x, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k,
                  const Array& out) {
  if (elem_size(x.type) == 1) {
    index_select_typed(x.as<uint8_t>(), outer, n, inner, idx, k, out.as<uint8_t>());
  } else {
    index_select_typed(x.as<uint32_t>(), outer, n, inner, idx, k, out.as<uint32_t>());
  }
}

void index_add(const float* dy, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k, float* out) {
  // repeated indices add into the same row in index order, as in the reference
  for_each_column_block(outer, inner, k, [&](int64_t o, int64_t i0, int64_t i1) {
    for (int64_t j = 0; j < k; j++) {
      float* dst = out + (o * n + idx[j]) * inner;
      const float* src = dy + (o * k + j) * inner;
      for (int64_t i = i0; i < i1; i++) dst[i] += src[i];
    }
  });
}

void gather(const Array& x, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k, const Array& out) {
  if (elem_size(x.type) == 1) {
    gather_typed(x.as<uint8_t>(), outer, n, inner, idx, k, out.as<uint8_t>());
  } else {
    gather_typed(x.as<uint32_t>(), outer, n, inner, idx, k, out.as<uint32_t>());
  }
}

void scatter_add(const float* dy, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k, float* out) {
  for_each_column_block(outer, inner, k, [&](int64_t o, int64_t i0, int64_t i1) {
    float* plane = out + o * n * inner;
    for (int64_t j = 0; j < k; j++) {
      const int64_t row = (o * k + j) * inner;
      for (int64_t i = i0; i < i1; i++) plane[idx[row + i] * inner + i] += dy[row + i];
    }
  });
}

}  // namespace neurite
