#include "lockstep/nn/pooling.hpp"

#include "lockstep/autograd/conv_functions.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {
void check_input(const Var& input, const ops::Pool2dGeometry& g, const char* layer) {
  LOCKSTEP_CHECK(input.defined(), layer, ": undefined input");
  LOCKSTEP_CHECK(input.cols() == g.input.numel(), layer, "(kernel ", g.kernel, ") on images ",
                 g.input, ": input of shape ", input.shape(), " has ", input.cols(),
                 " features per row, expected C*H*W = ", g.input.numel());
}
}  // namespace

MaxPool2d::MaxPool2d(ImageShape input, Size2d kernel_size, MaxPool2dOptions options)
    : geometry_{input, kernel_size, options.stride, options.padding} {
  geometry_.validate();
}

Var MaxPool2d::forward(const Var& input) {
  check_input(input, geometry_, "MaxPool2d");
  return max_pool2d(input, geometry_);
}

AvgPool2d::AvgPool2d(ImageShape input, Size2d kernel_size, AvgPool2dOptions options)
    : geometry_{input, kernel_size, options.stride, options.padding, options.count_include_pad} {
  geometry_.validate();
}

Var AvgPool2d::forward(const Var& input) {
  check_input(input, geometry_, "AvgPool2d");
  return avg_pool2d(input, geometry_);
}

}  // namespace lockstep
