// lockstep/tensor/ops/softmax.hpp — softmax and log-softmax along each row (PyTorch's dim=1),
// as forward/backward kernel pairs.
//
// Both subtract the row's maximum before exponentiating, so logits of any magnitude (1000,
// -1000) give finite, exact results: log_softmax(x)_j = x_j - max - log(sum_k exp(x_k - max)).
// The backward kernels take the forward's output, as PyTorch's do. No kernel allocates.
//
//   Tensor p(logits.shape());
//   softmax_forward(p, logits);            // every row of p sums to 1
//   softmax_backward(dlogits, dp, p);      // dlogits = p * (dp - rowsum(dp * p))
//   log_softmax_forward(lp, logits);
//   log_softmax_backward(dlogits, dlp, lp);  // dlogits = dlp - exp(lp) * rowsum(dlp)
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

void softmax_forward(Tensor& out, const Tensor& a);
void softmax_backward(Tensor& da, const Tensor& dout, const Tensor& out);

void log_softmax_forward(Tensor& out, const Tensor& a);
void log_softmax_backward(Tensor& da, const Tensor& dout, const Tensor& out);

}  // namespace lockstep::ops
