#include "lockstep/tensor/ops/l1.hpp"

#include <limits>

#include "lockstep/core/error.hpp"

namespace lockstep::ops {

Shape l1_shape(Shape input, Shape target, Reduction reduction) {
  LOCKSTEP_CHECK(input == target, "l1_loss: input has shape ", input, " but target has shape ",
                 target, "; they must match");
  return reduction == Reduction::None ? input : Shape{1, 1};
}

void l1_forward(Tensor& out, const Tensor& input, const Tensor& target, Reduction reduction) {
  const Shape s = l1_shape(input.shape(), target.shape(), reduction);
  LOCKSTEP_CHECK(out.shape() == s, "l1_forward: output has shape ", out.shape(), ", expected ", s);
  auto abs_diff = (input.map() - target.map()).cwiseAbs();
  switch (reduction) {
    case Reduction::None:
      out.map() = abs_diff;
      break;
    case Reduction::Sum:
      out(0, 0) = abs_diff.sum();
      break;
    case Reduction::Mean:
      out(0, 0) = input.numel() == 0 ? std::numeric_limits<float>::quiet_NaN()
                                     : abs_diff.sum() / static_cast<float>(input.numel());
      break;
  }
}

void l1_backward(Tensor& dinput, Tensor& dtarget, const Tensor& dout, const Tensor& input,
                 const Tensor& target, Reduction reduction) {
  const Shape s = l1_shape(input.shape(), target.shape(), reduction);
  LOCKSTEP_CHECK(dout.shape() == s, "l1_backward: dout has shape ", dout.shape(), ", expected ", s);
  float scale = reduction == Reduction::None ? 1.0f : dout(0, 0);
  if (reduction == Reduction::Mean) scale /= static_cast<float>(input.numel());
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
