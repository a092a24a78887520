// lockstep/tensor/ops/matmul.hpp — matrix products as forward/backward kernel pairs.
//
// Kernels write into tensors the caller allocated with the right shape (checked); they never
// allocate, so the autograd tape and the replica workspaces can reuse buffers. A backward
// kernel skips every gradient whose output tensor is undefined.
//
//   matmul_forward(out, a, b);                  // out = a @ b
//   matmul_backward(da, db, dout, a, b);        // da = dout @ b^T, db = a^T @ dout
//   linear_forward(out, x, w, bias);            // out = x @ w^T + bias   (w is [out, in])
//   linear_backward(dx, dw, dbias, dout, x, w);
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

/// The shape of a @ b; throws naming both shapes when the inner dimensions differ.
Shape matmul_shape(Shape a, Shape b);
void matmul_forward(Tensor& out, const Tensor& a, const Tensor& b);
void matmul_backward(Tensor& da, Tensor& db, const Tensor& dout, const Tensor& a, const Tensor& b);

/// The shape of x @ w^T (+ bias); w is [out_features, in_features], bias [1, out_features].
Shape linear_shape(Shape x, Shape w, const Tensor* bias);
void linear_forward(Tensor& out, const Tensor& x, const Tensor& w, const Tensor* bias);
void linear_backward(Tensor& dx, Tensor& dw, Tensor& dbias, const Tensor& dout, const Tensor& x,
                     const Tensor& w);

}  // namespace lockstep::ops
