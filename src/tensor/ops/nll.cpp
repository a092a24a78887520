#include "lockstep/tensor/ops/nll.hpp"

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/ops/class_index.hpp"
#include "tensor/ops/check.hpp"
#include "tensor/ops/reduction.hpp"

namespace lockstep::ops {

namespace {

constexpr const char* kOp = "nll_loss";

}  // namespace

Shape nll_shape(Shape input, Shape target, Reduction reduction) {
  LOCKSTEP_CHECK(target == (Shape{input.rows, 1}), kOp, ": target has shape ", target,
                 ", expected ", Shape{input.rows, 1}, " (one class index per row of the input ",
                 input, ")");
  return detail::reduced_shape(Shape{input.rows, 1}, reduction);
}

void nll_forward(Tensor& out, const Tensor& input, const Tensor& target, const Tensor* weight,
                 Reduction reduction) {
  const Shape s = nll_shape(input.shape(), target.shape(), reduction);
  detail::check_shape(out, s, "nll_forward", "output");
  check_class_indices(target, input.rows(), input.cols(), kOp);
  check_class_weights(weight, input.cols(), kOp);
  double total = 0, weights = 0;
  for (Index i = 0; i < input.rows(); ++i) {
    const Index y = class_index(target, i, input.cols(), kOp);
    const float w = class_weight(weight, y);
    const float loss = -w * input(i, y);
    if (reduction == Reduction::None) out(i, 0) = loss;
    total += loss;
    weights += w;
  }
  if (reduction != Reduction::None) out(0, 0) = detail::reduce_total(total, weights, reduction);
}

void nll_backward(Tensor& dinput, const Tensor& dout, const Tensor& input, const Tensor& target,
                  const Tensor* weight, Reduction reduction) {
  const Shape s = nll_shape(input.shape(), target.shape(), reduction);
  detail::check_shape(dout, s, "nll_backward", "dout");
  detail::check_shape(dinput, input.shape(), "nll_backward", "dinput");
  check_class_indices(target, input.rows(), input.cols(), kOp);
  check_class_weights(weight, input.cols(), kOp);
  double scale = reduction == Reduction::None ? 1.0 : dout(0, 0);
  if (reduction == Reduction::Mean) {
    double weights = 0;
    for (Index i = 0; i < input.rows(); ++i) {
      weights += class_weight(weight, class_index(target, i, input.cols(), kOp));
    }
    scale /= weights;
  }
  dinput.zero_();
  for (Index i = 0; i < input.rows(); ++i) {
    const Index y = class_index(target, i, input.cols(), kOp);
    const double g = reduction == Reduction::None ? dout(i, 0) : scale;
    dinput(i, y) = static_cast<float>(-class_weight(weight, y) * g);
  }
}

}  // namespace lockstep::ops
