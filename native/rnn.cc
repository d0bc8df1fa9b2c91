// Fused LSTM and GRU cell kernels: the elementwise part of one recurrent step and its gradient in one pass,
// rows split over the pool. The GEMMs around a step stay in BLAS; these replace the dozen elementwise ops
// (and their temporaries) a composed step would run. Sigmoid and tanh come from vmath.h, so the row loops
// vectorise (the buffers never overlap, hence __restrict).
#include <cmath>

#include "kernels.h"
#include "threads.h"
#include "vmath.h"

namespace neurite {
namespace {

// Elements per chunk: each one costs a few transcendental functions, so chunks can be smaller than for the
// plain elementwise kernels.
constexpr int64_t kGrain = 1 << 11;

inline int64_t row_grain(int64_t hidden) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(hidden, 1)); }

NEURITE_CLONES void lstm_rows(const float* __restrict gates, const float* __restrict c, int64_t lo, int64_t hi, int64_t hidden, float* __restrict h,
                              float* __restrict c_next, float* __restrict act) {
  for (int64_t b = lo; b < hi; b++) {
    const float* gr = gates + b * 4 * hidden;
    float* ar = act + b * 4 * hidden;
    const float* cr = c + b * hidden;
    float* hr = h + b * hidden;
    float* cn = c_next + b * hidden;
    for (int64_t j = 0; j < hidden; j++) {
      const float i = vsigmoid(gr[j]);
      const float f = vsigmoid(gr[j + hidden]);
      const float g = vtanh(gr[j + 2 * hidden]);
      const float o = vsigmoid(gr[j + 3 * hidden]);
      ar[j] = i;
      ar[j + hidden] = f;
      ar[j + 2 * hidden] = g;
      ar[j + 3 * hidden] = o;
      const float cv = f * cr[j] + i * g;
      cn[j] = cv;
      hr[j] = o * vtanh(cv);
    }
  }
}

NEURITE_CLONES void lstm_backward_rows(const float* __restrict act, const float* __restrict c, const float* __restrict c_next, const float* __restrict dh,
                                       const float* __restrict dc, int64_t lo, int64_t hi, int64_t hidden, float* __restrict d_gates,
                                       float* __restrict dc_prev) {
  for (int64_t b = lo; b < hi; b++) {
    const float* ar = act + b * 4 * hidden;
    float* dg = d_gates + b * 4 * hidden;
    const int64_t s0 = b * hidden;
    for (int64_t j = 0; j < hidden; j++) {
      const int64_t s = s0 + j;
      const float i = ar[j];
      const float f = ar[j + hidden];
      const float g = ar[j + 2 * hidden];
      const float o = ar[j + 3 * hidden];
      const float tc = vtanh(c_next[s]);
      const float dc_total = dc[s] + dh[s] * o * (1.0f - tc * tc);
      dg[j] = dc_total * g * i * (1.0f - i);
      dg[j + hidden] = dc_total * c[s] * f * (1.0f - f);
      dg[j + 2 * hidden] = dc_total * i * (1.0f - g * g);
      dg[j + 3 * hidden] = dh[s] * tc * o * (1.0f - o);
      dc_prev[s] = dc_total * f;
    }
  }
}

NEURITE_CLONES void gru_rows(const float* __restrict x_proj, const float* __restrict h_proj, const float* __restrict h, int64_t lo, int64_t hi,
                             int64_t hidden, float* __restrict h_next, float* __restrict act) {
  for (int64_t b = lo; b < hi; b++) {
    const float* xr = x_proj + b * 3 * hidden;
    const float* pr = h_proj + b * 3 * hidden;
    float* ar = act + b * 3 * hidden;
    const float* hr = h + b * hidden;
    float* out = h_next + b * hidden;
    for (int64_t j = 0; j < hidden; j++) {
      const float r = vsigmoid(xr[j] + pr[j]);
      const float z = vsigmoid(xr[j + hidden] + pr[j + hidden]);
      const float n = vtanh(xr[j + 2 * hidden] + r * pr[j + 2 * hidden]);
      ar[j] = r;
      ar[j + hidden] = z;
      ar[j + 2 * hidden] = n;
      out[j] = n + z * (hr[j] - n);
    }
  }
}

NEURITE_CLONES void gru_backward_rows(const float* __restrict act, const float* __restrict h_proj, const float* __restrict h, const float* __restrict dh,
                                      int64_t lo, int64_t hi, int64_t hidden, float* __restrict dx_proj, float* __restrict dh_proj,
                                      float* __restrict dh_prev) {
  for (int64_t b = lo; b < hi; b++) {
    const float* ar = act + b * 3 * hidden;
    const float* pr = h_proj + b * 3 * hidden;
    float* dx = dx_proj + b * 3 * hidden;
    float* dp = dh_proj + b * 3 * hidden;
    const int64_t s0 = b * hidden;
    for (int64_t j = 0; j < hidden; j++) {
      const int64_t s = s0 + j;
      const float r = ar[j];
      const float z = ar[j + hidden];
      const float n = ar[j + 2 * hidden];
      const float g = dh[s];
      const float dn = g * (1.0f - z) * (1.0f - n * n);
      const float dr = dn * pr[j + 2 * hidden] * r * (1.0f - r);
      const float dz = g * (h[s] - n) * z * (1.0f - z);
      dx[j] = dr;
      dx[j + hidden] = dz;
      dx[j + 2 * hidden] = dn;
      dp[j] = dr;
      dp[j + hidden] = dz;
      dp[j + 2 * hidden] = dn * r;
      dh_prev[s] = g * z;
    }
  }
}

}  // namespace

void lstm_cell(const float* gates, const float* c, int64_t batch, int64_t hidden, float* h, float* c_next,
               float* act) {
  parallel_for(batch, row_grain(hidden),
               [&](int64_t lo, int64_t hi) { lstm_rows(gates, c, lo, hi, hidden, h, c_next, act); });
}

void lstm_cell_backward(const float* act, const float* c, const float* c_next, const float* dh, const float* dc,
                        int64_t batch, int64_t hidden, float* d_gates, float* dc_prev) {
  parallel_for(batch, row_grain(hidden), [&](int64_t lo, int64_t hi) {
    lstm_backward_rows(act, c, c_next, dh, dc, lo, hi, hidden, d_gates, dc_prev);
  });
}

void gru_cell(const float* x_proj, const float* h_proj, const float* h, int64_t batch, int64_t hidden,
              float* h_next, float* act) {
  parallel_for(batch, row_grain(hidden),
               [&](int64_t lo, int64_t hi) { gru_rows(x_proj, h_proj, h, lo, hi, hidden, h_next, act); });
}

void gru_cell_backward(const float* act, const float* h_proj, const float* h, const float* dh, int64_t batch,
                       int64_t hidden, float* dx_proj, float* dh_proj, float* dh_prev) {
  parallel_for(batch, row_grain(hidden), [&](int64_t lo, int64_t hi) {
    gru_backward_rows(act, h_proj, h, dh, lo, hi, hidden, dx_proj, dh_proj, dh_prev);
  });
}

}  // namespace neurite
