// lockstep/autograd/norm_functions.hpp — differentiable batch normalization on Vars
// (torch.nn.functional.batch_norm) over rows of C*S floats (lockstep/tensor/ops/batch_norm.hpp).
//
// In training the rows given are the batch: they are normalized with their own mean and biased
// variance, the gradient flows through those statistics, and, when `update_running` is set,
// running_mean and running_var move toward the batch's mean and unbiased variance by
// `momentum` (PyTorch's running = (1 - momentum) running + momentum batch). Otherwise the
// running statistics normalize (and take no gradient). With no running statistics
// (track_running_stats = false in the module) the batch's always do. The BatchNorm1d and
// BatchNorm2d modules (lockstep/nn/batch_norm.hpp) hold the arguments.
//
//   using namespace lockstep;
//   Tensor rm = Tensor::zeros({1, 32}), rv = Tensor::ones({1, 32});
//   Var y = batch_norm(x, gamma, beta, {.geometry = {32, 26 * 26}, .running_mean = &rm,
//                                       .running_var = &rv});
#pragma once

#include "lockstep/autograd/variable.hpp"
#include "lockstep/tensor/ops/batch_norm.hpp"

namespace lockstep {

struct BatchNormArgs {
  ops::BatchNormGeometry geometry;
  bool training = true;            // normalize with the batch's statistics
  float momentum = 0.1f;           // the running statistics' update factor
  float eps = 1e-5f;               // added to the variance
  Tensor* running_mean = nullptr;  // [1, C]; null: no running statistics
  Tensor* running_var = nullptr;   // [1, C]
  bool update_running = true;      // in training, update the running statistics
};

/// Batch normalization of x [B, C*S]; weight and bias are [1, C] or undefined (no affine).
Var batch_norm(const Var& x, const Var& weight, const Var& bias, const BatchNormArgs& args);

}  // namespace lockstep
