#include "lockstep/tensor/ops/l1.hpp"

#include "tensor/ops/check.hpp"
#include "tensor/ops/reduction.hpp"

namespace lockstep::ops {

Shape l1_shape(Shape input, Shape target, Reduction reduction) {
  return detail::elementwise_loss_shape(input, target, reduction, "l1_loss");
}

void l1_forward(Tensor& out, const Tensor& input, const Tensor& target, Reduction reduction) {
  const Shape s = l1_shape(input.shape(), target.shape(), reduction);
  detail::check_shape(out, s, "l1_forward", "output");
  detail::reduce_elementwise(out, (input.map() - target.map()).cwiseAbs(), reduction);
}

void l1_backward(Tensor& dinput, Tensor& dtarget, const Tensor& dout, const Tensor& input,
                 const Tensor& target, Reduction reduction) {
  const Shape s = l1_shape(input.shape(), target.shape(), reduction);
  detail::check_shape(dout, s, "l1_backward", "dout");
  const float scale = detail::reduced_scale(dout, input.numel(), reduction);
  auto compute = [&](Tensor& d, float sign) {
    if (!d.defined()) return;
    detail::check_shape(d, input.shape(), "l1_backward", "gradient");
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
