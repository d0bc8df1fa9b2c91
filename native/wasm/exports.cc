// The WebAssembly glue: native/addon.cc's counterpart. Each export takes the arguments of the addon function of
// the same name (src/backend/native/index.ts, interface Addon), in the same order, with every typed array passed
// as a pointer into this module's memory — followed by its length and dtype code (0 f32, 1 i32, 2 u8) where the
// kernel needs an Array — and null pointers for absent optional arrays. The JavaScript side
// (src/backend/wasm/kernels.ts) copies arrays in and out around each call.
#include <cstdint>
#include <cstdlib>

#include "../gemm.h"
#include "../kernels.h"
#include "../threads.h"

#define NEURITE_EXPORT(name) extern "C" __attribute__((used, export_name(name)))

namespace neurite {
namespace {

Array arr(int32_t ptr, int32_t len, int32_t type) {
  return {reinterpret_cast<void*>(static_cast<uintptr_t>(static_cast<uint32_t>(ptr))), len,
          type == 0 ? DType::F32 : type == 1 ? DType::I32 : DType::U8};
}

template <class T>
T* ptr(int32_t p) {
  return reinterpret_cast<T*>(static_cast<uintptr_t>(static_cast<uint32_t>(p)));
}

float* f(int32_t p) { return ptr<float>(p); }
int32_t* i(int32_t p) { return ptr<int32_t>(p); }

}  // namespace

// native/wasm/sgemm.cc runs every product on the calling thread, so gemm.cc may split products over the pool.
bool blas_splittable() { return true; }

}  // namespace neurite

using namespace neurite;

// --- memory and threads ----------------------------------------------------------------------------------------

NEURITE_EXPORT("neurite_alloc") int32_t neurite_alloc(int32_t bytes) {
  // 16-byte alignment for SIMD loads; 0 when the heap cannot grow that far
  void* p = std::aligned_alloc(16, (static_cast<uint32_t>(bytes) + 15u) & ~15u);
  return static_cast<int32_t>(reinterpret_cast<uintptr_t>(p));
}

NEURITE_EXPORT("neurite_free") void neurite_free(int32_t p) { std::free(ptr<void>(p)); }

NEURITE_EXPORT("numThreads") int32_t wasm_num_threads() { return num_threads(); }

NEURITE_EXPORT("setNumThreads") void wasm_set_num_threads(int32_t n) { set_num_threads(n); }

// --- kernels, in addon.cc's order ------------------------------------------------------------------------------

NEURITE_EXPORT("binary")
void wasm_binary(int32_t op, int32_t a, int32_t an, int32_t at, int32_t b, int32_t bn, int32_t bt, int32_t o,
                 int32_t on, int32_t ot, int32_t meta) {
  binary(op, arr(a, an, at), arr(b, bn, bt), arr(o, on, ot), meta ? i(meta) : nullptr);
}

NEURITE_EXPORT("unary") void wasm_unary(int32_t op, int32_t x, int32_t n, int32_t out, double alpha) {
  unary(op, f(x), f(out), n, alpha);
}

NEURITE_EXPORT("unaryGrad")
void wasm_unary_grad(int32_t op, int32_t x, int32_t n, int32_t y, int32_t dy, int32_t out, double alpha) {
  unary_grad(op, f(x), f(y), f(dy), f(out), n, alpha);
}

// xs (and dxs) arrive as a table of `k` pointers in this module's memory, each to an array of n floats (a null
// pointer for a gradient not wanted); on wasm32 a pointer is an int32, so the table is read as it is.
NEURITE_EXPORT("weightedSum")
void wasm_weighted_sum(int32_t xs, int32_t k, int32_t w, int32_t out, int32_t n, int32_t relu) {
  weighted_sum(ptr<const float* const>(xs), k, f(w), f(out), n, relu != 0);
}

NEURITE_EXPORT("weightedSumBackward")
void wasm_weighted_sum_backward(int32_t xs, int32_t k, int32_t w, int32_t dy, int32_t n, int32_t y, int32_t dxs,
                                int32_t dxs_k, int32_t dw) {
  (void)dxs_k;
  weighted_sum_backward(ptr<const float* const>(xs), k, f(w), f(dy), f(y), ptr<float* const>(dxs), f(dw), n);
}

NEURITE_EXPORT("clamp") void wasm_clamp(int32_t x, int32_t n, double lo, double hi, int32_t out) {
  clamp(f(x), n, lo, hi, f(out));
}

NEURITE_EXPORT("where")
void wasm_where(int32_t c, int32_t cn, int32_t ct, int32_t a, int32_t an, int32_t at, int32_t b, int32_t bn,
                int32_t bt, int32_t o, int32_t on, int32_t ot, int32_t meta) {
  where(arr(c, cn, ct), arr(a, an, at), arr(b, bn, bt), arr(o, on, ot), meta ? i(meta) : nullptr);
}

NEURITE_EXPORT("cast") void wasm_cast(int32_t x, int32_t xn, int32_t xt, int32_t o, int32_t on, int32_t ot) {
  cast(arr(x, xn, xt), arr(o, on, ot));
}

NEURITE_EXPORT("reduce")
void wasm_reduce(int32_t op, int32_t x, int32_t xn, int32_t xt, int32_t outer, int32_t n, int32_t inner, int32_t o,
                 int32_t on, int32_t ot) {
  reduce(op, arr(x, xn, xt), outer, n, inner, arr(o, on, ot));
}

NEURITE_EXPORT("argReduce")
void wasm_arg_reduce(int32_t is_max, int32_t x, int32_t xn, int32_t xt, int32_t outer, int32_t n, int32_t inner,
                     int32_t out) {
  arg_reduce(is_max != 0, arr(x, xn, xt), outer, n, inner, i(out));
}

NEURITE_EXPORT("gemm") void wasm_gemm(int32_t a, int32_t b, int32_t info, int32_t c) {
  gemm(f(a), f(b), GemmGeom::from(ptr<double>(info)), f(c));
}

NEURITE_EXPORT("transpose")
void wasm_transpose(int32_t x, int32_t xn, int32_t xt, int32_t meta, int32_t o, int32_t on, int32_t ot) {
  transpose(arr(x, xn, xt), i(meta), arr(o, on, ot));
}

NEURITE_EXPORT("slice")
void wasm_slice(int32_t x, int32_t xn, int32_t xt, int32_t meta, int32_t o, int32_t on, int32_t ot) {
  slice(arr(x, xn, xt), i(meta), arr(o, on, ot));
}

NEURITE_EXPORT("insert")
void wasm_insert(int32_t s, int32_t sn, int32_t st, int32_t d, int32_t dn, int32_t dt, int32_t meta,
                 int32_t accumulate) {
  insert(arr(s, sn, st), arr(d, dn, dt), i(meta), accumulate != 0);
}

NEURITE_EXPORT("indexSelect")
void wasm_index_select(int32_t x, int32_t xn, int32_t xt, int32_t outer, int32_t n, int32_t inner, int32_t idx,
                       int32_t k, int32_t o, int32_t on, int32_t ot) {
  index_select(arr(x, xn, xt), outer, n, inner, i(idx), k, arr(o, on, ot));
}

NEURITE_EXPORT("indexAdd")
void wasm_index_add(int32_t dy, int32_t outer, int32_t n, int32_t inner, int32_t idx, int32_t k, int32_t out) {
  index_add(f(dy), outer, n, inner, i(idx), k, f(out));
}

NEURITE_EXPORT("gather")
void wasm_gather(int32_t x, int32_t xn, int32_t xt, int32_t outer, int32_t n, int32_t inner, int32_t idx, int32_t k,
                 int32_t o, int32_t on, int32_t ot) {
  gather(arr(x, xn, xt), outer, n, inner, i(idx), k, arr(o, on, ot));
}

NEURITE_EXPORT("scatterAdd")
void wasm_scatter_add(int32_t dy, int32_t outer, int32_t n, int32_t inner, int32_t idx, int32_t k, int32_t out) {
  scatter_add(f(dy), outer, n, inner, i(idx), k, f(out));
}

NEURITE_EXPORT("softmax")
void wasm_softmax(int32_t x, int32_t rows, int32_t cols, int32_t log, int32_t out) {
  softmax(f(x), rows, cols, log != 0, f(out));
}

NEURITE_EXPORT("softmaxGrad")
void wasm_softmax_grad(int32_t y, int32_t dy, int32_t rows, int32_t cols, int32_t log, int32_t out) {
  softmax_grad(f(y), f(dy), rows, cols, log != 0, f(out));
}

NEURITE_EXPORT("softmaxCrossEntropy")
void wasm_softmax_cross_entropy(int32_t x, int32_t rows, int32_t cols, int32_t target, int32_t ignore_index,
                                int32_t loss, int32_t logp) {
  softmax_cross_entropy(f(x), rows, cols, i(target), ignore_index, f(loss), f(logp));
}

NEURITE_EXPORT("softmaxCrossEntropyBackward")
void wasm_softmax_cross_entropy_backward(int32_t logp, int32_t rows, int32_t cols, int32_t target, int32_t scale,
                                         int32_t dx) {
  softmax_cross_entropy_backward(f(logp), rows, cols, i(target), f(scale), f(dx));
}

NEURITE_EXPORT("lstmCell")
void wasm_lstm_cell(int32_t gates, int32_t c, int32_t batch, int32_t hidden, int32_t h, int32_t c_next,
                    int32_t act) {
  lstm_cell(f(gates), f(c), batch, hidden, f(h), f(c_next), f(act));
}

NEURITE_EXPORT("lstmCellBackward")
void wasm_lstm_cell_backward(int32_t act, int32_t c, int32_t c_next, int32_t dh, int32_t dc, int32_t batch,
                             int32_t hidden, int32_t d_gates, int32_t dc_prev) {
  lstm_cell_backward(f(act), f(c), f(c_next), f(dh), f(dc), batch, hidden, f(d_gates), f(dc_prev));
}

NEURITE_EXPORT("gruCell")
void wasm_gru_cell(int32_t x_proj, int32_t h_proj, int32_t h, int32_t batch, int32_t hidden, int32_t h_next,
                   int32_t act) {
  gru_cell(f(x_proj), f(h_proj), f(h), batch, hidden, f(h_next), f(act));
}

NEURITE_EXPORT("gruCellBackward")
void wasm_gru_cell_backward(int32_t act, int32_t h_proj, int32_t h, int32_t dh, int32_t batch, int32_t hidden,
                            int32_t dx_proj, int32_t dh_proj, int32_t dh_prev) {
  gru_cell_backward(f(act), f(h_proj), f(h), f(dh), batch, hidden, f(dx_proj), f(dh_proj), f(dh_prev));
}

NEURITE_EXPORT("batchNormStats")
void wasm_batch_norm_stats(int32_t x, int32_t batch, int32_t channels, int32_t inner, int32_t mean,
                           int32_t variance) {
  batch_norm_stats(f(x), batch, channels, inner, f(mean), f(variance));
}

NEURITE_EXPORT("batchNorm")
void wasm_batch_norm(int32_t x, int32_t batch, int32_t channels, int32_t inner, int32_t mean, int32_t inv_std,
                     int32_t weight, int32_t bias, int32_t out, int32_t relu) {
  batch_norm(f(x), batch, channels, inner, f(mean), f(inv_std), f(weight), f(bias), f(out), relu != 0);
}

NEURITE_EXPORT("batchNormBackward")
void wasm_batch_norm_backward(int32_t x, int32_t dy, int32_t mean, int32_t inv_std, int32_t weight, int32_t info,
                              int32_t dx, int32_t d_weight, int32_t d_bias, int32_t y) {
  batch_norm_backward(f(x), f(dy), f(mean), f(inv_std), f(weight), BatchNormGeom::from(i(info)), f(dx), f(d_weight),
                      f(d_bias), f(y));
}

NEURITE_EXPORT("adamStep")
void wasm_adam_step(int32_t p, int32_t n, int32_t grad, int32_t m, int32_t v, int32_t v_max, double beta1,
                    double beta2, double step_size, double bias2_sqrt, double eps, double decay, double l2,
                    double sign) {
  const AdamHyper h{beta1, beta2, step_size, bias2_sqrt, eps, decay, l2, sign};
  adam_step(f(p), f(grad), f(m), f(v), f(v_max), n, h);
}

NEURITE_EXPORT("sgdStep")
void wasm_sgd_step(int32_t p, int32_t n, int32_t grad, int32_t buf, double lr, double momentum, double keep, double l2,
                   double sign, double nesterov) {
  const SgdHyper h{lr, momentum, keep, l2, sign, nesterov};
  sgd_step(f(p), f(grad), f(buf), n, h);
}

NEURITE_EXPORT("rmspropStep")
void wasm_rmsprop_step(int32_t p, int32_t n, int32_t grad, int32_t sq, int32_t avg, int32_t buf, double lr,
                       double alpha, double eps, double l2, double momentum, double sign) {
  const RmspropHyper h{lr, alpha, eps, l2, momentum, sign};
  rmsprop_step(f(p), f(grad), f(sq), f(avg), f(buf), n, h);
}

NEURITE_EXPORT("adagradStep")
void wasm_adagrad_step(int32_t p, int32_t n, int32_t grad, int32_t sum, double lr, double eps, double l2,
                       double sign) {
  const AdagradHyper h{lr, eps, l2, sign};
  adagrad_step(f(p), f(grad), f(sum), n, h);
}

NEURITE_EXPORT("conv2d") void wasm_conv2d(int32_t x, int32_t w, int32_t info, int32_t out, int32_t bias) {
  conv2d(f(x), f(w), ConvGeom::from(i(info)), f(out), f(bias));
}

NEURITE_EXPORT("conv2dBackpropInput") void wasm_conv2d_backprop_input(int32_t dy, int32_t w, int32_t info, int32_t dx) {
  conv2d_backprop_input(f(dy), f(w), ConvGeom::from(i(info)), f(dx));
}

NEURITE_EXPORT("conv2dBackpropFilter")
void wasm_conv2d_backprop_filter(int32_t x, int32_t dy, int32_t info, int32_t dw, int32_t dbias) {
  conv2d_backprop_filter(f(x), f(dy), ConvGeom::from(i(info)), f(dw), f(dbias));
}

NEURITE_EXPORT("maxPool2d") void wasm_max_pool2d(int32_t x, int32_t info, int32_t out, int32_t argmax) {
  max_pool2d(f(x), PoolGeom::from(i(info)), f(out), i(argmax));
}

NEURITE_EXPORT("maxPool2dBackward")
void wasm_max_pool2d_backward(int32_t dy, int32_t argmax, int32_t info, int32_t dx) {
  max_pool2d_backward(f(dy), i(argmax), PoolGeom::from(i(info)), f(dx));
}

NEURITE_EXPORT("avgPool2d") void wasm_avg_pool2d(int32_t x, int32_t info, int32_t out) {
  avg_pool2d(f(x), PoolGeom::from(i(info)), f(out));
}

NEURITE_EXPORT("avgPool2dBackward") void wasm_avg_pool2d_backward(int32_t dy, int32_t info, int32_t dx) {
  avg_pool2d_backward(f(dy), PoolGeom::from(i(info)), f(dx));
}

NEURITE_EXPORT("adaptiveAvgPool2d")
void wasm_adaptive_avg_pool2d(int32_t x, int32_t planes, int32_t in_h, int32_t in_w, int32_t out_h, int32_t out_w,
                              int32_t out) {
  adaptive_avg_pool2d(f(x), planes, in_h, in_w, out_h, out_w, f(out));
}

NEURITE_EXPORT("adaptiveAvgPool2dBackward")
void wasm_adaptive_avg_pool2d_backward(int32_t dy, int32_t planes, int32_t in_h, int32_t in_w, int32_t out_h,
                                       int32_t out_w, int32_t dx) {
  adaptive_avg_pool2d_backward(f(dy), planes, in_h, in_w, out_h, out_w, f(dx));
}
