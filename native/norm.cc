// Fused batch normalisation over x viewed as [batch, channels, inner]: statistics, normalisation and gradient,
// one channel per task item. Channel sums are double across rows (each row summed in float), the reference's are
// double throughout.
#include <algorithm>
#include <cmath>

#include "kernels.h"
#include "threads.h"

namespace neurite {
namespace {

constexpr int64_t kGrain = 1 << 13;

inline int64_t channel_grain(int64_t per_channel) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(per_channel, 1));
}

// Per-channel loops over the `batch` rows of `inner` elements that lie `stride` apart, each with an AVX2 clone.
// Their sums run in float vectors over runs of kFloatRun elements and add the runs up in double: eight lanes
// where float64 sums ran four (the batch norms of a ResNet step were bound by that arithmetic, not by memory:
// the backward pass on [64, 16, 32²] took 0.62 → 0.41 ms, the statistics 0.20 → 0.17 ms), while a lane adds only
// 8 terms in float (16 in WebAssembly), however large the maps. Runs of 512 lost 3e-4 of a 25,088-term bias
// gradient in WebAssembly.
constexpr int64_t kFloatRun = 64;

// Σx and then Σ(x − mean)² over the rows: the mean and the biased variance (two passes: the centred sum of
// squares does not cancel catastrophically).
NEURITE_CLONES void channel_stats(const float* x, int64_t batch, int64_t stride, int64_t inner, float& mean,
                                  float& variance) {
  const double count = static_cast<double>(batch * inner);
  double s = 0;
  for (int64_t b = 0; b < batch; b++) {
    const float* row = x + b * stride;
    for (int64_t k0 = 0; k0 < inner; k0 += kFloatRun) {
      const int64_t k1 = std::min(inner, k0 + kFloatRun);
      float t = 0;
      NEURITE_SIMD_SUM(t)
      for (int64_t k = k0; k < k1; k++) t += row[k];
      s += t;
    }
  }
  const float mu = static_cast<float>(s / count);
  double q = 0;
  for (int64_t b = 0; b < batch; b++) {
    const float* row = x + b * stride;
    for (int64_t k0 = 0; k0 < inner; k0 += kFloatRun) {
      const int64_t k1 = std::min(inner, k0 + kFloatRun);
      float t = 0;
      NEURITE_SIMD_SUM(t)
      for (int64_t k = k0; k < k1; k++) {
        const float d = row[k] - mu;
        t += d * d;
      }
      q += t;
    }
  }
  mean = mu;
  variance = static_cast<float>(q / count);
}

NEURITE_CLONES void row_scale_shift(const float* row, int64_t n, double scale, double shift, float* out) {
  for (int64_t k = 0; k < n; k++) out[k] = static_cast<float>(row[k] * scale + shift);
}

// Σdy and Σdy·(x − mu) over the rows of one channel.
NEURITE_CLONES void channel_grad_sums(const float* x, const float* dy, int64_t batch, int64_t stride, int64_t inner,
                                      float mu, double& sdy, double& sdyx) {
  for (int64_t b = 0; b < batch; b++) {
    const float* xr = x + b * stride;
    const float* gr = dy + b * stride;
    for (int64_t k0 = 0; k0 < inner; k0 += kFloatRun) {
      const int64_t k1 = std::min(inner, k0 + kFloatRun);
      float s = 0;
      NEURITE_SIMD_SUM(s)
      for (int64_t k = k0; k < k1; k++) s += gr[k];
      float t = 0;
      NEURITE_SIMD_SUM(t)
      for (int64_t k = k0; k < k1; k++) t += gr[k] * (xr[k] - mu);
      sdy += s;
      sdyx += t;
    }
  }
}

// dx = scale·(dy − mdy − (x − mu)·mdyx), in float (the per-channel factors come rounded from double).
NEURITE_CLONES void channel_grad(const float* x, const float* dy, int64_t batch, int64_t stride, int64_t inner,
                                 float scale, float mdy, float mu, float mdyx, float* dx) {
  for (int64_t b = 0; b < batch; b++) {
    const float* xr = x + b * stride;
    const float* gr = dy + b * stride;
    float* o = dx + b * stride;
    for (int64_t k = 0; k < inner; k++) o[k] = scale * (gr[k] - mdy - (xr[k] - mu) * mdyx);
  }
}

}  // namespace

void batch_norm_stats(const float* x, int64_t batch, int64_t channels, int64_t inner, float* mean,
                      float* variance) {
  parallel_for(channels, channel_grain(batch * inner), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; c++) channel_stats(x + c * inner, batch, channels * inner, inner, mean[c], variance[c]);
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
      row_scale_shift(x + p * inner, inner, scale, shift, out + p * inner);
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
      const float mu = mean[c];
      const double is = inv_std[c];
      double sdy = 0;
      double sdyx = 0;
      channel_grad_sums(x + c * inner, dy + c * inner, batch, channels * inner, inner, mu, sdy, sdyx);
      sdyx *= is;
      d_bias[c] = static_cast<float>(sdy);
      d_weight[c] = static_cast<float>(sdyx);
      const double scale = is * (weight ? weight[c] : 1.0f);
      const double mdy = training ? sdy / count : 0.0;
      const double mdyx = training ? sdyx / count * is : 0.0;
      channel_grad(x + c * inner, dy + c * inner, batch, channels * inner, inner, static_cast<float>(scale),
                   static_cast<float>(mdy), mu, static_cast<float>(mdyx), dx + c * inner);
    }
  });
}

}  // namespace neurite
