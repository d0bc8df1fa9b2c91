// Elementwise kernels. Results match the TypeScript reference exactly where it is exact (integer wrap-around,
// NaN handling, comparisons, rounding) and to a float ulp or two for transcendental functions.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "broadcast.h"
#include "kernels.h"
#include "threads.h"

namespace neurite {
namespace {

// Elements per thread below which a chunk is not worth a thread: memory-bound ops and transcendental ones.
constexpr int64_t kCheapGrain = 1 << 15;
constexpr int64_t kCostlyGrain = 1 << 12;

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::F32;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::I32;
}
template <>
constexpr DType dtype_of<uint8_t>() {
  return DType::U8;
}

// --- binary ops, with JavaScript's store semantics for each element type --------------------------------

inline float wrap_add(float a, float b) { return a + b; }
inline int32_t wrap_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline uint8_t wrap_add(uint8_t a, uint8_t b) { return static_cast<uint8_t>(a + b); }

inline float wrap_sub(float a, float b) { return a - b; }
inline int32_t wrap_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}
inline uint8_t wrap_sub(uint8_t a, uint8_t b) { return static_cast<uint8_t>(a - b); }

inline float wrap_mul(float a, float b) { return a * b; }
// TypeScript multiplies in float64 and then wraps, so products past 2^53 round first: do the same
inline int32_t wrap_mul(int32_t a, int32_t b) { return js_to_int32(static_cast<double>(a) * static_cast<double>(b)); }
inline uint8_t wrap_mul(uint8_t a, uint8_t b) { return static_cast<uint8_t>(a * b); }

inline float js_div(float a, float b) { return a / b; }
template <class T>
inline T js_div(T a, T b) {
  return from_double<T>(static_cast<double>(a) / static_cast<double>(b));
}

template <class T>
struct Add {
  using R = T;
  static R f(T a, T b) { return wrap_add(a, b); }
};
template <class T>
struct Sub {
  using R = T;
  static R f(T a, T b) { return wrap_sub(a, b); }
};
template <class T>
struct Mul {
  using R = T;
  static R f(T a, T b) { return wrap_mul(a, b); }
};
template <class T>
struct Div {
  using R = T;
  static R f(T a, T b) { return js_div(a, b); }
};
template <class T>
struct Pow {
  using R = T;
  static R f(T a, T b) { return from_double<T>(js_pow(a, b)); }
};
template <class T>
struct Maximum {
  using R = T;
  // NaN propagates from either side, as in the reference
  static R f(T a, T b) { return (a >= b || a != a) ? a : b; }
};
template <class T>
struct Minimum {
  using R = T;
  static R f(T a, T b) { return (a <= b || a != a) ? a : b; }
};
template <class T>
struct Eq {
  using R = uint8_t;
  static R f(T a, T b) { return a == b; }
};
template <class T>
struct Ne {
  using R = uint8_t;
  static R f(T a, T b) { return a != b; }
};
template <class T>
struct Lt {
  using R = uint8_t;
  static R f(T a, T b) { return a < b; }
};
template <class T>
struct Le {
  using R = uint8_t;
  static R f(T a, T b) { return a <= b; }
};
template <class T>
struct Gt {
  using R = uint8_t;
  static R f(T a, T b) { return a > b; }
};
template <class T>
struct Ge {
  using R = uint8_t;
  static R f(T a, T b) { return a >= b; }
};

// Bitwise ops, on int32 only: the TypeScript ops refuse float32 (naming the op) and send two bools to minimum,
// maximum and ne instead, so every other element type gets one placeholder rather than a loop per op. Shift
// counts are taken mod 32, as JavaScript's << and >> do and as PyTorch 1.13 gives on CPU; << shifts the unsigned
// bits (no signed overflow), and >> of a negative int32 is arithmetic (sign-filling) in every compiler neurite
// builds with, and in C++20.
inline uint32_t shift_count(int32_t b) { return static_cast<uint32_t>(b) & 31u; }
inline int32_t shift_left(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) << shift_count(b));
}
inline int32_t shift_right(int32_t a, int32_t b) { return a >> shift_count(b); }

struct BitwiseAnd {
  using R = int32_t;
  static R f(int32_t a, int32_t b) { return a & b; }
};
struct BitwiseOr {
  using R = int32_t;
  static R f(int32_t a, int32_t b) { return a | b; }
};
struct BitwiseXor {
  using R = int32_t;
  static R f(int32_t a, int32_t b) { return a ^ b; }
};
struct LeftShift {
  using R = int32_t;
  static R f(int32_t a, int32_t b) { return shift_left(a, b); }
};
struct RightShift {
  using R = int32_t;
  static R f(int32_t a, int32_t b) { return shift_right(a, b); }
};
template <class T>
struct NeverCalled {
  using R = T;
  static R f(T, T) { return 0; }
};

template <class T, class F>
void with_bitwise_op(int op, F&& f) {
  if constexpr (!std::is_same_v<T, int32_t>) {
    return f(NeverCalled<T>{});
  } else {
    switch (op) {
      case kBitwiseAnd:
        return f(BitwiseAnd{});
      case kBitwiseOr:
        return f(BitwiseOr{});
      case kBitwiseXor:
        return f(BitwiseXor{});
      case kLeftShift:
        return f(LeftShift{});
      default:
        return f(RightShift{});
    }
  }
}

template <class T, class F>
void with_binary_op(int op, F&& f) {
  switch (op) {
    case kAdd:
      return f(Add<T>{});
    case kSub:
      return f(Sub<T>{});
    case kMul:
      return f(Mul<T>{});
    case kDiv:
      return f(Div<T>{});
    case kPow:
      return f(Pow<T>{});
    case kMaximum:
      return f(Maximum<T>{});
    case kMinimum:
      return f(Minimum<T>{});
    case kEq:
      return f(Eq<T>{});
    case kNe:
      return f(Ne<T>{});
    case kLt:
      return f(Lt<T>{});
    case kLe:
      return f(Le<T>{});
    case kGt:
      return f(Gt<T>{});
    case kBitwiseAnd:
    case kBitwiseOr:
    case kBitwiseXor:
    case kLeftShift:
    case kRightShift:
      return with_bitwise_op<T>(op, f);
    default:
      return f(Ge<T>{});
  }
}

// One run: the inner loops the compiler vectorises, specialised on which operand moves.
template <class Op, class T, class R>
inline void binary_run(const T* a, int64_t sa, const T* b, int64_t sb, R* out, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = Op::f(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const T y = *b;
    for (int64_t i = 0; i < n; i++) out[i] = Op::f(a[i], y);
  } else if (sa == 0 && sb == 1) {
    const T x = *a;
    for (int64_t i = 0; i < n; i++) out[i] = Op::f(x, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = Op::f(a[i * sa], b[i * sb]);
  }
}

template <class Op, class T, class R>
void binary_typed(const T* a, int64_t na, const T* b, int64_t nb, R* out, int64_t n, const int32_t* meta,
                  int64_t grain) {
  if ((na == n || na == 1) && (nb == n || nb == 1)) {
    const int64_t sa = na == n ? 1 : 0;
    const int64_t sb = nb == n ? 1 : 0;
    parallel_for(n, grain, [&](int64_t lo, int64_t hi) {
      binary_run<Op, T, R>(a + lo * sa, sa, b + lo * sb, sb, out + lo, hi - lo);
    });
    return;
  }
  Broadcast<2> bc(meta);
  bc.for_each_run(grain, [&](int64_t o, const int64_t* off, int64_t len, const int64_t* steps) {
    binary_run<Op, T, R>(a + off[0], steps[0], b + off[1], steps[1], out + o, len);
  });
}

// The reference's arithmetic on float64 values, for operand and result types the fast paths do not cover.
double js_binary(int op, double x, double y) {
  switch (op) {
    case kAdd:
      return x + y;
    case kSub:
      return x - y;
    case kMul:
      return x * y;
    case kDiv:
      return x / y;
    case kPow:
      return js_pow(x, y);
    case kMaximum:
      return (x >= y || std::isnan(x)) ? x : y;
    case kMinimum:
      return (x <= y || std::isnan(x)) ? x : y;
    case kEq:
      return x == y;
    case kNe:
      return x != y;
    case kLt:
      return x < y;
    case kLe:
      return x <= y;
    case kGt:
      return x > y;
    case kBitwiseAnd:
      return js_to_int32(x) & js_to_int32(y);
    case kBitwiseOr:
      return js_to_int32(x) | js_to_int32(y);
    case kBitwiseXor:
      return js_to_int32(x) ^ js_to_int32(y);
    case kLeftShift:
      return shift_left(js_to_int32(x), js_to_int32(y));
    case kRightShift:
      return shift_right(js_to_int32(x), js_to_int32(y));
    default:
      return x >= y;
  }
}

void binary_mixed(int op, const Array& a, const Array& b, const Array& out, const int32_t* meta) {
  const int64_t n = out.len;
  if ((a.len == n || a.len == 1) && (b.len == n || b.len == 1)) {
    const int64_t sa = a.len == n ? 1 : 0;
    const int64_t sb = b.len == n ? 1 : 0;
    for (int64_t i = 0; i < n; i++) store(out, i, js_binary(op, load(a, i * sa), load(b, i * sb)));
    return;
  }
  Broadcast<2> bc(meta);
  bc.for_each_run(kCheapGrain, [&](int64_t o, const int64_t* off, int64_t len, const int64_t* steps) {
    for (int64_t j = 0; j < len; j++) {
      store(out, o + j, js_binary(op, load(a, off[0] + j * steps[0]), load(b, off[1] + j * steps[1])));
    }
  });
}

template <class T>
void binary_for(int op, const Array& a, const Array& b, const Array& out, const int32_t* meta) {
  const int64_t grain = op == kPow ? kCostlyGrain : kCheapGrain;
  with_binary_op<T>(op, [&](auto tag) {
    using Op = decltype(tag);
    using R = typename Op::R;
    if (out.type != dtype_of<R>()) {
      binary_mixed(op, a, b, out, meta);
      return;
    }
    binary_typed<Op, T, R>(a.as<T>(), a.len, b.as<T>(), b.len, out.as<R>(), out.len, meta, grain);
  });
}

// --- unary ops -------------------------------------------------------------------------------------------

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

// Φ(x) through erfc, which keeps its precision far into the negative tail where 1 + erf(x/√2) cancels.
inline double gauss_cdf(double x) { return 0.5 * std::erfc(-x * kInvSqrt2); }

template <class F>
void map_unary(const float* x, float* out, int64_t n, int64_t grain, F f) {
  parallel_for(n, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) out[i] = f(x[i]);
  });
}

template <class F>
void map_grad(const float* x, const float* y, const float* dy, float* out, int64_t n, int64_t grain, F f) {
  parallel_for(n, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) out[i] = f(x[i], y[i], dy[i]);
  });
}

}  // namespace

void binary(int op, const Array& a, const Array& b, const Array& out, const int32_t* meta) {
  if (out.len == 0) return;
  if (a.type != b.type) {
    binary_mixed(op, a, b, out, meta);
    return;
  }
  switch (a.type) {
    case DType::F32:
      return binary_for<float>(op, a, b, out, meta);
    case DType::I32:
      return binary_for<int32_t>(op, a, b, out, meta);
    default:
      return binary_for<uint8_t>(op, a, b, out, meta);
  }
}

void unary(int op, const float* x, float* out, int64_t n, double alpha) {
  const int64_t cheap = kCheapGrain;
  const int64_t costly = kCostlyGrain;
  switch (op) {
    case kNeg:
      return map_unary(x, out, n, cheap, [](float v) { return -v; });
    case kExp:
      return map_unary(x, out, n, costly, [](float v) { return std::exp(v); });
    case kLog:
      return map_unary(x, out, n, costly, [](float v) { return std::log(v); });
    case kSqrt:
      return map_unary(x, out, n, cheap, [](float v) { return std::sqrt(v); });
    case kAbs:
      return map_unary(x, out, n, cheap, [](float v) { return std::fabs(v); });
    case kSign:
      return map_unary(x, out, n, cheap, [](float v) { return v > 0 ? 1.0f : v < 0 ? -1.0f : v; });
    case kSquare:
      return map_unary(x, out, n, cheap, [](float v) { return v * v; });
    case kReciprocal:
      return map_unary(x, out, n, cheap, [](float v) { return 1.0f / v; });
    case kRelu:
      return map_unary(x, out, n, cheap, [](float v) { return relu_value(v); });
    case kSigmoid:
      return map_unary(x, out, n, costly, [](float v) {
        if (v >= 0) return 1.0f / (1.0f + std::exp(-v));
        const float e = std::exp(v);
        return e / (1.0f + e);
      });
    case kTanh:
      return map_unary(x, out, n, costly, [](float v) { return std::tanh(v); });
    case kSoftplus:
      // PyTorch's threshold: above 20, log(1 + e^x) is x itself in float32
      return map_unary(x, out, n, costly, [](float v) { return v > 20 ? v : std::log1p(std::exp(v)); });
    case kGelu:
      return map_unary(x, out, n, costly,
                       [](float v) { return static_cast<float>(v * gauss_cdf(v)); });
    case kElu:
      return map_unary(x, out, n, costly, [alpha](float v) {
        return v > 0 ? v : static_cast<float>(alpha * std::expm1(static_cast<double>(v)));
      });
    case kLeakyRelu:
      return map_unary(x, out, n, cheap,
                       [alpha](float v) { return v > 0 ? v : static_cast<float>(alpha * v); });
    case kSin:
      return map_unary(x, out, n, costly, [](float v) { return std::sin(v); });
    case kCos:
      return map_unary(x, out, n, costly, [](float v) { return std::cos(v); });
    case kFloor:
      return map_unary(x, out, n, cheap, [](float v) { return std::floor(v); });
    case kCeil:
      return map_unary(x, out, n, cheap, [](float v) { return std::ceil(v); });
    default:
      // round half to even (the default rounding mode), as PyTorch does
      return map_unary(x, out, n, cheap, [](float v) { return std::nearbyint(v); });
  }
}

void unary_grad(int op, const float* x, const float* y, const float* dy, float* out, int64_t n, double alpha) {
  const int64_t cheap = kCheapGrain;
  const int64_t costly = kCostlyGrain;
  switch (op) {
    case kGradRelu:
      return map_grad(x, y, dy, out, n, cheap, [](float v, float, float g) { return relu_grad_value(v, g); });
    case kGradSigmoid:
      return map_grad(x, y, dy, out, n, cheap, [](float, float s, float g) {
        return static_cast<float>(static_cast<double>(g) * s * (1.0 - s));
      });
    case kGradTanh:
      return map_grad(x, y, dy, out, n, cheap, [](float, float t, float g) {
        return static_cast<float>(static_cast<double>(g) * (1.0 - static_cast<double>(t) * t));
      });
    case kGradSoftplus:
      return map_grad(x, y, dy, out, n, costly,
                      [](float v, float, float g) { return v > 20 ? g : g / (1.0f + std::exp(-v)); });
    case kGradGelu:
      return map_grad(x, y, dy, out, n, costly, [](float v, float, float g) {
        const double d = v;
        return static_cast<float>(g * (gauss_cdf(d) + d * std::exp(-0.5 * d * d) * kInvSqrt2Pi));
      });
    case kGradElu:
      return map_grad(x, y, dy, out, n, cheap, [alpha](float v, float e, float g) {
        return v > 0 ? g : static_cast<float>(static_cast<double>(g) * (e + alpha));
      });
    default:
      return map_grad(x, y, dy, out, n, cheap, [alpha](float v, float, float g) {
        return v > 0 ? g : static_cast<float>(g * alpha);
      });
  }
}

void clamp(const float* x, int64_t n, double lo, double hi, float* out) {
  // min(max(x, lo), hi) in that order, as the reference: lo > hi gives hi everywhere, NaN stays NaN
  parallel_for(n, kCheapGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) out[i] = static_cast<float>(js_min(js_max(x[i], lo), hi));
  });
}

namespace {

template <class T>
void where_typed(const uint8_t* c, int64_t nc, const T* a, int64_t na, const T* b, int64_t nb, T* out, int64_t n,
                 const int32_t* meta) {
  if (nc == n && na == n && nb == n) {
    parallel_for(n, kCheapGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; i++) out[i] = c[i] ? a[i] : b[i];
    });
    return;
  }
  Broadcast<3> bc(meta);
  bc.for_each_run(kCheapGrain, [&](int64_t o, const int64_t* off, int64_t len, const int64_t* st) {
    const uint8_t* cp = c + off[0];
    const T* ap = a + off[1];
    const T* bp = b + off[2];
    T* op = out + o;
    for (int64_t j = 0; j < len; j++) op[j] = cp[j * st[0]] ? ap[j * st[1]] : bp[j * st[2]];
  });
}

void where_mixed(const Array& cond, const Array& a, const Array& b, const Array& out, const int32_t* meta) {
  Broadcast<3> bc(meta);
  bc.for_each_run(kCheapGrain, [&](int64_t o, const int64_t* off, int64_t len, const int64_t* st) {
    for (int64_t j = 0; j < len; j++) {
      const bool take_a = load(cond, off[0] + j * st[0]) != 0;
      store(out, o + j, take_a ? load(a, off[1] + j * st[1]) : load(b, off[2] + j * st[2]));
    }
  });
}

template <class S, class D>
void cast_typed(const S* x, D* out, int64_t n) {
  parallel_for(n, kCheapGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) {
      if constexpr (std::is_same_v<D, uint8_t>) {
        out[i] = x[i] != 0;
      } else if constexpr (std::is_same_v<D, int32_t> && std::is_same_v<S, float>) {
        out[i] = js_to_int32(x[i]);
      } else {
        out[i] = static_cast<D>(x[i]);
      }
    }
  });
}

template <class S>
void cast_from(const S* x, const Array& out) {
  switch (out.type) {
    case DType::F32:
      return cast_typed(x, out.as<float>(), out.len);
    case DType::I32:
      return cast_typed(x, out.as<int32_t>(), out.len);
    default:
      return cast_typed(x, out.as<uint8_t>(), out.len);
  }
}

}  // namespace

void where(const Array& cond, const Array& a, const Array& b, const Array& out, const int32_t* meta) {
  if (out.len == 0) return;
  const bool same = cond.type == DType::U8 && a.type == out.type && b.type == out.type;
  const bool plain = cond.len == out.len && a.len == out.len && b.len == out.len;
  if (!same) {
    if (plain) {
      for (int64_t i = 0; i < out.len; i++) store(out, i, load(cond, i) != 0 ? load(a, i) : load(b, i));
    } else {
      where_mixed(cond, a, b, out, meta);
    }
    return;
  }
  const uint8_t* c = cond.as<uint8_t>();
  switch (out.type) {
    case DType::F32:
      return where_typed(c, cond.len, a.as<float>(), a.len, b.as<float>(), b.len, out.as<float>(), out.len, meta);
    case DType::I32:
      return where_typed(c, cond.len, a.as<int32_t>(), a.len, b.as<int32_t>(), b.len, out.as<int32_t>(), out.len,
                         meta);
    default:
      return where_typed(c, cond.len, a.as<uint8_t>(), a.len, b.as<uint8_t>(), b.len, out.as<uint8_t>(), out.len,
                         meta);
  }
}

void cast(const Array& x, const Array& out) {
  if (x.type == out.type) {
    std::memcpy(out.data, x.data, static_cast<size_t>(x.len) * elem_size(x.type));
    return;
  }
  switch (x.type) {
    case DType::F32:
      return cast_from(x.as<float>(), out);
    case DType::I32:
      return cast_from(x.as<int32_t>(), out);
    default:
      return cast_from(x.as<uint8_t>(), out);
  }
}

namespace {

// weightedSum works through its output in blocks this long, which stay in L1 while each input is added in.
constexpr int64_t kWeightedBlock = 2048;
// Products of an input and the gradient summed in float before the sum moves to double (as norm.cc's runs).
constexpr int64_t kWeightedRun = 64;

// Elements per parallel chunk for k arrays: whole blocks, and about as much work as a cheap elementwise chunk.
int64_t weighted_grain(int64_t k) { return std::max<int64_t>(kWeightedBlock, kCheapGrain / k); }

NEURITE_CLONES void weighted_sum_block(const float* const* xs, int64_t k, const float* w, float* out, int64_t lo,
                                       int64_t hi, bool relu) {
  const float w0 = w[0];
  const float* x0 = xs[0];
  for (int64_t j = lo; j < hi; j++) out[j] = w0 * x0[j];
  for (int64_t i = 1; i < k; i++) {
    const float wi = w[i];
    const float* x = xs[i];
    for (int64_t j = lo; j < hi; j++) out[j] += wi * x[j];
  }
  if (relu) {
    for (int64_t j = lo; j < hi; j++) out[j] = relu_value(out[j]);
  }
}

// Σ g·x over [0, n) in float runs added up in double.
NEURITE_CLONES double dot_runs(const float* g, const float* x, int64_t n) {
  double s = 0;
  for (int64_t r = 0; r < n; r += kWeightedRun) {
    const int64_t e = std::min(n, r + kWeightedRun);
    float t = 0;
    NEURITE_SIMD_SUM(t)
    for (int64_t j = r; j < e; j++) t += g[j] * x[j];
    s += t;
  }
  return s;
}

NEURITE_CLONES void scale_into(const float* g, float wi, float* dx, int64_t n) {
  for (int64_t j = 0; j < n; j++) dx[j] = wi * g[j];
}

NEURITE_CLONES void relu_mask(const float* y, const float* dy, float* g, int64_t n) {
  for (int64_t j = 0; j < n; j++) g[j] = relu_grad_value(y[j], dy[j]);
}

}  // namespace

void weighted_sum(const float* const* xs, int64_t k, const float* w, float* out, int64_t n, bool relu) {
  if (n <= 0 || k <= 0) return;
  parallel_for(n, weighted_grain(k), [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; b += kWeightedBlock) weighted_sum_block(xs, k, w, out, b, std::min(hi, b + kWeightedBlock), relu);
  });
}

void weighted_sum_backward(const float* const* xs, int64_t k, const float* w, const float* dy, const float* y,
                           float* const* dxs, float* dw, int64_t n) {
  if (k <= 0) return;
  if (n <= 0) {
    if (dw) std::fill(dw, dw + k, 0.0f);
    return;
  }
  // fixed chunks (a function of n and the thread count), each with its own partial sums, added in chunk order:
  // the same result run after run
  const int parts = chunks_for(n, weighted_grain(k));
  std::vector<double> partial(dw ? static_cast<size_t>(parts * k) : 0, 0.0);
  run_tasks(parts, [&](int t) {
    const int64_t lo = n * t / parts;
    const int64_t hi = n * (t + 1) / parts;
    float masked[kWeightedBlock];
    for (int64_t b = lo; b < hi; b += kWeightedBlock) {
      const int64_t len = std::min(hi, b + kWeightedBlock) - b;
      const float* g = dy + b;
      if (y) {
        relu_mask(y + b, dy + b, masked, len);
        g = masked;
      }
      for (int64_t i = 0; i < k; i++) {
        if (dxs[i]) scale_into(g, w[i], dxs[i] + b, len);
        if (dw) partial[static_cast<size_t>(t * k + i)] += dot_runs(g, xs[i] + b, len);
      }
    }
  });
  if (dw) {
    for (int64_t i = 0; i < k; i++) {
      double s = 0;
      for (int t = 0; t < parts; t++) s += partial[static_cast<size_t>(t * k + i)];
      dw[i] = static_cast<float>(s);
    }
  }
}

}  // namespace neurite
