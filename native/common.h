// Shared pieces of the native kernels: array views, JavaScript's number-to-typed-array conversions, and the
// geometry records that TypeScript serialises into Int32Arrays.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace neurite {

enum class DType { F32, I32, U8 };

// a rounded up to a multiple of b (a ≥ 0, b > 0).
inline int64_t round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

// Uninitialised floats for a kernel's scratch: at least one, so that an empty size still has a pointer.
inline std::unique_ptr<float[]> scratch(int64_t n) { return std::unique_ptr<float[]>(new float[std::max<int64_t>(n, 1)]); }

// A typed array as the kernels see it: no ownership, no copy.
struct Array {
  void* data;
  int64_t len;
  DType type;

  template <class T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

// Hot loops that gain from 256-bit vectors get an AVX2 clone picked at load time by the CPU's features, so
// the baseline build (SSE2) still runs everywhere. The pick is a glibc ifunc, hence the glibc-only guard.
// NEURITE_X86_CLONES says whether this build can hold such clones (conv.cc also compiles AVX2+FMA kernels of
// its own, used when the CPU has both).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__)
#define NEURITE_X86_CLONES 1
#define NEURITE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define NEURITE_X86_CLONES 0
#define NEURITE_CLONES
#endif

#define NEURITE_STR2(x) #x
#define NEURITE_STR(x) NEURITE_STR2(x)
#if defined(_OPENMP) || defined(__GNUC__) || defined(__clang__)
#define NEURITE_SIMD_SUM(var) _Pragma(NEURITE_STR(omp simd reduction(+ : var)))
#else
#define NEURITE_SIMD_SUM(var)
#endif

// JavaScript's ToInt32: what storing a number into an Int32Array does (NaN and ±∞ become 0, the rest is
// truncated and wrapped modulo 2^32).
inline int32_t js_to_int32(double v) {
  if (v > -2147483649.0 && v < 2147483648.0) return static_cast<int32_t>(v);
  if (!std::isfinite(v)) return 0;
  double m = std::fmod(std::trunc(v), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

// JavaScript's ToUint8 (modulo 256), what storing a number into a Uint8Array does.
inline uint8_t js_to_uint8(double v) {
  if (v > -1.0 && v < 256.0) return static_cast<uint8_t>(static_cast<int>(v));
  if (!std::isfinite(v)) return 0;
  double m = std::fmod(std::trunc(v), 256.0);
  if (m < 0) m += 256.0;
  return static_cast<uint8_t>(m);
}

// JavaScript's `x ** y`, which differs from C's pow where |x| = 1 and y is NaN or infinite.
inline double js_pow(double x, double y) {
  if (std::isnan(y)) return NAN;
  if (std::isinf(y) && std::fabs(x) == 1.0) return NAN;
  return std::pow(x, y);
}

// JavaScript's Math.max and Math.min: NaN wins, and +0 is larger than -0.
inline double js_max(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

inline double js_min(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

template <class T>
inline T from_double(double v);
template <>
inline float from_double<float>(double v) {
  return static_cast<float>(v);
}
template <>
inline int32_t from_double<int32_t>(double v) {
  return js_to_int32(v);
}
template <>
inline uint8_t from_double<uint8_t>(double v) {
  return js_to_uint8(v);
}

inline double load(const Array& a, int64_t i) {
  switch (a.type) {
    case DType::F32:
      return a.as<float>()[i];
    case DType::I32:
      return a.as<int32_t>()[i];
    default:
      return a.as<uint8_t>()[i];
  }
}

inline void store(const Array& a, int64_t i, double v) {
  switch (a.type) {
    case DType::F32:
      a.as<float>()[i] = static_cast<float>(v);
      break;
    case DType::I32:
      a.as<int32_t>()[i] = js_to_int32(v);
      break;
    default:
      a.as<uint8_t>()[i] = js_to_uint8(v);
  }
}

inline int elem_size(DType t) { return t == DType::U8 ? 1 : 4; }

// max(v, 0) as Math.max in the reference and torch.relu: NaN stays NaN, −0 becomes +0.
inline float relu_value(float v) { return (v > 0 || v != v) ? v : 0.0f; }

// The ReLU's gradient at x (its input, or its output: both are positive at the same places) for upstream g.
inline float relu_grad_value(float x, float g) { return x > 0 ? g : 0.0f; }

// Conv2dInfo as serialised by src/backend/native/index.ts (same field order as the interface).
struct ConvGeom {
  int64_t batch, in_c, in_h, in_w, out_c, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_t, pad_l, dil_h,
      dil_w, groups;

  static ConvGeom from(const int32_t* v) {
    return {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]};
  }
};

// Pool2dInfo as serialised by src/backend/native/index.ts (same field order as the interface).
struct PoolGeom {
  int64_t batch, channels, in_h, in_w, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_t, pad_l, dil_h, dil_w;
  bool count_include_pad;

  static PoolGeom from(const int32_t* v) {
    return {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14] != 0};
  }
};

}  // namespace neurite
