#include "lockstep/nn/batch_norm.hpp"

#include "lockstep/autograd/norm_functions.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/nn/shard_context.hpp"

namespace lockstep {

BatchNorm::BatchNorm(const char* layer, ops::BatchNormGeometry geometry, BatchNormOptions options)
    : layer_(layer), geometry_(geometry), options_(options) {
  LOCKSTEP_CHECK(geometry.channels > 0, layer, ": num_features must be positive, got ",
                 geometry.channels);
  LOCKSTEP_CHECK(options.eps > 0.0f, layer, ": eps must be positive, got ", options.eps);
  LOCKSTEP_CHECK(options.momentum >= 0.0f && options.momentum <= 1.0f, layer,
                 ": momentum must be in [0, 1], got ", options.momentum);
  const Index c = geometry.channels;
  if (options.affine) {
    weight_ = register_parameter("weight", Tensor::ones({1, c}), true, {c});
    bias_ = register_parameter("bias", Tensor::zeros({1, c}), true, {c});
  }
  if (options.track_running_stats) {
    running_mean_ = Tensor::zeros({1, c});
    running_var_ = Tensor::ones({1, c});
    register_buffer("running_mean", running_mean_, {c});
    register_buffer("running_var", running_var_, {c});
    register_buffer("num_batches_tracked", num_batches_tracked_);
  }
}

Var BatchNorm::forward(const Var& input) {
  LOCKSTEP_CHECK(input.defined(), layer_, ": undefined input");
  LOCKSTEP_CHECK(input.cols() == geometry_.features(), layer_, "(", geometry_.channels,
                 "): input of shape ", input.shape(), " has ", input.cols(),
                 " features per row, expected ", geometry_.channels, " channels x ",
                 geometry_.spatial, " = ", geometry_.features());
  const bool tracking = options_.track_running_stats;
  // Under DataParallel only the shard holding the batch's first row updates the buffers.
  const ShardContext* shard = current_shard();
  const bool update = is_training() && tracking && (shard == nullptr || shard->first_row == 0);
  BatchNormArgs args{.geometry = geometry_,
                     .training = is_training(),
                     .momentum = options_.momentum,
                     .eps = options_.eps,
                     .running_mean = tracking ? &running_mean_ : nullptr,
                     .running_var = tracking ? &running_var_ : nullptr,
                     .update_running = update};
  Var out = batch_norm(input, weight_, bias_, args);
  if (update) ++num_batches_tracked_;
  return out;
}

BatchNorm1d::BatchNorm1d(Index num_features, BatchNormOptions options)
    : BatchNorm("BatchNorm1d", {num_features, 1}, options) {}

namespace {
ops::BatchNormGeometry image_geometry(ImageShape input) {
  LOCKSTEP_CHECK(input.channels > 0 && input.height > 0 && input.width > 0,
                 "BatchNorm2d: input image shape ", input, " must be positive");
  return {input.channels, input.plane()};
}
}  // namespace

BatchNorm2d::BatchNorm2d(ImageShape input, BatchNormOptions options)
    : BatchNorm("BatchNorm2d", image_geometry(input), options), input_(input) {}

}  // namespace lockstep
