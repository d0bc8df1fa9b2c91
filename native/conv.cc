// 2-D convolution, forward and both gradients, lowered to GEMM through im2col: per image and group the
// unfolded input col [Cg·kH·kW, oH·oW] gives out_g = W_g · col, dx_g = col2im(W_gᵀ · dy_g) and
// dW_g += dy_g · colᵀ. With a batch at least as large as the pool, each thread takes whole images (its own
// col buffer, single-threaded BLAS); smaller batches split each GEMM instead. Depthwise convolutions (one
// input channel per group) skip the lowering and run direct loops over each plane.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "gemm.h"
#include "kernels.h"
#include "threads.h"

namespace neurite {
namespace {

// Multiply-adds below which a thread is not worth waking.
constexpr double kMinMacs = 1 << 18;

struct Plan {
  int64_t cg;        // input channels per group
  int64_t og;        // output channels per group
  int64_t k;         // rows of col: cg·kH·kW
  int64_t p;         // output pixels: oH·oW
  int64_t in_plane;  // H·W
  bool pointwise;    // 1×1, stride 1, no padding: col is the input itself
  bool depthwise;    // one input channel per group

  explicit Plan(const ConvGeom& g)
      : cg(g.in_c / g.groups),
        og(g.out_c / g.groups),
        k(cg * g.k_h * g.k_w),
        p(g.out_h * g.out_w),
        in_plane(g.in_h * g.in_w),
        pointwise(g.k_h == 1 && g.k_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_t == 0 && g.pad_l == 0 &&
                  g.out_h == g.in_h && g.out_w == g.in_w),
        depthwise(cg == 1 && g.groups > 1) {}
};

inline int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// The output columns whose input column ow·stride − pad + offset falls inside [0, size).
inline void valid_range(int64_t out_size, int64_t stride, int64_t pad, int64_t offset, int64_t size, int64_t& lo,
                        int64_t& hi) {
  lo = std::max<int64_t>(0, ceil_div(pad - offset, stride));
  hi = std::min<int64_t>(out_size, ceil_div(size + pad - offset, stride));
  if (hi < lo) hi = lo;
}

// Unfolds channels [c0, c1) of one group's input planes into col rows [c0·kH·kW, c1·kH·kW).
void im2col(const float* x, const ConvGeom& g, const Plan& pl, int64_t c0, int64_t c1, float* col) {
  const int64_t W = g.in_w, H = g.in_h, OW = g.out_w, OH = g.out_h;
  for (int64_t c = c0; c < c1; c++) {
    const float* plane = x + c * pl.in_plane;
    for (int64_t ky = 0; ky < g.k_h; ky++) {
      for (int64_t kx = 0; kx < g.k_w; kx++) {
        float* row = col + ((c * g.k_h + ky) * g.k_w + kx) * pl.p;
        const int64_t off = kx * g.dil_w - g.pad_l;
        int64_t lo, hi;
        valid_range(OW, g.stride_w, g.pad_l, kx * g.dil_w, W, lo, hi);
        for (int64_t oy = 0; oy < OH; oy++) {
          float* dst = row + oy * OW;
          const int64_t iy = oy * g.stride_h - g.pad_t + ky * g.dil_h;
          if (iy < 0 || iy >= H) {
            std::fill(dst, dst + OW, 0.0f);
            continue;
          }
          const float* src = plane + iy * W + off;
          std::fill(dst, dst + lo, 0.0f);
          if (g.stride_w == 1) {
            std::memcpy(dst + lo, src + lo, static_cast<size_t>(hi - lo) * sizeof(float));
          } else {
            for (int64_t ox = lo; ox < hi; ox++) dst[ox] = src[ox * g.stride_w];
          }
          std::fill(dst + hi, dst + OW, 0.0f);
        }
      }
    }
  }
}

// The adjoint of im2col for channels [c0, c1): adds col back into the (zeroed) input-gradient planes.
void col2im(const float* col, const ConvGeom& g, const Plan& pl, int64_t c0, int64_t c1, float* dx) {
  const int64_t W = g.in_w, H = g.in_h, OW = g.out_w, OH = g.out_h;
  for (int64_t c = c0; c < c1; c++) {
    float* plane = dx + c * pl.in_plane;
    std::fill(plane, plane + pl.in_plane, 0.0f);
    for (int64_t ky = 0; ky < g.k_h; ky++) {
      for (int64_t kx = 0; kx < g.k_w; kx++) {
        const float* row = col + ((c * g.k_h + ky) * g.k_w + kx) * pl.p;
        const int64_t off = kx * g.dil_w - g.pad_l;
        int64_t lo, hi;
        valid_range(OW, g.stride_w, g.pad_l, kx * g.dil_w, W, lo, hi);
        for (int64_t oy = 0; oy < OH; oy++) {
          const int64_t iy = oy * g.stride_h - g.pad_t + ky * g.dil_h;
          if (iy < 0 || iy >= H) continue;
          float* dst = plane + iy * W + off;
          const float* src = row + oy * OW;
          if (g.stride_w == 1) {
            for (int64_t ox = lo; ox < hi; ox++) dst[ox] += src[ox];
          } else {
            for (int64_t ox = lo; ox < hi; ox++) dst[ox * g.stride_w] += src[ox];
          }
        }
      }
    }
  }
}

std::unique_ptr<float[]> scratch(int64_t n) { return std::unique_ptr<float[]>(new float[std::max<int64_t>(n, 1)]); }

// Whether whole images go to threads (true) or each image's GEMMs are split (false).
bool by_image(const ConvGeom& g, const Plan& pl) {
  return num_threads() > 1 && g.batch >= num_threads() &&
         static_cast<double>(g.out_c) * pl.k * pl.p * g.batch >= kMinMacs;
}

// Channels per task when one image's unfolding is split over the pool: about 16k copied elements each.
int64_t channel_grain(const Plan& pl) {
  return std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, pl.k / pl.cg * pl.p));
}

int64_t image_grain(const ConvGeom& g, const Plan& pl) {
  const double macs = std::max(1.0, static_cast<double>(g.out_c) * pl.k * pl.p);
  return std::max<int64_t>(1, static_cast<int64_t>(kMinMacs / macs));
}

// --- depthwise: direct loops over planes, vectorised along output rows --------------------------------------

// For each kernel column kx, the output columns [lo, hi) that read inside the input: computed once per call,
// since the divisions would otherwise dominate these short rows.
std::vector<int64_t> column_ranges(const ConvGeom& g) {
  std::vector<int64_t> r(2 * g.k_w);
  for (int64_t kx = 0; kx < g.k_w; kx++) valid_range(g.out_w, g.stride_w, g.pad_l, kx * g.dil_w, g.in_w, r[2 * kx], r[2 * kx + 1]);
  return r;
}

NEURITE_CLONES void depthwise_plane(const float* xp, const float* wp, const ConvGeom& g, float* op, const int64_t* cols) {
  const int64_t W = g.in_w, H = g.in_h, OW = g.out_w, OH = g.out_h;
  for (int64_t oy = 0; oy < OH; oy++) {
    float* orow = op + oy * OW;
    std::fill(orow, orow + OW, 0.0f);
    for (int64_t ky = 0; ky < g.k_h; ky++) {
      const int64_t iy = oy * g.stride_h - g.pad_t + ky * g.dil_h;
      if (iy < 0 || iy >= H) continue;
      const float* xrow = xp + iy * W;
      for (int64_t kx = 0; kx < g.k_w; kx++) {
        const float wv = wp[ky * g.k_w + kx];
        const int64_t off = kx * g.dil_w - g.pad_l;
        const int64_t lo = cols[2 * kx], hi = cols[2 * kx + 1];
        if (g.stride_w == 1) {
          const float* src = xrow + off;
          for (int64_t ox = lo; ox < hi; ox++) orow[ox] += wv * src[ox];
        } else {
          for (int64_t ox = lo; ox < hi; ox++) orow[ox] += wv * xrow[ox * g.stride_w + off];
        }
      }
    }
  }
}

NEURITE_CLONES void depthwise_plane_input_grad(const float* dyp, const float* wp, const ConvGeom& g, float* dxp, const int64_t* cols) {
  const int64_t W = g.in_w, H = g.in_h, OW = g.out_w, OH = g.out_h;
  for (int64_t oy = 0; oy < OH; oy++) {
    const float* grow = dyp + oy * OW;
    for (int64_t ky = 0; ky < g.k_h; ky++) {
      const int64_t iy = oy * g.stride_h - g.pad_t + ky * g.dil_h;
      if (iy < 0 || iy >= H) continue;
      float* xrow = dxp + iy * W;
      for (int64_t kx = 0; kx < g.k_w; kx++) {
        const float wv = wp[ky * g.k_w + kx];
        const int64_t off = kx * g.dil_w - g.pad_l;
        const int64_t lo = cols[2 * kx], hi = cols[2 * kx + 1];
        if (g.stride_w == 1) {
          float* dst = xrow + off;
          for (int64_t ox = lo; ox < hi; ox++) dst[ox] += wv * grow[ox];
        } else {
          for (int64_t ox = lo; ox < hi; ox++) xrow[ox * g.stride_w + off] += wv * grow[ox];
        }
      }
    }
  }
}

NEURITE_CLONES void depthwise_plane_filter_grad(const float* xp, const float* dyp, const ConvGeom& g, double* acc, const int64_t* cols) {
  const int64_t W = g.in_w, H = g.in_h, OW = g.out_w, OH = g.out_h;
  for (int64_t oy = 0; oy < OH; oy++) {
    const float* grow = dyp + oy * OW;
    for (int64_t ky = 0; ky < g.k_h; ky++) {
      const int64_t iy = oy * g.stride_h - g.pad_t + ky * g.dil_h;
      if (iy < 0 || iy >= H) continue;
      const float* xrow = xp + iy * W;
      for (int64_t kx = 0; kx < g.k_w; kx++) {
        const int64_t off = kx * g.dil_w - g.pad_l;
        const int64_t lo = cols[2 * kx], hi = cols[2 * kx + 1];
        float s = 0;
        if (g.stride_w == 1) {
          const float* src = xrow + off;
          NEURITE_SIMD_SUM(s)
          for (int64_t ox = lo; ox < hi; ox++) s += grow[ox] * src[ox];
        } else {
          for (int64_t ox = lo; ox < hi; ox++) s += grow[ox] * xrow[ox * g.stride_w + off];
        }
        acc[ky * g.k_w + kx] += s;
      }
    }
  }
}

int64_t plane_grain(const ConvGeom& g) {
  return std::max<int64_t>(1, static_cast<int64_t>(kMinMacs / std::max<int64_t>(1, g.out_h * g.out_w * g.k_h * g.k_w)));
}

// --- stride-1 depthwise on padded planes ----------------------------------------------------------------
// With the input plane copied into a zero-padded buffer of rows PW wide, and output rows held PW wide as
// well, every kernel tap becomes one flat loop over the whole plane: out[i] += w · in[i + ky·dh·PW + kx·dw].
// The columns past oW of each held output row are scratch, dropped when the plane is copied out (or kept at
// zero when they feed a gradient).

struct FlatGeom {
  int64_t ph, pw;  // padded height and width: every tap of every output inside
  int64_t span;    // oH · PW, the length of one tap's loop
  int64_t size;    // padded plane plus the tail the last taps read past the last row

  explicit FlatGeom(const ConvGeom& g)
      : ph(g.out_h + (g.k_h - 1) * g.dil_h),
        pw(g.out_w + (g.k_w - 1) * g.dil_w),
        span(g.out_h * pw),
        size(ph * pw + (g.k_w - 1) * g.dil_w) {}

  int64_t offset(const ConvGeom& g, int64_t ky, int64_t kx) const { return ky * g.dil_h * pw + kx * g.dil_w; }
};

// Input plane → padded buffer (zeros around and in the tail).
void pad_plane(const float* xp, const ConvGeom& g, const FlatGeom& f, float* buf) {
  std::fill(buf, buf + f.size, 0.0f);
  const int64_t c0 = std::max<int64_t>(0, g.pad_l);
  const int64_t c1 = std::min<int64_t>(f.pw, g.in_w + g.pad_l);
  for (int64_t r = 0; r < f.ph; r++) {
    const int64_t iy = r - g.pad_t;
    if (iy < 0 || iy >= g.in_h || c1 <= c0) continue;
    std::memcpy(buf + r * f.pw + c0, xp + iy * g.in_w + (c0 - g.pad_l), static_cast<size_t>(c1 - c0) * sizeof(float));
  }
}

// Output-gradient plane → rows PW wide, the extra columns zero.
void widen_plane(const float* gp, const ConvGeom& g, const FlatGeom& f, float* buf) {
  for (int64_t oy = 0; oy < g.out_h; oy++) {
    std::memcpy(buf + oy * f.pw, gp + oy * g.out_w, static_cast<size_t>(g.out_w) * sizeof(float));
    std::fill(buf + oy * f.pw + g.out_w, buf + (oy + 1) * f.pw, 0.0f);
  }
}

NEURITE_CLONES void flat_axpy(float* y, const float* x, float a, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

NEURITE_CLONES float flat_dot(const float* a, const float* b, int64_t n) {
  float s = 0;
  NEURITE_SIMD_SUM(s)
  for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

void flat_forward(const float* x, const float* w, const ConvGeom& g, const Plan& pl, float* out) {
  const FlatGeom f(g);
  const int64_t taps = g.k_h * g.k_w;
  // one task item per input plane, which feeds its og output planes
  parallel_for(g.batch * g.in_c, plane_grain(g) / pl.og + 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> padded(f.size);
    std::vector<float> wide(f.span);
    for (int64_t q = lo; q < hi; q++) {
      const int64_t n = q / g.in_c;
      const int64_t c = q % g.in_c;
      pad_plane(x + q * pl.in_plane, g, f, padded.data());
      for (int64_t m = 0; m < pl.og; m++) {
        const int64_t oc = c * pl.og + m;
        const float* wp = w + oc * taps;
        std::fill(wide.begin(), wide.end(), 0.0f);
        for (int64_t ky = 0; ky < g.k_h; ky++) {
          for (int64_t kx = 0; kx < g.k_w; kx++) {
            flat_axpy(wide.data(), padded.data() + f.offset(g, ky, kx), wp[ky * g.k_w + kx], f.span);
          }
        }
        float* op = out + (n * g.out_c + oc) * pl.p;
        for (int64_t oy = 0; oy < g.out_h; oy++) {
          std::memcpy(op + oy * g.out_w, wide.data() + oy * f.pw, static_cast<size_t>(g.out_w) * sizeof(float));
        }
      }
    }
  });
}

void flat_input_grad(const float* dy, const float* w, const ConvGeom& g, const Plan& pl, float* dx) {
  const FlatGeom f(g);
  const int64_t taps = g.k_h * g.k_w;
  parallel_for(g.batch * g.in_c, plane_grain(g) / pl.og + 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> padded(f.size);
    std::vector<float> wide(f.span);
    for (int64_t q = lo; q < hi; q++) {
      const int64_t n = q / g.in_c;
      const int64_t c = q % g.in_c;
      std::fill(padded.begin(), padded.end(), 0.0f);
      for (int64_t m = 0; m < pl.og; m++) {
        const int64_t oc = c * pl.og + m;
        const float* wp = w + oc * taps;
        widen_plane(dy + (n * g.out_c + oc) * pl.p, g, f, wide.data());
        for (int64_t ky = 0; ky < g.k_h; ky++) {
          for (int64_t kx = 0; kx < g.k_w; kx++) {
            flat_axpy(padded.data() + f.offset(g, ky, kx), wide.data(), wp[ky * g.k_w + kx], f.span);
          }
        }
      }
      // the interior of the padded gradient is dx; input cells no output reads get zero
      float* dxp = dx + q * pl.in_plane;
      for (int64_t iy = 0; iy < g.in_h; iy++) {
        const int64_t r = iy + g.pad_t;
        for (int64_t ix = 0; ix < g.in_w; ix++) {
          const int64_t col = ix + g.pad_l;
          dxp[iy * g.in_w + ix] = (r < f.ph && col < f.pw) ? padded[r * f.pw + col] : 0.0f;
        }
      }
    }
  });
}

void flat_filter_grad(const float* x, const float* dy, const ConvGeom& g, const Plan& pl, float* dw) {
  const FlatGeom f(g);
  const int64_t taps = g.k_h * g.k_w;
  parallel_for(g.out_c, std::max<int64_t>(1, plane_grain(g) / std::max<int64_t>(1, g.batch)),
               [&](int64_t lo, int64_t hi) {
                 std::vector<float> padded(f.size);
                 std::vector<float> wide(f.span);
                 std::vector<double> acc(taps);
                 for (int64_t oc = lo; oc < hi; oc++) {
                   std::fill(acc.begin(), acc.end(), 0.0);
                   const int64_t c = oc / pl.og;
                   for (int64_t n = 0; n < g.batch; n++) {
                     pad_plane(x + (n * g.in_c + c) * pl.in_plane, g, f, padded.data());
                     widen_plane(dy + (n * g.out_c + oc) * pl.p, g, f, wide.data());
                     for (int64_t ky = 0; ky < g.k_h; ky++) {
                       for (int64_t kx = 0; kx < g.k_w; kx++) {
                         acc[ky * g.k_w + kx] += flat_dot(wide.data(), padded.data() + f.offset(g, ky, kx), f.span);
                       }
                     }
                   }
                   for (int64_t t = 0; t < taps; t++) dw[oc * taps + t] = static_cast<float>(acc[t]);
                 }
               });
}


void depthwise_forward(const float* x, const float* w, const ConvGeom& g, const Plan& pl, float* out) {
  if (g.stride_h == 1 && g.stride_w == 1) return flat_forward(x, w, g, pl, out);
  const std::vector<int64_t> cols = column_ranges(g);
  parallel_for(g.batch * g.out_c, plane_grain(g), [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; q++) {
      const int64_t n = q / g.out_c;
      const int64_t oc = q % g.out_c;
      depthwise_plane(x + (n * g.in_c + oc / pl.og) * pl.in_plane, w + oc * g.k_h * g.k_w, g, out + q * pl.p,
                      cols.data());
    }
  });
}

void depthwise_input_grad(const float* dy, const float* w, const ConvGeom& g, const Plan& pl, float* dx) {
  if (g.stride_h == 1 && g.stride_w == 1) return flat_input_grad(dy, w, g, pl, dx);
  // each task owns whole input planes, gathering from the og output planes that read each one
  const std::vector<int64_t> cols = column_ranges(g);
  parallel_for(g.batch * g.in_c, std::max<int64_t>(1, plane_grain(g) / pl.og), [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; q++) {
      const int64_t n = q / g.in_c;
      const int64_t c = q % g.in_c;
      float* dxp = dx + q * pl.in_plane;
      std::fill(dxp, dxp + pl.in_plane, 0.0f);
      for (int64_t m = 0; m < pl.og; m++) {
        const int64_t oc = c * pl.og + m;
        depthwise_plane_input_grad(dy + (n * g.out_c + oc) * pl.p, w + oc * g.k_h * g.k_w, g, dxp, cols.data());
      }
    }
  });
}

void depthwise_filter_grad(const float* x, const float* dy, const ConvGeom& g, const Plan& pl, float* dw) {
  if (g.stride_h == 1 && g.stride_w == 1) return flat_filter_grad(x, dy, g, pl, dw);
  const int64_t taps = g.k_h * g.k_w;
  const std::vector<int64_t> cols = column_ranges(g);
  parallel_for(g.out_c, std::max<int64_t>(1, plane_grain(g) / std::max<int64_t>(1, g.batch)),
               [&](int64_t lo, int64_t hi) {
                 std::vector<double> acc(taps);
                 for (int64_t oc = lo; oc < hi; oc++) {
                   std::fill(acc.begin(), acc.end(), 0.0);
                   const int64_t c = oc / pl.og;
                   for (int64_t n = 0; n < g.batch; n++) {
                     depthwise_plane_filter_grad(x + (n * g.in_c + c) * pl.in_plane, dy + (n * g.out_c + oc) * pl.p,
                                                 g, acc.data(), cols.data());
                   }
                   for (int64_t t = 0; t < taps; t++) dw[oc * taps + t] = static_cast<float>(acc[t]);
                 }
               });
}


// --- im2col lowering shared by the three kernels -------------------------------------------------------------

// The input planes [cg, H, W] of one image and group as the GEMM operand [K, P]: the planes themselves for a
// pointwise convolution, else unfolded into col (split over channels on the pool when `split`).
const float* unfold(const float* xg, const ConvGeom& g, const Plan& pl, float* col, bool split) {
  if (pl.pointwise) return xg;
  if (split) {
    parallel_for(pl.cg, channel_grain(pl), [&](int64_t c0, int64_t c1) { im2col(xg, g, pl, c0, c1, col); });
  } else {
    im2col(xg, g, pl, 0, pl.cg, col);
  }
  return col;
}

// The adjoint of unfold for a non-pointwise convolution: col [K, P] added back into the planes dxg.
void fold(const float* col, const ConvGeom& g, const Plan& pl, float* dxg, bool split) {
  if (split) {
    parallel_for(pl.cg, channel_grain(pl), [&](int64_t c0, int64_t c1) { col2im(col, g, pl, c0, c1, dxg); });
  } else {
    col2im(col, g, pl, 0, pl.cg, dxg);
  }
}

// Calls image(n, col, split) for every image: whole images per thread, each with its own col buffer and
// single-threaded kernels, when the batch can feed the pool; otherwise one image after another with the
// GEMMs and the unfolding split over the pool.
template <class F>
void for_each_image(const ConvGeom& g, const Plan& pl, F&& image) {
  const int64_t col_size = pl.pointwise ? 0 : pl.k * pl.p;
  if (by_image(g, pl)) {
    parallel_for(g.batch, image_grain(g, pl), [&](int64_t lo, int64_t hi) {
      auto col = scratch(col_size);
      for (int64_t n = lo; n < hi; n++) image(n, col.get(), false);
    });
  } else {
    auto col = scratch(col_size);
    for (int64_t n = 0; n < g.batch; n++) image(n, col.get(), true);
  }
}

}  // namespace

void conv2d(const float* x, const float* w, const ConvGeom& g, float* out) {
  const Plan pl(g);
  if (g.batch == 0 || g.out_c == 0 || pl.p == 0) return;
  if (pl.depthwise) return depthwise_forward(x, w, g, pl, out);
  // one image: unfold and multiply, group by group
  for_each_image(g, pl, [&](int64_t n, float* col, bool split) {
    for (int64_t grp = 0; grp < g.groups; grp++) {
      const float* b = unfold(x + (n * g.in_c + grp * pl.cg) * pl.in_plane, g, pl, col, split);
      float* og_out = out + (n * g.out_c + grp * pl.og) * pl.p;
      const float* wg = w + grp * pl.og * pl.k;
      (split ? sgemm_parallel : sgemm)(false, false, pl.og, pl.p, pl.k, 1.0f, wg, pl.k, b, pl.p, 0.0f, og_out, pl.p);
    }
  });
}

void conv2d_backprop_input(const float* dy, const float* w, const ConvGeom& g, float* dx) {
  const Plan pl(g);
  const int64_t dx_size = g.batch * g.in_c * pl.in_plane;
  if (dx_size == 0) return;
  if (pl.p == 0 || g.out_c == 0) {
    std::fill(dx, dx + dx_size, 0.0f);
    return;
  }
  if (pl.depthwise) return depthwise_input_grad(dy, w, g, pl, dx);
  for_each_image(g, pl, [&](int64_t n, float* col, bool split) {
    for (int64_t grp = 0; grp < g.groups; grp++) {
      const float* wg = w + grp * pl.og * pl.k;
      const float* dyg = dy + (n * g.out_c + grp * pl.og) * pl.p;
      float* dxg = dx + (n * g.in_c + grp * pl.cg) * pl.in_plane;
      auto mm = split ? sgemm_parallel : sgemm;
      if (pl.pointwise) {
        // groups own disjoint channels, so the product lands straight in dx
        mm(true, false, pl.k, pl.p, pl.og, 1.0f, wg, pl.k, dyg, pl.p, 0.0f, dxg, pl.p);
        continue;
      }
      mm(true, false, pl.k, pl.p, pl.og, 1.0f, wg, pl.k, dyg, pl.p, 0.0f, col, pl.p);
      fold(col, g, pl, dxg, split);
    }
  });
}

void conv2d_backprop_filter(const float* x, const float* dy, const ConvGeom& g, float* dw) {
  const Plan pl(g);
  const int64_t dw_size = g.out_c * pl.k;
  if (dw_size == 0) return;
  if (g.batch == 0 || pl.p == 0) {
    std::fill(dw, dw + dw_size, 0.0f);
    return;
  }
  if (pl.depthwise) return depthwise_filter_grad(x, dy, g, pl, dw);
  // adds one image's contribution to acc [outC, K]
  auto image = [&](int64_t n, float* col, float* acc, bool split) {
    for (int64_t grp = 0; grp < g.groups; grp++) {
      const float* b = unfold(x + (n * g.in_c + grp * pl.cg) * pl.in_plane, g, pl, col, split);
      const float* dyg = dy + (n * g.out_c + grp * pl.og) * pl.p;
      (split ? sgemm_parallel : sgemm)(false, true, pl.og, pl.k, pl.p, 1.0f, dyg, pl.p, b, pl.p, 1.0f,
                                       acc + grp * pl.og * pl.k, pl.k);
    }
  };
  const int64_t col_size = pl.pointwise ? 0 : pl.k * pl.p;
  std::fill(dw, dw + dw_size, 0.0f);
  if (!by_image(g, pl)) {
    auto col = scratch(col_size);
    for (int64_t n = 0; n < g.batch; n++) image(n, col.get(), dw, true);
    return;
  }
  // each chunk of images accumulates its own partial gradient and the partials are added in chunk order;
  // one chunk per thread keeps the extra gradient copies to threads − 1
  const int64_t grain = image_grain(g, pl);
  const int parts = static_cast<int>(std::min<int64_t>({num_threads(), g.batch, (g.batch + grain - 1) / grain}));
  std::vector<std::unique_ptr<float[]>> partial(parts);
  for (int t = 1; t < parts; t++) {
    partial[t] = scratch(dw_size);
    std::fill(partial[t].get(), partial[t].get() + dw_size, 0.0f);
  }
  run_tasks(parts, [&](int t) {
    const int64_t lo = g.batch * t / parts;
    const int64_t hi = g.batch * (t + 1) / parts;
    auto col = scratch(col_size);
    float* acc = t == 0 ? dw : partial[t].get();
    for (int64_t n = lo; n < hi; n++) image(n, col.get(), acc, false);
  });
  for (int t = 1; t < parts; t++) {
    const float* src = partial[t].get();
    for (int64_t i = 0; i < dw_size; i++) dw[i] += src[i];
  }
}

}  // namespace neurite
