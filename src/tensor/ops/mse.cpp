#include "lockstep/tensor/ops/mse.hpp"

#include "tensor/ops/check.hpp"
#include "tensor/ops/reduction.hpp"

namespace lockstep {
namespace ops {

Shape mse_shape(Shape input, Shape target, Reduction reduction) {
  return detail::elementwise_loss_shape(input, target, reduction, "mse_loss");
}

void mse_forward(Tensor& out, const Tensor& input, const Tensor& target, Reduction reduction) {
  const Shape s = mse_shape(input.shape(), target.shape(), reduction);
  detail::check_shape(out, s, "mse_forward", "output");
  detail::reduce_elementwise(out, (input.map() - target.map()).cwiseAbs2(), reduction);
}

void mse_backward(Tensor& dinput, Tensor& dtarget, const Tensor& dout, const Tensor& input,
                  const Tensor& target, Reduction reduction) {
  const Shape s = mse_shape(input.shape(), target.shape(), reduction);
  detail::check_shape(dout, s, "mse_backward", "dout");
  // d/dinput of (input - target)^2 is 2 (input - target), times the upstream gradient.
  auto compute = [&](Tensor& d, float sign) {
    if (!d.defined()) return;
    detail::check_shape(d, input.shape(), "mse_backward", "gradient");
    if (reduction == Reduction::None) {
      d.map() = (2.0f * sign) * (input.map() - target.map()).cwiseProduct(dout.map());
    } else {
      const float scale = detail::reduced_scale(dout, input.numel(), reduction, 2.0f * sign);
      d.map() = scale * (input.map() - target.map());
    }
  };
  compute(dinput, 1.0f);
  compute(dtarget, -1.0f);
}

}  // namespace ops
}  // namespace lockstep
