// lockstep/tensor/ops/reduce.hpp — reductions to a 1x1 tensor, as forward/backward pairs.
//
//   Tensor s(Shape{1, 1});
//   sum_forward(s, a);             // s = sum of all elements
//   sum_backward(da, ds);          // da = ds broadcast to a's shape
//   mean_forward(s, a); mean_backward(da, ds);
//
// and along one axis, keeping it as a size-1 dimension (PyTorch's keepdim=True):
//
//   Tensor cols(axis_reduce_shape(a.shape(), 0));   // [m, n] -> [1, n]: one sum per column
//   sum_forward(cols, a, 0);
//   sum_backward(da, dcols, 0);    // each column of da gets its column's gradient
//   Tensor rows(axis_reduce_shape(a.shape(), 1));   // [m, n] -> [m, 1]: one mean per row
//   mean_forward(rows, a, 1);
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

void sum_forward(Tensor& out, const Tensor& a);
void sum_backward(Tensor& da, const Tensor& dout);
/// The mean of all elements; the mean of an empty tensor is NaN, as in PyTorch.
void mean_forward(Tensor& out, const Tensor& a);
void mean_backward(Tensor& da, const Tensor& dout);

/// The shape of a reduction of `a` along `axis`: [1, n] for axis 0, [m, 1] for axis 1. Throws
/// naming `op` and the axis for any other axis.
Shape axis_reduce_shape(Shape a, int axis, const char* op = "sum");
void sum_forward(Tensor& out, const Tensor& a, int axis);
void sum_backward(Tensor& da, const Tensor& dout, int axis);
/// Means along `axis`; a mean over zero elements is NaN, as in PyTorch.
void mean_forward(Tensor& out, const Tensor& a, int axis);
void mean_backward(Tensor& da, const Tensor& dout, int axis);

}  // namespace lockstep::ops
