// lockstep/data/subset.hpp — a view of some samples of a dataset, and seeded random splits
// (torch.utils.data.Subset and random_split).
//
// random_split shuffles 0..n-1 with Generator(seed).permutation(n) (lockstep's own generator,
// so the split is the same on every machine, but not the same as PyTorch's) and cuts it into
// consecutive pieces. Lengths must add up to the dataset size; fractions (each in [0, 1],
// summing to 1) become floor(f * n) samples each, and the samples left over go one each to
// the first subsets, round-robin, as in PyTorch.
//
//   auto ds = std::make_shared<lockstep::TensorDataset>(X, y);        // 150 samples
//   auto parts = lockstep::random_split(ds, {100, 50}, /*seed=*/1);    // lengths
//   auto [train, test] = std::pair(parts[0], parts[1]);
//   auto split = lockstep::random_split(ds, {0.8, 0.2}, /*seed=*/1);   // fractions: 120, 30
//   lockstep::Subset first_ten(ds, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "lockstep/data/dataset.hpp"

namespace lockstep {

class Subset : public Dataset {
 public:
  /// Sample i of the subset is sample indices[i] of `dataset`; every index must be in range.
  Subset(std::shared_ptr<const Dataset> dataset, std::vector<Index> indices);

  Index size() const override { return static_cast<Index>(indices_.size()); }
  Index feature_dim() const override { return dataset_->feature_dim(); }
  Index target_dim() const override { return dataset_->target_dim(); }
  void get(Index index, std::span<float> x, std::span<float> y) const override;
  /// Maps the indices and makes one get_batch call on the underlying dataset (so a Subset of a
  /// TensorDataset copies in bulk too); a failing sample is named by its subset index.
  void get_batch(std::span<const Index> indices, Tensor& x, Tensor& y) const override;
  using Dataset::get;

  const std::vector<Index>& indices() const { return indices_; }
  const std::shared_ptr<const Dataset>& dataset() const { return dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::vector<Index> indices_;
};

/// Splits into subsets of the given lengths, which must add up to dataset->size().
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  std::span<const Index> lengths,
                                                  std::uint64_t seed);
/// Splits into subsets of the given fractions of dataset->size().
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  std::span<const double> fractions,
                                                  std::uint64_t seed);
/// random_split(ds, {100, 50}, seed) takes lengths; random_split(ds, {0.8, 0.2}, seed) fractions.
template <class T>
requires std::is_arithmetic_v<T> std::vector<std::shared_ptr<Subset>> random_split(
    std::shared_ptr<const Dataset> dataset, std::initializer_list<T> sizes, std::uint64_t seed) {
  if constexpr (std::is_integral_v<T>) {
    const std::vector<Index> lengths(sizes.begin(), sizes.end());
    return random_split(std::move(dataset), std::span<const Index>(lengths), seed);
  } else {
    const std::vector<double> fractions(sizes.begin(), sizes.end());
    return random_split(std::move(dataset), std::span<const double>(fractions), seed);
  }
}

/// The lengths random_split uses for `fractions` of n samples.
std::vector<Index> split_lengths(Index n, std::span<const double> fractions);

}  // namespace lockstep
