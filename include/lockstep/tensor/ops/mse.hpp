// lockstep/tensor/ops/mse.hpp — mean squared error as one forward/backward kernel pair.
//
// Reduction::Mean gives a [1, 1] mean of (input - target)^2, Sum the [1, 1] sum, None the
// element-wise [m, n] squares, exactly as torch.nn.functional.mse_loss.
//
//   Tensor out(mse_shape(input.shape(), target.shape(), Reduction::Mean));
//   mse_forward(out, input, target, Reduction::Mean);
//   mse_backward(dinput, dtarget, dout, input, target, Reduction::Mean);
#pragma once

#include "lockstep/tensor/ops/reduction.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep {
namespace ops {

Shape mse_shape(Shape input, Shape target, Reduction reduction);
void mse_forward(Tensor& out, const Tensor& input, const Tensor& target, Reduction reduction);
void mse_backward(Tensor& dinput, Tensor& dtarget, const Tensor& dout, const Tensor& input,
                  const Tensor& target, Reduction reduction);

}  // namespace ops
}  // namespace lockstep
