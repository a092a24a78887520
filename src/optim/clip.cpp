#include "lockstep/optim/clip.hpp"

#include <cmath>

#include "lockstep/core/error.hpp"

namespace lockstep {

double clip_grad_norm_(const std::vector<Var>& params, double max_norm) {
  LOCKSTEP_CHECK(max_norm >= 0, "clip_grad_norm_: invalid max_norm: ", max_norm);
  double sum_sq = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    LOCKSTEP_CHECK(params[i].defined(), "clip_grad_norm_: parameter ", i, " is undefined");
    const Tensor& g = params[i].grad();
    if (!g.defined()) continue;
    for (float x : g.span()) sum_sq += static_cast<double>(x) * x;
  }
  const double total_norm = std::sqrt(sum_sq);
  if (!std::isfinite(total_norm)) return total_norm;
  const double scale = max_norm / (total_norm + 1e-6);
  if (scale < 1) {
    const auto factor = static_cast<float>(scale);
    for (const Var& p : params) {
      // grad() hands out a const reference to the gradient's storage handle; the data is
      // scaled in place through a handle sharing it.
      Tensor g = p.grad();
      if (g.defined()) g.mul_(factor);
    }
  }
  return total_norm;
}

}  // namespace lockstep
