// Matrix products, row-major: sgemm comes from the system BLAS (native/blas.cc: OpenBLAS on Linux, Accelerate on
// macOS) or, in the WebAssembly build, from native/wasm/sgemm.cc; the rest (gemm.cc) is shared.
#pragma once

#include <cstdint>

namespace neurite {

// Pins the BLAS to one thread per call: the kernels parallelise around it with their own pool.
void blas_init();

// Name of the BLAS linked in, for diagnostics.
const char* blas_name();
// The kernels the BLAS chose for this CPU (OpenBLAS's core name), for diagnostics; else blas_name().
const char* blas_core();

// Whether a product may be split over the thread pool: the BLAS runs each call on the calling thread only.
bool blas_splittable();

// C = alpha·op(A)·op(B) + beta·C on the calling thread; lda/ldb/ldc are row strides.
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// The same product split over the thread pool along its larger output dimension when it is big enough.
void sgemm_parallel(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                    int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// GemmInfo as packed by src/backend/kernel-abi.ts (same field order as the interface): float64 values, so that
// alpha and beta arrive as JavaScript numbers and strides may pass 2^31.
struct GemmGeom {
  int64_t batch;
  bool trans_a, trans_b;
  int64_t m, n, k;
  float alpha, beta;
  int64_t stride_a, stride_b, stride_c;

  static GemmGeom from(const double* v) {
    return {static_cast<int64_t>(v[0]), v[1] != 0, v[2] != 0, static_cast<int64_t>(v[3]), static_cast<int64_t>(v[4]),
            static_cast<int64_t>(v[5]), static_cast<float>(v[6]), static_cast<float>(v[7]), static_cast<int64_t>(v[8]),
            static_cast<int64_t>(v[9]), static_cast<int64_t>(v[10])};
  }
};

// Backend.gemm: a batch of products with per-matrix strides (stride 0 repeats a matrix).
void gemm(const float* a, const float* b, const GemmGeom& g, float* c);

}  // namespace neurite
