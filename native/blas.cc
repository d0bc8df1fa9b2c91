// The one matrix product the kernels build on, through the system BLAS (OpenBLAS on Linux, Accelerate on macOS).
// The WebAssembly build has no BLAS and links native/wasm/sgemm.cc in this file's place.
#include <algorithm>

#include "gemm.h"

#ifdef NEURITE_ACCELERATE
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

namespace neurite {

void blas_init() {
#if defined(OPENBLAS_VERSION)
  openblas_set_num_threads(1);
#endif
}

const char* blas_name() {
#if defined(OPENBLAS_VERSION)
  return "openblas";
#elif defined(NEURITE_ACCELERATE)
  return "accelerate";
#else
  return "cblas";
#endif
}

const char* blas_core() {
#if defined(OPENBLAS_VERSION)
  return openblas_get_corename();
#else
  return blas_name();
#endif
}

bool blas_splittable() {
#if defined(OPENBLAS_VERSION)
  // OpenBLAS runs each call on the calling thread once pinned to one thread, so the pool can split work.
  return true;
#else
  // Accelerate threads inside each call on its own; splitting on top of it would oversubscribe the cores.
  return false;
#endif
}

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    // BLAS rejects a zero leading dimension, and the product is empty anyway: C = beta·C
    for (int64_t i = 0; i < m; i++) {
      float* row = c + i * ldc;
      if (beta == 0.0f) {
        std::fill(row, row + n, 0.0f);
      } else {
        for (int64_t j = 0; j < n; j++) row[j] *= beta;
      }
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
              static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

}  // namespace neurite
