// lockstep/nn/batch_norm.hpp — batch normalization layers (torch.nn.BatchNorm1d, BatchNorm2d).
//
// BatchNorm1d normalizes each of the F columns of a [batch, F] input; BatchNorm2d each channel
// of images travelling as [batch, C*H*W] rows (lockstep/tensor/image_shape.hpp) over the batch
// and every position, and is told the ImageShape like the other image layers. The parameters
// are weight (ones) and bias (zeros), [1, C] ([C] in PyTorch's state_dict); the buffers
// running_mean (zeros), running_var (ones) and num_batches_tracked (an int64, shape []) are
// saved and loaded with them (lockstep/io/state_dict.hpp). In training (the default mode) a
// forward normalizes with the batch's mean and biased variance and moves the running
// statistics toward the batch's mean and unbiased variance by momentum (0.1, PyTorch's
// default; no cumulative-average mode) and counts the batch; eval() normalizes with the running
// statistics. With track_running_stats = false there are no buffers and the batch statistics
// are used in both modes.
//
// Which rows are "the batch" under DataParallel (lockstep/parallel/data_parallel.hpp): each
// fixed micro-shard. A training forward on a shard normalizes with that shard's own statistics
// (as PyTorch's BatchNorm does on each GPU under DistributedDataParallel, without
// SyncBatchNorm), and only the shard holding the global batch's first row updates the running
// statistics and the count (as DDP keeps rank 0's buffers). The shards are fixed by the batch
// size and the micro-shard count, never by the replica count, so training gives the same bits
// for any number of threads, and no two threads write the buffers at once. Outside
// DataParallel the whole batch is one batch, exactly as in PyTorch. A shard (or batch) with a
// single value per channel cannot be normalized in training and is an error, as in PyTorch.
//
//   lockstep::Conv2d conv({1, 28, 28}, 32, 3);
//   lockstep::BatchNorm2d bn(conv.output_shape());            // 32 channels of 26 x 26
//   lockstep::Var h = relu(bn(conv(x)));
//   lockstep::BatchNorm1d bn1(128, {.momentum = 0.01f});
//   bn.eval();                                                // use the running statistics
#pragma once

#include <cstdint>

#include "lockstep/nn/module.hpp"
#include "lockstep/tensor/image_shape.hpp"
#include "lockstep/tensor/ops/batch_norm.hpp"

namespace lockstep {

struct BatchNormOptions {
  float eps = 1e-5f;
  float momentum = 0.1f;
  bool affine = true;  // learn weight and bias
  bool track_running_stats = true;
};

/// What BatchNorm1d and BatchNorm2d share; build one of those.
class BatchNorm : public Module {
 public:
  Var forward(const Var& input) override;

  Index num_features() const { return geometry_.channels; }
  const BatchNormOptions& options() const { return options_; }
  Var& weight() { return weight_; }
  Var& bias() { return bias_; }
  /// [1, C]; undefined with track_running_stats = false.
  const Tensor& running_mean() const { return running_mean_; }
  const Tensor& running_var() const { return running_var_; }
  std::int64_t num_batches_tracked() const { return num_batches_tracked_; }

 protected:
  BatchNorm(const char* layer, ops::BatchNormGeometry geometry, BatchNormOptions options);

 private:
  const char* layer_;
  ops::BatchNormGeometry geometry_;
  BatchNormOptions options_;
  Var weight_, bias_;
  Tensor running_mean_, running_var_;
  std::int64_t num_batches_tracked_ = 0;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(Index num_features, BatchNormOptions options = {});
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(ImageShape input, BatchNormOptions options = {});
  ImageShape input_shape() const { return input_; }
  ImageShape output_shape() const { return input_; }

 private:
  ImageShape input_;
};

}  // namespace lockstep
