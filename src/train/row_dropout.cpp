#include "lockstep/train/row_dropout.hpp"

#include <bit>
#include <cstring>

#include "lockstep/autograd/functions.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"

namespace lockstep {

RowDropout::RowDropout(float p, std::uint64_t seed, std::uint64_t layer,
                       std::shared_ptr<std::atomic<std::int64_t>> step)
    : p_(p), seed_(seed), layer_(layer), step_(std::move(step)) {
  LOCKSTEP_CHECK(p >= 0.0f && p < 1.0f, "--dropout must be in [0, 1), got ", p);
  LOCKSTEP_CHECK(step_ != nullptr, "RowDropout: no step counter");
}

Var RowDropout::forward(const Var& input) {
  if (!is_training() || p_ == 0.0f) return input;
  const Tensor& x = input.value();
  Tensor mask(x.shape());
  const float keep = 1.0f / (1.0f - p_);
  const auto step = std::uint64_t(step_->load(std::memory_order_relaxed));
  for (Index r = 0; r < x.rows(); ++r) {
    std::uint64_t h = 0x243F6A8885A308D3ULL;
    for (Index c = 0; c < x.cols(); ++c) {
      h ^= std::bit_cast<std::uint32_t>(x(r, c));
      h = splitmix64(h);
    }
    Generator gen = Generator::derive(seed_, {step, layer_, h});
    for (Index c = 0; c < x.cols(); ++c) mask(r, c) = gen.uniform() < p_ ? 0.0f : keep;
  }
  return input * Var(mask);
}

}  // namespace lockstep
