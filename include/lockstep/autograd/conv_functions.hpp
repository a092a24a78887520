// lockstep/autograd/conv_functions.hpp — the differentiable image operations on Vars:
// convolution and pooling over rows of C*H*W floats (lockstep/tensor/image_shape.hpp).
//
// Each runs its forward kernel (lockstep/tensor/ops/conv2d.hpp, pool2d.hpp) and, when recording,
// records a Node that calls the matching backward kernel. The geometry (the input image shape,
// kernel, stride, padding) travels with the call; the modules in lockstep/nn/conv.hpp and
// lockstep/nn/pooling.hpp hold it for you.
//
//   using namespace lockstep;
//   ops::Conv2dGeometry g{.input = {1, 28, 28}, .out_channels = 32, .kernel = 3};
//   Var h = relu(conv2d(x, w, b, g));                                  // [B, 32*26*26]
//   Var p = max_pool2d(h, {.input = g.output(), .kernel = 2});          // [B, 32*13*13]
//   Var a = avg_pool2d(h, {.input = g.output(), .kernel = 3, .stride = 2, .padding = 1});
#pragma once

#include "lockstep/autograd/variable.hpp"
#include "lockstep/tensor/ops/conv2d.hpp"
#include "lockstep/tensor/ops/pool2d.hpp"

namespace lockstep {

/// 2-D convolution of x [B, C*H*W] with w [OC, C*KH*KW] plus bias [1, OC] (or undefined).
Var conv2d(const Var& x, const Var& w, const Var& bias, const ops::Conv2dGeometry& geometry);
/// 2-D max pooling of x [B, C*H*W].
Var max_pool2d(const Var& x, const ops::Pool2dGeometry& geometry);
/// 2-D average pooling of x [B, C*H*W].
Var avg_pool2d(const Var& x, const ops::Pool2dGeometry& geometry);

}  // namespace lockstep
