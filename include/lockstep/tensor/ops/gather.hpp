// lockstep/tensor/ops/gather.hpp — picking one element per row by class index
// (torch.gather(a, 1, index) with one index per row), as a forward/backward kernel pair.
//
// `index` is a [m, 1] float column holding integers in [0, n) (see class_index.hpp); the
// result is the [m, 1] column out(i, 0) = a(i, index(i, 0)). The backward scatters the
// gradient back into those positions and zeroes the rest.
//
//   Tensor picked(gather_shape(a.shape(), index.shape()));   // [m, 1]
//   gather_forward(picked, a, index);
//   gather_backward(da, dpicked, index);
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

Shape gather_shape(Shape a, Shape index);
void gather_forward(Tensor& out, const Tensor& a, const Tensor& index);
void gather_backward(Tensor& da, const Tensor& dout, const Tensor& index);

}  // namespace lockstep::ops
