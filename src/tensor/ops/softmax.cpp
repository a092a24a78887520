#include "lockstep/tensor/ops/softmax.hpp"

#include <cmath>

#include "lockstep/core/error.hpp"
#include "tensor/ops/check.hpp"

namespace lockstep::ops {

void softmax_forward(Tensor& out, const Tensor& a) {
  detail::check_shape(out, a.shape(), "softmax_forward (out)");
  if (a.cols() == 0) return;
  for (Index i = 0; i < a.rows(); ++i) {
    auto x = a.map().row(i).array();
    auto y = out.map().row(i).array();
    const float max = x.maxCoeff();
    y = (x - max).exp();
    y *= 1.0f / y.sum();
  }
}

void softmax_backward(Tensor& da, const Tensor& dout, const Tensor& out) {
  detail::check_shape(dout, out.shape(), "softmax_backward (dout)");
  detail::check_shape(da, out.shape(), "softmax_backward (da)");
  for (Index i = 0; i < out.rows(); ++i) {
    auto y = out.map().row(i).array();
    auto dy = dout.map().row(i).array();
    const float dot = (dy * y).sum();
    da.map().row(i).array() = y * (dy - dot);
  }
}

void log_softmax_forward(Tensor& out, const Tensor& a) {
  detail::check_shape(out, a.shape(), "log_softmax_forward (out)");
  if (a.cols() == 0) return;
  for (Index i = 0; i < a.rows(); ++i) {
    auto x = a.map().row(i).array();
    auto y = out.map().row(i).array();
    const float max = x.maxCoeff();
    y = x - max;
    y -= std::log(y.exp().sum());
  }
}

void log_softmax_backward(Tensor& da, const Tensor& dout, const Tensor& out) {
  detail::check_shape(dout, out.shape(), "log_softmax_backward (dout)");
  detail::check_shape(da, out.shape(), "log_softmax_backward (da)");
  for (Index i = 0; i < out.rows(); ++i) {
    auto dy = dout.map().row(i).array();
    const float total = dy.sum();
    da.map().row(i).array() = dy - out.map().row(i).array().exp() * total;
  }
}

}  // namespace lockstep::ops
