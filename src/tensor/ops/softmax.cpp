#include "lockstep/tensor/ops/softmax.hpp"

#include <cmath>

#include "lockstep/core/error.hpp"

namespace lockstep::ops {

namespace {

void check_same(const Tensor& t, Shape expected, const char* what) {
  LOCKSTEP_CHECK(t.shape() == expected, what, ": tensor has shape ", t.shape(), ", expected ",
                 expected);
}

}  // namespace

void softmax_forward(Tensor& out, const Tensor& a) {
  check_same(out, a.shape(), "softmax_forward (out)");
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
  check_same(dout, out.shape(), "softmax_backward (dout)");
  check_same(da, out.shape(), "softmax_backward (da)");
  for (Index i = 0; i < out.rows(); ++i) {
    auto y = out.map().row(i).array();
    auto dy = dout.map().row(i).array();
    const float dot = (dy * y).sum();
    da.map().row(i).array() = y * (dy - dot);
  }
}

void log_softmax_forward(Tensor& out, const Tensor& a) {
  check_same(out, a.shape(), "log_softmax_forward (out)");
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
  check_same(dout, out.shape(), "log_softmax_backward (dout)");
  check_same(da, out.shape(), "log_softmax_backward (da)");
  for (Index i = 0; i < out.rows(); ++i) {
    auto dy = dout.map().row(i).array();
    const float total = dy.sum();
    da.map().row(i).array() = dy - out.map().row(i).array().exp() * total;
  }
}

}  // namespace lockstep::ops
