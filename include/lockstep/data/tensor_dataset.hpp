// lockstep/data/tensor_dataset.hpp — a dataset over two tensors with one row per sample
// (torch.utils.data.TensorDataset).
//
//   lockstep::Tensor X = ...;   // [n, features]
//   lockstep::Tensor y = ...;   // [n, 1] (or [n, targets])
//   auto ds = std::make_shared<lockstep::TensorDataset>(X, y);
//   lockstep::Example e = ds->get(3);   // row 3 of X and of y
#pragma once

#include "lockstep/data/dataset.hpp"

namespace lockstep {

class TensorDataset : public Dataset {
 public:
  /// Throws when X and y have different row counts, naming both shapes.
  TensorDataset(Tensor features, Tensor targets);

  Index size() const override { return features_.rows(); }
  Index feature_dim() const override { return features_.cols(); }
  Index target_dim() const override { return targets_.cols(); }
  void get(Index index, std::span<float> x, std::span<float> y) const override;
  using Dataset::get;

  const Tensor& features() const { return features_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor features_, targets_;
};

}  // namespace lockstep
