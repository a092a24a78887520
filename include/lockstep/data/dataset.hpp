// lockstep/data/dataset.hpp — map-style datasets (torch.utils.data.Dataset).
//
// A dataset has size() samples; sample i is a feature row of feature_dim() floats and a target
// row of target_dim() floats. get(i, x, y) writes them into caller-provided rows, so a loader
// can collate straight into a (recycled) batch buffer without allocating.
//
//   class Squares : public lockstep::Dataset {
//    public:
//     lockstep::Index size() const override { return 100; }
//     lockstep::Index feature_dim() const override { return 1; }
//     lockstep::Index target_dim() const override { return 1; }
//     void get(lockstep::Index i, std::span<float> x, std::span<float> y) const override {
//       x[0] = float(i); y[0] = float(i * i);
//     }
//   };
#pragma once

#include <span>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

/// One sample: a [1, feature_dim] row and a [1, target_dim] row.
struct Example {
  Tensor x;
  Tensor y;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual Index size() const = 0;
  virtual Index feature_dim() const = 0;
  virtual Index target_dim() const = 0;
  /// Writes sample `index` into x (feature_dim floats) and y (target_dim floats). Must be safe
  /// to call concurrently from several threads.
  virtual void get(Index index, std::span<float> x, std::span<float> y) const = 0;

  /// Sample `index` as fresh tensors (convenience; allocates). Checks the index.
  Example get(Index index) const;
};

}  // namespace lockstep
