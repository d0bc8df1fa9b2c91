// Optimiser updates: one fused pass over a parameter and its state instead of a chain of elementwise ops.
#include <cmath>

#include "kernels.h"
#include "threads.h"

namespace neurite {
namespace {

// Adam works in float32, as torch.optim does on the CPU: single-precision square roots and divisions go through
// the vector units about four times faster than double ones (the MLP benchmark's 100k-weight layer took about
// 200 us per step in double on one core, a fifth of the training step). Every operation is rounded to float in the
// order the TypeScript kernel writes it (Math.fround after each), so both backends take the same step to the last
// bit. The AMSGrad branch is a separate loop so the plain one vectorises.
template <bool kAmsgrad>
NEURITE_CLONES void adam_range(float* p, const float* grad, float* m, float* v, float* v_max, int64_t lo, int64_t hi,
                               const AdamHyper& h) {
  const float beta1 = static_cast<float>(h.beta1);
  const float keep1 = static_cast<float>(1 - h.beta1);
  const float beta2 = static_cast<float>(h.beta2);
  const float keep2 = static_cast<float>(1 - h.beta2);
  const float step_size = static_cast<float>(h.step_size);
  const float bias2_sqrt = static_cast<float>(h.bias2_sqrt);
  const float eps = static_cast<float>(h.eps);
  const float decay = static_cast<float>(h.decay);
  const float l2 = static_cast<float>(h.l2);
  const float sign = static_cast<float>(h.sign);
  for (int64_t i = lo; i < hi; i++) {
    const float w = p[i] * decay;
    const float g = sign * grad[i] + l2 * w;
    const float mi = beta1 * m[i] + keep1 * g;
    m[i] = mi;
    float vi = beta2 * v[i] + keep2 * g * g;
    v[i] = vi;
    if (kAmsgrad) {
      if (vi > v_max[i]) {
        v_max[i] = vi;
      } else {
        vi = v_max[i];
      }
    }
    p[i] = w - (step_size * mi) / (std::sqrt(vi) / bias2_sqrt + eps);
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
  parallel_for(n, 1 << 14, [&](int64_t lo, int64_t hi) {
    if (v_max) {
      adam_range<true>(p, grad, m, v, v_max, lo, hi, h);
    } else {
      adam_range<false>(p, grad, m, v, v_max, lo, hi, h);
    }
  });
}

}  // namespace neurite
