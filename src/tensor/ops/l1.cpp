#include "lockstep/tensor/ops/l1.hpp"

#include "lockstep/core/error.hpp"
#include "tensor/ops/reduction.hpp"

namespace lockstep::ops {

Shape l1_shape(Shape input, Shape target, Reduction reduction) {
  LOCKSTEP_CHECK(input == target, "l1_loss: input has shape ", input, " but target has shape ",
                 target, "; they must match");
  return detail::reduced_shape(input, reduction);
}

void l1_forward(Tensor& out, const Tensor& input, const Tensor& target, Reduction reduction) {
  const Shape s = l1_shape(input.shape(), target.shape(), reduction);
  LOCKSTEP_CHECK(out.shape() == s, "l1_forward: output has shape ", out.shape(), ", expected ", s);
  detail::reduce_elementwise(out, (input.map() - target.map()).cwiseAbs(), reduction);
}

void l1_backward(Tensor& dinput, Tensor& dtarget, const Tensor& dout, const Tensor& input,
                 const Tensor& target, Reduction reduction) {
  const Shape s = l1_shape(input.shape(), target.shape(), reduction);
  LOCKSTEP_CHECK(dout.shape() == s, "l1_backward: dout has shape ", dout.shape(), ", expected ", s);
  const float scale = detail::reduced_scale(dout, input.numel(), reduction);
  auto compute = [&](Tensor& d, float sign) {
    if (!d.defined()) return;
    LOCKSTEP_CHECK(d.shape() == input.shape(), "l1_backward: gradient has shape ", d.shape(),
                   ", expected ", input.shape());
    auto g = (input.map() - target.map()).array().sign();
    if (reduction == Reduction::None) {
      d.map().array() = sign * g * dout.map().array();
    } else {
      d.map().array() = (sign * scale) * g;
    }
  };
  compute(dinput, 1.0f);
  compute(dtarget, -1.0f);
}

}  // namespace lockstep::ops
