// neurite::sgemm for the WebAssembly build, which has no BLAS: a packed, register-blocked SIMD128 GEMM.
//
// Blocking (GotoBLAS/BLIS order), and why:
//   for jc over n in NC-wide blocks
//     for pc over k in KC-deep blocks     pack op(B)[pc.., jc..] into NR-wide panels (kc×NR each; L2/L3)
//       for ic over m in MC-tall blocks   pack op(A)[ic.., pc..] into MR-tall panels (MR×kc each; 140 KB in all: L2)
//         for jr over the B panels        one B panel (kc×NR = 8 KB) stays in L1 ...
//           for ir over the A panels      ... while the A panels stream from L2 through the micro-kernel
//
// The micro-kernel keeps an MR×NR = 5×8 block of C in ten v128 accumulators. Per step of k it loads the two
// vectors of a B panel row and, for each of the five A values, does one load32_splat and two mul + two add
// (baseline SIMD128 has no fused multiply-add, so each product needs a register of its own before the add).
// The tile size is set by the register file V8 gives WebAssembly on x86-64: xmm0–xmm14 (xmm15 is its scratch).
// 5×8 needs 10 accumulators + 2 B vectors + 1 splat + 1 product = 14. The usual 6×8 needs 16, and V8 then
// keeps one accumulator in a stack slot, which puts a store-to-load round trip on its dependency chain every
// step; 4×8 fits too but spends more loads and loop overhead per multiply. Single-thread SGEMM 1024 with Node 20
// on a shared 2-core AMD EPYC (Zen 2) VM, best of repeated runs: 5×8 ≈ 25 GFLOP/s, 4×8 ≈ 23, 6×8 ≈ 21
// (TensorFlow.js's WASM backend, XNNPACK: ≈ 14). The k loop is not unrolled: clang interleaves unrolled steps,
// which raises the live vectors past 15 and makes V8 spill as well. KC/MC/NC moved the result by less than the
// run-to-run noise; they follow the usual cache budget (A panel + B panel in L1, A block in L2).
//
// All four transpose cases are handled in the packing, so the micro-kernel only ever sees contiguous panels:
// a panel whose rows are contiguous in the source (op(B) not transposed, op(A) transposed) is copied row by row;
// one whose columns are contiguous (A not transposed, B transposed) is transposed in 4×4 blocks with shuffles.
// Panels are zero-padded to whole MR/NR tiles; an edge tile is computed into a local tile and only its valid part
// is merged into C, so nothing outside C is read or written, and C is never read when beta == 0.
//
// The arithmetic of an element of C depends only on k (KC is chosen from k alone, and the sum runs over p in
// order), so any split of m or n — sgemm_parallel runs this on disjoint blocks of C from several threads — gives
// bit-identical results. Nothing here is static or thread-local: packing buffers belong to the call (the stack for
// small products, the heap otherwise).
#include <wasm_simd128.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "../gemm.h"

namespace neurite {
namespace {

constexpr int64_t kMR = 5;          // rows of the C tile held in registers
constexpr int64_t kNV = 2;          // v128 columns of the tile ...
constexpr int64_t kNR = 4 * kNV;    // ... so 8 floats wide
constexpr int64_t kKC = 256;        // depth of a packed block: an A panel (5 KB) and a B panel (8 KB) share L1
constexpr int64_t kMC = 28 * kMR;   // 140 rows: the packed A block (140 KB at kc = 256) fits L2
constexpr int64_t kNC = 4096;       // packed B block, at most 4 MB: in L3, reused by every A block
constexpr int64_t kStackFloats = 4096;  // products whose packed blocks fit 16 KB pack on the stack

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// C tile (MR×NR at c, row stride ldc) = alpha·(packed A panel × packed B panel) + beta·C; beta == 0 never reads C.
__attribute__((noinline)) void micro_kernel(int64_t kc, const float* __restrict pa, const float* __restrict pb,
                                            float* __restrict c, int64_t ldc, float alpha, float beta) {
  v128_t acc[kMR][kNV];
  for (int i = 0; i < kMR; i++) {
    for (int j = 0; j < kNV; j++) acc[i][j] = wasm_f32x4_const_splat(0.0f);
  }
  for (int64_t p = 0; p < kc; p++) {
    v128_t b[kNV];
    for (int j = 0; j < kNV; j++) b[j] = wasm_v128_load(pb + 4 * j);
    for (int i = 0; i < kMR; i++) {
      const v128_t a = wasm_v128_load32_splat(pa + i);
      for (int j = 0; j < kNV; j++) acc[i][j] = wasm_f32x4_add(acc[i][j], wasm_f32x4_mul(a, b[j]));
    }
    pa += kMR;
    pb += kNR;
  }
  const v128_t va = wasm_f32x4_splat(alpha);
  if (beta == 0.0f) {
    for (int i = 0; i < kMR; i++) {
      for (int j = 0; j < kNV; j++) wasm_v128_store(c + i * ldc + 4 * j, wasm_f32x4_mul(va, acc[i][j]));
    }
  } else if (beta == 1.0f) {
    for (int i = 0; i < kMR; i++) {
      for (int j = 0; j < kNV; j++) {
        float* cp = c + i * ldc + 4 * j;
        wasm_v128_store(cp, wasm_f32x4_add(wasm_v128_load(cp), wasm_f32x4_mul(va, acc[i][j])));
      }
    }
  } else {
    const v128_t vb = wasm_f32x4_splat(beta);
    for (int i = 0; i < kMR; i++) {
      for (int j = 0; j < kNV; j++) {
        float* cp = c + i * ldc + 4 * j;
        wasm_v128_store(cp, wasm_f32x4_add(wasm_f32x4_mul(va, acc[i][j]), wasm_f32x4_mul(vb, wasm_v128_load(cp))));
      }
    }
  }
}

// A partial tile (rows × cols of C, fewer than MR×NR): the full tile into a local buffer, then the valid part
// merged with the same arithmetic as micro_kernel, so an element's value does not depend on where tiles fall.
void edge_kernel(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, int64_t rows, int64_t cols,
                 float alpha, float beta) {
  alignas(16) float tile[kMR * kNR];
  micro_kernel(kc, pa, pb, tile, kNR, 1.0f, 0.0f);
  for (int64_t i = 0; i < rows; i++) {
    const float* t = tile + i * kNR;
    float* cr = c + i * ldc;
    if (beta == 0.0f) {
      for (int64_t j = 0; j < cols; j++) cr[j] = alpha * t[j];
    } else if (beta == 1.0f) {
      for (int64_t j = 0; j < cols; j++) cr[j] = cr[j] + alpha * t[j];
    } else {
      for (int64_t j = 0; j < cols; j++) cr[j] = alpha * t[j] + beta * cr[j];
    }
  }
}

// Panel of W-wide rows whose rows are contiguous in the source: dst[p·W + j] = src[p·ld + j] for j < width,
// zero for width <= j < W.
template <int64_t W>
void pack_rows(const float* src, int64_t ld, int64_t width, int64_t kc, float* dst) {
  if (width == W) {
    for (int64_t p = 0; p < kc; p++) {
      const float* s = src + p * ld;
      for (int64_t j = 0; j + 4 <= W; j += 4) wasm_v128_store(dst + j, wasm_v128_load(s + j));
      for (int64_t j = W / 4 * 4; j < W; j++) dst[j] = s[j];
      dst += W;
    }
    return;
  }
  for (int64_t p = 0; p < kc; p++) {
    const float* s = src + p * ld;
    int64_t j = 0;
    for (; j < width; j++) dst[j] = s[j];
    for (; j < W; j++) dst[j] = 0.0f;
    dst += W;
  }
}

// Panel of W-wide rows whose columns are contiguous in the source: dst[p·W + r] = src[r·ld + p] for r < width,
// zero for width <= r < W. Four source columns at a time are transposed in 4×4 register blocks.
template <int64_t W>
void pack_columns(const float* src, int64_t ld, int64_t width, int64_t kc, float* dst) {
  int64_t r = 0;
  for (; r + 4 <= width; r += 4) {
    const float* s0 = src + r * ld;
    const float* s1 = s0 + ld;
    const float* s2 = s1 + ld;
    const float* s3 = s2 + ld;
    float* d = dst + r;
    int64_t p = 0;
    for (; p + 4 <= kc; p += 4) {
      const v128_t x0 = wasm_v128_load(s0 + p);
      const v128_t x1 = wasm_v128_load(s1 + p);
      const v128_t x2 = wasm_v128_load(s2 + p);
      const v128_t x3 = wasm_v128_load(s3 + p);
      const v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5);
      const v128_t t1 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);
      const v128_t t2 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5);
      const v128_t t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
      wasm_v128_store(d, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
      wasm_v128_store(d + W, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
      wasm_v128_store(d + 2 * W, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
      wasm_v128_store(d + 3 * W, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
      d += 4 * W;
    }
    for (; p < kc; p++) {
      d[0] = s0[p];
      d[1] = s1[p];
      d[2] = s2[p];
      d[3] = s3[p];
      d += W;
    }
  }
  for (; r < width; r++) {
    const float* s = src + r * ld;
    for (int64_t p = 0; p < kc; p++) dst[p * W + r] = s[p];
  }
  for (; r < W; r++) {
    for (int64_t p = 0; p < kc; p++) dst[p * W + r] = 0.0f;
  }
}

// Rows i0..i0+rows of op(A), columns p0..p0+kc, as MR-tall panels (each kc·MR floats, zero-padded).
void pack_a(bool trans_a, const float* a, int64_t lda, int64_t i0, int64_t rows, int64_t p0, int64_t kc,
            float* dst) {
  for (int64_t i = 0; i < rows; i += kMR) {
    const int64_t h = std::min(kMR, rows - i);
    if (trans_a) {
      // A is k×m: row p of the panel is contiguous
      pack_rows<kMR>(a + p0 * lda + i0 + i, lda, h, kc, dst);
    } else {
      pack_columns<kMR>(a + (i0 + i) * lda + p0, lda, h, kc, dst);
    }
    dst += kc * kMR;
  }
}

// Rows p0..p0+kc of op(B), columns j0..j0+cols, as NR-wide panels (each kc·NR floats, zero-padded).
void pack_b(bool trans_b, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols,
            float* dst) {
  for (int64_t j = 0; j < cols; j += kNR) {
    const int64_t w = std::min(kNR, cols - j);
    if (trans_b) {
      // B is n×k: column j of op(B) is contiguous
      pack_columns<kNR>(b + (j0 + j) * ldb + p0, ldb, w, kc, dst);
    } else {
      pack_rows<kNR>(b + p0 * ldb + j0 + j, ldb, w, kc, dst);
    }
    dst += kc * kNR;
  }
}

// C = beta·C, for an empty product.
void scale_c(int64_t m, int64_t n, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; i++) {
    float* row = c + i * ldc;
    if (beta == 0.0f) {
      std::fill(row, row + n, 0.0f);
    } else if (beta != 1.0f) {
      for (int64_t j = 0; j < n; j++) row[j] *= beta;
    }
  }
}

}  // namespace

void blas_init() {}

const char* blas_name() { return "wasm-simd128"; }

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  // k in equal blocks of at most KC (rounded to 4 for the transposing pack): a 300-deep product runs as
  // 152 + 148, not 256 + 44, so no block is too shallow to amortise its C update
  const int64_t k_blocks = (k + kKC - 1) / kKC;
  const int64_t kc_max = std::min(k, round_up((k + k_blocks - 1) / k_blocks, 4));
  const int64_t mc_max = std::min(kMC, round_up(m, kMR));
  const int64_t nc_max = std::min(kNC, round_up(n, kNR));
  const int64_t a_floats = round_up(mc_max * kc_max, 16);
  const int64_t b_floats = nc_max * kc_max;

  alignas(16) float stack[kStackFloats];
  float* heap = nullptr;
  float* pa = stack;
  if (a_floats + b_floats > kStackFloats) {
    // the B block starts a_floats after the A block: round it so both start on a cache line
    const size_t bytes = static_cast<size_t>(round_up((a_floats + b_floats) * 4, 64));  // a multiple of 64
    heap = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (heap == nullptr) std::abort();  // out of WebAssembly memory: nothing sensible to return
    pa = heap;
  }
  float* pb = pa + a_floats;

  for (int64_t jc = 0; jc < n; jc += kNC) {
    const int64_t nc = std::min(kNC, n - jc);
    for (int64_t pc = 0; pc < k; pc += kc_max) {
      const int64_t kc = std::min(kc_max, k - pc);
      // the first k block applies beta; later ones add to what it left in C
      const float beta_k = pc == 0 ? beta : 1.0f;
      pack_b(trans_b, b, ldb, pc, kc, jc, nc, pb);
      for (int64_t ic = 0; ic < m; ic += kMC) {
        const int64_t mc = std::min(kMC, m - ic);
        pack_a(trans_a, a, lda, ic, mc, pc, kc, pa);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          const float* b_panel = pb + jr * kc;
          const int64_t cols = std::min(kNR, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            const float* a_panel = pa + ir * kc;
            const int64_t rows = std::min(kMR, mc - ir);
            float* ct = c + (ic + ir) * ldc + jc + jr;
            if (rows == kMR && cols == kNR) {
              micro_kernel(kc, a_panel, b_panel, ct, ldc, alpha, beta_k);
            } else {
              edge_kernel(kc, a_panel, b_panel, ct, ldc, rows, cols, alpha, beta_k);
            }
          }
        }
      }
    }
  }
  std::free(heap);
}

}  // namespace neurite
