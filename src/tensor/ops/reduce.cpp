#include "lockstep/tensor/ops/reduce.hpp"

#include <limits>

#include "lockstep/core/error.hpp"

namespace lockstep::ops {

namespace {
void check_scalar(const Tensor& t, const char* what) {
  LOCKSTEP_CHECK(t.shape() == (Shape{1, 1}), what, ": expected a [1, 1] tensor, got ", t.shape());
}
}  // namespace

void sum_forward(Tensor& out, const Tensor& a) {
  check_scalar(out, "sum_forward (out)");
  out(0, 0) = a.map().sum();
}

void sum_backward(Tensor& da, const Tensor& dout) {
  check_scalar(dout, "sum_backward (dout)");
  da.fill_(dout(0, 0));
}

void mean_forward(Tensor& out, const Tensor& a) {
  check_scalar(out, "mean_forward (out)");
  out(0, 0) = a.numel() == 0 ? std::numeric_limits<float>::quiet_NaN()
                             : a.map().sum() / static_cast<float>(a.numel());
}

void mean_backward(Tensor& da, const Tensor& dout) {
  check_scalar(dout, "mean_backward (dout)");
  if (da.numel() > 0) da.fill_(dout(0, 0) / static_cast<float>(da.numel()));
}

Shape axis_reduce_shape(Shape a, int axis, const char* op) {
  LOCKSTEP_CHECK(axis == 0 || axis == 1, op, ": axis must be 0 or 1 for a 2-D tensor, got ", axis);
  return axis == 0 ? Shape{1, a.cols} : Shape{a.rows, 1};
}

namespace {

void check_axis_out(const Tensor& out, Shape a, int axis, const char* what) {
  const Shape expected = axis_reduce_shape(a, axis, what);
  LOCKSTEP_CHECK(out.shape() == expected, what, ": tensor has shape ", out.shape(), ", expected ",
                 expected, " (axis ", axis, " of ", a, ")");
}

// Sets every element of `da` to its column's (axis 0) or row's (axis 1) value of dout, times
// `scale`.
void spread(Tensor& da, const Tensor& dout, int axis, float scale) {
  if (axis == 0) {
    da.map().rowwise() = scale * dout.map().row(0);
  } else {
    da.map().colwise() = scale * dout.map().col(0);
  }
}

}  // namespace

void sum_forward(Tensor& out, const Tensor& a, int axis) {
  check_axis_out(out, a.shape(), axis, "sum_forward (out)");
  if (axis == 0) {
    out.map() = a.map().colwise().sum();
  } else {
    out.map() = a.map().rowwise().sum();
  }
}

void sum_backward(Tensor& da, const Tensor& dout, int axis) {
  check_axis_out(dout, da.shape(), axis, "sum_backward (dout)");
  spread(da, dout, axis, 1.0f);
}

void mean_forward(Tensor& out, const Tensor& a, int axis) {
  check_axis_out(out, a.shape(), axis, "mean_forward (out)");
  const Index count = axis == 0 ? a.rows() : a.cols();
  if (count == 0) {
    out.fill_(std::numeric_limits<float>::quiet_NaN());
  } else if (axis == 0) {
    out.map() = a.map().colwise().sum() / static_cast<float>(count);
  } else {
    out.map() = a.map().rowwise().sum() / static_cast<float>(count);
  }
}

void mean_backward(Tensor& da, const Tensor& dout, int axis) {
  check_axis_out(dout, da.shape(), axis, "mean_backward (dout)");
  const Index count = axis == 0 ? da.rows() : da.cols();
  if (count > 0) spread(da, dout, axis, 1.0f / static_cast<float>(count));
}

}  // namespace lockstep::ops
