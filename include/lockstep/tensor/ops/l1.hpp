// lockstep/tensor/ops/l1.hpp — the mean absolute error (torch.nn.functional.l1_loss) as one
// forward/backward kernel pair.
//
// The element-wise loss is |input - target|; its gradient is sign(input - target) (0 where they
// are equal, as in PyTorch) for the input and the negation for the target. Shapes must match;
// reductions as for mse.
//
//   Tensor loss(l1_shape(input.shape(), target.shape(), Reduction::Mean));
//   l1_forward(loss, input, target, Reduction::Mean);
//   l1_backward(dinput, dtarget, dloss, input, target, Reduction::Mean);  // dtarget: optional
#pragma once

#include "lockstep/tensor/ops/reduction.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

Shape l1_shape(Shape input, Shape target, Reduction reduction);
void l1_forward(Tensor& out, const Tensor& input, const Tensor& target, Reduction reduction);
void l1_backward(Tensor& dinput, Tensor& dtarget, const Tensor& dout, const Tensor& input,
                 const Tensor& target, Reduction reduction);

}  // namespace lockstep::ops
