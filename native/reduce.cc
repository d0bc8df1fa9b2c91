// Reductions over the middle axis of x viewed as [outer, n, inner]. Sums and products run in float64, as in
// the reference; with inner > 1 a block of outputs accumulates row by row, which the inner loop vectorises.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels.h"
#include "threads.h"

namespace neurite {
namespace {

constexpr int64_t kGrain = 1 << 15;

// Sum of a contiguous run in float64, four partial sums wide.
template <class T>
double row_sum(const T* x, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    s0 += x[j];
    s1 += x[j + 1];
    s2 += x[j + 2];
    s3 += x[j + 3];
  }
  for (; j < n; j++) s0 += x[j];
  return (s0 + s1) + (s2 + s3);
}

template <class T>
double row_prod(const T* x, int64_t n) {
  double p = 1;
  for (int64_t j = 0; j < n; j++) p *= x[j];
  return p;
}

template <class T>
T empty_extremum(bool is_max) {
  return from_double<T>(is_max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity());
}

// Max or min of a strided run, NaN winning as in the reference.
template <class T>
T row_extremum(const T* x, int64_t n, int64_t stride, bool is_max) {
  if (n == 0) return empty_extremum<T>(is_max);
  T best = x[0];
  for (int64_t j = 1; j < n; j++) {
    const T v = x[j * stride];
    if (v != v) return v;
    if (is_max ? v > best : v < best) best = v;
  }
  return best;
}

template <class T>
void reduce_typed(int op, const T* x, int64_t outer, int64_t n, int64_t inner, T* out) {
  if (inner == 1) {
    if (outer == 1 && op == kSum && n >= 2 * kGrain) {
      // one long row: per-thread partial sums, added in chunk order so the result never depends on timing
      const int parts = chunks_for(n, kGrain);
      std::vector<double> partial(parts, 0.0);
      run_tasks(parts, [&](int t) {
        const int64_t lo = n * t / parts;
        const int64_t hi = n * (t + 1) / parts;
        partial[t] = row_sum(x + lo, hi - lo);
      });
      double s = 0;
      for (double p : partial) s += p;
      out[0] = from_double<T>(s);
      return;
    }
    parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)), [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; o++) {
        const T* row = x + o * n;
        switch (op) {
          case kSum:
            out[o] = from_double<T>(row_sum(row, n));
            break;
          case kProd:
            out[o] = from_double<T>(row_prod(row, n));
            break;
          default:
            out[o] = row_extremum(row, n, 1, op == kMax);
        }
      }
    });
    return;
  }
  // blocks of (outer index, span of inner); when outer alone cannot feed the threads, inner is split too
  const int threads = num_threads();
  const int64_t span = outer >= threads ? inner : std::max<int64_t>(256, (inner + threads - 1) / threads);
  const int64_t spans = (inner + span - 1) / span;
  const int64_t per_block = std::max<int64_t>(1, n * span);
  parallel_for(outer * spans, std::max<int64_t>(1, kGrain / per_block), [&](int64_t lo, int64_t hi) {
    std::vector<double> wide(op == kSum || op == kProd ? span : 0);
    for (int64_t b = lo; b < hi; b++) {
      const int64_t o = b / spans;
      const int64_t i0 = (b % spans) * span;
      const int64_t len = std::min(span, inner - i0);
      T* acc = out + o * inner + i0;
      const T* base = x + o * n * inner + i0;
      if (op == kSum || op == kProd) {
        // float64 running values, as the reference: a float32 running sum drifts after ~1e4 terms
        double* w = wide.data();
        const bool sum = op == kSum;
        std::fill(w, w + len, sum ? 0.0 : 1.0);
        for (int64_t j = 0; j < n; j++) {
          const T* row = base + j * inner;
          if (sum) {
            for (int64_t i = 0; i < len; i++) w[i] += row[i];
          } else {
            for (int64_t i = 0; i < len; i++) w[i] *= row[i];
          }
        }
        for (int64_t i = 0; i < len; i++) acc[i] = from_double<T>(w[i]);
      } else if (n == 0) {
        std::fill(acc, acc + len, empty_extremum<T>(op == kMax));
      } else {
        std::copy(base, base + len, acc);
        const bool is_max = op == kMax;
        for (int64_t j = 1; j < n; j++) {
          const T* row = base + j * inner;
          // a NaN, once in, stays: v > NaN and v < NaN are false, and a NaN v replaces anything
          if (is_max) {
            for (int64_t i = 0; i < len; i++) acc[i] = (row[i] != row[i] || row[i] > acc[i]) ? row[i] : acc[i];
          } else {
            for (int64_t i = 0; i < len; i++) acc[i] = (row[i] != row[i] || row[i] < acc[i]) ? row[i] : acc[i];
          }
        }
      }
    }
  });
}

// Input and output of different types: the reference's semantics element by element, through float64.
void reduce_mixed(int op, const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& out) {
  for (int64_t o = 0; o < outer; o++) {
    for (int64_t i = 0; i < inner; i++) {
      const int64_t base = o * n * inner + i;
      double acc;
      if (op == kSum || op == kProd) {
        acc = op == kSum ? 0 : 1;
        for (int64_t j = 0; j < n; j++) {
          const double v = load(x, base + j * inner);
          acc = op == kSum ? acc + v : acc * v;
        }
        store(out, o * inner + i, acc);
        continue;
      }
      const bool is_max = op == kMax;
      acc = n > 0 ? load(x, base) : (is_max ? -INFINITY : INFINITY);
      for (int64_t j = 1; j < n; j++) {
        const double v = load(x, base + j * inner);
        if (std::isnan(v) || (is_max ? v > acc : v < acc)) acc = v;
        if (std::isnan(acc)) break;
      }
      store(out, o * inner + i, acc);
    }
  }
}

template <class T>
void arg_reduce_typed(bool is_max, const T* x, int64_t outer, int64_t n, int64_t inner, int32_t* out) {
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)), [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; o++) {
        const T* row = x + o * n;
        T best = row[0];
        int32_t bi = 0;
        // the first NaN wins and ends the search; otherwise the first of equal extremes
        for (int64_t j = 1; j < n && best == best; j++) {
          const T v = row[j];
          if (v != v || (is_max ? v > best : v < best)) {
            best = v;
            bi = static_cast<int32_t>(j);
          }
        }
        out[o] = bi;
      }
    });
    return;
  }
  const int threads = num_threads();
  const int64_t span = outer >= threads ? inner : std::max<int64_t>(256, (inner + threads - 1) / threads);
  const int64_t spans = (inner + span - 1) / span;
  parallel_for(outer * spans, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n * span)),
               [&](int64_t lo, int64_t hi) {
                 std::vector<T> best(span);
                 for (int64_t b = lo; b < hi; b++) {
                   const int64_t o = b / spans;
                   const int64_t i0 = (b % spans) * span;
                   const int64_t len = std::min(span, inner - i0);
                   const T* base = x + o * n * inner + i0;
                   int32_t* idx = out + o * inner + i0;
                   std::copy(base, base + len, best.begin());
                   std::fill(idx, idx + len, 0);
                   for (int64_t j = 1; j < n; j++) {
                     const T* row = base + j * inner;
                     const int32_t jj = static_cast<int32_t>(j);
                     for (int64_t i = 0; i < len; i++) {
                       const T v = row[i];
                       const T cur = best[i];
                       const bool take = cur == cur && (v != v || (is_max ? v > cur : v < cur));
                       best[i] = take ? v : cur;
                       idx[i] = take ? jj : idx[i];
                     }
                   }
                 }
               });
}

}  // namespace

void reduce(int op, const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& out) {
  if (outer * inner == 0) return;
  if (x.type != out.type) {
    reduce_mixed(op, x, outer, n, inner, out);
    return;
  }
  switch (x.type) {
    case DType::F32:
      return reduce_typed(op, x.as<float>(), outer, n, inner, out.as<float>());
    case DType::I32:
      return reduce_typed(op, x.as<int32_t>(), outer, n, inner, out.as<int32_t>());
    default:
      return reduce_typed(op, x.as<uint8_t>(), outer, n, inner, out.as<uint8_t>());
  }
}

void arg_reduce(bool is_max, const Array& x, int64_t outer, int64_t n, int64_t inner, int32_t* out) {
  if (outer * inner == 0) return;
  if (n == 0) {
    // the reference reads past the empty axis and reports index 0
    std::fill(out, out + outer * inner, 0);
    return;
  }
  switch (x.type) {
    case DType::F32:
      return arg_reduce_typed(is_max, x.as<float>(), outer, n, inner, out);
    case DType::I32:
      return arg_reduce_typed(is_max, x.as<int32_t>(), outer, n, inner, out);
    default:
      return arg_reduce_typed(is_max, x.as<uint8_t>(), outer, n, inner, out);
  }
}

}  // namespace neurite
