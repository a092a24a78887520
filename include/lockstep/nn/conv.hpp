// lockstep/nn/conv.hpp — the 2-D convolution layer (torch.nn.Conv2d) on rows of C*H*W floats.
//
// Images travel as rows (lockstep/tensor/image_shape.hpp), so the layer is told the shape of
// the images it takes (PyTorch's in_channels is input.channels) and knows the shape it gives,
// output_shape(), for the next layer. The weight is [out_channels, in_channels*kh*kw], the same
// bytes as PyTorch's [out, in, kh, kw] and saved under that shape (state_dict; with groups,
// [out, in/groups, kh, kw]), the bias [1, out_channels] ([out] in PyTorch); both are initialized
// uniform in +-1/sqrt(fan_in), fan_in = in_channels/groups*kh*kw, as PyTorch's default
// (kaiming_uniform_ with a = sqrt(5)), drawn from options.generator (default: the default
// generator). Zero padding only.
//
//   lockstep::Conv2d conv1({1, 28, 28}, 32, 3);                      // -> [32, 26, 26]
//   lockstep::Conv2d conv2(conv1.output_shape(), 64, 3, {.stride = 2, .padding = 1});
//   lockstep::Var h = conv1(x);               // x: [batch, 784] -> h: [batch, 32*26*26]
#pragma once

#include "lockstep/core/rng.hpp"
#include "lockstep/nn/module.hpp"
#include "lockstep/tensor/ops/conv2d.hpp"

namespace lockstep {

struct Conv2dOptions {
  Size2d stride{1};
  Size2d padding{0};
  Size2d dilation{1};
  Index groups = 1;  // divides in and out channels; the weight is [out, in/groups, kh, kw]
  bool bias = true;
  Generator* generator = nullptr;  // default: the default generator
};

class Conv2d : public Module {
 public:
  /// Filters of `kernel_size` over images of shape `input`; throws naming the bad value when
  /// the geometry is invalid (see ops::Conv2dGeometry::validate).
  Conv2d(ImageShape input, Index out_channels, Size2d kernel_size, Conv2dOptions options = {});
  Var forward(const Var& input) override;

  const ops::Conv2dGeometry& geometry() const { return geometry_; }
  ImageShape input_shape() const { return geometry_.input; }
  ImageShape output_shape() const { return geometry_.output(); }
  Index in_channels() const { return geometry_.input.channels; }
  Index out_channels() const { return geometry_.out_channels; }
  Index groups() const { return geometry_.groups; }
  Var& weight() { return weight_; }
  Var& bias() { return bias_; }

 private:
  ops::Conv2dGeometry geometry_;
  Var weight_, bias_;
};

}  // namespace lockstep
