// Winograd convolution F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
//
// A 3×3 stride-1 correlation computes each 2×2 block of outputs (a tile) from the 4×4 input patch d under it.
// With the transforms
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1]
// the tile is Y = Aᵀ [Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B)] A: for each of the 16 cells ξ of the transformed domain the
// sum over input channels c is one matrix product, M_ξ[tile][o] = Σ_c V_ξ[tile][c] · U_ξ[c][o], with 16 products
// per tile and channel pair where the direct convolution spends 36. The transforms only add (and halve, in G),
// so the rounding stays close to the direct sum's.
//
// The gradients reuse the same pieces. The input gradient is the forward pass of dy with the flipped,
// transposed filters (conv.cc's transposed()). The filter gradient is the adjoint of the forward pass:
// dU_ξ[o][c] = Σ_tiles (A dY Aᵀ)_ξ[o] · V_ξ[c] (again one product per ξ, summed over tiles), then dg = Gᵀ dU G.
//
// Layout: each image's input is first held channels-last and zero-padded (rows and columns of the patches,
// channels rounded up to kChan), so that a patch cell of kLanes channels is one vector load and every transform
// runs on a vector of channels at once. Tiles go in blocks of kBlock, small enough that a block's V and M stay in the L2
// cache between the transforms and the 16 products.
#include "winograd.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "threads.h"

// Where the kernels exist: x86-64 with AVX2 and FMA (checked at load time), and WebAssembly SIMD128.
#if NEURITE_X86_CLONES
#include <immintrin.h>
#define NEURITE_WINOGRAD 1
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define NEURITE_WINOGRAD 1
#else
#define NEURITE_WINOGRAD 0
#endif

namespace neurite {

#if NEURITE_WINOGRAD
namespace {

#if NEURITE_X86_CLONES
using vf = float __attribute__((vector_size(32)));
constexpr int64_t kLanes = 8;   // floats per vector
constexpr int64_t kChan = 16;   // channels are held in multiples of this: two vectors, the product tile's width
constexpr int64_t kRows = 6;    // rows of the product tile (tiles, or output channels in the filter gradient)
const bool kWinograd = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
// SIMD128 as V8 compiles it on x86-64 has 15 vector registers and no fused multiply-add: the product tile is
// 5 rows × 8 channels, ten accumulators, the shape of native/wasm/sgemm.cc's micro-kernel (which says why).
using vf = float __attribute__((vector_size(16)));
constexpr int64_t kLanes = 4;
constexpr int64_t kChan = 8;
constexpr int64_t kRows = 5;
const bool kWinograd = true;
#endif
constexpr int64_t kBlock = 6 * kRows;  // tiles per block
constexpr int64_t kCells = 16;         // cells of the transformed 4×4 domain

struct WinoGeom {
  int64_t th, tw, tiles;  // tile rows and columns of one image, and their product
  int64_t cp, op;         // input and output channels, rounded up to kChan
  int64_t sh, sw;         // rows and columns of the held input: 2·th + 2 and 2·tw + 2

  explicit WinoGeom(const ConvGeom& g)
      : th((g.out_h + 1) / 2),
        tw((g.out_w + 1) / 2),
        tiles(th * tw),
        cp(round_up(g.in_c, kChan)),
        op(round_up(g.out_c, kChan)),
        sh(2 * th + 2),
        sw(2 * tw + 2) {}

  int64_t held() const { return sh * sw * cp; }          // one image's held input
  int64_t spread() const { return 4 * tiles * op; }      // one image's channels-last output (or dy), whole tiles
};

// Everything below runs only where kWinograd holds (winograd_fits() checks it), so on x86 it is all compiled for
// AVX2 and FMA: the transforms then inline into their loops.
#if NEURITE_X86_CLONES
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

inline vf load(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store(float* p, vf v) { std::memcpy(p, &v, sizeof v); }

#if NEURITE_X86_CLONES
inline vf splat(float s) { return _mm256_set1_ps(s); }
#else
inline vf splat(float s) { return vf{s, s, s, s}; }
#endif

#if NEURITE_X86_CLONES
inline vf madd(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
#else
inline vf madd(vf a, vf b, vf c) { return a * b + c; }  // SIMD128 has no fused multiply-add
#endif

// c[r][0..kChan) (+)= Σ_k a_r[k·ak] · b[k·bk + 0..kChan) for the kRows rows a_r, n steps; c rows cr apart. The
// kRows × 2 accumulators, the two b vectors and a splat fill the registers (see kRows).
template <bool kAdd>
void product_tile(const float* const* a, int64_t ak, const float* b, int64_t bk, int64_t n, float* c, int64_t cr) {
  vf acc[kRows][2];
  const float* rows[kRows];
  for (int r = 0; r < kRows; r++) {
    acc[r][0] = kAdd ? load(c + r * cr) : vf{};
    acc[r][1] = kAdd ? load(c + r * cr + kLanes) : vf{};
    rows[r] = a[r];
  }
  for (int64_t k = 0; k < n; k++, b += bk) {
    const vf b0 = load(b), b1 = load(b + kLanes);
    const int64_t o = k * ak;
    for (int r = 0; r < kRows; r++) {
      const vf s = splat(rows[r][o]);
      acc[r][0] = madd(s, b0, acc[r][0]);
      acc[r][1] = madd(s, b1, acc[r][1]);
    }
  }
  for (int r = 0; r < kRows; r++) {
    store(c + r * cr, acc[r][0]);
    store(c + r * cr + kLanes, acc[r][1]);
  }
}

// Bᵀ d B for kLanes channels of one patch: d[a][b] at p + (a·sw + b)·cp; cell ξ = 4i + j goes to v + ξ·vs.
inline void input_tile(const float* p, int64_t row, int64_t cp, float* v, int64_t vs) {
  vf t[4][4];
  for (int b = 0; b < 4; b++) {
    const vf d0 = load(p + b * cp), d1 = load(p + row + b * cp), d2 = load(p + 2 * row + b * cp),
             d3 = load(p + 3 * row + b * cp);
    t[0][b] = d0 - d2;
    t[1][b] = d1 + d2;
    t[2][b] = d2 - d1;
    t[3][b] = d1 - d3;
  }
  for (int i = 0; i < 4; i++) {
    store(v + (4 * i + 0) * vs, t[i][0] - t[i][2]);
    store(v + (4 * i + 1) * vs, t[i][1] + t[i][2]);
    store(v + (4 * i + 2) * vs, t[i][2] - t[i][1]);
    store(v + (4 * i + 3) * vs, t[i][1] - t[i][3]);
  }
}

// Aᵀ m A for kLanes output channels of one tile: m_ξ at m + ξ·ms; y[a][b] to y + (a·row + b)·op.
inline void output_tile(const float* m, int64_t ms, float* y, int64_t row, int64_t op) {
  vf s[2][4];
  for (int b = 0; b < 4; b++) {
    const vf m0 = load(m + b * ms), m1 = load(m + (4 + b) * ms), m2 = load(m + (8 + b) * ms),
             m3 = load(m + (12 + b) * ms);
    s[0][b] = m0 + m1 + m2;
    s[1][b] = m1 - m2 - m3;
  }
  for (int a = 0; a < 2; a++) {
    store(y + a * row, s[a][0] + s[a][1] + s[a][2]);
    store(y + a * row + op, s[a][1] - s[a][2] - s[a][3]);
  }
}

// A dy Aᵀ for kLanes output channels of one tile (the adjoint of output_tile): dy[a][b] at y + (a·row + b)·op.
inline void gradient_tile(const float* y, int64_t row, int64_t op, float* m, int64_t ms) {
  vf t[4][2];
  for (int b = 0; b < 2; b++) {
    const vf y0 = load(y + b * op), y1 = load(y + row + b * op);
    t[0][b] = y0;
    t[1][b] = y0 + y1;
    t[2][b] = y0 - y1;
    t[3][b] = -y1;
  }
  for (int i = 0; i < 4; i++) {
    store(m + (4 * i + 0) * ms, t[i][0]);
    store(m + (4 * i + 1) * ms, t[i][0] + t[i][1]);
    store(m + (4 * i + 2) * ms, t[i][0] - t[i][1]);
    store(m + (4 * i + 3) * ms, -t[i][1]);
  }
}

#if NEURITE_X86_CLONES
// The 8 × 8 block src[k·src_ld + j] → dst[j·dst_ld + k].
void transpose_block(const float* src, int64_t src_ld, float* dst, int64_t dst_ld) {
  __m256 r[8], t[8];
  for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(src + k * src_ld);
  for (int k = 0; k < 8; k += 2) {
    t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
    t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
  }
  for (int k = 0; k < 8; k += 4) {
    r[k] = _mm256_shuffle_ps(t[k], t[k + 2], 0x44);
    r[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], 0xEE);
    r[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0x44);
    r[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0xEE);
  }
  for (int k = 0; k < 4; k++) {
    _mm256_storeu_ps(dst + k * dst_ld, _mm256_permute2f128_ps(r[k], r[k + 4], 0x20));
    _mm256_storeu_ps(dst + (k + 4) * dst_ld, _mm256_permute2f128_ps(r[k], r[k + 4], 0x31));
  }
}


#else
// The 4 × 4 block src[k·src_ld + j] → dst[j·dst_ld + k].
void transpose_block(const float* src, int64_t src_ld, float* dst, int64_t dst_ld) {
  const v128_t r0 = wasm_v128_load(src), r1 = wasm_v128_load(src + src_ld), r2 = wasm_v128_load(src + 2 * src_ld),
               r3 = wasm_v128_load(src + 3 * src_ld);
  const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  const v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(dst, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
  wasm_v128_store(dst + dst_ld, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
  wasm_v128_store(dst + 2 * dst_ld, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
  wasm_v128_store(dst + 3 * dst_ld, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
}

#endif

// Planes → channels-last: dst[y·dst_row + x·ld + c] = src[c·plane + y·src_row + x] for c < channels, y < rows,
// x < cols; kLanes × kLanes blocks go through a vector transpose, the channels past the last whole group of
// kLanes one by one.
void to_channels_last(const float* src, int64_t channels, int64_t rows, int64_t cols, int64_t src_row, int64_t plane,
                      float* dst, int64_t dst_row, int64_t ld) {
  const int64_t whole = cols / kLanes * kLanes, groups = channels / kLanes * kLanes;
  for (int64_t c = 0; c < groups; c += kLanes) {
    for (int64_t y = 0; y < rows; y++) {
      const float* s = src + c * plane + y * src_row;
      float* d = dst + y * dst_row + c;
      for (int64_t x = 0; x < whole; x += kLanes) transpose_block(s + x, plane, d + x * ld, ld);
      for (int64_t x = whole; x < cols; x++) {
        for (int64_t k = 0; k < kLanes; k++) d[x * ld + k] = s[k * plane + x];
      }
    }
  }
  for (int64_t c = groups; c < channels; c++) {
    for (int64_t y = 0; y < rows; y++) {
      const float* s = src + c * plane + y * src_row;
      float* d = dst + y * dst_row + c;
      for (int64_t x = 0; x < cols; x++) d[x * ld] = s[x];
    }
  }
}

// The inverse: dst[c·plane + y·dst_row + x] = src[y·src_row + x·ld + c] for c in [c0, c1) (c0 a multiple of
// kLanes).
void from_channels_last(const float* src, int64_t c0, int64_t c1, int64_t rows, int64_t cols, int64_t src_row,
                        int64_t ld, float* dst, int64_t dst_row, int64_t plane) {
  const int64_t whole = cols / kLanes * kLanes, groups = c0 + (c1 - c0) / kLanes * kLanes;
  for (int64_t c = c0; c < groups; c += kLanes) {
    for (int64_t y = 0; y < rows; y++) {
      const float* s = src + y * src_row + c;
      float* d = dst + c * plane + y * dst_row;
      for (int64_t x = 0; x < whole; x += kLanes) transpose_block(s + x * ld, ld, d + x, plane);
      for (int64_t x = whole; x < cols; x++) {
        for (int64_t k = 0; k < kLanes; k++) d[k * plane + x] = s[x * ld + k];
      }
    }
  }
  for (int64_t c = groups; c < c1; c++) {
    for (int64_t y = 0; y < rows; y++) {
      const float* s = src + y * src_row + c;
      float* d = dst + c * plane + y * dst_row;
      for (int64_t x = 0; x < cols; x++) d[x] = s[x * ld];
    }
  }
}

// Zeroes every cell of a channels-last buffer [rows][cols][ld] outside rows [r0, r1) × columns [c0, c1) ×
// channels [0, channels): the part that to_channels_last() leaves alone.
void clear_outside(float* buf, int64_t rows, int64_t cols, int64_t ld, int64_t r0, int64_t r1, int64_t c0,
                   int64_t c1, int64_t channels) {
  const int64_t row = cols * ld;
  std::fill(buf, buf + r0 * row, 0.0f);
  std::fill(buf + r1 * row, buf + rows * row, 0.0f);
  for (int64_t r = r0; r < r1; r++) {
    float* p = buf + r * row;
    std::fill(p, p + c0 * ld, 0.0f);
    std::fill(p + c1 * ld, p + row, 0.0f);
    if (channels < ld) {
      for (int64_t c = c0; c < c1; c++) std::fill(p + c * ld + channels, p + (c + 1) * ld, 0.0f);
    }
  }
}

// One image's input planes [C, H, W] → held channels-last, zero-padded: xs[(r·sw + c)·cp + ch] is
// x[ch][r − pad_t][c − pad_l] inside the input, else 0.
void hold_input(const float* x, const ConvGeom& g, const WinoGeom& w, float* xs) {
  const int64_t rows = std::min<int64_t>(g.in_h, w.sh - g.pad_t), cols = std::min<int64_t>(g.in_w, w.sw - g.pad_l);
  clear_outside(xs, w.sh, w.sw, w.cp, g.pad_t, g.pad_t + rows, g.pad_l, g.pad_l + cols, g.in_c);
  to_channels_last(x, g.in_c, rows, cols, g.in_w, g.in_h * g.in_w, xs + (g.pad_t * w.sw + g.pad_l) * w.cp,
                   w.sw * w.cp, w.cp);
}

// Filters → U_ξ[c][o] (cp × op each, zero past the real channels): G g Gᵀ of every filter g = w(o, c), split
// over the pool by input channel.
std::unique_ptr<float[]> hold_filters(const float* w, const ConvGeom& g, const WinoGeom& wg, bool flip) {
  auto u = scratch(kCells * wg.cp * wg.op);
  float* up = u.get();
  parallel_for(wg.cp, std::max<int64_t>(1, 4096 / wg.op), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      for (int64_t x = 0; x < kCells; x++) {
        float* row = up + (x * wg.cp + c) * wg.op;
        std::fill(row + (c < g.in_c ? g.out_c : 0), row + wg.op, 0.0f);
      }
      if (c >= g.in_c) continue;
      for (int64_t o = 0; o < g.out_c; o++) {
        float k[3][3];
        for (int kh = 0; kh < 3; kh++) {
          for (int kw = 0; kw < 3; kw++) {
            k[kh][kw] = flip ? w[(c * g.out_c + o) * 9 + (2 - kh) * 3 + (2 - kw)] : w[(o * g.in_c + c) * 9 + kh * 3 + kw];
          }
        }
        float t[4][3];  // G k
        for (int kw = 0; kw < 3; kw++) {
          t[0][kw] = k[0][kw];
          t[1][kw] = 0.5f * (k[0][kw] + k[1][kw] + k[2][kw]);
          t[2][kw] = 0.5f * (k[0][kw] - k[1][kw] + k[2][kw]);
          t[3][kw] = k[2][kw];
        }
        for (int i = 0; i < 4; i++) {
          const float cell[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]),
                                 t[i][2]};
          for (int j = 0; j < 4; j++) up[((4 * i + j) * wg.cp + c) * wg.op + o] = cell[j];
        }
      }
    }
  });
  return u;
}

// Tiles per pass: images are held a pass at a time, enough of them for two blocks of tiles, so that small maps
// (8² maps have 16 tiles) still fill the blocks.
constexpr int64_t kPassTiles = 2 * kBlock;

int64_t pass_images(const WinoGeom& w, int64_t batch) {
  return std::max<int64_t>(1, std::min<int64_t>(batch, (kPassTiles + w.tiles - 1) / w.tiles));
}

// Scratch of one thread: a pass's held inputs and channels-last outputs (or dy), and a block's transformed
// inputs V_ξ [kBlock][cp] and products M_ξ [kBlock][op].
struct Scratch {
  std::unique_ptr<float[]> xs, ys, v, m;
  Scratch(const WinoGeom& w, int64_t images)
      : xs(scratch(images * w.held())),
        ys(scratch(images * w.spread())),
        v(scratch(kCells * kBlock * w.cp)),
        m(scratch(kCells * kBlock * w.op)) {}
};

// Where tile f of a pass (f = image · tiles + tile) starts in the held inputs and in the channels-last outputs.
inline const float* held_patch(const float* xs, const WinoGeom& w, int64_t f) {
  const int64_t img = f / w.tiles, t = f % w.tiles;
  return xs + img * w.held() + (2 * (t / w.tw) * w.sw + 2 * (t % w.tw)) * w.cp;
}

inline int64_t spread_at(const WinoGeom& w, int64_t f) {
  const int64_t img = f / w.tiles, t = f % w.tiles;
  return img * w.spread() + (2 * (t / w.tw) * 2 * w.tw + 2 * (t % w.tw)) * w.op;
}

// Tiles [f0, f0 + n) of a pass of `total` tiles: their transformed inputs into v (zeros past the last tile).
void transform_inputs(const float* xs, const WinoGeom& w, int64_t f0, int64_t n, int64_t total, float* v) {
  const int64_t vs = kBlock * w.cp, row = w.sw * w.cp;
  for (int64_t t = 0; t < n; t++) {
    float* vt = v + t * w.cp;
    if (f0 + t >= total) {
      for (int64_t x = 0; x < kCells; x++) std::fill(vt + x * vs, vt + x * vs + w.cp, 0.0f);
      continue;
    }
    const float* p = held_patch(xs, w, f0 + t);
    for (int64_t c = 0; c < w.cp; c += kLanes) input_tile(p + c, row, w.cp, vt + c, vs);
  }
}

// Blocks [b0, b1) of a pass of `total` tiles: held inputs xs → channels-last outputs ys (v and m: scratch).
void forward_blocks(const float* xs, const float* u, const WinoGeom& w, int64_t total, int64_t b0, int64_t b1,
                    float* v, float* m, float* ys) {
  const int64_t vs = kBlock * w.cp, ms = kBlock * w.op, row = 2 * w.tw * w.op;
  for (int64_t b = b0; b < b1; b++) {
    // a partial last block computes whole row tiles only
    const int64_t f0 = b * kBlock, f1 = std::min(total, f0 + kBlock), span = round_up(f1 - f0, kRows);
    transform_inputs(xs, w, f0, span, total, v);
    for (int64_t x = 0; x < kCells; x++) {
      const float* vx = v + x * vs;
      const float* ux = u + x * w.cp * w.op;
      float* mx = m + x * ms;
      for (int64_t t = 0; t < span; t += kRows) {
        const float* rows[kRows];
        for (int r = 0; r < kRows; r++) rows[r] = vx + (t + r) * w.cp;
        for (int64_t o = 0; o < w.op; o += kChan) {
          product_tile<false>(rows, 1, ux + o, w.op, w.cp, mx + t * w.op + o, w.op);
        }
      }
    }
    for (int64_t f = f0; f < f1; f++) {
      float* y = ys + spread_at(w, f);
      for (int64_t o = 0; o < w.op; o += kLanes) output_tile(m + (f - f0) * w.op + o, ms, y + o, row, w.op);
    }
  }
}

// Channels-last ys [2·th][2·tw][op] → out planes [out_c, oH, oW], channels [o0, o1) (o0 a multiple of kLanes).
void release_output(const float* ys, const ConvGeom& g, const WinoGeom& w, int64_t o0, int64_t o1, float* out) {
  from_channels_last(ys, o0, o1, g.out_h, g.out_w, 2 * w.tw * w.op, w.op, out, g.out_w, g.out_h * g.out_w);
}

int64_t image_grain(const WinoGeom& w) { return macs_grain(static_cast<double>(kCells) * w.tiles * w.cp * w.op); }

#if NEURITE_X86_CLONES
#pragma GCC pop_options
#endif

}  // namespace

// The share of the products on real channels: both channel axes are held in multiples of kChan.
static double channel_fill(const ConvGeom& g) {
  return static_cast<double>(g.in_c * g.out_c) /
         static_cast<double>(round_up(g.in_c, kChan) * round_up(g.out_c, kChan));
}

// Measured against the direct kernels (batch 64, 2 threads, GFLOP/s of the direct count, forward / forward with
// both gradients): 32→64 at 28² 160 → 259 / 158 → 255; 16→16 at 32² 140 → 175 / 130 → 160; 32→32 at 16²
// 134 → 218 / 146 → 195; 64→64 at 8² 146 → 239 / 150 → 223; 64→64 at 6² 151 → 195 / 153 → 210; 24→32 at 16²
// 128 → 168 / 139 → 155; 32→32 at 112² (batch 8) 130 → 202 / 139 → 189; one image, 64→64 at 28²: 102 → 101 /
// 118 → 110 (the filter gradient stays direct there). On 4² maps: 64→64 122 → 136 / 119 → 146, 128→128 96 → 127
// / 116 → 136, 256→256 130 → 134 / 131 → 136. Smaller maps and wider layers lose, as one 4×4 patch per image is
// mostly padding and the transformed filters (16·C·O floats) outgrow the caches: 512→512 at 2² 65 → 45 / 65 → 54.
// Channel counts off the 16-channel grid compute on zeros: 28→56 at 16² (77 % real) 122 → 154 / 130 → 166,
// 24→52 (61 %) 136 → 156 / 136 → 155, but 20→18 (35 %) 116 → 91 / 116 → 97, hence channel_fill() ≥ 0.6.
bool winograd_fits(const ConvGeom& g) {
  return kWinograd && g.groups == 1 && g.k_h == 3 && g.k_w == 3 && g.stride_h == 1 && g.stride_w == 1 &&
         g.dil_h == 1 && g.dil_w == 1 && g.pad_t >= 0 && g.pad_t <= 2 && g.pad_l >= 0 && g.pad_l <= 2 &&
         g.in_c >= 16 && g.out_c >= 16 && g.out_h >= 4 && g.out_w >= 4 && g.in_c * g.out_c <= 256 * 256 &&
         channel_fill(g) >= 0.6;
}

bool winograd_filter_fits(const ConvGeom& g) { return winograd_fits(g) && g.batch >= num_threads(); }

void winograd_conv(const float* x, const float* wt, const ConvGeom& g, bool flip, float* out) {
  const WinoGeom w(g);
  const auto held_u = hold_filters(wt, g, w, flip);
  const float* u = held_u.get();
  const int64_t in_size = g.in_c * g.in_h * g.in_w, out_size = g.out_c * g.out_h * g.out_w;
  const int64_t per = pass_images(w, g.batch);
  auto hold = [&](int64_t n0, int64_t n1, float* xs) {
    for (int64_t n = n0; n < n1; n++) hold_input(x + n * in_size, g, w, xs + (n - n0) * w.held());
  };
  if (num_threads() > 1 && g.batch >= num_threads()) {
    parallel_for(g.batch, image_grain(w), [&](int64_t lo, int64_t hi) {
      Scratch s(w, std::min(per, hi - lo));
      for (int64_t n0 = lo; n0 < hi; n0 += per) {
        const int64_t n1 = std::min(hi, n0 + per), total = (n1 - n0) * w.tiles;
        hold(n0, n1, s.xs.get());
        forward_blocks(s.xs.get(), u, w, total, 0, (total + kBlock - 1) / kBlock, s.v.get(), s.m.get(),
                       s.ys.get());
        for (int64_t n = n0; n < n1; n++) release_output(s.ys.get() + (n - n0) * w.spread(), g, w, 0, g.out_c, out + n * out_size);
      }
    });
    return;
  }
  // fewer images than threads: all of them in one pass, its blocks split over the pool
  Scratch held(w, g.batch);
  hold(0, g.batch, held.xs.get());
  const int64_t total = g.batch * w.tiles;
  parallel_for((total + kBlock - 1) / kBlock, 1, [&](int64_t b0, int64_t b1) {
    Scratch s(w, 0);
    forward_blocks(held.xs.get(), u, w, total, b0, b1, s.v.get(), s.m.get(), held.ys.get());
  });
  const int64_t groups = (g.out_c + kLanes - 1) / kLanes;
  parallel_for(g.batch * groups, 1, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const int64_t n = i / groups, o = i % groups * kLanes;
      release_output(held.ys.get() + n * w.spread(), g, w, o, std::min(g.out_c, o + kLanes), out + n * out_size);
    }
  });
}

void winograd_filter_grad(const float* x, const float* dy, const ConvGeom& g, float* dw) {
  const WinoGeom w(g);
  const int64_t in_size = g.in_c * g.in_h * g.in_w, out_size = g.out_c * g.out_h * g.out_w;
  const int64_t du_size = kCells * w.op * w.cp;  // dU_ξ[o][c]
  const int64_t vs = kBlock * w.cp, ms = kBlock * w.op, drow = 2 * w.tw * w.op;
  const int64_t per = pass_images(w, g.batch);
  // adds images [lo, hi) into du
  auto images = [&](int64_t lo, int64_t hi, float* du) {
    Scratch s(w, std::min(per, hi - lo));
    float tile[kRows * kChan];
    for (int64_t n0 = lo; n0 < hi; n0 += per) {
      const int64_t n1 = std::min(hi, n0 + per), total = (n1 - n0) * w.tiles;
      for (int64_t n = n0; n < n1; n++) {
        hold_input(x + n * in_size, g, w, s.xs.get() + (n - n0) * w.held());
        // dy channels-last, zero past the output and its channels
        float* ds = s.ys.get() + (n - n0) * w.spread();
        clear_outside(ds, 2 * w.th, 2 * w.tw, w.op, 0, g.out_h, 0, g.out_w, g.out_c);
        to_channels_last(dy + n * out_size, g.out_c, g.out_h, g.out_w, g.out_w, g.out_h * g.out_w, ds, drow, w.op);
      }
      for (int64_t f0 = 0; f0 < total; f0 += kBlock) {
        const int64_t nt = std::min(kBlock, total - f0);
        transform_inputs(s.xs.get(), w, f0, nt, total, s.v.get());
        for (int64_t t = 0; t < nt; t++) {
          const float* y = s.ys.get() + spread_at(w, f0 + t);
          for (int64_t o = 0; o < w.op; o += kLanes) gradient_tile(y + o, drow, w.op, s.m.get() + t * w.op + o, ms);
        }
        for (int64_t xi = 0; xi < kCells; xi++) {
          const float* mx = s.m.get() + xi * ms;
          const float* vx = s.v.get() + xi * vs;
          float* dux = du + xi * w.op * w.cp;
          for (int64_t o = 0; o < g.out_c; o += kRows) {
            const int64_t rows_n = std::min(kRows, g.out_c - o);
            const float* rows[kRows];
            for (int r = 0; r < kRows; r++) rows[r] = mx + o + std::min<int64_t>(r, rows_n - 1);
            for (int64_t c = 0; c < w.cp; c += kChan) {
              if (rows_n == kRows) {
                product_tile<true>(rows, w.op, vx + c, w.cp, nt, dux + o * w.cp + c, w.cp);
                continue;
              }
              // a partial row tile works on a copy of its rows
              for (int64_t r = 0; r < rows_n; r++) {
                std::memcpy(tile + r * kChan, dux + (o + r) * w.cp + c, kChan * sizeof(float));
              }
              product_tile<true>(rows, w.op, vx + c, w.cp, nt, tile, kChan);
              for (int64_t r = 0; r < rows_n; r++) {
                std::memcpy(dux + (o + r) * w.cp + c, tile + r * kChan, kChan * sizeof(float));
              }
            }
          }
        }
      }
    }
  };
  // partial sums of dU per chunk of images, added in chunk order (the result does not depend on the threads)
  const int64_t grain = image_grain(w);
  const int parts = static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>({num_threads(), g.batch, (g.batch + grain - 1) / grain})));
  std::vector<std::unique_ptr<float[]>> partial(parts);
  for (auto& p : partial) p = scratch(du_size);
  auto chunk = [&](int t) {
    std::fill(partial[t].get(), partial[t].get() + du_size, 0.0f);
    images(g.batch * t / parts, g.batch * (t + 1) / parts, partial[t].get());
  };
  if (parts > 1) {
    run_tasks(parts, chunk);
  } else {
    chunk(0);
  }
  // dg = Gᵀ dU G for every filter, split over the pool by output channel: Gᵀ dU G's 3 × 3 cells are sums of the
  // 4 × 4 cells of dU with weights 1 and ½, applied rows then columns
  parallel_for(g.out_c, std::max<int64_t>(1, 2048 / w.cp), [&](int64_t o0, int64_t o1) {
    std::vector<float> cells(static_cast<size_t>(kCells * w.cp));
    for (int64_t o = o0; o < o1; o++) {
      for (int64_t x = 0; x < kCells; x++) {
        float* dst = cells.data() + x * w.cp;
        std::memcpy(dst, partial[0].get() + (x * w.op + o) * w.cp, static_cast<size_t>(w.cp) * sizeof(float));
        for (int t = 1; t < parts; t++) {
          const float* src = partial[t].get() + (x * w.op + o) * w.cp;
          for (int64_t c = 0; c < w.cp; c++) dst[c] += src[c];
        }
      }
      for (int64_t c = 0; c < g.in_c; c++) {
        float r[4][3];  // dU G, row by row
        for (int i = 0; i < 4; i++) {
          const float* d = cells.data() + 4 * i * w.cp + c;
          const float d0 = d[0], d1 = d[w.cp], d2 = d[2 * w.cp], d3 = d[3 * w.cp];
          r[i][0] = d0 + 0.5f * (d1 + d2);
          r[i][1] = 0.5f * (d1 - d2);
          r[i][2] = 0.5f * (d1 + d2) + d3;
        }
        float* out = dw + (o * g.in_c + c) * 9;
        for (int kw = 0; kw < 3; kw++) {
          out[kw] = r[0][kw] + 0.5f * (r[1][kw] + r[2][kw]);
          out[3 + kw] = 0.5f * (r[1][kw] - r[2][kw]);
          out[6 + kw] = 0.5f * (r[1][kw] + r[2][kw]) + r[3][kw];
        }
      }
    }
  });
}

#else

bool winograd_fits(const ConvGeom&) { return false; }
bool winograd_filter_fits(const ConvGeom&) { return false; }
void winograd_conv(const float*, const float*, const ConvGeom&, bool, float*) {}
void winograd_filter_grad(const float*, const float*, const ConvGeom&, float*) {}

#endif  // NEURITE_WINOGRAD

}  // namespace neurite
