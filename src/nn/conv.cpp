#include "lockstep/nn/conv.hpp"

#include "lockstep/autograd/conv_functions.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/nn/init.hpp"

namespace lockstep {

Conv2d::Conv2d(ImageShape input, Index out_channels, Size2d kernel_size, Conv2dOptions options)
    : geometry_{input,           out_channels,     kernel_size,   options.stride,
                options.padding, options.dilation, options.groups} {
  geometry_.validate();
  const Index fan_in = geometry_.weight_cols();
  Tensor w(Shape{out_channels, fan_in});
  Tensor b = options.bias ? Tensor(Shape{1, out_channels}) : Tensor();
  Generator& gen = options.generator ? *options.generator : default_generator();
  init::linear_default_(w, b, gen);  // U(+-1/sqrt(fan_in)) for both, as nn.Conv2d
  weight_ = register_parameter(
      "weight", w, true,
      {out_channels, input.channels / options.groups, kernel_size.h, kernel_size.w});
  if (options.bias) bias_ = register_parameter("bias", b, true, {out_channels});
}

Var Conv2d::forward(const Var& input) {
  LOCKSTEP_CHECK(input.defined(), "Conv2d: undefined input");
  LOCKSTEP_CHECK(input.cols() == geometry_.input.numel(), "Conv2d(", geometry_.input.channels, ", ",
                 geometry_.out_channels, ", kernel ", geometry_.kernel, ") on images ",
                 geometry_.input, ": input of shape ", input.shape(), " has ", input.cols(),
                 " features per row, expected C*H*W = ", geometry_.input.numel());
  return conv2d(input, weight_, bias_, geometry_);
}

}  // namespace lockstep
