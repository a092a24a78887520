// lockstep/tensor/ops/bce_with_logits.hpp — binary cross-entropy on logits
// (torch.nn.functional.binary_cross_entropy_with_logits) as one forward/backward kernel pair.
//
// For a logit x and a target t in [0, 1] the loss is -t log(sigmoid(x)) - (1 - t) log(1 -
// sigmoid(x)), computed in the stable form max(x, 0) - x t + log1p(exp(-|x|)), which is finite
// for logits of any magnitude. Its gradients are sigmoid(x) - t (input) and -x (target).
// input and target have the same shape; reductions as for mse (mean over all elements).
//
//   Tensor loss(bce_with_logits_shape(x.shape(), t.shape(), Reduction::Mean));
//   bce_with_logits_forward(loss, x, t, Reduction::Mean);
//   bce_with_logits_backward(dx, dt, dloss, x, t, Reduction::Mean);  // dt may be undefined
#pragma once

#include "lockstep/tensor/ops/reduction.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

Shape bce_with_logits_shape(Shape input, Shape target, Reduction reduction);
void bce_with_logits_forward(Tensor& out, const Tensor& input, const Tensor& target,
                             Reduction reduction);
void bce_with_logits_backward(Tensor& dinput, Tensor& dtarget, const Tensor& dout,
                              const Tensor& input, const Tensor& target, Reduction reduction);

}  // namespace lockstep::ops
