// lockstep/tensor/ops/reduce.hpp — reductions to a 1x1 tensor, as forward/backward pairs.
//
//   Tensor s(Shape{1, 1});
//   sum_forward(s, a);             // s = sum of all elements
//   sum_backward(da, ds);          // da = ds broadcast to a's shape
//   mean_forward(s, a); mean_backward(da, ds);
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

void sum_forward(Tensor& out, const Tensor& a);
void sum_backward(Tensor& da, const Tensor& dout);
/// The mean of all elements; the mean of an empty tensor is NaN, as in PyTorch.
void mean_forward(Tensor& out, const Tensor& a);
void mean_backward(Tensor& da, const Tensor& dout);

}  // namespace lockstep::ops
