// Optimiser updates: one fused pass over a parameter and its state instead of a chain of elementwise ops.
#include <cmath>

#include "kernels.h"
#include "threads.h"

namespace neurite {
namespace {

// The same arithmetic as the TypeScript kernel (double precision per element, stored as float), so both
// backends take the same step to the last bit or within one rounding.
NEURITE_CLONES void adam_range(float* p, const float* grad, float* m, float* v, float* v_max, int64_t lo, int64_t hi,
                               const AdamHyper& h) {
  for (int64_t i = lo; i < hi; i++) {
    const double w = static_cast<double>(p[i]) * h.decay;
    const double g = h.sign * static_cast<double>(grad[i]) + h.l2 * w;
    const double mi = h.beta1 * m[i] + (1 - h.beta1) * g;
    m[i] = static_cast<float>(mi);
    const float vi_new = static_cast<float>(h.beta2 * v[i] + (1 - h.beta2) * g * g);
    v[i] = vi_new;
    double vi = vi_new;
    if (v_max) {
      if (vi_new > v_max[i]) {
        v_max[i] = vi_new;
      } else {
        vi = v_max[i];
      }
    }
    p[i] = static_cast<float>(w - (h.step_size * mi) / (std::sqrt(vi) / h.bias2_sqrt + h.eps));
  }
}

// The TypeScript kernels compute in double and store each state element as float before reading it again; these
// do the same, in the same order, so that the backends agree to the last bit or within one rounding.
NEURITE_CLONES void sgd_range(float* p, const float* grad, float* buf, int64_t lo, int64_t hi, const SgdHyper& h) {
  if (!buf) {
    for (int64_t i = lo; i < hi; i++) {
      p[i] = static_cast<float>(p[i] - h.lr * (h.sign * grad[i] + h.l2 * p[i]));
    }
    return;
  }
  const bool nesterov = h.nesterov != 0;
  for (int64_t i = lo; i < hi; i++) {
    const double d = h.sign * grad[i] + h.l2 * p[i];
    const double b = h.momentum * buf[i] + h.keep * d;
    buf[i] = static_cast<float>(b);
    p[i] = static_cast<float>(p[i] - h.lr * (nesterov ? d + h.momentum * b : b));
  }
}

NEURITE_CLONES void rmsprop_range(float* p, const float* grad, float* sq, float* avg, float* buf, int64_t lo,
                                  int64_t hi, const RmspropHyper& h) {
  for (int64_t i = lo; i < hi; i++) {
    const double g = h.sign * grad[i] + h.l2 * p[i];
    sq[i] = static_cast<float>(h.alpha * sq[i] + (1 - h.alpha) * g * g);
    double denom;
    if (avg) {
      avg[i] = static_cast<float>(h.alpha * avg[i] + (1 - h.alpha) * g);
      denom = std::sqrt(static_cast<double>(sq[i]) - static_cast<double>(avg[i]) * avg[i]) + h.eps;
    } else {
      denom = std::sqrt(static_cast<double>(sq[i])) + h.eps;
    }
    if (buf) {
      buf[i] = static_cast<float>(h.momentum * buf[i] + g / denom);
      p[i] = static_cast<float>(p[i] - h.lr * buf[i]);
    } else {
      p[i] = static_cast<float>(p[i] - (h.lr * g) / denom);
    }
  }
}

NEURITE_CLONES void adagrad_range(float* p, const float* grad, float* sum, int64_t lo, int64_t hi,
                                  const AdagradHyper& h) {
  for (int64_t i = lo; i < hi; i++) {
    const double g = h.sign * grad[i] + h.l2 * p[i];
    sum[i] = static_cast<float>(sum[i] + g * g);
    p[i] = static_cast<float>(p[i] - (h.lr * g) / (std::sqrt(static_cast<double>(sum[i])) + h.eps));
  }
}

}  // namespace

void sgd_step(float* p, const float* grad, float* buf, int64_t n, const SgdHyper& h) {
  parallel_for(n, 1 << 14, [&](int64_t lo, int64_t hi) { sgd_range(p, grad, buf, lo, hi, h); });
}

void rmsprop_step(float* p, const float* grad, float* sq, float* avg, float* buf, int64_t n, const RmspropHyper& h) {
  parallel_for(n, 1 << 14, [&](int64_t lo, int64_t hi) { rmsprop_range(p, grad, sq, avg, buf, lo, hi, h); });
}

void adagrad_step(float* p, const float* grad, float* sum, int64_t n, const AdagradHyper& h) {
  parallel_for(n, 1 << 14, [&](int64_t lo, int64_t hi) { adagrad_range(p, grad, sum, lo, hi, h); });
}

void adam_step(float* p, const float* grad, float* m, float* v, float* v_max, int64_t n, const AdamHyper& h) {
  parallel_for(n, 1 << 14, [&](int64_t lo, int64_t hi) { adam_range(p, grad, m, v, v_max, lo, hi, h); });
}

}  // namespace neurite
