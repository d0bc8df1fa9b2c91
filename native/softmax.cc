// Softmax and log-softmax over the last axis, and their gradients, one row per task item. Row sums are
// float64, as in the reference.
#include <cmath>
#include <limits>

#include "kernels.h"
#include "threads.h"

namespace neurite {
namespace {
constexpr int64_t kGrain = 1 << 12;
}

void softmax(const float* x, int64_t rows, int64_t cols, bool log, float* out) {
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const float* xr = x + r * cols;
      float* o = out + r * cols;
      // NaNs are skipped for the shift and then spread through the sum, as in the reference
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < cols; j++) mx = xr[j] > mx ? xr[j] : mx;
      if (mx == -std::numeric_limits<float>::infinity()) mx = 0;
      double sum = 0;
      if (log) {
        for (int64_t j = 0; j < cols; j++) sum += std::exp(xr[j] - mx);
        const double lse = mx + std::log(sum);
        for (int64_t j = 0; j < cols; j++) o[j] = static_cast<float>(xr[j] - lse);
      } else {
        for (int64_t j = 0; j < cols; j++) {
          const float e = std::exp(xr[j] - mx);
          o[j] = e;
          sum += e;
        }
        const double inv = 1.0 / sum;
        for (int64_t j = 0; j < cols; j++) o[j] = static_cast<float>(o[j] * inv);
      }
    }
  });
}

void softmax_grad(const float* y, const float* dy, int64_t rows, int64_t cols, bool log, float* out) {
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const float* yr = y + r * cols;
      const float* gr = dy + r * cols;
      float* o = out + r * cols;
      double s = 0;
      if (log) {
        // d/dx log_softmax: dx = dy − softmax · Σdy
        for (int64_t j = 0; j < cols; j++) s += gr[j];
        for (int64_t j = 0; j < cols; j++) o[j] = static_cast<float>(gr[j] - std::exp(yr[j]) * s);
      } else {
        // d/dx softmax: dx = y · (dy − Σ y·dy)
        for (int64_t j = 0; j < cols; j++) s += static_cast<double>(yr[j]) * gr[j];
        for (int64_t j = 0; j < cols; j++) o[j] = static_cast<float>(yr[j] * (gr[j] - s));
      }
    }
  });
}

void softmax_cross_entropy(const float* x, int64_t rows, int64_t cols, const int32_t* target, int64_t ignore_index,
                           float* loss, float* logp) {
  softmax(x, rows, cols, true, logp);
  for (int64_t r = 0; r < rows; r++) {
    const int64_t t = target[r];
    loss[r] = t == ignore_index ? 0.0f : -logp[r * cols + t];
  }
}

void softmax_cross_entropy_backward(const float* logp, int64_t rows, int64_t cols, const int32_t* target,
                                    const float* scale, float* dx) {
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const float* lr = logp + r * cols;
      float* o = dx + r * cols;
      const float s = scale[r];
      for (int64_t j = 0; j < cols; j++) o[j] = std::exp(lr[j]) * s;
      const int64_t t = target[r];
      if (s != 0.0f && t >= 0 && t < cols) o[t] -= s;
    }
  });
}

}  // namespace neurite
