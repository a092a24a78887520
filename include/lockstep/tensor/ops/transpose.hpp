// lockstep/tensor/ops/transpose.hpp — the matrix transpose as a forward/backward kernel pair.
//
// The result is a new row-major tensor (lockstep has no strided views); its backward is the
// transpose of the incoming gradient.
//
//   Tensor t(transpose_shape(a.shape()));   // [m, n] -> [n, m]
//   transpose_forward(t, a);
//   transpose_backward(da, dt);             // da = dt^T
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

Shape transpose_shape(Shape a);
void transpose_forward(Tensor& out, const Tensor& a);
void transpose_backward(Tensor& da, const Tensor& dout);

}  // namespace lockstep::ops
