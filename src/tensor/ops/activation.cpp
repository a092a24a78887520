#include "lockstep/tensor/ops/activation.hpp"

#include "lockstep/core/error.hpp"
#include "tensor/ops/check.hpp"

namespace lockstep::ops {

namespace {

// The checks every unary backward kernel shares: dout, the saved tensor and da agree.
void check_backward(const Tensor& da, const Tensor& dout, const Tensor& saved, const char* op) {
  LOCKSTEP_CHECK(dout.shape() == saved.shape(), op, ": dout has shape ", dout.shape(),
                 " but the saved tensor has shape ", saved.shape());
  detail::check_shape(da, saved.shape(), op);
}

}  // namespace

void relu_forward(Tensor& out, const Tensor& a) {
  detail::check_shape(out, a.shape(), "relu_forward (out)");
  out.map() = a.map().cwiseMax(0.0f);
}

void relu_backward(Tensor& da, const Tensor& dout, const Tensor& out) {
  check_backward(da, dout, out, "relu_backward");
  da.map().array() = (out.map().array() > 0.0f).select(dout.map().array(), 0.0f);
}

void sigmoid_forward(Tensor& out, const Tensor& a) {
  detail::check_shape(out, a.shape(), "sigmoid_forward (out)");
  // exp(-a) overflows to a huge value (never NaN) for very negative a, giving 0; for very
  // positive a it underflows to 0, giving 1.
  out.map().array() = (1.0f + (-a.map().array()).exp()).inverse();
}

void sigmoid_backward(Tensor& da, const Tensor& dout, const Tensor& out) {
  check_backward(da, dout, out, "sigmoid_backward");
  da.map().array() = dout.map().array() * out.map().array() * (1.0f - out.map().array());
}

void tanh_forward(Tensor& out, const Tensor& a) {
  detail::check_shape(out, a.shape(), "tanh_forward (out)");
  out.map().array() = a.map().array().tanh();
}

void tanh_backward(Tensor& da, const Tensor& dout, const Tensor& out) {
  check_backward(da, dout, out, "tanh_backward");
  da.map().array() = dout.map().array() * (1.0f - out.map().array().square());
}

void exp_forward(Tensor& out, const Tensor& a) {
  detail::check_shape(out, a.shape(), "exp_forward (out)");
  out.map().array() = a.map().array().exp();
}

void exp_backward(Tensor& da, const Tensor& dout, const Tensor& out) {
  check_backward(da, dout, out, "exp_backward");
  da.map().array() = dout.map().array() * out.map().array();
}

void log_forward(Tensor& out, const Tensor& a) {
  detail::check_shape(out, a.shape(), "log_forward (out)");
  out.map().array() = a.map().array().log();
}

void log_backward(Tensor& da, const Tensor& dout, const Tensor& a) {
  check_backward(da, dout, a, "log_backward");
  da.map().array() = dout.map().array() / a.map().array();
}

}  // namespace lockstep::ops
