#include "lockstep/nn/dropout.hpp"

#include "lockstep/autograd/functions.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

Dropout::Dropout(float p, DropoutOptions options) : p_(p), gen_(options.seed) {
  LOCKSTEP_CHECK(p >= 0.0f && p < 1.0f, "Dropout: probability p must be in [0, 1), got ", p);
}

Var Dropout::forward(const Var& input) {
  LOCKSTEP_CHECK(input.defined(), "Dropout: undefined input");
  if (!is_training() || p_ == 0.0f) return input;
  // Each element survives with probability 1 - p and is then scaled by 1 / (1 - p); the mask
  // (0 or the scale) multiplies the input, so the gradient flows through the survivors only.
  const float keep = 1.0f - p_;
  const float scale = 1.0f / keep;
  Tensor mask(input.shape());
  for (float& m : mask.span()) m = gen_.uniform() < keep ? scale : 0.0f;
  return mul(input, Var(std::move(mask)));
}

}  // namespace lockstep
