#include "lockstep/data/tensor_dataset.hpp"

#include <algorithm>

#include "lockstep/core/error.hpp"

namespace lockstep {

TensorDataset::TensorDataset(Tensor features, Tensor targets)
    : features_(std::move(features)), targets_(std::move(targets)) {
  LOCKSTEP_CHECK(features_.defined() && targets_.defined(),
                 "TensorDataset: features and targets must be defined tensors");
  LOCKSTEP_CHECK(features_.rows() == targets_.rows(),
                 "TensorDataset: size mismatch between tensors: features have shape ",
                 features_.shape(), " and targets ", targets_.shape(),
                 " (they need the same number of rows)");
}

void TensorDataset::get(Index index, std::span<float> x, std::span<float> y) const {
  LOCKSTEP_CHECK(index >= 0 && index < size(), "TensorDataset: index ", index,
                 " is out of range for ", size(), " samples");
  LOCKSTEP_CHECK(
      static_cast<Index>(x.size()) == feature_dim() && static_cast<Index>(y.size()) == target_dim(),
      "TensorDataset::get: buffers of ", x.size(), " and ", y.size(), " floats for a sample of ",
      feature_dim(), " and ", target_dim());
  const float* xr = features_.data() + index * feature_dim();
  const float* yr = targets_.data() + index * target_dim();
  std::copy(xr, xr + feature_dim(), x.begin());
  std::copy(yr, yr + target_dim(), y.begin());
}

}  // namespace lockstep
