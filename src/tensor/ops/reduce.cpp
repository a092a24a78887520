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

}  // namespace lockstep::ops
