// lockstep/tensor/ops/activation.hpp — element-wise activations and exp/log as forward/backward
// kernel pairs (torch.relu, torch.sigmoid, torch.tanh, torch.exp, torch.log).
//
// Every kernel writes into a tensor the caller allocated with the input's shape (checked) and
// never allocates. The backward kernels of relu, sigmoid, tanh and exp take the forward's
// *output* (what PyTorch saves for them); log's takes the forward's input.
//
//   Tensor y(x.shape());
//   sigmoid_forward(y, x);
//   Tensor dx(x.shape());
//   sigmoid_backward(dx, dy, y);   // dx = dy * y * (1 - y)
//   relu_forward(y, x);
//   relu_backward(dx, dy, y);      // dx = dy where y > 0, else 0
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

/// out = max(a, 0). The gradient at 0 is 0, as in PyTorch.
void relu_forward(Tensor& out, const Tensor& a);
void relu_backward(Tensor& da, const Tensor& dout, const Tensor& out);

/// out = 1 / (1 + exp(-a)), saturating to exactly 0 or 1 without NaN for large |a|.
void sigmoid_forward(Tensor& out, const Tensor& a);
void sigmoid_backward(Tensor& da, const Tensor& dout, const Tensor& out);

/// out = tanh(a).
void tanh_forward(Tensor& out, const Tensor& a);
void tanh_backward(Tensor& da, const Tensor& dout, const Tensor& out);

/// out = exp(a).
void exp_forward(Tensor& out, const Tensor& a);
void exp_backward(Tensor& da, const Tensor& dout, const Tensor& out);

/// out = log(a) (natural logarithm; -inf at 0 and NaN below, as in PyTorch).
void log_forward(Tensor& out, const Tensor& a);
void log_backward(Tensor& da, const Tensor& dout, const Tensor& a);

}  // namespace lockstep::ops
