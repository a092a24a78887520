// lockstep/nn/pooling.hpp — 2-D max and average pooling layers (torch.nn.MaxPool2d,
// AvgPool2d) on rows of C*H*W floats.
//
// Like Conv2d, a pooling layer is told the shape of the images it takes and knows the shape it
// gives (output_shape()). The stride defaults to the kernel size, as in PyTorch; padding is at
// most half the kernel. AvgPool2d counts padding in the divisor by default
// (count_include_pad = true, PyTorch's default). No ceil_mode, no dilation.
//
//   lockstep::Conv2d conv({1, 28, 28}, 32, 3);                      // -> [32, 26, 26]
//   lockstep::MaxPool2d pool(conv.output_shape(), 2);               // -> [32, 13, 13]
//   lockstep::AvgPool2d avg({3, 8, 8}, 3, {.stride = 2, .padding = 1, .count_include_pad = false});
//   lockstep::Var p = pool(conv(x));
#pragma once

#include "lockstep/nn/module.hpp"
#include "lockstep/tensor/ops/pool2d.hpp"

namespace lockstep {

struct MaxPool2dOptions {
  Size2d stride{0};  // 0: the kernel size
  Size2d padding{0};
};

struct AvgPool2dOptions {
  Size2d stride{0};  // 0: the kernel size
  Size2d padding{0};
  bool count_include_pad = true;
};

class MaxPool2d : public Module {
 public:
  MaxPool2d(ImageShape input, Size2d kernel_size, MaxPool2dOptions options = {});
  Var forward(const Var& input) override;
  const ops::Pool2dGeometry& geometry() const { return geometry_; }
  ImageShape input_shape() const { return geometry_.input; }
  ImageShape output_shape() const { return geometry_.output(); }

 private:
  ops::Pool2dGeometry geometry_;
};

class AvgPool2d : public Module {
 public:
  AvgPool2d(ImageShape input, Size2d kernel_size, AvgPool2dOptions options = {});
  Var forward(const Var& input) override;
  const ops::Pool2dGeometry& geometry() const { return geometry_; }
  ImageShape input_shape() const { return geometry_.input; }
  ImageShape output_shape() const { return geometry_.output(); }

 private:
  ops::Pool2dGeometry geometry_;
};

}  // namespace lockstep
