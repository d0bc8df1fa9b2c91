// Fused batch normalisation over x viewed as [batch, channels, inner]: statistics, normalisation and gradient,
// one channel per task item, with an optional ReLU after it (forward: relu_value; backward: dy masked by its
// output). Channel sums are double: rows of 32 and more are summed in float runs first, shorter rows in double
// throughout, as in the reference (see kFloatRun).
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels.h"
#include "threads.h"

namespace neurite {
namespace {

constexpr int64_t kGrain = 1 << 13;

inline int64_t channel_grain(int64_t per_channel) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(per_channel, 1));
}

// Per-channel loops over the `batch` rows of `inner` elements that lie `stride` apart, in two arithmetics (T),
// each with an AVX2 clone. Rows of kShortRow elements and more are summed in float vectors over runs of kFloatRun
// elements whose sums add up in double, and dx is computed in float: eight lanes where float64 ran four (the batch
// norms of a ResNet step were bound by that arithmetic, not by memory: the backward pass on [64, 16, 32²] took
// 0.62 → 0.41 ms, the statistics 0.20 → 0.17 ms), while a lane adds only 8 terms in float (16 in WebAssembly),
// however large the maps; runs of 512 lost 3e-4 of a 25,088-term bias gradient in WebAssembly. Shorter rows
// (BatchNorm1d's have one element, 4×4 maps 16) gain nothing from float runs and stay in float64 throughout, as the
// reference, so an MLP's batch norms round as they always did (on [64, 128, 4²] the float runs took 0.17 and 0.13
// ms for the backward pass and the statistics, against 0.14 and 0.07).
constexpr int64_t kFloatRun = 64;
constexpr int64_t kShortRow = 32;

// Elements summed in T before the sum moves to double: float runs, or whole rows in double.
template <class T>
int64_t run_length(int64_t inner) {
  return std::is_same<T, float>::value ? kFloatRun : std::max<int64_t>(inner, 1);
}

// Σx and then Σ(x − mean)² over the rows: the mean and the biased variance (two passes: the centred sum of
// squares does not cancel catastrophically).
template <class T>
NEURITE_CLONES void channel_stats(const float* x, int64_t batch, int64_t stride, int64_t inner, float& mean,
                                  float& variance) {
  const double count = static_cast<double>(batch * inner);
  const int64_t run = run_length<T>(inner);
  double s = 0;
  for (int64_t b = 0; b < batch; b++) {
    const float* row = x + b * stride;
    for (int64_t k0 = 0; k0 < inner; k0 += run) {
      const int64_t k1 = std::min(inner, k0 + run);
      T t = 0;
      NEURITE_SIMD_SUM(t)
      for (int64_t k = k0; k < k1; k++) t += row[k];
      s += t;
    }
  }
  const double mu = s / count;
  const T m = static_cast<T>(mu);
  double q = 0;
  for (int64_t b = 0; b < batch; b++) {
    const float* row = x + b * stride;
    for (int64_t k0 = 0; k0 < inner; k0 += run) {
      const int64_t k1 = std::min(inner, k0 + run);
      T t = 0;
      NEURITE_SIMD_SUM(t)
      for (int64_t k = k0; k < k1; k++) {
        const T d = row[k] - m;
        t += d * d;
      }
      q += t;
    }
  }
  mean = static_cast<float>(mu);
  variance = static_cast<float>(q / count);
}

// Σdy and Σdy·(x − mu) over the rows of one channel (dy's rows dy_stride apart).
template <class T>
NEURITE_CLONES void channel_grad_sums(const float* x, const float* dy, int64_t batch, int64_t stride,
                                      int64_t dy_stride, int64_t inner, T mu, double& sdy, double& sdyx) {
  const int64_t run = run_length<T>(inner);
  for (int64_t b = 0; b < batch; b++) {
    const float* xr = x + b * stride;
    const float* gr = dy + b * dy_stride;
    for (int64_t k0 = 0; k0 < inner; k0 += run) {
      const int64_t k1 = std::min(inner, k0 + run);
      T t = 0;
      NEURITE_SIMD_SUM(t)
      for (int64_t k = k0; k < k1; k++) t += gr[k];
      T u = 0;
      NEURITE_SIMD_SUM(u)
      for (int64_t k = k0; k < k1; k++) u += gr[k] * (xr[k] - mu);
      sdy += t;
      sdyx += u;
    }
  }
}

// dx = scale·(dy − mdy − (x − mu)·mdyx) (dy's rows dy_stride apart).
template <class T>
NEURITE_CLONES void channel_grad(const float* x, const float* dy, int64_t batch, int64_t stride, int64_t dy_stride,
                                 int64_t inner, T scale, T mdy, T mu, T mdyx, float* dx) {
  for (int64_t b = 0; b < batch; b++) {
    const float* xr = x + b * stride;
    const float* gr = dy + b * dy_stride;
    float* o = dx + b * stride;
    for (int64_t k = 0; k < inner; k++) o[k] = static_cast<float>(scale * (gr[k] - mdy - (xr[k] - mu) * mdyx));
  }
}

// The upstream gradient of one channel through a ReLU after the norm (y its output), rows packed into `masked`:
// the ReLU's own gradient rule. Both loads are its arguments, so they happen unconditionally and the select
// vectorises (a load in one arm of a ?: would be a conditional one).
NEURITE_CLONES void relu_masked_rows(const float* dy, const float* y, int64_t batch, int64_t stride, int64_t inner,
                                     float* masked) {
  for (int64_t b = 0; b < batch; b++) {
    const float* gr = dy + b * stride;
    const float* yr = y + b * stride;
    float* o = masked + b * inner;
    for (int64_t k = 0; k < inner; k++) o[k] = relu_grad_value(yr[k], gr[k]);
  }
}

// The backward pass of one channel in arithmetic T.
template <class T>
void channel_backward(const float* x, const float* dy, int64_t dy_stride, double mu, double is, double w,
                      double count, bool training, int64_t batch, int64_t stride, int64_t inner, float* dx,
                      float& d_weight, float& d_bias) {
  double sdy = 0;
  double sdyx = 0;
  channel_grad_sums<T>(x, dy, batch, stride, dy_stride, inner, static_cast<T>(mu), sdy, sdyx);
  sdyx *= is;
  d_bias = static_cast<float>(sdy);
  d_weight = static_cast<float>(sdyx);
  const double scale = is * w;
  const double mdy = training ? sdy / count : 0.0;
  const double mdyx = training ? sdyx / count * is : 0.0;
  channel_grad<T>(x, dy, batch, stride, dy_stride, inner, static_cast<T>(scale), static_cast<T>(mdy),
                  static_cast<T>(mu), static_cast<T>(mdyx), dx);
}

NEURITE_CLONES void row_scale_shift(const float* row, int64_t n, double scale, double shift, bool relu, float* out) {
  if (relu) {
    for (int64_t k = 0; k < n; k++) out[k] = relu_value(static_cast<float>(row[k] * scale + shift));
  } else {
    for (int64_t k = 0; k < n; k++) out[k] = static_cast<float>(row[k] * scale + shift);
  }
}

}  // namespace

void batch_norm_stats(const float* x, int64_t batch, int64_t channels, int64_t inner, float* mean,
                      float* variance) {
  parallel_for(channels, channel_grain(batch * inner), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; c++) {
      (inner >= kShortRow ? channel_stats<float> : channel_stats<double>)(x + c * inner, batch, channels * inner,
                                                                           inner, mean[c], variance[c]);
    }
  });
}

void batch_norm(const float* x, int64_t batch, int64_t channels, int64_t inner, const float* mean,
                const float* inv_std, const float* weight, const float* bias, float* out, bool relu) {
  parallel_for(channels * batch, channel_grain(inner), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; p++) {
      const int64_t c = p % channels;
      // the same float64 scale and shift as the reference, so both round alike
      const double scale = static_cast<double>(inv_std[c]) * (weight ? weight[c] : 1.0f);
      const double shift = (bias ? bias[c] : 0.0f) - mean[c] * scale;
      row_scale_shift(x + p * inner, inner, scale, shift, relu, out + p * inner);
    }
  });
}

void batch_norm_backward(const float* x, const float* dy, const float* mean, const float* inv_std,
                         const float* weight, const BatchNormGeom& g, float* dx, float* d_weight, float* d_bias,
                         const float* y) {
  const int64_t batch = g.batch, channels = g.channels, inner = g.inner;
  const bool training = g.training;
  const double count = static_cast<double>(batch * inner);
  const int64_t stride = channels * inner;
  parallel_for(channels, channel_grain(batch * inner), [&](int64_t lo, int64_t hi) {
    // through a ReLU, each channel's masked gradient is packed first: a block the two passes then read from cache
    auto masked = y ? scratch(batch * inner) : nullptr;
    for (int64_t c = lo; c < hi; c++) {
      const double w = weight ? weight[c] : 1.0f;
      const float* g_c = dy + c * inner;
      int64_t g_stride = stride;
      if (y) {
        relu_masked_rows(g_c, y + c * inner, batch, stride, inner, masked.get());
        g_c = masked.get();
        g_stride = inner;
      }
      (inner >= kShortRow ? channel_backward<float> : channel_backward<double>)(
          x + c * inner, g_c, g_stride, mean[c], inv_std[c], w, count, training, batch, stride, inner,
          dx + c * inner, d_weight[c], d_bias[c]);
    }
  });
}

}  // namespace neurite
