#include "lockstep/nn/linear.hpp"

#include "lockstep/autograd/functions.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/nn/init.hpp"

namespace lockstep {

Linear::Linear(Index in_features, Index out_features, LinearOptions options)
    : in_features_(in_features), out_features_(out_features) {
  LOCKSTEP_CHECK(in_features > 0, "Linear: in_features must be positive, got ", in_features);
  LOCKSTEP_CHECK(out_features > 0, "Linear: out_features must be positive, got ", out_features);
  Tensor w(Shape{out_features, in_features});
  Tensor b = options.bias ? Tensor(Shape{1, out_features}) : Tensor();
  Generator& gen = options.generator ? *options.generator : default_generator();
  init::linear_default_(w, b, gen);
  weight_ = register_parameter("weight", w);
  if (options.bias) bias_ = register_parameter("bias", b, true, {out_features});
}

Var Linear::forward(const Var& input) {
  LOCKSTEP_CHECK(input.defined(), "Linear: undefined input");
  LOCKSTEP_CHECK(input.cols() == in_features_, "Linear(", in_features_, ", ", out_features_,
                 "): input of shape ", input.shape(), " has ", input.cols(), " features, expected ",
                 in_features_);
  return linear(input, weight_, bias_);
}

}  // namespace lockstep
