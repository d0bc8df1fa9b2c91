// Fused batch normalisation over x viewed as [batch, channels, inner]: statistics, normalisation and gradient,
// one channel per task item. Channel sums are double, as in the reference.
#include <cmath>

#include "kernels.h"
#include "threads.h"

namespace neurite {
namespace {

constexpr int64_t kGrain = 1 << 13;

inline int64_t channel_grain(int64_t per_channel) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(per_channel, 1));
}

}  // namespace

void batch_norm_stats(const float* x, int64_t batch, int64_t channels, int64_t inner, float* mean,
                      float* variance) {
  const double count = static_cast<double>(batch * inner);
  parallel_for(channels, channel_grain(batch * inner), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; c++) {
      double s = 0;
      for (int64_t b = 0; b < batch; b++) {
        const float* row = x + (b * channels + c) * inner;
        NEURITE_SIMD_SUM(s)
        for (int64_t k = 0; k < inner; k++) s += row[k];
      }
      const double mu = s / count;
      // two passes: the centred sum of squares does not cancel catastrophically
      double q = 0;
      for (int64_t b = 0; b < batch; b++) {
        const float* row = x + (b * channels + c) * inner;
        NEURITE_SIMD_SUM(q)
        for (int64_t k = 0; k < inner; k++) {
          const double d = row[k] - mu;
          q += d * d;
        }
      }
      mean[c] = static_cast<float>(mu);
      variance[c] = static_cast<float>(q / count);
    }
  });
}

void batch_norm(const float* x, int64_t batch, int64_t channels, int64_t inner, const float* mean,
                const float* inv_std, const float* weight, const float* bias, float* out) {
  parallel_for(channels * batch, channel_grain(inner), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; p++) {
      const int64_t c = p % channels;
      // the same float64 scale and shift as the reference, so both round alike
      const double scale = static_cast<double>(inv_std[c]) * (weight ? weight[c] : 1.0f);
      const double shift = (bias ? bias[c] : 0.0f) - mean[c] * scale;
      const float* row = x + p * inner;
      float* o = out + p * inner;
      for (int64_t k = 0; k < inner; k++) o[k] = static_cast<float>(row[k] * scale + shift);
    }
  });
}

void batch_norm_backward(const float* x, const float* dy, const float* mean, const float* inv_std,
                         const float* weight, const BatchNormGeom& g, float* dx, float* d_weight, float* d_bias) {
  const int64_t batch = g.batch, channels = g.channels, inner = g.inner;
  const bool training = g.training;
  const double count = static_cast<double>(batch * inner);
  parallel_for(channels, channel_grain(batch * inner), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; c++) {
      const double mu = mean[c];
      const double is = inv_std[c];
      double sdy = 0;
      double sdyx = 0;
      for (int64_t b = 0; b < batch; b++) {
        const float* xr = x + (b * channels + c) * inner;
        const float* gr = dy + (b * channels + c) * inner;
        NEURITE_SIMD_SUM(sdy)
        for (int64_t k = 0; k < inner; k++) sdy += gr[k];
        NEURITE_SIMD_SUM(sdyx)
        for (int64_t k = 0; k < inner; k++) sdyx += gr[k] * (xr[k] - mu);
      }
      sdyx *= is;
      d_bias[c] = static_cast<float>(sdy);
      d_weight[c] = static_cast<float>(sdyx);
      const double scale = is * (weight ? weight[c] : 1.0f);
      const double mdy = training ? sdy / count : 0.0;
      const double mdyx = training ? sdyx / count * is : 0.0;
      for (int64_t b = 0; b < batch; b++) {
        const float* xr = x + (b * channels + c) * inner;
        const float* gr = dy + (b * channels + c) * inner;
        float* o = dx + (b * channels + c) * inner;
        for (int64_t k = 0; k < inner; k++) o[k] = static_cast<float>(scale * (gr[k] - mdy - (xr[k] - mu) * mdyx));
      }
    }
  });
}

}  // namespace neurite
