// lockstep/data/dataset.hpp — map-style datasets (torch.utils.data.Dataset).
//
// A dataset has size() samples; sample i is a feature row of feature_dim() floats and a target
// row of target_dim() floats. get(i, x, y) writes them into caller-provided rows, so a loader
// can collate straight into a (recycled) batch buffer without allocating.
//
//   class Squares : public lockstep::Dataset {
//    public:
//     using lockstep::Dataset::get;   // keep get(i), the Example form, visible beside the override
//     lockstep::Index size() const override { return 100; }
//     lockstep::Index feature_dim() const override { return 1; }
//     lockstep::Index target_dim() const override { return 1; }
//     void get(lockstep::Index i, std::span<float> x, std::span<float> y) const override {
//       x[0] = float(i); y[0] = float(i * i);
//     }
//   };
//   Squares squares;
//   lockstep::Example e = squares.get(7);   // needs the using-declaration above
//
// get_batch(indices, x, y) collates a whole batch in one call; the DataLoader calls it for
// every batch (unless it has a collate_fn). The default calls get() once per sample; a dataset
// that holds its samples in memory overrides it to check the indices once and copy the rows in
// a tight loop, with no virtual call per sample (TensorDataset does).
#pragma once

#include <span>
#include <string>

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

/// One sample: a [1, feature_dim] row and a [1, target_dim] row.
struct Example {
  Tensor x;
  Tensor y;
};

/// What Dataset::get_batch throws when one sample of the batch fails: index() is the sample's
/// dataset index, and the sample's own exception, when there is one, is nested
/// (std::rethrow_if_nested). The DataLoader turns it into an error naming sample and batch.
class SampleError : public Error {
 public:
  SampleError(Index index, const std::string& message) : Error(message), index_(index) {}
  Index index() const { return index_; }

 private:
  Index index_;
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

  /// Writes samples indices[0], indices[1], ... into rows 0, 1, ... of x ([n, feature_dim]) and
  /// y ([n, target_dim]), n = indices.size(); an index may repeat. Throws Error when x or y has
  /// another shape, and SampleError naming the index when a sample fails. The default calls
  /// get() for each index in turn and nests what it throws in the SampleError; overrides copy in
  /// bulk. Must be safe to call concurrently from several threads (each with its own x and y).
  virtual void get_batch(std::span<const Index> indices, Tensor& x, Tensor& y) const;

  /// Sample `index` as fresh tensors (convenience; allocates). Checks the index.
  Example get(Index index) const;
};

}  // namespace lockstep
