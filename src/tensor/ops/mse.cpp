#include "lockstep/tensor/ops/mse.hpp"

#include "lockstep/core/error.hpp"
#include "tensor/ops/reduction.hpp"

namespace lockstep {

const char* to_string(Reduction r) {
  switch (r) {
    case Reduction::None:
      return "none";
    case Reduction::Mean:
      return "mean";
    case Reduction::Sum:
      return "sum";
  }
  return "?";
}

namespace ops {

Shape mse_shape(Shape input, Shape target, Reduction reduction) {
  LOCKSTEP_CHECK(input == target, "mse_loss: input has shape ", input, " but target has shape ",
                 target, "; they must match");
  return detail::reduced_shape(input, reduction);
}

void mse_forward(Tensor& out, const Tensor& input, const Tensor& target, Reduction reduction) {
  const Shape s = mse_shape(input.shape(), target.shape(), reduction);
  LOCKSTEP_CHECK(out.shape() == s, "mse_forward: output has shape ", out.shape(), ", expected ", s);
  detail::reduce_elementwise(out, (input.map() - target.map()).cwiseAbs2(), reduction);
}

void mse_backward(Tensor& dinput, Tensor& dtarget, const Tensor& dout, const Tensor& input,
                  const Tensor& target, Reduction reduction) {
  const Shape s = mse_shape(input.shape(), target.shape(), reduction);
  LOCKSTEP_CHECK(dout.shape() == s, "mse_backward: dout has shape ", dout.shape(), ", expected ",
                 s);
  // d/dinput of (input - target)^2 is 2 (input - target), times the upstream gradient.
  auto compute = [&](Tensor& d, float sign) {
    if (!d.defined()) return;
    LOCKSTEP_CHECK(d.shape() == input.shape(), "mse_backward: gradient has shape ", d.shape(),
                   ", expected ", input.shape());
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
