#include "lockstep/tensor/ops/bce_with_logits.hpp"

#include "lockstep/core/error.hpp"
#include "tensor/ops/reduction.hpp"

namespace lockstep::ops {

Shape bce_with_logits_shape(Shape input, Shape target, Reduction reduction) {
  LOCKSTEP_CHECK(input == target, "binary_cross_entropy_with_logits: input has shape ", input,
                 " but target has shape ", target, "; they must match");
  return detail::reduced_shape(input, reduction);
}

void bce_with_logits_forward(Tensor& out, const Tensor& input, const Tensor& target,
                             Reduction reduction) {
  const Shape s = bce_with_logits_shape(input.shape(), target.shape(), reduction);
  LOCKSTEP_CHECK(out.shape() == s, "bce_with_logits_forward: output has shape ", out.shape(),
                 ", expected ", s);
  auto x = input.map().array();
  detail::reduce_elementwise(out, x.max(0.0f) - x * target.map().array() + (-x.abs()).exp().log1p(),
                             reduction);
}

void bce_with_logits_backward(Tensor& dinput, Tensor& dtarget, const Tensor& dout,
                              const Tensor& input, const Tensor& target, Reduction reduction) {
  const Shape s = bce_with_logits_shape(input.shape(), target.shape(), reduction);
  LOCKSTEP_CHECK(dout.shape() == s, "bce_with_logits_backward: dout has shape ", dout.shape(),
                 ", expected ", s);
  const float scale = detail::reduced_scale(dout, input.numel(), reduction);
  auto x = input.map().array();
  if (dinput.defined()) {
    LOCKSTEP_CHECK(dinput.shape() == input.shape(), "bce_with_logits_backward: dinput has shape ",
                   dinput.shape(), ", expected ", input.shape());
    // sigmoid(x) - t, with a sigmoid that saturates instead of producing NaN.
    dinput.map().array() = (1.0f + (-x).exp()).inverse() - target.map().array();
    if (reduction == Reduction::None) {
      dinput.map().array() *= dout.map().array();
    } else {
      dinput.map().array() *= scale;
    }
  }
  if (dtarget.defined()) {
    LOCKSTEP_CHECK(dtarget.shape() == input.shape(), "bce_with_logits_backward: dtarget has shape ",
                   dtarget.shape(), ", expected ", input.shape());
    if (reduction == Reduction::None) {
      dtarget.map().array() = -x * dout.map().array();
    } else {
      dtarget.map().array() = -x * scale;
    }
  }
}

}  // namespace lockstep::ops
