#include "lockstep/nn/init.hpp"

#include <cmath>

#include "lockstep/core/error.hpp"

namespace lockstep::init {

void uniform_(Tensor& t, float lo, float hi, Generator& gen) {
  for (float& v : t.span()) v = gen.uniform(lo, hi);
}

void normal_(Tensor& t, float mean, float stddev, Generator& gen) {
  for (float& v : t.span()) v = gen.normal(mean, stddev);
}

void zeros_(Tensor& t) { t.zero_(); }

void constant_(Tensor& t, float value) { t.fill_(value); }

void linear_default_(Tensor& weight, Tensor& bias, Generator& gen) {
  const Index fan_in = weight.cols();
  LOCKSTEP_CHECK(fan_in > 0, "linear_default_: weight of shape ", weight.shape(),
                 " has no input features");
  const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
  uniform_(weight, -bound, bound, gen);
  if (bias.defined()) uniform_(bias, -bound, bound, gen);
}

}  // namespace lockstep::init
