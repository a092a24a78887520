// lockstep/data/standardizer.hpp — per-feature standardization, (x - mean) / std.
//
// fit() learns each column's mean and *population* standard deviation (numpy's np.std, ddof
// 0) from training data; transform() applies them to any data with the same columns. A
// feature with zero variance is an error naming the column, unless keep_constant is set, in
// which case that column is only centred (divided by 1).
//
// fit() reads the data row by row, in chunks, in two passes (sums, then squared deviations,
// in double): a Dataset too large for memory (a mapped .npy) is fitted without loading it,
// with exactly the statistics fit(Tensor) gives for the same rows. transform_row() applies
// them to one row in place with exactly transform()'s arithmetic.
//
//   lockstep::Standardizer scaler;
//   scaler.fit(X_train);
//   lockstep::Tensor X_train_norm = scaler.transform(X_train);
//   lockstep::Tensor X_test_norm  = scaler.transform(X_test);   // training statistics
//   scaler.fit(lockstep::NpyDataset("big.npy"));                // streamed, constant memory
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "lockstep/data/dataset.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

struct StandardizerOptions {
  bool keep_constant = false;  // leave zero-variance features unscaled instead of failing
};

class Standardizer {
 public:
  explicit Standardizer(StandardizerOptions options = {}) : options_(options) {}
  /// Learns per-column mean and population std from `data` (at least one row).
  Standardizer& fit(const Tensor& data);
  /// The same from a dataset's feature rows, streamed in chunks (at least one sample).
  Standardizer& fit(const Dataset& data);
  /// (data - mean) / std with the fitted statistics; a new tensor.
  Tensor transform(const Tensor& data) const;
  Tensor fit_transform(const Tensor& data) { return fit(data).transform(data); }
  /// (row - mean) / std in place, for one row of the fitted number of features.
  void transform_row(std::span<float> row) const;
  /// data * std + mean.
  Tensor inverse_transform(const Tensor& data) const;

  bool fitted() const { return !mean_.empty(); }
  const std::vector<float>& mean() const { return mean_; }
  const std::vector<float>& stddev() const { return std_; }
  /// Restores statistics saved elsewhere (e.g. in a model file's metadata).
  void set_statistics(std::vector<float> mean, std::vector<float> stddev);

 private:
  // Fits from `rows` rows of `cols` features; read(begin, chunk) fills `chunk` (a [count, cols]
  // tensor) with rows [begin, begin + count), or makes it a view of them.
  using ReadRows = std::function<void(Index begin, Tensor& chunk)>;
  Standardizer& fit_rows(Index rows, Index cols, const ReadRows& read);
  void check_fitted(const Tensor& data, const char* what) const;
  StandardizerOptions options_;
  std::vector<float> mean_, std_;
};

}  // namespace lockstep
