// lockstep/tensor/ops/batch_norm.hpp — batch normalization (torch.nn.functional.batch_norm) as
// kernels over rows of C*S floats: S = 1 for BatchNorm1d's [B, C], S = H*W for BatchNorm2d's
// images (lockstep/tensor/image_shape.hpp).
//
// Channel c's values are x[n, c*S + s] for every row n and position s: N = B*S of them.
//   batch_norm_stats:    mean_c, invstd_c = 1 / sqrt(var_c + eps) with the biased variance
//                        (what training normalizes with), and the unbiased variance
//                        (var_c * N / (N - 1), what the running estimate takes); sums in double,
//                        rows in order, two passes.
//   batch_norm_forward:  y = (x - mean_c) * invstd_c * weight_c + bias_c (weight, bias optional).
//   batch_norm_backward: with batch statistics (training) the gradient flows through mean and
//                        invstd too: dx = w invstd (dy - mean(dy) - xhat mean(dy xhat)); with
//                        fixed statistics (evaluation) dx = dy w invstd. dweight = sum dy xhat,
//                        dbias = sum dy. Undefined gradient tensors are skipped.
// The kernels never allocate; all per-channel tensors are [1, C].
//
//   ops::BatchNormGeometry g{.channels = 32, .spatial = 26 * 26};
//   ops::batch_norm_stats(mean, invstd, &var, x, g, 1e-5f);
//   ops::batch_norm_forward(out, x, mean, invstd, &weight, &bias, g);
//   ops::batch_norm_backward(dx, dw, db, dout, x, mean, invstd, &weight, g, true);
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

struct BatchNormGeometry {
  Index channels = 0;  // C
  Index spatial = 1;   // S: values per channel in one row
  Index features() const { return channels * spatial; }
};

/// Throws naming the shapes unless x is [B, C*S] with B*S > 1 (one value per channel has no
/// variance; PyTorch refuses it in training too).
void batch_norm_check_batch(Shape x, const BatchNormGeometry& g);
void batch_norm_stats(Tensor& mean, Tensor& invstd, Tensor* unbiased_var, const Tensor& x,
                      const BatchNormGeometry& g, float eps);
/// invstd = 1 / sqrt(var + eps), element-wise ([1, C]).
void batch_norm_invstd(Tensor& invstd, const Tensor& var, float eps);
void batch_norm_forward(Tensor& out, const Tensor& x, const Tensor& mean, const Tensor& invstd,
                        const Tensor* weight, const Tensor* bias, const BatchNormGeometry& g);
void batch_norm_backward(Tensor& dx, Tensor& dweight, Tensor& dbias, const Tensor& dout,
                         const Tensor& x, const Tensor& mean, const Tensor& invstd,
                         const Tensor* weight, const BatchNormGeometry& g, bool batch_statistics);

}  // namespace lockstep::ops
