#include "gemm.h"

#include <algorithm>

#include "threads.h"

namespace neurite {
namespace {

// Rounds a split point down to a multiple of 16 so chunks start on cache-line boundaries.
int64_t split_point(int64_t size, int t, int parts) {
  if (t == parts) return size;
  return (size * t / parts) & ~int64_t{15};
}

}  // namespace

void sgemm_parallel(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                    int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  // Rows when A is the taller operand, and for a transposed A that gives each thread at least 32 rows: with
  // OpenBLAS, splitting the columns of AᵀB (the weight gradients of linear layers, [N, K]·[K, M] with a batch
  // K) ran at 0.4–0.6× the speed of splitting its rows (128×784 by 64: 56 vs 130 GFLOP/s), while products with
  // few rows and a plain A keep the column split (64×128 by 784: 105 vs 78).
  const bool split_rows = m >= n || (trans_a && m >= 32 * num_threads());
  const int64_t dim = split_rows ? m : n;
  // every part repacks the whole of the other operand, so big products take one part per thread; smaller
  // ones take more, narrower parts that the threads share out as they finish
  const int64_t threads = num_threads();
  const int parts = threads <= 1         ? 1
                    : dim / threads >= 256 ? static_cast<int>(threads)
                                           : static_cast<int>(std::min<int64_t>(threads * kChunksPerThread, dim / 64));
  if (!blas_splittable() || macs < kParallelMacs || parts <= 1) {
    sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  run_tasks(parts, [&](int t) {
    const int64_t lo = split_point(dim, t, parts);
    const int64_t hi = split_point(dim, t + 1, parts);
    if (hi <= lo) return;
    if (split_rows) {
      // rows lo..hi of C take rows lo..hi of op(A): row lo of A, or column lo of a transposed A
      const float* ap = trans_a ? a + lo : a + lo * lda;
      sgemm(trans_a, trans_b, hi - lo, n, k, alpha, ap, lda, b, ldb, beta, c + lo * ldc, ldc);
    } else {
      const float* bp = trans_b ? b + lo * ldb : b + lo;
      sgemm(trans_a, trans_b, m, hi - lo, k, alpha, a, lda, bp, ldb, beta, c + lo, ldc);
    }
  });
}

void gemm(const float* a, const float* b, const GemmGeom& g, float* c) {
  const int64_t batch = g.batch, m = g.m, n = g.n, k = g.k;
  const bool trans_a = g.trans_a, trans_b = g.trans_b;
  const float alpha = g.alpha, beta = g.beta;
  const int64_t stride_a = g.stride_a, stride_b = g.stride_b, stride_c = g.stride_c;
  if (batch <= 0 || m <= 0 || n <= 0) return;
  const int64_t lda = trans_a ? m : k;
  const int64_t ldb = trans_b ? k : n;
  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  // many products, each too small to split well: one chunk of the batch per thread
  const bool by_batch = blas_splittable() && stride_c != 0 && batch >= num_threads() && macs * batch >= kParallelMacs &&
                        (macs < kParallelMacs * 16 || batch % num_threads() == 0);
  if (by_batch) {
    parallel_for(batch, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t p = lo; p < hi; p++) {
        sgemm(trans_a, trans_b, m, n, k, alpha, a + p * stride_a, lda, b + p * stride_b, ldb, beta, c + p * stride_c,
              n);
      }
    });
    return;
  }
  for (int64_t p = 0; p < batch; p++) {
    sgemm_parallel(trans_a, trans_b, m, n, k, alpha, a + p * stride_a, lda, b + p * stride_b, ldb, beta,
                   c + p * stride_c, n);
  }
}

}  // namespace neurite
