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

}  // namespace

void adam_step(float* p, const float* grad, float* m, float* v, float* v_max, int64_t n, const AdamHyper& h) {
  parallel_for(n, 1 << 14, [&](int64_t lo, int64_t hi) { adam_range(p, grad, m, v, v_max, lo, hi, h); });
}

}  // namespace neurite
