// 2-D convolution, forward and both gradients. 3×3 stride-1 convolutions with 16 or more channels on each side
// and maps from 4×4 run the Winograd kernels of winograd.cc (x86-64 with AVX2 and FMA, and WebAssembly), which
// spend 16 products per 2×2 outputs and channel pair where a direct convolution spends 36. Other stride-1
// convolutions with a kernel larger than 1×1 run direct kernels over zero-padded planes (the "direct
// convolution" section below); the rest is lowered to GEMM
// through im2col: per image and group the unfolded input col [Cg·kH·kW, oH·oW] gives out_g = W_g · col,
// dx_g = col2im(W_gᵀ · dy_g) and dW_g += dy_g · colᵀ. With a batch at least as large as the pool, each thread
// takes whole images (its own col buffer, single-threaded BLAS); smaller batches split each GEMM instead.
// Depthwise convolutions (one input channel per group) skip the lowering and run direct loops over each plane.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "gemm.h"
#include "kernels.h"
#include "threads.h"
#include "winograd.h"

#if NEURITE_X86_CLONES
#include <immintrin.h>
#endif

namespace neurite {
namespace {

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

// The input gradient of a stride-1 convolution as the geometry of a forward one: dy [oH, oW] padded by
// (k − 1)·dil − pad on the top and left convolves with the flipped, transposed filters into dx [H, W].
ConvGeom transposed(const ConvGeom& g) {
  ConvGeom t = g;
  t.in_c = g.out_c;
  t.in_h = g.out_h;
  t.in_w = g.out_w;
  t.out_c = g.in_c;
  t.out_h = g.in_h;
  t.out_w = g.in_w;
  t.pad_t = (g.k_h - 1) * g.dil_h - g.pad_t;
  t.pad_l = (g.k_w - 1) * g.dil_w - g.pad_l;
  return t;
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

// Whether whole images go to threads (true) or each image's GEMMs are split (false).
bool by_image(const ConvGeom& g, const Plan& pl) {
  return num_threads() > 1 && g.batch >= num_threads() &&
         static_cast<double>(g.out_c) * pl.k * pl.p * g.batch >= kParallelMacs;
}

// Channels per task when one image's unfolding is split over the pool: about 16k copied elements each.
int64_t channel_grain(const Plan& pl) {
  return std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, pl.k / pl.cg * pl.p));
}

int64_t image_grain(const ConvGeom& g, const Plan& pl) {
  return macs_grain(static_cast<double>(g.out_c) * pl.k * pl.p);
}

// Filter gradients over a batch that feeds the pool: chunk(lo, hi, acc) adds images [lo, hi) into acc, one
// chunk per thread, each with its own partial gradient (the first writes dw itself, which the caller zeroed);
// the partials are then added in chunk order, so the result does not depend on which thread ran what. One
// chunk per thread keeps the extra gradient copies to threads − 1.
template <class F>
void sum_image_chunks(const ConvGeom& g, int64_t grain, int64_t dw_size, float* dw, F&& chunk) {
  const int parts = static_cast<int>(std::min<int64_t>({num_threads(), g.batch, (g.batch + grain - 1) / grain}));
  std::vector<std::unique_ptr<float[]>> partial(parts);
  for (int t = 1; t < parts; t++) {
    partial[t] = scratch(dw_size);
    std::fill(partial[t].get(), partial[t].get() + dw_size, 0.0f);
  }
  run_tasks(parts, [&](int t) { chunk(g.batch * t / parts, g.batch * (t + 1) / parts, t == 0 ? dw : partial[t].get()); });
  for (int t = 1; t < parts; t++) {
    const float* src = partial[t].get();
    for (int64_t i = 0; i < dw_size; i++) dw[i] += src[i];
  }
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
  return macs_grain(static_cast<double>(g.out_h * g.out_w * g.k_h * g.k_w));
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

NEURITE_CLONES void flat_add(float* y, float a, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] += a;
}

NEURITE_CLONES float flat_sum(const float* a, int64_t n) {
  float s = 0;
  NEURITE_SIMD_SUM(s)
  for (int64_t i = 0; i < n; i++) s += a[i];
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
                 std::vector<double> acc(taps);
                 for (int64_t oc = lo; oc < hi; oc++) {
                   std::fill(acc.begin(), acc.end(), 0.0);
                   const int64_t c = oc / pl.og;
                   for (int64_t n = 0; n < g.batch; n++) {
                     pad_plane(x + (n * g.in_c + c) * pl.in_plane, g, f, padded.data());
                     const float* gp = dy + (n * g.out_c + oc) * pl.p;
                     // row by row over the output's columns only: a widened row's zeros would meet input values
                     // past them, and 0·Inf would put a NaN where the reference adds nothing
                     for (int64_t ky = 0; ky < g.k_h; ky++) {
                       for (int64_t kx = 0; kx < g.k_w; kx++) {
                         const float* in = padded.data() + f.offset(g, ky, kx);
                         double s = 0;
                         for (int64_t oy = 0; oy < g.out_h; oy++) s += flat_dot(gp + oy * g.out_w, in + oy * f.pw, g.out_w);
                         acc[ky * g.k_w + kx] += s;
                       }
                     }
                   }
                   for (int64_t t = 0; t < taps; t++) dw[oc * taps + t] = static_cast<float>(acc[t]);
                 }
               });
}


// --- stride-1 depthwise with output planes the input's size (up to kMarginPlane elements), on margined planes ---
// Each plane sits in a buffer with `margin` zeros before and after it (the farthest tap's reach), so a tap is one
// loop over the flat plane, position p meeting p + off(tap): a tap that leaves the plane through its top or
// bottom meets the margin's zeros. One that leaves through a side would meet the next or the previous row
// instead, so each kernel column reads its own copy of the plane, in which the columns it must not see are zero
// (the zeros stand exactly where the reference skips the tap, so an Inf or NaN beside an edge never leaks in),
// and a plane's taps run in one call, with its size fixed at compile time for 4×4 to 32×32 planes. The filter
// gradient is a dot product per tap over the input's copies; the forward pass gathers from them; the input
// gradient gathers from the output gradient's copies with the offsets negated. Against the flat kernels'
// widened rows, on a RandWire step's planes (64 images, 4×4 to 16×16): filter gradient 0.26–0.34 → 0.17–0.23 ms,
// input gradient 0.29–0.30 → 0.18–0.24 ms (and 1.0 → 0.70 ms on 32×32, 4.4 → 3.75 on 64×64), forward 0.25 → 0.20
// ms on 4×4 and 0.19–0.43 → 0.23–0.25 on 16×16; from 32×32 up the forward pass's copies cost more than the
// widened rows (0.64 → 0.69 ms, 3.3 → 3.7 on 64×64), so it keeps the flat kernel there (kMarginForwardPlane).
// kMarginPlane keeps a thread's plane copies within a few MiB.
constexpr int64_t kMarginPlane = 1 << 16;
constexpr int64_t kMarginForwardPlane = 256;

struct MarginPlan {
  int64_t w = 0, h = 0, hw = 0, margin = 0, kw = 0, taps = 0, stride = 0;
  std::vector<int64_t> off;  // flat offset of each tap
  std::vector<int64_t> dx;   // column shift of each kernel column
  std::vector<bool> used;    // whether a tap reaches the plane at all (|dx| < W and some row in range)

  // flip: the offsets and column shifts negated, for the input gradient, which gathers from the output gradient
  explicit MarginPlan(const ConvGeom& g, bool flip = false)
      : w(g.in_w), h(g.in_h), hw(g.in_h * g.in_w), kw(g.k_w), taps(g.k_h * g.k_w), off(taps), dx(g.k_w), used(taps) {
    const int64_t sign = flip ? -1 : 1;
    for (int64_t kx = 0; kx < g.k_w; kx++) dx[kx] = sign * (kx * g.dil_w - g.pad_l);
    for (int64_t ky = 0; ky < g.k_h; ky++) {
      const int64_t dy = sign * (ky * g.dil_h - g.pad_t);
      for (int64_t kx = 0; kx < g.k_w; kx++) {
        const int64_t t = ky * g.k_w + kx;
        used[t] = std::abs(dx[kx]) < w && std::abs(dy) < h;
        off[t] = dy * w + dx[kx];
        if (used[t]) margin = std::max(margin, std::abs(off[t]));
      }
    }
    stride = hw + 2 * margin;
  }

  // zeroes, in a plane of this shape, the columns that kernel column kx must not see
  void cut(float* plane, int64_t kx) const {
    const int64_t d = dx[kx];
    if (d == 0) return;
    const int64_t c0 = d < 0 ? w + d : 0;
    const int64_t c1 = d < 0 ? w : d;
    for (int64_t r = 0; r < h; r++) std::fill(plane + r * w + c0, plane + r * w + c1, 0.0f);
  }
};

bool margin_fits(const ConvGeom& g) {
  return g.stride_h == 1 && g.stride_w == 1 && g.out_h == g.in_h && g.out_w == g.in_w &&
         g.in_h * g.in_w <= kMarginPlane;
}

// Adds Σ dy·x over one plane for every tap into acc; `in` holds the kw cut copies of the input plane, `stride`
// apart, each at its margin. HW: the plane's size when fixed at compile time (0: mp.hw).
template <int HW>
NEURITE_CLONES void margin_plane_filter_grad(const MarginPlan& mp, const float* __restrict in,
                                             const float* __restrict gp, double* __restrict acc) {
  const int64_t hw = HW > 0 ? HW : mp.hw;
  for (int64_t t = 0; t < mp.taps; t++) {
    if (!mp.used[t]) continue;
    const float* __restrict src = in + (t % mp.kw) * mp.stride + mp.off[t];
    float s = 0;
    NEURITE_SIMD_SUM(s)
    for (int64_t p = 0; p < hw; p++) s += gp[p] * src[p];
    acc[t] += s;
  }
}

// Calls f(std::integral_constant<int, HW>) with HW = hw for the square planes of 4 to 32 a side, whose plane kernels
// get a compile-time size (whole vectors, no remainder loops), and HW = 0 (the size read at run time) otherwise.
template <class F>
void with_plane_size(int64_t hw, F&& f) {
  switch (hw) {
    case 16:
      return f(std::integral_constant<int, 16>{});
    case 64:
      return f(std::integral_constant<int, 64>{});
    case 256:
      return f(std::integral_constant<int, 256>{});
    case 1024:
      return f(std::integral_constant<int, 1024>{});
    default:
      return f(std::integral_constant<int, 0>{});
  }
}

// out[p] = Σ over taps of w[t] · in[p + off(t)], `in` as for the filter gradient (the input plane's cut copies,
// or for the input gradient the output gradient's, with the flipped plan).
template <int HW>
NEURITE_CLONES void margin_plane_gather(const MarginPlan& mp, const float* __restrict in, const float* __restrict wp,
                                        float* __restrict out) {
  const int64_t hw = HW > 0 ? HW : mp.hw;
  for (int64_t p = 0; p < hw; p++) out[p] = 0.0f;
  for (int64_t t = 0; t < mp.taps; t++) {
    if (!mp.used[t]) continue;
    const float a = wp[t];
    const float* __restrict src = in + (t % mp.kw) * mp.stride + mp.off[t];
    for (int64_t p = 0; p < hw; p++) out[p] += a * src[p];
  }
}

// The kw copies of an input plane, each in its margins, each cut for its kernel column.
void margin_copies(const MarginPlan& mp, const float* src, float* bufs) {
  for (int64_t kx = 0; kx < mp.kw; kx++) {
    float* plane = bufs + kx * mp.stride + mp.margin;
    std::memcpy(plane, src, static_cast<size_t>(mp.hw) * sizeof(float));
    mp.cut(plane, kx);
  }
}

void margin_filter_grad(const float* x, const float* dy, const ConvGeom& g, const Plan& pl, float* dw) {
  const MarginPlan mp(g);
  parallel_for(g.out_c, std::max<int64_t>(1, plane_grain(g) / std::max<int64_t>(1, g.batch)),
               [&](int64_t lo, int64_t hi) {
                 std::vector<float> bufs(mp.kw * mp.stride, 0.0f);
                 std::vector<double> acc(mp.taps);
                 for (int64_t oc = lo; oc < hi; oc++) {
                   std::fill(acc.begin(), acc.end(), 0.0);
                   const int64_t c = oc / pl.og;
                   for (int64_t n = 0; n < g.batch; n++) {
                     margin_copies(mp, x + (n * g.in_c + c) * pl.in_plane, bufs.data());
                     const float* gp = dy + (n * g.out_c + oc) * pl.p;
                     with_plane_size(mp.hw, [&](auto size) {
                       margin_plane_filter_grad<decltype(size)::value>(mp, bufs.data() + mp.margin, gp, acc.data());
                     });
                   }
                   for (int64_t t = 0; t < mp.taps; t++) dw[oc * mp.taps + t] = static_cast<float>(acc[t]);
                 }
               });
}

void margin_forward(const float* x, const float* w, const ConvGeom& g, const Plan& pl, float* out) {
  const MarginPlan mp(g);
  parallel_for(g.batch * g.in_c, plane_grain(g) / pl.og + 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> bufs(mp.kw * mp.stride, 0.0f);
    for (int64_t q = lo; q < hi; q++) {
      const int64_t n = q / g.in_c;
      const int64_t c = q % g.in_c;
      margin_copies(mp, x + q * pl.in_plane, bufs.data());
      for (int64_t m = 0; m < pl.og; m++) {
        const int64_t oc = c * pl.og + m;
        with_plane_size(mp.hw, [&](auto size) {
          margin_plane_gather<decltype(size)::value>(mp, bufs.data() + mp.margin, w + oc * mp.taps,
                                                     out + (n * g.out_c + oc) * pl.p);
        });
      }
    }
  });
}

// dx[q] = Σ over the output channels of the group and the taps of w · dy[q − off]: the forward pass's gather on
// the output gradient's cut copies, with the plan flipped
void margin_input_grad(const float* dy, const float* w, const ConvGeom& g, const Plan& pl, float* dx) {
  const MarginPlan mp(g, true);
  parallel_for(g.batch * g.in_c, plane_grain(g) / pl.og + 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> bufs(mp.kw * mp.stride, 0.0f);
    std::vector<float> part(pl.og > 1 ? mp.hw : 0);
    for (int64_t q = lo; q < hi; q++) {
      const int64_t n = q / g.in_c;
      const int64_t c = q % g.in_c;
      float* dxp = dx + q * pl.in_plane;
      for (int64_t m = 0; m < pl.og; m++) {
        const int64_t oc = c * pl.og + m;
        margin_copies(mp, dy + (n * g.out_c + oc) * pl.p, bufs.data());
        float* target = m == 0 ? dxp : part.data();
        with_plane_size(mp.hw, [&](auto size) {
          margin_plane_gather<decltype(size)::value>(mp, bufs.data() + mp.margin, w + oc * mp.taps, target);
        });
        if (m > 0) for (int64_t i = 0; i < mp.hw; i++) dxp[i] += part[i];
      }
    }
  });
}

void depthwise_forward(const float* x, const float* w, const ConvGeom& g, const Plan& pl, float* out) {
  if (margin_fits(g) && g.in_h * g.in_w <= kMarginForwardPlane) return margin_forward(x, w, g, pl, out);
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
  if (margin_fits(g)) return margin_input_grad(dy, w, g, pl, dx);
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
  if (margin_fits(g)) return margin_filter_grad(x, dy, g, pl, dw);
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


// --- direct convolution at strides 1 and 2 (x86-64 with AVX2 and FMA) --------------------------------------
// The flat layout of the depthwise kernels above, for full convolutions: each input plane is copied once into
// a zero-padded buffer rows PW wide, and output rows are held PW wide, so every tap (c, ky, kx) is one
// contiguous run of the padded plane at offset ky·dh·PW + kx·dw (at stride 2, of one of four phase planes; see
// DirectGeom). The products then read the padded planes in place, with no unfolded copy to write and read back:
//   forward        out[m][i]   += Σ_{c,t} w[m][c][t] · xpad[c][i + off_t]    (register tiles of 4 rows × 24)
//   input gradient the same kernel on dy, with each filter flipped and its channel axes swapped (stride 1)
//   filter grad    dw[m][c][t] += Σ_i dywide[m][i] · xpad[c][i + off_t]      (tiles of 4 rows × 3 taps)
// The columns past oW in each held row are scratch (dropped when copied out, zero when they feed a sum).
// Kernels vectorised over output channels (16 channels × 6 positions or products per tile) read the same held
// planes but compute only real outputs; they take a pass when more of their tiles' work is real (see
// channel_tiles() and vector_dw()), and the input gradient of a strided convolution, phase by phase, when its
// input channels per group are a multiple of 16 (vector_input_grad_strided()).
//
// Only where it was measured faster than unfold + SGEMM: x86-64 CPUs with AVX2 and FMA (1.2–1.9× on ResNet and
// GoogLeNet layers). Without fused multiply-adds, and in WebAssembly (SIMD128 tiles of the same shape ran at
// 0.6–0.8× of the wasm SGEMM path), every convolution that Winograd does not take keeps the lowering.
#if NEURITE_X86_CLONES
#define NEURITE_DIRECT_CONV 1

using v8 = float __attribute__((vector_size(32)));

constexpr int64_t kTileRows = 4;   // output channels per forward tile
constexpr int64_t kTileCols = 24;  // flat positions per forward tile: three vectors
constexpr int64_t kGradRows = 4;   // filter-gradient tile: output channels …
constexpr int64_t kGradTaps = 3;   // … × taps
constexpr int64_t kGradSpan = 1024;  // positions summed per filter-gradient tile (see filter_images)
constexpr int64_t kLanes = 8;        // floats per vector
constexpr int64_t kVecOut = 16;      // channel-vector tile: output channels (two vectors) …
constexpr int64_t kVecPos = 6;       // … × output positions or products

const bool kDirect = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
// The largest stride the direct forward pass takes: at stride 2 it ran 1.1–1.35× faster than unfold + SGEMM on
// ResNet's downsampling layers (16→32 at 32², 32→64 at 16², 64→128 at 8²).
constexpr int64_t kDirectStride = 2;

#pragma GCC push_options
#pragma GCC target("avx2,fma")

inline v8 tile_load(const float* p) {
  v8 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

inline void tile_store(float* p, v8 v) { __builtin_memcpy(p, &v, sizeof v); }

// out rows [0, kTileRows) (row stride ld), positions [0, kTileCols): Σ_{c,t} packed[c][t][r] · xpad[c·plane + off_t].
// All rows are stored (rows past the channel count hold zeros, in scratch the caller drops): a store loop with a
// run-time bound would make GCC keep the accumulators in memory.
void direct_tile(const float* xpad, int64_t plane, const int64_t* off, int64_t taps, int64_t cg,
                 const float* packed, float* out, int64_t ld) {
  v8 acc[kTileRows][3] = {};
  for (int64_t c = 0; c < cg; c++) {
    const float* base = xpad + c * plane;
    for (int64_t t = 0; t < taps; t++, packed += kTileRows) {
      const float* p = base + off[t];
      const v8 a0 = tile_load(p);
      const v8 a1 = tile_load(p + 8);
      const v8 a2 = tile_load(p + 16);
      for (int64_t r = 0; r < kTileRows; r++) {
        const float w = packed[r];
        const v8 wv = {w, w, w, w, w, w, w, w};
        acc[r][0] = _mm256_fmadd_ps(wv, a0, acc[r][0]);
        acc[r][1] = _mm256_fmadd_ps(wv, a1, acc[r][1]);
        acc[r][2] = _mm256_fmadd_ps(wv, a2, acc[r][2]);
      }
    }
  }
  for (int64_t r = 0; r < kTileRows; r++) {
    for (int v = 0; v < 3; v++) tile_store(out + r * ld + 8 * v, acc[r][v]);
  }
}

// sums[r][j] = Σ_i dy[r][i] · xpad[i + off_j] over n positions (a multiple of 8), kGradRows rows × kGradTaps taps.
// Twelve accumulators, the three tap vectors and one dy vector fill the sixteen registers: each 8 positions cost
// 7 loads for 12 fused multiply-adds.
void filter_tile(const float* const* dy, const float* xpad, const int64_t* off, int64_t n, float* sums) {
  static_assert(kGradRows == 4 && kGradTaps == 3, "the reduction below is written for 4 × 3 tiles");
  v8 acc[kGradRows][kGradTaps] = {};
  const float* x0 = xpad + off[0];
  const float* x1 = xpad + off[1];
  const float* x2 = xpad + off[2];
  for (int64_t i = 0; i < n; i += 8) {
    const v8 a = tile_load(x0 + i), b = tile_load(x1 + i), c = tile_load(x2 + i);
    for (int64_t r = 0; r < kGradRows; r++) {
      const v8 d = tile_load(dy[r] + i);
      acc[r][0] = _mm256_fmadd_ps(d, a, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(d, b, acc[r][1]);
      acc[r][2] = _mm256_fmadd_ps(d, c, acc[r][2]);
    }
  }
  // twelve horizontal sums: pairwise adds leave each 128-bit half holding partial sums of four accumulators
  const __m256 h0 = _mm256_hadd_ps(_mm256_hadd_ps(acc[0][0], acc[0][1]), _mm256_hadd_ps(acc[0][2], acc[1][0]));
  const __m256 h1 = _mm256_hadd_ps(_mm256_hadd_ps(acc[1][1], acc[1][2]), _mm256_hadd_ps(acc[2][0], acc[2][1]));
  const __m256 h2 = _mm256_hadd_ps(_mm256_hadd_ps(acc[2][2], acc[3][0]), _mm256_hadd_ps(acc[3][1], acc[3][2]));
  const __m256 lo = _mm256_permute2f128_ps(h0, h1, 0x20), hi = _mm256_permute2f128_ps(h0, h1, 0x31);
  _mm256_storeu_ps(sums, _mm256_add_ps(lo, hi));
  _mm_storeu_ps(sums + 8, _mm_add_ps(_mm256_castps256_ps128(h2), _mm256_extractf128_ps(h2, 1)));
}

// The channel-vector tile: tile[v·8 + r][j] = Σ_i a[i][v·8 + r] · x[base_j + off_i] over n steps, for kVecOut
// output channels (a holds kVecOut values per step) × kVecPos columns j. The forward pass (and input gradient)
// steps over the products k = (channel, tap): a is the packed filters, base_j the held offset of output
// position j, off_k the channel and tap offset of product k, so no held cell is computed that is not an output.
// The filter gradient steps over positions i: a is dy held position-major, base_j the offset of product j,
// off_i the held offset of position i.
void channel_tile(const float* a, const float* x, const int64_t* base, const int64_t* off, int64_t n, float* tile) {
  v8 acc[2][kVecPos] = {};
  const float* x0 = x + base[0];
  const float* x1 = x + base[1];
  const float* x2 = x + base[2];
  const float* x3 = x + base[3];
  const float* x4 = x + base[4];
  const float* x5 = x + base[5];
  for (int64_t i = 0; i < n; i++, a += kVecOut) {
    const int64_t o = off[i];
    const v8 a0 = tile_load(a), a1 = tile_load(a + kLanes);
#define NEURITE_VEC_STEP(j, xp)                          \
  {                                                      \
    const float s = xp[o];                               \
    const v8 b = {s, s, s, s, s, s, s, s};               \
    acc[0][j] = _mm256_fmadd_ps(a0, b, acc[0][j]);       \
    acc[1][j] = _mm256_fmadd_ps(a1, b, acc[1][j]);       \
  }
    NEURITE_VEC_STEP(0, x0)
    NEURITE_VEC_STEP(1, x1)
    NEURITE_VEC_STEP(2, x2)
    NEURITE_VEC_STEP(3, x3)
    NEURITE_VEC_STEP(4, x4)
    NEURITE_VEC_STEP(5, x5)
#undef NEURITE_VEC_STEP
  }
  for (int v = 0; v < 2; v++) {
    for (int64_t j = 0; j < kVecPos; j++) tile_store(tile + (v * kVecPos + j) * kLanes, acc[v][j]);
  }
}

#pragma GCC pop_options

// Element (channel r, column j) of a channel_tile result, which holds each column's channels as kVecOut / kLanes
// vectors.
inline float tile_at(const float* tile, int64_t r, int64_t j) {
  return tile[((r / kLanes) * kVecPos + j) * kLanes + r % kLanes];
}

// The held layout of one input channel. At stride 1 it is a single plane padded to rows PW wide. At stride s
// it is s_h·s_w phase planes: phase (a, b) holds the padded cells whose row is a mod s_h and column b mod s_w,
// so that the taps of output (oy, ox) again sit at oy·PW + ox plus a fixed offset per tap (its phase plane and
// its shift within it) and every tap stays one contiguous run.
struct DirectGeom {
  int64_t ph, pw;   // rows and held width of a phase plane: oH/oW plus the largest tap shift
  int64_t span;     // oH · PW, rounded up to whole tiles
  int64_t phase;    // length of one phase plane: span plus the furthest shift within it
  int64_t plane;    // length of one channel: s_h · s_w phase planes
  int64_t taps;
  std::vector<int64_t> off;  // flat offset of each tap from the channel's start

  explicit DirectGeom(const ConvGeom& g)
      : ph(g.out_h + (g.k_h - 1) * g.dil_h / g.stride_h),
        pw(g.out_w + (g.k_w - 1) * g.dil_w / g.stride_w),
        span(round_up(g.out_h * pw, kTileCols)),
        phase(span + ((g.k_h - 1) * g.dil_h / g.stride_h) * pw + (g.k_w - 1) * g.dil_w / g.stride_w),
        plane(g.stride_h * g.stride_w * phase),
        taps(g.k_h * g.k_w),
        off(taps) {
    for (int64_t ky = 0; ky < g.k_h; ky++) {
      for (int64_t kx = 0; kx < g.k_w; kx++) {
        const int64_t r = ky * g.dil_h, c = kx * g.dil_w;
        const int64_t which = (r % g.stride_h) * g.stride_w + c % g.stride_w;
        off[ky * g.k_w + kx] = which * phase + (r / g.stride_h) * pw + c / g.stride_w;
      }
    }
  }
};

// Input planes [c0, c1) of one image and group → their held layout, `plane` apart (zero outside the input; the
// padding may be negative, which drops input rows or columns no output reads).
void pad_planes(const float* x, const ConvGeom& g, const DirectGeom& d, int64_t c0, int64_t c1, float* buf,
                int64_t ld) {
  for (int64_t c = c0; c < c1; c++) {
    float* dst = buf + c * ld;
    const float* src = x + c * g.in_h * g.in_w;
    std::fill(dst, dst + d.plane, 0.0f);
    if (g.stride_h == 1 && g.stride_w == 1) {
      const int64_t col0 = std::max<int64_t>(0, g.pad_l);
      const int64_t col1 = std::min<int64_t>(d.pw, g.in_w + g.pad_l);
      if (col1 <= col0) continue;
      for (int64_t r = 0; r < d.ph; r++) {
        const int64_t iy = r - g.pad_t;
        if (iy < 0 || iy >= g.in_h) continue;
        std::memcpy(dst + r * d.pw + col0, src + iy * g.in_w + (col0 - g.pad_l),
                    static_cast<size_t>(col1 - col0) * sizeof(float));
      }
      continue;
    }
    for (int64_t a = 0; a < g.stride_h; a++) {
      for (int64_t b = 0; b < g.stride_w; b++) {
        float* phase = dst + (a * g.stride_w + b) * d.phase;
        for (int64_t r = 0; r < d.ph; r++) {
          const int64_t iy = r * g.stride_h + a - g.pad_t;
          if (iy < 0 || iy >= g.in_h) continue;
          const float* row = src + iy * g.in_w;
          float* out = phase + r * d.pw;
          for (int64_t q = 0; q < d.pw; q++) {
            const int64_t ix = q * g.stride_w + b - g.pad_l;
            if (ix >= 0 && ix < g.in_w) out[q] = row[ix];
          }
        }
      }
    }
  }
}

// All cg planes of one image and group, split over the pool (for batches too small to give threads images).
void pad_planes_parallel(const float* x, const ConvGeom& g, const DirectGeom& d, int64_t cg, float* buf) {
  parallel_for(cg, 1, [&](int64_t c0, int64_t c1) { pad_planes(x, g, d, c0, c1, buf, d.plane); });
}

// Filters of one group [og, cg, taps] → tiles of `rows` output channels, [og/rows][cg][taps][rows] (zero rows
// past og): kTileRows for the padded-plane tiles, kVecOut for the channel-vector ones. With `flip`, w is
// [cg_src = og][og_src = cg][taps] read as the input gradient's filters: the channel axes swapped and the taps
// reversed.
void pack_filters(const float* w, int64_t og, int64_t cg, int64_t taps, bool flip, int64_t rows, float* packed) {
  const int64_t blocks = (og + rows - 1) / rows;
  for (int64_t b = 0; b < blocks; b++) {
    float* dst = packed + b * cg * taps * rows;
    for (int64_t c = 0; c < cg; c++) {
      for (int64_t t = 0; t < taps; t++) {
        for (int64_t r = 0; r < rows; r++) {
          const int64_t m = b * rows + r;
          float v = 0.0f;
          if (m < og) v = flip ? w[(c * og + m) * taps + (taps - 1 - t)] : w[(m * cg + c) * taps + t];
          dst[(c * taps + t) * rows + r] = v;
        }
      }
    }
  }
}

// One image and group: out planes [og, oH·oW] from padded input planes, tile rows [b0, b1).
void direct_blocks(const float* xpad, const float* packed, const ConvGeom& g, const DirectGeom& d, int64_t cg,
                   int64_t og, int64_t b0, int64_t b1, float* wide, float* out) {
  const int64_t tile = cg * d.taps * kTileRows;
  const int64_t r0 = b0 * kTileRows, r1 = std::min(og, b1 * kTileRows);
  // position tiles outside, channel blocks inside: the padded rows a tile reads stay in L1 for every block
  for (int64_t i = 0; i < d.span; i += kTileCols) {
    for (int64_t b = b0; b < b1; b++) {
      direct_tile(xpad + i, d.plane, d.off.data(), d.taps, cg, packed + b * tile,
                  wide + (b * kTileRows - r0) * d.span + i, d.span);
    }
  }
  for (int64_t r = r0; r < r1; r++) {
    float* dst = out + r * g.out_h * g.out_w;
    const float* src = wide + (r - r0) * d.span;
    for (int64_t oy = 0; oy < g.out_h; oy++) {
      std::memcpy(dst + oy * g.out_w, src + oy * d.pw, static_cast<size_t>(g.out_w) * sizeof(float));
    }
  }
}

// A stride-1 convolution computed directly: the forward pass, or (flip) the input gradient given the geometry
// of the equivalent forward convolution of dy (see transposed()).
void direct_conv(const float* x, const float* w, const ConvGeom& g, bool flip, float* out) {
  const DirectGeom d(g);
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  const int64_t blocks = (og + kTileRows - 1) / kTileRows;
  const int64_t tile = cg * d.taps * kTileRows;
  std::vector<float> packed(static_cast<size_t>(g.groups * blocks * tile));
  for (int64_t grp = 0; grp < g.groups; grp++) {
    pack_filters(w + grp * og * cg * d.taps, og, cg, d.taps, flip, kTileRows, packed.data() + grp * blocks * tile);
  }
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const double macs = static_cast<double>(g.out_c) * cg * d.taps * d.span;
  const bool images = num_threads() > 1 && g.batch >= num_threads();
  if (images) {
    const int64_t grain = macs_grain(macs);
    parallel_for(g.batch, grain, [&](int64_t lo, int64_t hi) {
      auto xpad = scratch(cg * d.plane);
      auto wide = scratch(blocks * kTileRows * d.span);
      for (int64_t n = lo; n < hi; n++) {
        for (int64_t grp = 0; grp < g.groups; grp++) {
          pad_planes(x + (n * g.in_c + grp * cg) * in_plane, g, d, 0, cg, xpad.get(), d.plane);
          direct_blocks(xpad.get(), packed.data() + grp * blocks * tile, g, d, cg, og, 0, blocks, wide.get(),
                        out + (n * g.out_c + grp * og) * out_plane);
        }
      }
    });
    return;
  }
  auto xpad = scratch(cg * d.plane);
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t grp = 0; grp < g.groups; grp++) {
      pad_planes_parallel(x + (n * g.in_c + grp * cg) * in_plane, g, d, cg, xpad.get());
      parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
        auto wide = scratch((b1 - b0) * kTileRows * d.span);
        direct_blocks(xpad.get(), packed.data() + grp * blocks * tile, g, d, cg, og, b0, b1, wide.get(),
                      out + (n * g.out_c + grp * og) * out_plane);
      });
    }
  }
}

// A direct convolution (forward, or with `flip` the input gradient through transposed()) vectorised over output
// channels: the held planes as in direct_conv, but only real outputs are computed.
void vector_conv(const float* x, const float* w, const ConvGeom& g, bool flip, float* out) {
  const DirectGeom d(g);
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  const int64_t K = cg * d.taps;
  const int64_t blocks = (og + kVecOut - 1) / kVecOut;
  // filters per group: [blocks][K][kVecOut], zero past og
  std::vector<float> packed(static_cast<size_t>(g.groups * blocks * K * kVecOut));
  for (int64_t grp = 0; grp < g.groups; grp++) {
    pack_filters(w + grp * og * K, og, cg, d.taps, flip, kVecOut, packed.data() + grp * blocks * K * kVecOut);
  }
  std::vector<int64_t> koff(static_cast<size_t>(K));
  for (int64_t c = 0; c < cg; c++) {
    for (int64_t t = 0; t < d.taps; t++) koff[c * d.taps + t] = c * d.plane + d.off[t];
  }
  const int64_t P = g.out_h * g.out_w;
  const int64_t tiles = (P + kVecPos - 1) / kVecPos;
  std::vector<int64_t> pos(static_cast<size_t>(tiles * kVecPos));
  for (int64_t i = 0; i < tiles * kVecPos; i++) {
    const int64_t p = std::min(i, P - 1);  // a partial last tile repeats the last output
    pos[i] = (p / g.out_w) * d.pw + p % g.out_w;
  }
  const int64_t in_plane = g.in_h * g.in_w;
  // Work items of one image and group: an output block and a run of its position tiles, `chunks` runs per block,
  // so that a single image still feeds the pool when it has fewer blocks than threads (16→16 channels at 32²,
  // batch 1: 68–69 GFLOP/s on one thread, 74–107 split; single images measure noisily).
  const int64_t chunks = std::min<int64_t>(tiles, std::max<int64_t>(1, num_threads() / blocks));
  auto run = [&](const float* xpad, int64_t n, int64_t grp, int64_t i0, int64_t i1) {
    float tile[kVecOut * kVecPos];
    const float* pk = packed.data() + grp * blocks * K * kVecOut;
    float* og_out = out + (n * g.out_c + grp * og) * P;
    for (int64_t i = i0; i < i1; i++) {
      const int64_t b = i / chunks, c = i % chunks;
      const int64_t rows = std::min(kVecOut, og - b * kVecOut);
      for (int64_t t = tiles * c / chunks; t < tiles * (c + 1) / chunks; t++) {
        channel_tile(pk + b * K * kVecOut, xpad, pos.data() + t * kVecPos, koff.data(), K, tile);
        const int64_t cols = std::min(kVecPos, P - t * kVecPos);
        for (int64_t r = 0; r < rows; r++) {
          float* dst = og_out + (b * kVecOut + r) * P + t * kVecPos;
          for (int64_t j = 0; j < cols; j++) dst[j] = tile_at(tile, r, j);
        }
      }
    }
  };
  if (num_threads() > 1 && g.batch >= num_threads()) {
    const double macs = static_cast<double>(g.out_c) * K * P;
    const int64_t grain = macs_grain(macs);
    parallel_for(g.batch, grain, [&](int64_t lo, int64_t hi) {
      auto xpad = scratch(cg * d.plane);
      for (int64_t n = lo; n < hi; n++) {
        for (int64_t grp = 0; grp < g.groups; grp++) {
          pad_planes(x + (n * g.in_c + grp * cg) * in_plane, g, d, 0, cg, xpad.get(), d.plane);
          run(xpad.get(), n, grp, 0, blocks * chunks);
        }
      }
    });
    return;
  }
  auto xpad = scratch(cg * d.plane);
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t grp = 0; grp < g.groups; grp++) {
      pad_planes_parallel(x + (n * g.in_c + grp * cg) * in_plane, g, d, cg, xpad.get());
      parallel_for(blocks * chunks, 1, [&](int64_t i0, int64_t i1) { run(xpad.get(), n, grp, i0, i1); });
    }
  }
}

// The input gradient of a strided convolution, vectorised over its input channels. The cells of dx with rows
// ≡ a (mod s_h) and columns ≡ b (mod s_w) form a phase, which only the taps (ky, kx) with
// a + pad_t − ky·dil_h ≡ 0 (mod s_h) (and likewise for columns) reach: over a phase, dx is a stride-1 correlation
// of dy with those taps, run by channel_tile on zero-padded dy planes.
void vector_input_grad_strided(const float* dy, const float* w, const ConvGeom& g, float* dx) {
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  const int64_t taps = g.k_h * g.k_w;
  const int64_t blocks = cg / kVecOut;
  struct Phase {
    int64_t a, b, rows, cols;                 // phase offset and its cells in dx
    std::vector<int64_t> ky, kx, ry, rx;      // its taps and their dy row/column shifts
  };
  std::vector<Phase> phases;
  int64_t lo_y = 0, hi_y = g.out_h - 1, lo_x = 0, hi_x = g.out_w - 1;  // dy rows/columns read, padding included
  for (int64_t a = 0; a < g.stride_h; a++) {
    for (int64_t b = 0; b < g.stride_w; b++) {
      Phase ph{a, b, (g.in_h - a + g.stride_h - 1) / g.stride_h, (g.in_w - b + g.stride_w - 1) / g.stride_w, {}, {}, {}, {}};
      if (ph.rows <= 0 || ph.cols <= 0) continue;
      for (int64_t ky = 0; ky < g.k_h; ky++) {
        const int64_t dyr = a + g.pad_t - ky * g.dil_h;
        if (((dyr % g.stride_h) + g.stride_h) % g.stride_h != 0) continue;
        for (int64_t kx = 0; kx < g.k_w; kx++) {
          const int64_t dxr = b + g.pad_l - kx * g.dil_w;
          if (((dxr % g.stride_w) + g.stride_w) % g.stride_w != 0) continue;
          const int64_t ry = dyr / g.stride_h, rx = dxr / g.stride_w;  // exact divisions
          ph.ky.push_back(ky);
          ph.kx.push_back(kx);
          ph.ry.push_back(ry);
          ph.rx.push_back(rx);
          lo_y = std::min(lo_y, ry);
          hi_y = std::max(hi_y, ph.rows - 1 + ry);
          lo_x = std::min(lo_x, rx);
          hi_x = std::max(hi_x, ph.cols - 1 + rx);
        }
      }
      phases.push_back(std::move(ph));
    }
  }
  // held dy planes: rows lo_y..hi_y and columns lo_x..hi_x of dy, zero outside it
  const int64_t pw = hi_x - lo_x + 1, plane = (hi_y - lo_y + 1) * pw;
  struct Packed {
    std::vector<int64_t> koff, pos, at;  // per product, per position (tiles of kVecPos, the last repeated), per cell
    std::vector<float> w;                // [blocks][K][kVecOut] for every group
    int64_t K, tiles;
  };
  std::vector<Packed> packs(phases.size());
  for (size_t f = 0; f < phases.size(); f++) {
    const Phase& ph = phases[f];
    Packed& pk = packs[f];
    const int64_t nt = static_cast<int64_t>(ph.ky.size());
    pk.K = og * nt;
    for (int64_t o = 0; o < og; o++) {
      for (int64_t t = 0; t < nt; t++) pk.koff.push_back(o * plane + (ph.ry[t] - lo_y) * pw + (ph.rx[t] - lo_x));
    }
    const int64_t cells = ph.rows * ph.cols;
    pk.tiles = (cells + kVecPos - 1) / kVecPos;
    for (int64_t i = 0; i < pk.tiles * kVecPos; i++) {
      const int64_t q = std::min(i, cells - 1);
      pk.pos.push_back((q / ph.cols) * pw + q % ph.cols);
    }
    for (int64_t q = 0; q < cells; q++) {
      pk.at.push_back((ph.a + (q / ph.cols) * g.stride_h) * g.in_w + ph.b + (q % ph.cols) * g.stride_w);
    }
    pk.w.assign(static_cast<size_t>(g.groups * blocks * pk.K * kVecOut), 0.0f);
    for (int64_t grp = 0; grp < g.groups; grp++) {
      float* dst = pk.w.data() + grp * blocks * pk.K * kVecOut;
      for (int64_t c = 0; c < cg; c++) {
        for (int64_t o = 0; o < og; o++) {
          for (int64_t t = 0; t < nt; t++) {
            const float v = w[((grp * og + o) * cg + c) * taps + ph.ky[t] * g.k_w + ph.kx[t]];
            dst[((c / kVecOut) * pk.K + o * nt + t) * kVecOut + c % kVecOut] = v;
          }
        }
      }
    }
  }
  const int64_t out_plane = g.out_h * g.out_w, in_plane = g.in_h * g.in_w;
  // dy planes of one image and group → held planes
  auto hold = [&](const float* src, int64_t m0, int64_t m1, float* buf) {
    for (int64_t m = m0; m < m1; m++) {
      float* dst = buf + m * plane;
      std::fill(dst, dst + plane, 0.0f);
      for (int64_t oy = 0; oy < g.out_h; oy++) {
        std::memcpy(dst + (oy - lo_y) * pw - lo_x, src + m * out_plane + oy * g.out_w,
                    static_cast<size_t>(g.out_w) * sizeof(float));
      }
    }
  };
  // work items of one image and group: a channel block in one phase
  const int64_t nph = static_cast<int64_t>(phases.size());
  auto run = [&](const float* held, int64_t n, int64_t grp, int64_t i0, int64_t i1) {
    float tile[kVecOut * kVecPos];
    float* dxg = dx + (n * g.in_c + grp * cg) * in_plane;
    for (int64_t i = i0; i < i1; i++) {
      const int64_t b = i / nph;
      const Packed& pk = packs[i % nph];
      const int64_t cells = static_cast<int64_t>(pk.at.size());
      const float* wb = pk.w.data() + (grp * blocks + b) * pk.K * kVecOut;
      for (int64_t t = 0; t < pk.tiles; t++) {
        if (pk.K > 0) {
          channel_tile(wb, held, pk.pos.data() + t * kVecPos, pk.koff.data(), pk.K, tile);
        } else {
          std::fill(tile, tile + kVecOut * kVecPos, 0.0f);
        }
        const int64_t cols = std::min(kVecPos, cells - t * kVecPos);
        for (int64_t r = 0; r < kVecOut; r++) {
          float* plane_r = dxg + (b * kVecOut + r) * in_plane;
          for (int64_t j = 0; j < cols; j++) plane_r[pk.at[t * kVecPos + j]] = tile_at(tile, r, j);
        }
      }
    }
  };
  if (num_threads() > 1 && g.batch >= num_threads()) {
    const double macs = static_cast<double>(g.in_c) * og * taps * in_plane / (g.stride_h * g.stride_w);
    const int64_t grain = macs_grain(macs);
    parallel_for(g.batch, grain, [&](int64_t lo, int64_t hi) {
      auto held = scratch(og * plane);
      for (int64_t n = lo; n < hi; n++) {
        for (int64_t grp = 0; grp < g.groups; grp++) {
          hold(dy + (n * g.out_c + grp * og) * out_plane, 0, og, held.get());
          run(held.get(), n, grp, 0, blocks * nph);
        }
      }
    });
    return;
  }
  auto held = scratch(og * plane);
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t grp = 0; grp < g.groups; grp++) {
      const float* src = dy + (n * g.out_c + grp * og) * out_plane;
      parallel_for(og, 1, [&](int64_t m0, int64_t m1) { hold(src, m0, m1, held.get()); });
      parallel_for(blocks * nph, 1, [&](int64_t i0, int64_t i1) { run(held.get(), n, grp, i0, i1); });
    }
  }
}


// dw rows [m0, m1) of one group += Σ_i dy[m][i] · x[c][i + off_t] over n positions (a multiple of 8): dy rows
// dy_ld apart, held input planes x_ld apart.
void filter_rows(const float* dy, int64_t dy_ld, const float* x, int64_t x_ld, int64_t n, const float* zeros,
                 const DirectGeom& d, int64_t cg, int64_t m0, int64_t m1, float* dw) {
  float sums[kGradRows * kGradTaps];
  for (int64_t m = m0; m < m1; m += kGradRows) {
    const float* rows[kGradRows];
    for (int64_t r = 0; r < kGradRows; r++) rows[r] = m + r < m1 ? dy + (m + r) * dy_ld : zeros;
    for (int64_t c = 0; c < cg; c++) {
      for (int64_t t = 0; t < d.taps; t += kGradTaps) {
        int64_t off[kGradTaps];
        for (int64_t j = 0; j < kGradTaps; j++) off[j] = d.off[std::min(t + j, d.taps - 1)];
        filter_tile(rows, x + c * x_ld, off, n, sums);
        for (int64_t r = 0; r < kGradRows && m + r < m1; r++) {
          float* dst = dw + ((m + r) * cg + c) * d.taps;
          for (int64_t j = 0; j < kGradTaps && t + j < d.taps; j++) dst[t + j] += sums[r * kGradTaps + j];
        }
      }
    }
  }
}

// dy planes [m0, m1) of one image and group → rows PW wide, `ld` apart, zero past oW and from the last row up to
// `len`.
void widen_planes(const float* dy, const ConvGeom& g, const DirectGeom& d, int64_t m0, int64_t m1, float* buf,
                  int64_t ld, int64_t len) {
  for (int64_t m = m0; m < m1; m++) {
    float* dst = buf + m * ld;
    const float* src = dy + m * g.out_h * g.out_w;
    std::fill(dst, dst + len, 0.0f);
    for (int64_t oy = 0; oy < g.out_h; oy++) {
      std::memcpy(dst + oy * d.pw, src + oy * g.out_w, static_cast<size_t>(g.out_w) * sizeof(float));
    }
  }
}

// Images per filter-gradient pass: the held planes of consecutive images lie end to end, so one tile sums over
// about kGradSpan positions of all of them with one horizontal reduction (on 8² maps that took 69 → 95 GFLOP/s,
// on 4² maps 31 → 69; 512 and 2048 positions measured the same as 1024 or lower). A tap that runs past an image's
// plane meets the next image's cells only where dy is zero (past the image's span), so the sum is exact.
int64_t filter_images(const DirectGeom& d, int64_t batch) {
  return std::max<int64_t>(1, std::min<int64_t>(batch, kGradSpan / d.plane));
}

void direct_filter_grad(const float* x, const float* dy, const ConvGeom& g, float* dw) {
  const DirectGeom d(g);
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const int64_t dw_size = g.out_c * cg * d.taps;
  std::fill(dw, dw + dw_size, 0.0f);
  const int64_t per = filter_images(d, g.batch);
  // channel rows of a pass of `per` images: their planes end to end, then zeros that the last tile may read
  const int64_t ld = round_up(per * d.plane, 8) + 8;
  const std::vector<float> zeros(static_cast<size_t>(ld), 0.0f);
  // images [n0, n1) (at most `per`) added into acc, all of it on the calling thread
  auto pass = [&](int64_t n0, int64_t n1, float* xrows, float* dyrows, float* acc) {
    const int64_t k = n1 - n0;
    const int64_t n = round_up((k - 1) * d.plane + d.span, 8);
    for (int64_t grp = 0; grp < g.groups; grp++) {
      for (int64_t i = 0; i < k; i++) {
        pad_planes(x + ((n0 + i) * g.in_c + grp * cg) * in_plane, g, d, 0, cg, xrows + i * d.plane, ld);
        widen_planes(dy + ((n0 + i) * g.out_c + grp * og) * out_plane, g, d, 0, og, dyrows + i * d.plane, ld,
                     d.plane);
      }
      for (int64_t c = 0; c < cg; c++) std::fill(xrows + c * ld + k * d.plane, xrows + (c + 1) * ld, 0.0f);
      for (int64_t m = 0; m < og; m++) std::fill(dyrows + m * ld + k * d.plane, dyrows + (m + 1) * ld, 0.0f);
      filter_rows(dyrows, ld, xrows, ld, n, zeros.data(), d, cg, 0, og, acc + grp * og * cg * d.taps);
    }
  };
  const double macs = static_cast<double>(g.out_c) * cg * d.taps * d.span;
  if (g.batch >= num_threads()) {
    const int64_t grain = macs_grain(macs);
    sum_image_chunks(g, grain, dw_size, dw, [&](int64_t lo, int64_t hi, float* acc) {
      auto xrows = scratch(cg * ld);
      auto dyrows = scratch(og * ld);
      for (int64_t n = lo; n < hi; n += per) pass(n, std::min(hi, n + per), xrows.get(), dyrows.get(), acc);
    });
    return;
  }
  // fewer images than threads: each thread owns whole rows of dw, image after image
  auto xpad = scratch(cg * d.plane);
  auto dywide = scratch(og * d.span);
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t grp = 0; grp < g.groups; grp++) {
      pad_planes_parallel(x + (n * g.in_c + grp * cg) * in_plane, g, d, cg, xpad.get());
      parallel_for(og, 1, [&](int64_t m0, int64_t m1) {
        widen_planes(dy + (n * g.out_c + grp * og) * out_plane, g, d, m0, m1, dywide.get(), d.span, d.span);
      });
      const int64_t row_blocks = (og + kGradRows - 1) / kGradRows;
      parallel_for(row_blocks, 1, [&](int64_t b0, int64_t b1) {
        filter_rows(dywide.get(), d.span, xpad.get(), d.plane, d.span, zeros.data(), d, cg, b0 * kGradRows,
                    std::min(og, b1 * kGradRows), dw + grp * og * cg * d.taps);
      });
    }
  }
}

// The filter gradient of a stride-1 convolution vectorised over output channels (see
// channel_tile): images go in passes of about kGradSpan positions whose held planes lie end to end.
void vector_filter_grad(const float* x, const float* dy, const ConvGeom& g, float* dw) {
  const DirectGeom d(g);
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  const int64_t K = cg * d.taps, P = g.out_h * g.out_w;
  const int64_t blocks = (og + kVecOut - 1) / kVecOut;
  const int64_t ktiles = (K + kVecPos - 1) / kVecPos;
  const int64_t in_plane = g.in_h * g.in_w;
  const int64_t dw_size = g.out_c * K;
  const int64_t per = std::max<int64_t>(1, std::min<int64_t>(g.batch, kGradSpan / P));
  const int64_t ld = per * d.plane;  // channel rows of a pass's held planes
  std::vector<int64_t> koff(static_cast<size_t>(ktiles * kVecPos));
  for (int64_t k = 0; k < ktiles * kVecPos; k++) {
    const int64_t kk = std::min(k, K - 1);  // a partial last tile repeats the last product
    koff[k] = (kk / d.taps) * ld + d.off[kk % d.taps];
  }
  std::vector<int64_t> at(static_cast<size_t>(per * P));
  for (int64_t i = 0; i < per; i++) {
    for (int64_t p = 0; p < P; p++) at[i * P + p] = i * d.plane + (p / g.out_w) * d.pw + p % g.out_w;
  }
  std::fill(dw, dw + dw_size, 0.0f);
  // images [n0, n1) (at most `per`), work items [i0, i1) of every group added into acc: item i is output block
  // i / chunks and its product tiles' run i % chunks (of `chunks` runs)
  auto pass = [&](int64_t n0, int64_t n1, int64_t i0, int64_t i1, int64_t chunks, float* xrows, float* dyt,
                  float* acc) {
    const int64_t k = n1 - n0, n = k * P;
    float tile[kVecOut * kVecPos];
    for (int64_t grp = 0; grp < g.groups; grp++) {
      for (int64_t i = 0; i < k; i++) {
        pad_planes(x + ((n0 + i) * g.in_c + grp * cg) * in_plane, g, d, 0, cg, xrows + i * d.plane, ld);
      }
      int64_t held_block = -1;
      for (int64_t item = i0; item < i1; item++) {
        const int64_t b = item / chunks, c = item % chunks;
        // dy of this block, position-major: dyt[i·P + p][r] = dy[n0 + i][b·16 + r][p] (zero past og)
        for (int64_t i = 0; i < k && b != held_block; i++) {
          const float* src = dy + ((n0 + i) * g.out_c + grp * og) * P;
          for (int64_t r = 0; r < kVecOut; r++) {
            const int64_t m = b * kVecOut + r;
            float* dst = dyt + i * P * kVecOut + r;
            if (m < og) {
              for (int64_t p = 0; p < P; p++) dst[p * kVecOut] = src[m * P + p];
            } else {
              for (int64_t p = 0; p < P; p++) dst[p * kVecOut] = 0.0f;
            }
          }
        }
        held_block = b;
        const int64_t rows = std::min(kVecOut, og - b * kVecOut);
        for (int64_t t = ktiles * c / chunks; t < ktiles * (c + 1) / chunks; t++) {
          channel_tile(dyt, xrows, koff.data() + t * kVecPos, at.data(), n, tile);
          const int64_t cols = std::min(kVecPos, K - t * kVecPos);
          for (int64_t r = 0; r < rows; r++) {
            float* dst = acc + (grp * og + b * kVecOut + r) * K + t * kVecPos;
            for (int64_t j = 0; j < cols; j++) dst[j] += tile_at(tile, r, j);
          }
        }
      }
    }
  };
  if (g.batch >= num_threads()) {
    const double macs = static_cast<double>(g.out_c) * K * P;
    const int64_t grain = macs_grain(macs);
    sum_image_chunks(g, grain, dw_size, dw, [&](int64_t lo, int64_t hi, float* acc) {
      auto xrows = scratch(cg * ld);
      auto dyt = scratch(per * P * kVecOut);
      for (int64_t n = lo; n < hi; n += per) {
        pass(n, std::min(hi, n + per), 0, blocks, 1, xrows.get(), dyt.get(), acc);
      }
    });
    return;
  }
  // fewer images than threads: each thread owns runs of product tiles (disjoint entries of dw), split so that
  // even a single output block feeds the pool
  const int64_t chunks = std::min<int64_t>(ktiles, std::max<int64_t>(1, num_threads() / blocks));
  parallel_for(blocks * chunks, 1, [&](int64_t i0, int64_t i1) {
    auto xrows = scratch(cg * ld);
    auto dyt = scratch(per * P * kVecOut);
    for (int64_t n = 0; n < g.batch; n += per) {
      pass(n, std::min(g.batch, n + per), i0, i1, chunks, xrows.get(), dyt.get(), dw);
    }
  });
}

// Whether the direct kernels take a convolution at all: more than one input channel per group (depthwise has
// its own loops) and a kernel larger than 1×1 (pointwise convolutions already multiply the planes in place).
// The forward pass takes strides 1 and 2; the input gradient, stride 1 only (it is the forward pass of dy,
// which a stride would turn into a fractional one). Measured on ResNet and GoogLeNet layers, the direct forward
// and input gradient beat unfold + SGEMM at every size from 4×4 to 32×32 maps.
bool direct_ok(const ConvGeom& g, const Plan& pl, int64_t max_stride) {
  return kDirect && g.stride_h <= max_stride && g.stride_w <= max_stride && !pl.depthwise && !pl.pointwise &&
         pl.k / pl.cg > 1;
}

// The direct filter gradient computes on every held cell, zeros included, so it wins where those are mostly real
// outputs or where the GEMM is thin. Per layer, direct against unfold + OpenBLAS, GFLOP/s, batch 64, 2 threads:
// real share ≥ 0.8 (maps from 24²): 32→64 at 28² 153 vs 115, 64→64 at 32² 161 vs 123; 0.7–0.8 (14², 16²)
// with ≤ 32 channels on a side: 32→64 at 14² 119 vs 109, 16→32 at 16² 133 vs 88, but 64→128 at 14² 114 vs
// 131 and 128→128 at 16² 140 vs 141; at 8² (0.54) 64→64 95 vs 93, 256→256 96 vs 143. With at most 8 output
// channels the GEMM has as few rows and the direct kernel wins at any size (64→1 at 14²: 21 against 4).
bool direct_dw(const ConvGeom& g) {
  const DirectGeom d(g);
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  const double real = static_cast<double>(g.out_h * g.out_w) / static_cast<double>(d.plane);
  return og <= 8 || real >= 0.8 || (std::min(cg, og) <= 32 && real >= 0.7);
}

// The share of real work in the tiles of the two direct kernel families. The channel-vector kernels compute
// whole tiles of 16 output channels × 6 positions; the padded-plane kernels tiles of 4 channels over every held
// row cell (span: oH rows PW wide, rounded up to 24), and their filter gradient over the whole held plane.
double vector_fill(const ConvGeom& g) {
  const int64_t og = g.out_c / g.groups, P = g.out_h * g.out_w;
  return static_cast<double>(og) / static_cast<double>(round_up(og, kVecOut)) * static_cast<double>(P) /
         static_cast<double>(round_up(P, kVecPos));
}

double held_fill(const ConvGeom& g) {
  const int64_t og = g.out_c / g.groups, P = g.out_h * g.out_w;
  return static_cast<double>(og) / static_cast<double>(round_up(og, kTileRows)) * static_cast<double>(P) /
         static_cast<double>(DirectGeom(g).span);
}

// Whether the channel-vector kernels take a direct forward pass or input gradient (given transposed()): when
// more of their work is real than of the padded planes'. Measured alternately in one process (batch 64, 2
// threads, forward / input gradient GFLOP/s, channel-vector vs padded planes), the rule picks the faster in
// each: 128→128 at 4² 152/152 vs 113/113; 64→64 at 8² 166/162 vs 120/120; 32→64 at 14² 166/166 vs 146/147;
// 256→256 at 8² 171/170 vs 124/120; 36→72 at 8² 144/118 vs 113/111; 48→104 at 4² (forward) 132 vs 107; but
// 16→24 at 16² (forward) 119 vs 134, 24→40 at 16² 131/114 vs 143/144, and 16→8 at 28² 79 vs 130 go to the padded
// planes. Full channel tiles tie with them on 28² to 56² maps with 32 to 64 channels (32→64 at 28²:
// 156–160/151–154 vs 158–164/153–158) and win on larger (32→32 at 112², batch 8: 147/148 vs 113/112).
bool channel_tiles(const ConvGeom& g) {
  return vector_fill(g) >= held_fill(g);
}

// Whether the channel-vector filter gradient takes a convolution, against the padded planes (where direct_dw()
// picks them: by the shares of real work) or unfold + OpenBLAS, which runs these layers at about 0.6–0.8 of the
// full-tile kernel: 128→128 at 4² 164 vs 90, 64→64 at 8² 178 vs 95, 36→72 at 8² 153 vs 99, 8→24 at 16² with
// 5×5 taps 122 vs 73, 24→40 at 16² 136 vs 127 (padded planes), but 16→24 at 16² 97 vs 126 (padded planes).
bool vector_dw(const ConvGeom& g) {
  const bool planes = g.stride_h == 1 && g.stride_w == 1 && direct_dw(g);
  const double other = planes ? static_cast<double>(g.out_h * g.out_w) / static_cast<double>(DirectGeom(g).plane)
                              : 0.7;
  return vector_fill(g) >= other;
}

// Whether the channel-vector kernels can take the forward pass and the filter gradient: the convolutions the
// direct forward pass takes (strides 1 and 2, kernels larger than 1×1). At stride 2 they beat the padded planes
// forward and unfold + OpenBLAS for the filter (batch 64, 2 threads, GFLOP/s): 16→32 at 32² 90/96 vs 86/67,
// 32→64 at 16² 119/122 vs 107/93, 64→128 at 8² 112/126 vs 93/91. A strided 1×1 kernel stays with unfold + SGEMM:
// holding its four phase planes costs more than its few products (16→32 at 32²: 23 vs 41).
bool vector_ok(const ConvGeom& g, const Plan& pl) { return direct_ok(g, pl, kDirectStride); }

#else
#define NEURITE_DIRECT_CONV 0
#endif  // NEURITE_X86_CLONES

// --- kernels that cover the whole input ---------------------------------------------------------------------

// A kernel as large as its unpadded input has one output position, where the convolution is a linear layer over
// the flattened image (LeNet-5's C5: 16×5×5 → 120). The three passes are then one GEMM each over the whole batch,
// x [N, K] and w [O, K] with K = C·kH·kW, instead of a product with one column per image. LeNet-5's training
// step at batch 64 (40 steps, 2 threads) went 256 → 217 ms natively and 882 → 716 ms in WebAssembly; C5's input
// gradient alone had taken 1.7 ms a step as 64 thin products.
bool whole_input(const ConvGeom& g) {
  return g.groups == 1 && g.out_h == 1 && g.out_w == 1 && g.pad_t == 0 && g.pad_l == 0 && g.k_h == g.in_h &&
         g.k_w == g.in_w && g.dil_h == 1 && g.dil_w == 1;
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

// The convolution without its bias.
void conv2d_unbiased(const float* x, const float* w, const ConvGeom& g, float* out) {
  const Plan pl(g);
  if (g.batch == 0 || g.out_c == 0 || pl.p == 0) return;
  if (whole_input(g)) {
    return sgemm_parallel(false, true, g.batch, g.out_c, pl.k, 1.0f, x, pl.k, w, pl.k, 0.0f, out, g.out_c);
  }
  if (pl.depthwise) return depthwise_forward(x, w, g, pl, out);
  if (winograd_fits(g)) return winograd_conv(x, w, g, false, out);
#if NEURITE_DIRECT_CONV
  if (vector_ok(g, pl) && channel_tiles(g)) return vector_conv(x, w, g, false, out);
  if (direct_ok(g, pl, kDirectStride)) return direct_conv(x, w, g, false, out);
#endif
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

// out[n][o][·] += bias[o], over the planes in parallel.
void add_bias(const float* bias, const ConvGeom& g, float* out) {
  const int64_t p = g.out_h * g.out_w;
  parallel_for(g.batch * g.out_c, macs_grain(static_cast<double>(p)), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) flat_add(out + i * p, bias[i % g.out_c], p);
  });
}

// dbias[o] = Σ over images and positions of dy[n][o][·]: each plane summed in float vectors, the planes' sums in
// double, over the channels in parallel (the result does not depend on the threads).
void bias_grad(const float* dy, const ConvGeom& g, float* dbias) {
  const int64_t p = g.out_h * g.out_w;
  parallel_for(g.out_c, macs_grain(static_cast<double>(g.batch * p)), [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; o++) {
      double s = 0;
      for (int64_t n = 0; n < g.batch; n++) s += flat_sum(dy + (n * g.out_c + o) * p, p);
      dbias[o] = static_cast<float>(s);
    }
  });
}

}  // namespace

void conv2d(const float* x, const float* w, const ConvGeom& g, float* out, const float* bias) {
  conv2d_unbiased(x, w, g, out);
  if (bias) add_bias(bias, g, out);
}

void conv2d_backprop_input(const float* dy, const float* w, const ConvGeom& g, float* dx) {
  const Plan pl(g);
  const int64_t dx_size = g.batch * g.in_c * pl.in_plane;
  if (dx_size == 0) return;
  if (pl.p == 0 || g.out_c == 0) {
    std::fill(dx, dx + dx_size, 0.0f);
    return;
  }
  if (whole_input(g)) {
    return sgemm_parallel(false, false, g.batch, pl.k, g.out_c, 1.0f, dy, g.out_c, w, pl.k, 0.0f, dx, pl.k);
  }
  if (pl.depthwise) return depthwise_input_grad(dy, w, g, pl, dx);
  if (winograd_fits(g) && winograd_fits(transposed(g))) return winograd_conv(dy, w, transposed(g), true, dx);
#if NEURITE_DIRECT_CONV
  // strided: by phases, when the input channels fill the channel-vector tiles
  if (direct_ok(g, pl, kDirectStride) && (g.stride_h > 1 || g.stride_w > 1) && pl.cg % kVecOut == 0) {
    return vector_input_grad_strided(dy, w, g, dx);
  }
  // the tiles' rows are the input's channels: with one or two per group most of each 4-row tile would idle (1 and
  // 2 channels at 28²: 34 and 67 GFLOP/s against 54 and 72 for unfold + SGEMM; 3 channels: 93 against 53)
  if (direct_ok(g, pl, 1) && pl.cg >= 3) {
    const ConvGeom t = transposed(g);
    return channel_tiles(t) ? vector_conv(dy, w, t, true, dx) : direct_conv(dy, w, t, true, dx);
  }
#endif
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

namespace {

// The filter gradient alone.
void filter_grad(const float* x, const float* dy, const ConvGeom& g, float* dw) {
  const Plan pl(g);
  const int64_t dw_size = g.out_c * pl.k;
  if (dw_size == 0) return;
  if (g.batch == 0 || pl.p == 0) {
    std::fill(dw, dw + dw_size, 0.0f);
    return;
  }
  if (whole_input(g)) {
    return sgemm_parallel(true, false, g.out_c, pl.k, g.batch, 1.0f, dy, g.out_c, x, pl.k, 0.0f, dw, pl.k);
  }
  if (pl.depthwise) return depthwise_filter_grad(x, dy, g, pl, dw);
  if (winograd_filter_fits(g)) return winograd_filter_grad(x, dy, g, dw);
#if NEURITE_DIRECT_CONV
  if (vector_ok(g, pl) && vector_dw(g)) return vector_filter_grad(x, dy, g, dw);
  if (direct_ok(g, pl, 1) && direct_dw(g)) return direct_filter_grad(x, dy, g, dw);
#endif
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
  sum_image_chunks(g, image_grain(g, pl), dw_size, dw, [&](int64_t lo, int64_t hi, float* acc) {
    auto col = scratch(col_size);
    for (int64_t n = lo; n < hi; n++) image(n, col.get(), acc, false);
  });
}

}  // namespace

void conv2d_backprop_filter(const float* x, const float* dy, const ConvGeom& g, float* dw, float* dbias) {
  filter_grad(x, dy, g, dw);
  if (dbias) bias_grad(dy, g, dbias);
}

}  // namespace neurite
