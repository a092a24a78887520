// lockstep/data/synthetic.hpp — seeded synthetic data sets of any size and width, computed in
// get(i) from counters (nothing stored), bit-identical to the PyTorch reference benchmarks'
// data (shared/bench/common.py), so both train on the very same samples.
//
// The definitions (all float32 unless said; stream s and counter k give
// randbits(s, k) = splitmix64((s << 40) + k) and unif01(s, k) = (randbits(s, k) >> 40) * 2^-24):
//
//   SyntheticClassification(n, d, classes, seed)     — common.make_classification
//     label[i]    = (randbits(16 seed + 1, i) >> 32) % classes
//     center[c,j] = 2 unif01(16 seed + 2, c d + j) - 1
//     x[i,j]      = (2 unif01(16 seed + 3, i d + j) - 1) + 0.5 center[label[i], j]
//     y[i]        = label[i] (as a float class id)
//   SyntheticRegression(n, d, seed, noise = 0.125)   — "linreg-wide" of w2_w4_torch_train.py
//     x[i,j]      = 2 unif01(16 seed + 3, i d + j) - 1
//     w[j]        = 2 unif01(16 seed + 4, j) - 1                     (float64)
//     e[i]        = noise (2 unif01(16 seed + 5, i) - 1)             (float64)
//     y[i]        = float32(sum_j float64(x[i,j]) w[j] + e[i])
//   synthetic_permutation(n, seed, epoch)            — common.permutation: the indices sorted
//     (stably) by the keys randbits(16 seed + 8 + epoch, i)
//
// The regression sum is computed with compensated (Neumaier) summation, i.e. as close to the
// exact sum as float64 allows: numpy's x @ w goes through whatever BLAS it finds, whose
// summation order varies, and the rounding to float32 hides those differences in all but rare
// samples. Counters must stay below 2^40 (n * d < 2^40), so that streams never overlap.
//
//   auto train = std::make_shared<lockstep::SyntheticClassification>(60000, 784, 10, /*seed=*/2);
//   std::vector<lockstep::Index> order = lockstep::synthetic_permutation(60000, /*seed=*/2);
//   auto wide = std::make_shared<lockstep::SyntheticRegression>(1000000, 256, /*seed=*/4);
#pragma once

#include <cstdint>
#include <vector>

#include "lockstep/data/dataset.hpp"

namespace lockstep {

/// splitmix64((stream << 40) + k): the counter-based random words of the definitions above.
std::uint64_t synthetic_randbits(std::uint64_t stream, std::uint64_t k);
/// (synthetic_randbits(stream, k) >> 40) * 2^-24: a float32 uniform in [0, 1), exact.
float synthetic_unif01(std::uint64_t stream, std::uint64_t k);

class SyntheticClassification : public Dataset {
 public:
  SyntheticClassification(Index size, Index features, Index classes, std::uint64_t seed);

  Index size() const override { return size_; }
  Index feature_dim() const override { return features_; }
  Index target_dim() const override { return 1; }
  void get(Index index, std::span<float> x, std::span<float> y) const override;
  using Dataset::get;

  Index num_classes() const { return classes_; }
  std::uint64_t seed() const { return seed_; }
  /// The class of sample i (what get() writes to y, as an integer).
  Index label(Index index) const;
  /// center[c, j] of the definition.
  float center(Index c, Index j) const;

 private:
  Index size_, features_, classes_;
  std::uint64_t seed_;
  std::vector<float> centers_;  // cached when small (classes * features <= 2^22), else computed
};

class SyntheticRegression : public Dataset {
 public:
  SyntheticRegression(Index size, Index features, std::uint64_t seed, double noise = 0.125);

  Index size() const override { return size_; }
  Index feature_dim() const override { return features_; }
  Index target_dim() const override { return 1; }
  void get(Index index, std::span<float> x, std::span<float> y) const override;
  using Dataset::get;

  std::uint64_t seed() const { return seed_; }
  double noise() const { return noise_; }
  /// w of the definition (features values).
  const std::vector<double>& true_weights() const { return weights_; }

 private:
  Index size_, features_;
  std::uint64_t seed_;
  double noise_;
  std::vector<double> weights_;
};

/// The reference benchmarks' shuffle order for `epoch` (common.permutation).
std::vector<Index> synthetic_permutation(Index n, std::uint64_t seed, std::uint64_t epoch = 0);

}  // namespace lockstep
