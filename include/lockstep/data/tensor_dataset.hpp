// lockstep/data/tensor_dataset.hpp — a dataset over two tensors with one row per sample
// (torch.utils.data.TensorDataset).
//
//   lockstep::Tensor X = ...;   // [n, features]
//   lockstep::Tensor y = ...;   // [n, 1] (or [n, targets])
//   auto ds = std::make_shared<lockstep::TensorDataset>(X, y);
//   lockstep::Example e = ds->get(3);   // row 3 of X and of y
//
// get_batch checks every index first, then copies the rows with memcpy, prefetching the rows
// a few samples ahead (a shuffled batch reads rows scattered over the whole array).
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
  /// An index out of range is a SampleError naming it and the size; nothing is copied then.
  void get_batch(std::span<const Index> indices, Tensor& x, Tensor& y) const override;

  const Tensor& features() const { return features_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor features_, targets_;
};

}  // namespace lockstep
