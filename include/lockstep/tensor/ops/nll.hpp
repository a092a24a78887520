// lockstep/tensor/ops/nll.hpp — the negative log-likelihood loss (torch.nn.functional.nll_loss)
// as one forward/backward kernel pair.
//
// input is [B, C] log-probabilities (e.g. from log_softmax); target a [B, 1] float column of
// class indices (see class_index.hpp); weight, when not null, a [1, C] row. Row i's loss is
// l_i = -w[y_i] * input[i, y_i]; Reduction::None gives the [B, 1] column, Sum the sum and Mean
// the sum divided by sum_i w[y_i] (B without weights), as PyTorch does.
//
//   Tensor loss(nll_shape(logp.shape(), target.shape(), Reduction::Mean));
//   nll_forward(loss, logp, target, nullptr, Reduction::Mean);
//   nll_backward(dlogp, dloss, logp, target, nullptr, Reduction::Mean);
#pragma once

#include "lockstep/tensor/ops/reduction.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

/// The loss's shape ([B, 1] for Reduction::None, else [1, 1]); checks that target is [B, 1].
Shape nll_shape(Shape input, Shape target, Reduction reduction);
void nll_forward(Tensor& out, const Tensor& input, const Tensor& target, const Tensor* weight,
                 Reduction reduction);
void nll_backward(Tensor& dinput, const Tensor& dout, const Tensor& input, const Tensor& target,
                  const Tensor* weight, Reduction reduction);

}  // namespace lockstep::ops
