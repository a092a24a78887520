#include "lockstep/tensor/ops/bce_with_logits.hpp"

#include "tensor/ops/check.hpp"
#include "tensor/ops/reduction.hpp"

namespace lockstep::ops {

Shape bce_with_logits_shape(Shape input, Shape target, Reduction reduction) {
  return detail::elementwise_loss_shape(input, target, reduction,
                                        "binary_cross_entropy_with_logits");
}

void bce_with_logits_forward(Tensor& out, const Tensor& input, const Tensor& target,
                             Reduction reduction) {
  const Shape s = bce_with_logits_shape(input.shape(), target.shape(), reduction);
  detail::check_shape(out, s, "bce_with_logits_forward", "output");
  auto x = input.map().array();
  detail::reduce_elementwise(out, x.max(0.0f) - x * target.map().array() + (-x.abs()).exp().log1p(),
                             reduction);
}

void bce_with_logits_backward(Tensor& dinput, Tensor& dtarget, const Tensor& dout,
                              const Tensor& input, const Tensor& target, Reduction reduction) {
  const Shape s = bce_with_logits_shape(input.shape(), target.shape(), reduction);
  detail::check_shape(dout, s, "bce_with_logits_backward", "dout");
  const float scale = detail::reduced_scale(dout, input.numel(), reduction);
  auto x = input.map().array();
  if (dinput.defined()) {
    detail::check_shape(dinput, input.shape(), "bce_with_logits_backward", "dinput");
    // sigmoid(x) - t, with a sigmoid that saturates instead of producing NaN.
    dinput.map().array() = (1.0f + (-x).exp()).inverse() - target.map().array();
    if (reduction == Reduction::None) {
      dinput.map().array() *= dout.map().array();
    } else {
      dinput.map().array() *= scale;
    }
  }
  if (dtarget.defined()) {
    detail::check_shape(dtarget, input.shape(), "bce_with_logits_backward", "dtarget");
    if (reduction == Reduction::None) {
      dtarget.map().array() = -x * dout.map().array();
    } else {
      dtarget.map().array() = -x * scale;
    }
  }
}

}  // namespace lockstep::ops
