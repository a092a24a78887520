// lockstep/tensor/ops/elementwise.hpp — element-wise kernels (forward/backward pairs) with
// broadcasting of size-1 dimensions, as in PyTorch: a [m, n] tensor combines with [m, n],
// [1, n] (a row, e.g. a bias), [m, 1] (a column) or [1, 1] (a scalar), on either side.
//
//   Shape s = broadcast_shape(a.shape(), b.shape());
//   Tensor out(s); add_forward(out, a, b);
//   Tensor da(a.shape()), db(b.shape());
//   add_backward(da, db, dout);   // sums dout over the broadcast dimensions
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

/// The broadcast shape of a and b; throws naming both shapes when they are incompatible.
Shape broadcast_shape(Shape a, Shape b, const char* op = "broadcast");
/// out = grad summed down to `out`'s shape (the adjoint of broadcasting to grad's shape).
void reduce_to(Tensor& out, const Tensor& grad);

void add_forward(Tensor& out, const Tensor& a, const Tensor& b);
void add_backward(Tensor& da, Tensor& db, const Tensor& dout);
void sub_forward(Tensor& out, const Tensor& a, const Tensor& b);
void sub_backward(Tensor& da, Tensor& db, const Tensor& dout);
void mul_forward(Tensor& out, const Tensor& a, const Tensor& b);
void mul_backward(Tensor& da, Tensor& db, const Tensor& dout, const Tensor& a, const Tensor& b);
/// out = a / b (IEEE division: x / 0 is +-inf, 0 / 0 NaN, as in PyTorch).
void div_forward(Tensor& out, const Tensor& a, const Tensor& b);
/// da = dout / b and db = -dout * a / b^2, each summed down to its input's shape.
void div_backward(Tensor& da, Tensor& db, const Tensor& dout, const Tensor& a, const Tensor& b);

/// out = a * factor (also negation with factor -1).
void scale_forward(Tensor& out, const Tensor& a, float factor);
void scale_backward(Tensor& da, const Tensor& dout, float factor);
/// out = a ^ exponent, element-wise.
void pow_forward(Tensor& out, const Tensor& a, float exponent);
void pow_backward(Tensor& da, const Tensor& dout, const Tensor& a, float exponent);

}  // namespace lockstep::ops
