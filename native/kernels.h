// Every kernel of the Backend interface (src/backend/backend.ts) as a plain C++ function over raw arrays and
// integers. TypeScript has validated everything; these only compute. Op codes follow the order of the
// string unions in backend.ts (see src/backend/native/index.ts).
#pragma once

#include <cstdint>

#include "common.h"

namespace neurite {

enum BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kMaximum,
  kMinimum,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kBitwiseAnd,
  kBitwiseOr,
  kBitwiseXor,
  kLeftShift,
  kRightShift
};

enum UnaryOp {
  kNeg,
  kExp,
  kLog,
  kSqrt,
  kAbs,
  kSign,
  kSquare,
  kReciprocal,
  kRelu,
  kSigmoid,
  kTanh,
  kSoftplus,
  kGelu,
  kElu,
  kLeakyRelu,
  kSin,
  kCos,
  kFloor,
  kCeil,
  kRound
};

enum UnaryGradOp { kGradRelu, kGradSigmoid, kGradTanh, kGradSoftplus, kGradGelu, kGradElu, kGradLeakyRelu };

enum ReduceOp { kSum, kMax, kMin, kProd };

// elementwise.cc — meta: output rank and sizes, then rank and sizes of each input (null when every input is
// the output's size or a single element).
void binary(int op, const Array& a, const Array& b, const Array& out, const int32_t* meta);
void unary(int op, const float* x, float* out, int64_t n, double alpha);
void unary_grad(int op, const float* x, const float* y, const float* dy, float* out, int64_t n, double alpha);
void clamp(const float* x, int64_t n, double lo, double hi, float* out);
// out = Σᵢ w[i]·xs[i] (k arrays of n floats, added in order), then max(·, 0) when relu.
void weighted_sum(const float* const* xs, int64_t k, const float* w, float* out, int64_t n, bool relu);
// Its gradients: g = dy, or relu_grad_value(y, dy) when y is given; dxs[i] = w[i]·g where dxs[i] is not null,
// dw[i] = Σ g·xs[i] when dw is not null.
void weighted_sum_backward(const float* const* xs, int64_t k, const float* w, const float* dy, const float* y,
                           float* const* dxs, float* dw, int64_t n);
void where(const Array& cond, const Array& a, const Array& b, const Array& out, const int32_t* meta);
void cast(const Array& x, const Array& out);

// reduce.cc
void reduce(int op, const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& out);
void arg_reduce(bool is_max, const Array& x, int64_t outer, int64_t n, int64_t inner, int32_t* out);

// shape.cc — meta for transpose: rank, shape, perm; slice: rank, shape, begin, out shape; insert: rank,
// src shape, dst shape, begin.
void transpose(const Array& x, const int32_t* meta, const Array& out);
void slice(const Array& x, const int32_t* meta, const Array& out);
void insert(const Array& src, const Array& dst, const int32_t* meta, bool accumulate);
void index_select(const Array& x, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k,
                  const Array& out);
void index_add(const float* dy, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k, float* out);
void gather(const Array& x, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k, const Array& out);
void scatter_add(const float* dy, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k, float* out);

// softmax.cc
void softmax(const float* x, int64_t rows, int64_t cols, bool log, float* out);
void softmax_grad(const float* y, const float* dy, int64_t rows, int64_t cols, bool log, float* out);

// rnn.cc — gate layouts and saved activations as in backend.ts (PyTorch's gate orders).
void lstm_cell(const float* gates, const float* c, int64_t batch, int64_t hidden, float* h, float* c_next,
               float* act);
void lstm_cell_backward(const float* act, const float* c, const float* c_next, const float* dh, const float* dc,
                        int64_t batch, int64_t hidden, float* d_gates, float* dc_prev);
void gru_cell(const float* x_proj, const float* h_proj, const float* h, int64_t batch, int64_t hidden,
              float* h_next, float* act);
void gru_cell_backward(const float* act, const float* h_proj, const float* h, const float* dh, int64_t batch,
                       int64_t hidden, float* dx_proj, float* dh_proj, float* dh_prev);

// norm.cc — x viewed as [batch, channels, inner]; weight and bias may be null (1 and 0).
void batch_norm_stats(const float* x, int64_t batch, int64_t channels, int64_t inner, float* mean,
                      float* variance);
// With `relu`, out = relu_value(normalised x). With a non-null y (the output of a batch_norm with relu), the
// backward pass takes dy only where y > 0, as the ReLU's gradient does.
void batch_norm(const float* x, int64_t batch, int64_t channels, int64_t inner, const float* mean,
                const float* inv_std, const float* weight, const float* bias, float* out, bool relu);
// BatchNormInfo as packed by src/backend/kernel-abi.ts (same field order as the interface).
struct BatchNormGeom {
  int64_t batch, channels, inner;
  bool training;

  static BatchNormGeom from(const int32_t* v) { return {v[0], v[1], v[2], v[3] != 0}; }
};
void batch_norm_backward(const float* x, const float* dy, const float* mean, const float* inv_std,
                         const float* weight, const BatchNormGeom& g, float* dx, float* d_weight, float* d_bias,
                         const float* y);

// softmax.cc: cross-entropy with class-index targets (see src/backend/backend.ts)
void softmax_cross_entropy(const float* x, int64_t rows, int64_t cols, const int32_t* target, int64_t ignore_index,
                           float* loss, float* logp);
void softmax_cross_entropy_backward(const float* logp, int64_t rows, int64_t cols, const int32_t* target,
                                    const float* scale, float* dx);

// optim.cc
// Adam's scalars for one step: p ← p·decay; g ← sign·grad + l2·p; m, v updated with beta1, beta2;
// p ← p − step_size·m / (√v / bias2_sqrt + eps), v replaced by its running maximum under AMSGrad.
struct AdamHyper {
  double beta1, beta2, step_size, bias2_sqrt, eps, decay, l2, sign;
};
void adam_step(float* p, const float* grad, float* m, float* v, float* v_max, int64_t n, const AdamHyper& h);

// SGD: d ← sign·grad + l2·p; without a buffer p ← p − lr·d; with one, b ← momentum·buf + keep·d, buf ← b,
// p ← p − lr·(d + momentum·b) when nesterov ≠ 0, else p ← p − lr·b.
struct SgdHyper {
  double lr, momentum, keep, l2, sign, nesterov;
};
void sgd_step(float* p, const float* grad, float* buf, int64_t n, const SgdHyper& h);

// RMSprop: g ← sign·grad + l2·p; sq ← α·sq + (1−α)g²; centred (avg given): avg ← α·avg + (1−α)g,
// denom = √(sq − avg²) + eps, else √sq + eps; with a buffer buf ← momentum·buf + g/denom, p ← p − lr·buf,
// else p ← p − lr·g/denom.
struct RmspropHyper {
  double lr, alpha, eps, l2, momentum, sign;
};
void rmsprop_step(float* p, const float* grad, float* sq, float* avg, float* buf, int64_t n, const RmspropHyper& h);

// Adagrad: g ← sign·grad + l2·p; sum ← sum + g²; p ← p − lr·g / (√sum + eps), lr already decayed for this step.
struct AdagradHyper {
  double lr, eps, l2, sign;
};
void adagrad_step(float* p, const float* grad, float* sum, int64_t n, const AdagradHyper& h);

// conv.cc
// out = x ⋆ w, plus bias[o] on output channel o unless bias is null.
void conv2d(const float* x, const float* w, const ConvGeom& g, float* out, const float* bias);
void conv2d_backprop_input(const float* dy, const float* w, const ConvGeom& g, float* dx);
// dw, and unless dbias is null the bias gradient: dbias[o] = Σ over images and positions of dy.
void conv2d_backprop_filter(const float* x, const float* dy, const ConvGeom& g, float* dw, float* dbias);

// pool.cc
void max_pool2d(const float* x, const PoolGeom& g, float* out, int32_t* argmax);
void max_pool2d_backward(const float* dy, const int32_t* argmax, const PoolGeom& g, float* dx);
void avg_pool2d(const float* x, const PoolGeom& g, float* out);
void avg_pool2d_backward(const float* dy, const PoolGeom& g, float* dx);
void adaptive_avg_pool2d(const float* x, int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w,
                         float* out);
void adaptive_avg_pool2d_backward(const float* dy, int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h,
                                  int64_t out_w, float* dx);

}  // namespace neurite
