#include "lockstep/nn/dropout.hpp"

#include "lockstep/autograd/functions.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/nn/shard_context.hpp"

namespace lockstep {

Dropout::Dropout(float p, DropoutOptions options) : p_(p), seed_(options.seed), gen_(options.seed) {
  LOCKSTEP_CHECK(p >= 0.0f && p < 1.0f, "Dropout: probability p must be in [0, 1), got ", p);
}

Var Dropout::forward(const Var& input) {
  LOCKSTEP_CHECK(input.defined(), "Dropout: undefined input");
  if (!is_training() || p_ == 0.0f) return input;
  // Each element survives with probability 1 - p and is then scaled by 1 / (1 - p); the mask
  // (0 or the scale) multiplies the input, so the gradient flows through the survivors only.
  const float keep = 1.0f - p_;
  const float scale = 1.0f / keep;
  Tensor mask = Tensor::empty(input.shape());
  if (ShardContext* shard = current_shard()) {
    // A data-parallel shard: each row's mask from its own stream, keyed on its global row.
    const std::uint64_t draw = shard->draws++;
    for (Index r = 0; r < mask.rows(); ++r) {
      Generator gen = Generator::derive(
          seed_, {shard->epoch, shard->batch, draw, std::uint64_t(shard->first_row + r)});
      for (Index c = 0; c < mask.cols(); ++c) mask(r, c) = gen.uniform() < keep ? scale : 0.0f;
    }
  } else {
    for (float& m : mask.span()) m = gen_.uniform() < keep ? scale : 0.0f;
  }
  return mul(input, Var(std::move(mask)));
}

}  // namespace lockstep
