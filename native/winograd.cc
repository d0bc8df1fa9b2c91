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
//
// The kernels themselves are in winograd-kernels.inc, written once over a vector type and compiled here once per
// instruction set: AVX2+FMA (8 floats, channels held in 16s), AVX-512 (16 floats, channels held in 32s) and
// WebAssembly SIMD128 (4 floats, channels held in 8s). A third x86 copy runs the AVX-512 code's exact arithmetic
// on AVX2 (each 512-bit operation as two 256-bit ones, the fused multiply-adds too), so that hosts without
// AVX-512 still test that code bit for bit: it is only chosen by name (winograd_select), never by default.
#include "winograd.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "threads.h"

// Where the kernels exist: x86-64 with AVX2 and FMA (checked at load time), and WebAssembly SIMD128.
#if NEURITE_X86_CLONES
#include <immintrin.h>
#define NEURITE_WINOGRAD 1
// GCC warns that the emulated copy's 512-bit vectors pass differently without AVX-512 (the warning comes at the
// end of the file, where the templates are instantiated); none of these functions leaves this file.
#pragma GCC diagnostic ignored "-Wpsabi"
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define NEURITE_WINOGRAD 1
#else
#define NEURITE_WINOGRAD 0
#endif

namespace neurite {

#if NEURITE_WINOGRAD
namespace {

constexpr int64_t kCells = 16;  // cells of the transformed 4×4 domain

// The share of the products on real channels when both channel axes are held in multiples of `chan`.
double channel_fill(const ConvGeom& g, int64_t chan) {
  return static_cast<double>(g.in_c * g.out_c) /
         static_cast<double>(round_up(g.in_c, chan) * round_up(g.out_c, chan));
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

#if NEURITE_X86_CLONES
#pragma GCC push_options
#pragma GCC target("avx2,fma")

// The 8 × 8 block src[k·src_ld + j] → dst[j·dst_ld + k]. Every x86 copy moves planes with it (the copies'
// namespaces find it here): the moves are bound by memory, not by the width of the vectors.
constexpr int64_t kTLanes = 8;
inline void transpose_block(const float* src, int64_t src_ld, float* dst, int64_t dst_ld) {
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

// AVX2 and FMA: the product tile is 6 rows × 16 channels, twelve accumulators of the sixteen registers.
namespace avx2 {
using vf = float __attribute__((vector_size(32)));
constexpr int64_t kLanes = 8, kChan = 16, kRows = 6;
inline vf splat(float s) { return _mm256_set1_ps(s); }
inline vf madd(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
#include "winograd-kernels.inc"
}  // namespace avx2

// The AVX-512 code's arithmetic on AVX2: a 512-bit vector is two 256-bit registers to GCC, and the fused
// multiply-add is done on each half, so every lane computes what the avx512 copy computes, in the same order.
namespace avx512_emulated {
using vf = float __attribute__((vector_size(64)));
constexpr int64_t kLanes = 16, kChan = 32, kRows = 6;
inline vf splat(float s) { return vf{} + s; }
inline vf madd(vf a, vf b, vf c) {
  __m256 h[3][2];
  std::memcpy(h[0], &a, sizeof a);
  std::memcpy(h[1], &b, sizeof b);
  std::memcpy(h[2], &c, sizeof c);
  const __m256 r[2] = {_mm256_fmadd_ps(h[0][0], h[1][0], h[2][0]), _mm256_fmadd_ps(h[0][1], h[1][1], h[2][1])};
  vf out;
  std::memcpy(&out, r, sizeof out);
  return out;
}
#include "winograd-kernels.inc"
}  // namespace avx512_emulated

#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")

// AVX-512: the same tile shape at twice the width, 6 rows × 32 channels in twelve of the 32 registers (on a Zen 5
// VM, 1.20× the AVX2 copy forward and 1.31× forward+backward; its arithmetic is tested through avx512_emulated).
namespace avx512 {
using vf = float __attribute__((vector_size(64)));
constexpr int64_t kLanes = 16, kChan = 32, kRows = 6;
inline vf splat(float s) { return _mm512_set1_ps(s); }
inline vf madd(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
#include "winograd-kernels.inc"
}  // namespace avx512

#pragma GCC pop_options

bool env_allows_avx512() {
  const char* v = std::getenv("NEURITE_AVX512");
  return !(v && std::string(v) == "0");
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
const bool kHasAvx512 = kHasAvx2 && __builtin_cpu_supports("avx512f");
const bool kUseAvx512 = kHasAvx512 && env_allows_avx512();

#else

// SIMD128 as V8 compiles it on x86-64 has 15 vector registers and no fused multiply-add: the product tile is
// 5 rows × 8 channels, ten accumulators, the shape of native/wasm/sgemm.cc's micro-kernel (which says why).
namespace simd128 {
using vf = float __attribute__((vector_size(16)));
constexpr int64_t kLanes = 4, kChan = 8, kRows = 5, kTLanes = 4;
inline vf splat(float s) { return vf{s, s, s, s}; }
inline vf madd(vf a, vf b, vf c) { return a * b + c; }  // SIMD128 has no fused multiply-add

// The 4 × 4 block src[k·src_ld + j] → dst[j·dst_ld + k].
inline void transpose_block(const float* src, int64_t src_ld, float* dst, int64_t dst_ld) {
  const v128_t r0 = wasm_v128_load(src), r1 = wasm_v128_load(src + src_ld), r2 = wasm_v128_load(src + 2 * src_ld),
               r3 = wasm_v128_load(src + 3 * src_ld);
  const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  const v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(dst, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
  wasm_v128_store(dst + dst_ld, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
  wasm_v128_store(dst + 2 * dst_ld, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
  wasm_v128_store(dst + 3 * dst_ld, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
}
#include "winograd-kernels.inc"
}  // namespace simd128

#endif

// Which copy runs a layer. Chosen by winograd_select (tests and comparisons), or else per layer by the CPU and
// the channel counts (see pick).
enum class Copy { None, Avx2, Avx512, Avx512Emulated, Simd128 };
enum class Mode { Auto, Off, Forced };
Mode mode = Mode::Auto;
Copy forced = Copy::None;

// The bounds every copy shares: 3×3, stride 1, no dilation, one group, padding 0–2 on the top and left, 16 or
// more channels on each side (at most 256 × 256), maps from 4 × 4.
bool shape_fits(const ConvGeom& g) {
  return g.groups == 1 && g.k_h == 3 && g.k_w == 3 && g.stride_h == 1 && g.stride_w == 1 && g.dil_h == 1 &&
         g.dil_w == 1 && g.pad_t >= 0 && g.pad_t <= 2 && g.pad_l >= 0 && g.pad_l <= 2 && g.in_c >= 16 &&
         g.out_c >= 16 && g.out_h >= 4 && g.out_w >= 4 && g.in_c * g.out_c <= 256 * 256;
}

// Measured against the direct kernels on AVX2 (batch 64, 2 threads, GFLOP/s of the direct count, forward /
// forward with both gradients): 32→64 at 28² 160 → 259 / 158 → 255; 16→16 at 32² 140 → 175 / 130 → 160; 32→32 at
// 16² 134 → 218 / 146 → 195; 64→64 at 8² 146 → 239 / 150 → 223; 64→64 at 6² 151 → 195 / 153 → 210; 24→32 at 16²
// 128 → 168 / 139 → 155; 32→32 at 112² (batch 8) 130 → 202 / 139 → 189; one image, 64→64 at 28²: 102 → 101 /
// 118 → 110 (the filter gradient stays direct there). On 4² maps: 64→64 122 → 136 / 119 → 146, 128→128 96 → 127
// / 116 → 136, 256→256 130 → 134 / 131 → 136. Smaller maps and wider layers lose, as one 4×4 patch per image is
// mostly padding and the transformed filters (16·C·O floats) outgrow the caches: 512→512 at 2² 65 → 45 / 65 → 54.
// Channel counts off the 16-channel grid compute on zeros: 28→56 at 16² (77 % real) 122 → 154 / 130 → 166,
// 24→52 (61 %) 136 → 156 / 136 → 155, but 20→18 (35 %) 116 → 91 / 116 → 97, hence a fill of at least 0.6. The
// AVX-512 copy holds channels in 32s and takes the same rule on its own grid; a layer it would fill worse (16→16
// is 25 % real in 32s) goes to the AVX2 copy.
Copy pick(const ConvGeom& g) {
  if (mode == Mode::Off || !shape_fits(g)) return Copy::None;
  if (mode == Mode::Forced) return forced;
#if NEURITE_X86_CLONES
  if (kUseAvx512 && channel_fill(g, avx512::kChan) >= 0.6) return Copy::Avx512;
  if (kHasAvx2 && channel_fill(g, avx2::kChan) >= 0.6) return Copy::Avx2;
#else
  if (channel_fill(g, simd128::kChan) >= 0.6) return Copy::Simd128;
#endif
  return Copy::None;
}

}  // namespace

bool winograd_fits(const ConvGeom& g) { return pick(g) != Copy::None; }

bool winograd_filter_fits(const ConvGeom& g) { return winograd_fits(g) && g.batch >= num_threads(); }

void winograd_conv(const float* x, const float* w, const ConvGeom& g, bool flip, float* out) {
  switch (pick(g)) {
#if NEURITE_X86_CLONES
    case Copy::Avx2: return avx2::conv(x, w, g, flip, out);
    case Copy::Avx512: return avx512::conv(x, w, g, flip, out);
    case Copy::Avx512Emulated: return avx512_emulated::conv(x, w, g, flip, out);
#else
    case Copy::Simd128: return simd128::conv(x, w, g, flip, out);
#endif
    default: std::abort();  // conv.cc calls winograd_fits first
  }
}

void winograd_filter_grad(const float* x, const float* dy, const ConvGeom& g, float* dw) {
  switch (pick(g)) {
#if NEURITE_X86_CLONES
    case Copy::Avx2: return avx2::filter_grad(x, dy, g, dw);
    case Copy::Avx512: return avx512::filter_grad(x, dy, g, dw);
    case Copy::Avx512Emulated: return avx512_emulated::filter_grad(x, dy, g, dw);
#else
    case Copy::Simd128: return simd128::filter_grad(x, dy, g, dw);
#endif
    default: std::abort();  // conv.cc calls winograd_filter_fits first
  }
}

std::vector<std::string> winograd_copies() {
  std::vector<std::string> names{"auto", "off"};
#if NEURITE_X86_CLONES
  if (kHasAvx2) names.insert(names.end(), {"avx2", "avx512-emulated"});
  if (kHasAvx512) names.push_back("avx512");
#else
  names.push_back("simd128");
#endif
  return names;
}

bool winograd_select(const std::string& name) {
  const auto names = winograd_copies();
  if (std::find(names.begin(), names.end(), name) == names.end()) return false;
  mode = name == "auto" ? Mode::Auto : name == "off" ? Mode::Off : Mode::Forced;
  forced = name == "avx2"              ? Copy::Avx2
           : name == "avx512"          ? Copy::Avx512
           : name == "avx512-emulated" ? Copy::Avx512Emulated
           : name == "simd128"         ? Copy::Simd128
                                       : Copy::None;
  return true;
}

const char* winograd_default() {
#if NEURITE_X86_CLONES
  return kUseAvx512 ? "avx512" : kHasAvx2 ? "avx2" : "none";
#else
  return "simd128";
#endif
}

#else

bool winograd_fits(const ConvGeom&) { return false; }
bool winograd_filter_fits(const ConvGeom&) { return false; }
void winograd_conv(const float*, const float*, const ConvGeom&, bool, float*) {}
void winograd_filter_grad(const float*, const float*, const ConvGeom&, float*) {}
std::vector<std::string> winograd_copies() { return {"auto", "off"}; }
bool winograd_select(const std::string& name) { return name == "auto" || name == "off"; }
const char* winograd_default() { return "none"; }

#endif  // NEURITE_WINOGRAD

}  // namespace neurite
