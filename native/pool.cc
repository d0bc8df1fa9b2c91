// 2-D pooling over NCHW planes, one task per run of planes, following the reference window by window: max
// pooling with PyTorch's tie and NaN rules, average pooling with its divisor rule, adaptive average pooling.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels.h"
#include "threads.h"

namespace neurite {
namespace {

constexpr int64_t kGrain = 1 << 14;

int64_t plane_grain(int64_t work_per_plane) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, work_per_plane)); }

// Takes v when `take`: comparisons as selects rather than branches, which random data would mispredict half
// the time.
inline void take_if(bool take, float v, int32_t at, float& best, int32_t& where) {
  best = take ? v : best;
  where = take ? at : where;
}

inline int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Padded cells never win; among real cells a NaN always takes over and otherwise the first maximum stays. The
// window's cells are visited in row-major order as in the reference, but tap by tap for a whole output row at
// once: each output's running maximum is a select chain of its own, so the row's outputs proceed side by side
// (vectorised for stride 1) instead of waiting on one comparison after another.
NEURITE_CLONES void max_plane(const float* __restrict xp, const PoolGeom& g, float* __restrict op,
                              int32_t* __restrict ap) {
  int64_t lo[16], hi[16];  // valid output columns of each kernel column (wider kernels compute them per tap)
  const bool cached = g.k_w <= 16;
  auto range = [&](int64_t kx, int64_t& l, int64_t& h) {
    const int64_t off = kx * g.dil_w - g.pad_l;
    l = std::max<int64_t>(0, ceil_div(-off, g.stride_w));
    h = std::min<int64_t>(g.out_w, ceil_div(g.in_w - off, g.stride_w));
    if (h < l) h = l;
  };
  if (cached) {
    for (int64_t kx = 0; kx < g.k_w; kx++) range(kx, lo[kx], hi[kx]);
  }
  for (int64_t oy = 0; oy < g.out_h; oy++) {
    float* best = op + oy * g.out_w;
    int32_t* where = ap + oy * g.out_w;
    std::fill(best, best + g.out_w, -std::numeric_limits<float>::infinity());
    std::fill(where, where + g.out_w, -1);
    for (int64_t ky = 0; ky < g.k_h; ky++) {
      const int64_t iy = oy * g.stride_h - g.pad_t + ky * g.dil_h;
      if (iy < 0 || iy >= g.in_h) continue;
      const float* row = xp + iy * g.in_w;
      const int32_t row_at = static_cast<int32_t>(iy * g.in_w);
      for (int64_t kx = 0; kx < g.k_w; kx++) {
        int64_t l, h;
        if (cached) {
          l = lo[kx];
          h = hi[kx];
        } else {
          range(kx, l, h);
        }
        const int64_t off = kx * g.dil_w - g.pad_l;
        if (g.stride_w == 1) {
          for (int64_t ox = l; ox < h; ox++) {
            const float v = row[ox + off];
            const bool take = (where[ox] < 0) | (v > best[ox]) | (v != v);
            best[ox] = take ? v : best[ox];
            where[ox] = take ? row_at + static_cast<int32_t>(ox + off) : where[ox];
          }
        } else {
          for (int64_t ox = l; ox < h; ox++) {
            const int64_t ix = ox * g.stride_w + off;
            const float v = row[ix];
            const bool take = (where[ox] < 0) | (v > best[ox]) | (v != v);
            best[ox] = take ? v : best[ox];
            where[ox] = take ? row_at + static_cast<int32_t>(ix) : where[ox];
          }
        }
      }
    }
  }
}

// The same rules when every window lies inside the input (no padding reached, no ceil-mode overhang, no
// dilation), as in the usual 2×2 / stride-2 pooling: no bounds tests.

template <int KH, int KW>
void max_plane_inside(const float* __restrict xp, const PoolGeom& g, float* __restrict op, int32_t* __restrict ap) {
  const int64_t w = g.in_w;
  for (int64_t oy = 0; oy < g.out_h; oy++) {
    for (int64_t ox = 0; ox < g.out_w; ox++) {
      const int32_t base = static_cast<int32_t>(oy * g.stride_h * w + ox * g.stride_w);
      float best = xp[base];
      int32_t where = base;
      for (int ky = 0; ky < KH; ky++) {
        for (int kx = 0; kx < KW; kx++) {
          if (ky == 0 && kx == 0) continue;
          const int32_t at = base + static_cast<int32_t>(ky * w + kx);
          const float v = xp[at];
          take_if((v > best) | (v != v), v, at, best, where);
        }
      }
      op[oy * g.out_w + ox] = best;
      ap[oy * g.out_w + ox] = where;
    }
  }
}

// 2×2 windows at stride 2, the pooling of most CNNs: one output row from two input rows in a loop the
// compiler vectorises.
NEURITE_CLONES void max_plane_2x2(const float* __restrict xp, const PoolGeom& g, float* __restrict op,
                                  int32_t* __restrict ap) {
  const int64_t w = g.in_w;
  for (int64_t oy = 0; oy < g.out_h; oy++) {
    const float* r0 = xp + 2 * oy * w;
    const float* r1 = r0 + w;
    float* o = op + oy * g.out_w;
    int32_t* a = ap + oy * g.out_w;
    const int32_t row0 = static_cast<int32_t>(2 * oy * w);
    const int32_t row1 = static_cast<int32_t>(row0 + w);
    for (int64_t ox = 0; ox < g.out_w; ox++) {
      const int32_t c = static_cast<int32_t>(2 * ox);
      float best = r0[2 * ox];
      int32_t where = row0 + c;
      float v = r0[2 * ox + 1];
      take_if((v > best) | (v != v), v, row0 + c + 1, best, where);
      v = r1[2 * ox];
      take_if((v > best) | (v != v), v, row1 + c, best, where);
      v = r1[2 * ox + 1];
      take_if((v > best) | (v != v), v, row1 + c + 1, best, where);
      o[ox] = best;
      a[ox] = where;
    }
  }
}

bool windows_inside(const PoolGeom& g) {
  return g.pad_t == 0 && g.pad_l == 0 && g.dil_h == 1 && g.dil_w == 1 && g.out_h > 0 && g.out_w > 0 &&
         (g.out_h - 1) * g.stride_h + g.k_h <= g.in_h && (g.out_w - 1) * g.stride_w + g.k_w <= g.in_w;
}

// Stride 1 (the Inception pool branch, 3×3 with padding 1) and windows that overhang the input at stride 2 (a
// ceil-mode 3×3 / stride-2 pool): the plane is copied into buffers padded to rows PW wide, and each output row is
// held PW wide too, so every tap is one flat loop over the whole plane, best[i] vs pad[i + off] — no per-row bounds,
// and loops long enough to vectorise even for 4×4 maps. At stride s the padded plane is held as s_h·s_w phase
// planes, as the direct convolutions hold theirs: phase (a, b) has the padded cells whose row is a mod s_h and
// column b mod s_w, so that a tap's cells for all outputs are again one contiguous run (on 64×120 planes of 16²,
// the 3×3 stride-2 ceil-mode pool took 4.1 ms a call on the per-window path). `at` maps a held cell to its input
// index, −1 for padding, which never wins. Same visiting order and rules as max_plane.
struct FlatPool {
  int64_t ph, pw;            // rows and held width of a phase plane: oH/oW plus the largest tap shift
  int64_t phase;             // length of one phase plane, with the tail the last taps read past its last row
  int64_t span;              // oH · PW: the held output positions
  int64_t size;              // all phase planes
  std::vector<int64_t> off;  // flat offset of each tap, row-major
  std::vector<int32_t> at;   // input index of each held cell, −1 for padding

  explicit FlatPool(const PoolGeom& g)
      : ph(g.out_h + (g.k_h - 1) * g.dil_h / g.stride_h),
        pw(g.out_w + (g.k_w - 1) * g.dil_w / g.stride_w),
        phase(ph * pw + (g.k_w - 1) * g.dil_w / g.stride_w),
        span(g.out_h * pw),
        size(g.stride_h * g.stride_w * phase),
        off(static_cast<size_t>(g.k_h * g.k_w)),
        at(static_cast<size_t>(size), -1) {
    for (int64_t ky = 0; ky < g.k_h; ky++) {
      for (int64_t kx = 0; kx < g.k_w; kx++) {
        const int64_t r = ky * g.dil_h, c = kx * g.dil_w;
        const int64_t which = (r % g.stride_h) * g.stride_w + c % g.stride_w;
        off[ky * g.k_w + kx] = which * phase + (r / g.stride_h) * pw + c / g.stride_w;
      }
    }
    for (int64_t a = 0; a < g.stride_h; a++) {
      for (int64_t b = 0; b < g.stride_w; b++) {
        int32_t* cells = at.data() + (a * g.stride_w + b) * phase;
        for (int64_t r = 0; r < ph; r++) {
          const int64_t iy = r * g.stride_h + a - g.pad_t;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int64_t c = 0; c < pw; c++) {
            const int64_t ix = c * g.stride_w + b - g.pad_l;
            if (ix >= 0 && ix < g.in_w) cells[r * pw + c] = static_cast<int32_t>(iy * g.in_w + ix);
          }
        }
      }
    }
  }
};

NEURITE_CLONES void max_taps_flat(const float* __restrict pad, const int32_t* __restrict at, int64_t off,
                                  int64_t span, float* __restrict best, int32_t* __restrict where) {
  const float* v = pad + off;
  const int32_t* a = at + off;
  for (int64_t i = 0; i < span; i++) {
    const bool take = (a[i] >= 0) & ((where[i] < 0) | (v[i] > best[i]) | (v[i] != v[i]));
    best[i] = take ? v[i] : best[i];
    where[i] = take ? a[i] : where[i];
  }
}

void max_plane_flat(const float* xp, const PoolGeom& g, const FlatPool& f, float* pad, float* best, int32_t* where,
                    float* op, int32_t* ap) {
  // padding cells keep whatever the buffer holds: `at` rules them out
  if (g.stride_h == 1 && g.stride_w == 1) {
    const int64_t col0 = std::max<int64_t>(0, g.pad_l);
    const int64_t col1 = std::min<int64_t>(f.pw, g.in_w + g.pad_l);
    for (int64_t r = 0; r < f.ph; r++) {
      const int64_t iy = r - g.pad_t;
      if (iy < 0 || iy >= g.in_h || col1 <= col0) continue;
      std::copy(xp + iy * g.in_w + (col0 - g.pad_l), xp + iy * g.in_w + (col1 - g.pad_l), pad + r * f.pw + col0);
    }
  } else {
    for (int64_t i = 0; i < f.size; i++) {
      if (f.at[i] >= 0) pad[i] = xp[f.at[i]];
    }
  }
  std::fill(best, best + f.span, -std::numeric_limits<float>::infinity());
  std::fill(where, where + f.span, -1);
  for (const int64_t o : f.off) max_taps_flat(pad, f.at.data(), o, f.span, best, where);
  for (int64_t oy = 0; oy < g.out_h; oy++) {
    std::copy(best + oy * f.pw, best + oy * f.pw + g.out_w, op + oy * g.out_w);
    std::copy(where + oy * f.pw, where + oy * f.pw + g.out_w, ap + oy * g.out_w);
  }
}

// Which planes take the flat path: stride 1 (but not the plain 2×2 windows max_plane_inside has), and stride 2
// where some window overhangs the input (padding or ceil mode), which max_plane would bound window by window.
bool flat_fits(const PoolGeom& g) {
  if (g.out_h <= 0 || g.out_w <= 0) return false;
  if (g.stride_h == 1 && g.stride_w == 1) return !(windows_inside(g) && g.k_h == 2 && g.k_w == 2);
  return g.stride_h <= 2 && g.stride_w <= 2 && !windows_inside(g);
}

// An average window clipped to the input, and its divisor: with countIncludePad the padding counts but not
// the overhang past the padded edge that ceil mode adds (PyTorch's rule).
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  double divisor;
};

inline AvgWindow avg_window(const PoolGeom& g, int64_t oy, int64_t ox) {
  int64_t h0 = oy * g.stride_h - g.pad_t;
  int64_t w0 = ox * g.stride_w - g.pad_l;
  int64_t h1 = std::min(h0 + g.k_h, g.in_h + g.pad_t);
  int64_t w1 = std::min(w0 + g.k_w, g.in_w + g.pad_l);
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, g.in_h);
  w1 = std::min(w1, g.in_w);
  const int64_t divisor = g.count_include_pad ? padded : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, static_cast<double>(divisor)};
}

inline int64_t adaptive_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
inline int64_t adaptive_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

}  // namespace

void max_pool2d(const float* x, const PoolGeom& g, float* out, int32_t* argmax) {
  const int64_t in_plane = g.in_h * g.in_w;
  const int64_t out_plane = g.out_h * g.out_w;
  if (flat_fits(g)) {
    const FlatPool f(g);
    parallel_for(g.batch * g.channels, plane_grain(out_plane * g.k_h * g.k_w), [&](int64_t lo, int64_t hi) {
      std::vector<float> pad(static_cast<size_t>(f.size), 0.0f);
      std::vector<float> best(static_cast<size_t>(f.span));
      std::vector<int32_t> where(static_cast<size_t>(f.span));
      for (int64_t q = lo; q < hi; q++) {
        max_plane_flat(x + q * in_plane, g, f, pad.data(), best.data(), where.data(), out + q * out_plane,
                       argmax + q * out_plane);
      }
    });
    return;
  }
  auto plane = max_plane;
  if (windows_inside(g) && g.k_h == 2 && g.k_w == 2) {
    plane = g.stride_h == 2 && g.stride_w == 2 ? max_plane_2x2 : max_plane_inside<2, 2>;
  } else if (windows_inside(g) && g.k_h == 3 && g.k_w == 3) {
    plane = max_plane_inside<3, 3>;
  }
  parallel_for(g.batch * g.channels, plane_grain(out_plane * g.k_h * g.k_w), [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; q++) plane(x + q * in_plane, g, out + q * out_plane, argmax + q * out_plane);
  });
}

void max_pool2d_backward(const float* dy, const int32_t* argmax, const PoolGeom& g, float* dx) {
  const int64_t in_plane = g.in_h * g.in_w;
  const int64_t out_plane = g.out_h * g.out_w;
  parallel_for(g.batch * g.channels, plane_grain(in_plane + out_plane), [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; q++) {
      float* dxp = dx + q * in_plane;
      const float* gp = dy + q * out_plane;
      const int32_t* ap = argmax + q * out_plane;
      std::fill(dxp, dxp + in_plane, 0.0f);
      // windows that saw only padding (argmax −1) pass nothing back
      for (int64_t o = 0; o < out_plane; o++) {
        if (ap[o] >= 0) dxp[ap[o]] += gp[o];
      }
    }
  });
}

void avg_pool2d(const float* x, const PoolGeom& g, float* out) {
  const int64_t in_plane = g.in_h * g.in_w;
  const int64_t out_plane = g.out_h * g.out_w;
  parallel_for(g.batch * g.channels, plane_grain(out_plane * g.k_h * g.k_w), [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; q++) {
      const float* xp = x + q * in_plane;
      float* op = out + q * out_plane;
      for (int64_t oy = 0; oy < g.out_h; oy++) {
        for (int64_t ox = 0; ox < g.out_w; ox++) {
          const AvgWindow win = avg_window(g, oy, ox);
          double s = 0;
          for (int64_t iy = win.h0; iy < win.h1; iy++) {
            for (int64_t ix = win.w0; ix < win.w1; ix++) s += xp[iy * g.in_w + ix];
          }
          op[oy * g.out_w + ox] = win.divisor > 0 ? static_cast<float>(s / win.divisor) : 0.0f;
        }
      }
    }
  });
}

void avg_pool2d_backward(const float* dy, const PoolGeom& g, float* dx) {
  const int64_t in_plane = g.in_h * g.in_w;
  const int64_t out_plane = g.out_h * g.out_w;
  parallel_for(g.batch * g.channels, plane_grain(out_plane * g.k_h * g.k_w), [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; q++) {
      float* dxp = dx + q * in_plane;
      const float* gp = dy + q * out_plane;
      std::fill(dxp, dxp + in_plane, 0.0f);
      for (int64_t oy = 0; oy < g.out_h; oy++) {
        for (int64_t ox = 0; ox < g.out_w; ox++) {
          const AvgWindow win = avg_window(g, oy, ox);
          if (win.divisor <= 0) continue;
          const double share = gp[oy * g.out_w + ox] / win.divisor;
          for (int64_t iy = win.h0; iy < win.h1; iy++) {
            float* row = dxp + iy * g.in_w;
            for (int64_t ix = win.w0; ix < win.w1; ix++) row[ix] = static_cast<float>(row[ix] + share);
          }
        }
      }
    }
  });
}

void adaptive_avg_pool2d(const float* x, int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w,
                         float* out) {
  const int64_t in_plane = in_h * in_w;
  const int64_t out_plane = out_h * out_w;
  parallel_for(planes, plane_grain(in_plane + out_plane), [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; q++) {
      const float* xp = x + q * in_plane;
      float* op = out + q * out_plane;
      for (int64_t oy = 0; oy < out_h; oy++) {
        const int64_t h0 = adaptive_start(oy, in_h, out_h);
        const int64_t h1 = adaptive_end(oy, in_h, out_h);
        for (int64_t ox = 0; ox < out_w; ox++) {
          const int64_t w0 = adaptive_start(ox, in_w, out_w);
          const int64_t w1 = adaptive_end(ox, in_w, out_w);
          double s = 0;
          for (int64_t iy = h0; iy < h1; iy++) {
            for (int64_t ix = w0; ix < w1; ix++) s += xp[iy * in_w + ix];
          }
          op[oy * out_w + ox] = static_cast<float>(s / static_cast<double>((h1 - h0) * (w1 - w0)));
        }
      }
    }
  });
}

void adaptive_avg_pool2d_backward(const float* dy, int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h,
                                  int64_t out_w, float* dx) {
  const int64_t in_plane = in_h * in_w;
  const int64_t out_plane = out_h * out_w;
  parallel_for(planes, plane_grain(in_plane + out_plane), [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; q++) {
      float* dxp = dx + q * in_plane;
      const float* gp = dy + q * out_plane;
      std::fill(dxp, dxp + in_plane, 0.0f);
      for (int64_t oy = 0; oy < out_h; oy++) {
        const int64_t h0 = adaptive_start(oy, in_h, out_h);
        const int64_t h1 = adaptive_end(oy, in_h, out_h);
        for (int64_t ox = 0; ox < out_w; ox++) {
          const int64_t w0 = adaptive_start(ox, in_w, out_w);
          const int64_t w1 = adaptive_end(ox, in_w, out_w);
          const double share = gp[oy * out_w + ox] / static_cast<double>((h1 - h0) * (w1 - w0));
          for (int64_t iy = h0; iy < h1; iy++) {
            float* row = dxp + iy * in_w;
            for (int64_t ix = w0; ix < w1; ix++) row[ix] = static_cast<float>(row[ix] + share);
          }
        }
      }
    }
  });
}

}  // namespace neurite
