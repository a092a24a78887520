// lockstep/tensor/ops/cross_entropy.hpp — cross-entropy from logits and class indices
// (torch.nn.functional.cross_entropy) as one forward/backward kernel pair.
//
// logits are [B, C]; target is a [B, 1] float column of class indices (see class_index.hpp);
// weight, when not null, a [1, C] row of per-class weights; label_smoothing is in [0, 1].
// With lp = log_softmax(logits) (computed stably, row by row), eps = label_smoothing and w = 1
// when no weight is given, row i's loss is
//
//   l_i = (1 - eps) * w[y_i] * -lp[i, y_i]  +  (eps / C) * sum_c w[c] * -lp[i, c]
//
// Reduction::None gives the [B, 1] column of l_i, Sum their sum and Mean their sum divided by
// sum_i w[y_i] (B without weights) — PyTorch's exact semantics, smoothing term included.
// Neither kernel allocates: the backward recomputes the softmax row by row.
//
//   Tensor loss(cross_entropy_shape(logits.shape(), target.shape(), Reduction::Mean));
//   cross_entropy_forward(loss, logits, target, &weight, 0.1f, Reduction::Mean);
//   cross_entropy_backward(dlogits, dloss, logits, target, &weight, 0.1f, Reduction::Mean);
#pragma once

#include "lockstep/tensor/ops/reduction.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

/// The loss's shape ([B, 1] for Reduction::None, else [1, 1]); checks that target is [B, 1].
Shape cross_entropy_shape(Shape logits, Shape target, Reduction reduction);
void cross_entropy_forward(Tensor& out, const Tensor& logits, const Tensor& target,
                           const Tensor* weight, float label_smoothing, Reduction reduction);
void cross_entropy_backward(Tensor& dlogits, const Tensor& dout, const Tensor& logits,
                            const Tensor& target, const Tensor* weight, float label_smoothing,
                            Reduction reduction);

/// Throws naming the value unless 0 <= label_smoothing <= 1.
void check_label_smoothing(float label_smoothing, const char* op);

}  // namespace lockstep::ops
