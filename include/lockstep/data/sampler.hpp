// lockstep/data/sampler.hpp — which samples an epoch visits, and in which order
// (torch.utils.data.Sampler and its family).
//
// Every sampler is a pure function of its settings and the epoch: indices(epoch) returns the
// same list on every call, on every machine, whatever thread asks. This is what makes the
// loader's batches independent of the number of workers, and what lets a resumed run replay
// an epoch exactly.
//
//   lockstep::RandomSampler shuffled(n, {.seed = 7});
//   std::vector<lockstep::Index> order = shuffled.indices(/*epoch=*/3);
//   lockstep::DistributedSampler shard(n, /*num_replicas=*/4, /*rank=*/1, {.seed = 7});
//   lockstep::BatchSampler batches(std::make_shared<lockstep::SequentialSampler>(n), 32, false);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

class Sampler {
 public:
  virtual ~Sampler() = default;
  /// The dataset indices visited in `epoch`, in order.
  virtual std::vector<Index> indices(Index epoch) const = 0;
  /// How many indices each epoch has.
  virtual Index size() const = 0;
};

/// 0, 1, ..., n-1 every epoch.
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(Index n);
  std::vector<Index> indices(Index epoch) const override;
  Index size() const override { return n_; }

 private:
  Index n_;
};

struct RandomSamplerOptions {
  std::uint64_t seed = 0;
  bool replacement = false;
  /// Indices per epoch; default n. Without replacement it may exceed n (then the epoch
  /// concatenates independent permutations, as PyTorch does).
  std::optional<Index> num_samples{};
};

/// A fresh permutation of 0..n-1 every epoch (or draws with replacement).
class RandomSampler : public Sampler {
 public:
  RandomSampler(Index n, RandomSamplerOptions options = {});
  std::vector<Index> indices(Index epoch) const override;
  Index size() const override { return num_samples_; }

 private:
  Index n_, num_samples_;
  RandomSamplerOptions options_;
};

/// A fresh permutation of the given indices every epoch.
class SubsetRandomSampler : public Sampler {
 public:
  SubsetRandomSampler(std::vector<Index> subset, std::uint64_t seed = 0);
  std::vector<Index> indices(Index epoch) const override;
  Index size() const override { return static_cast<Index>(subset_.size()); }

 private:
  std::vector<Index> subset_;
  std::uint64_t seed_;
};

/// Index i drawn with probability weights[i] / sum(weights) (torch.multinomial semantics):
/// with replacement, independent draws; without, a weighted permutation prefix
/// (Efraimidis–Spirakis keys).
class WeightedRandomSampler : public Sampler {
 public:
  WeightedRandomSampler(std::vector<double> weights, Index num_samples, bool replacement = true,
                        std::uint64_t seed = 0);
  std::vector<Index> indices(Index epoch) const override;
  Index size() const override { return num_samples_; }

 private:
  std::vector<double> cumulative_;
  std::vector<double> weights_;
  Index num_samples_;
  bool replacement_;
  std::uint64_t seed_;
};

struct DistributedSamplerOptions {
  bool shuffle = true;
  std::uint64_t seed = 0;
  /// Drop the tail so that every rank gets floor(n / replicas) samples.
  bool drop_last = false;
  /// Pad with repeated samples so that every rank gets ceil(n / replicas) (PyTorch's
  /// behaviour). Off: every sample exactly once over all ranks, ranks may differ by one —
  /// what an exact evaluation needs.
  bool pad = true;
};

/// Rank r of `num_replicas`' share of every epoch: the epoch's order (shuffled with the
/// seed and the epoch, the same on every rank) split round-robin, as PyTorch's
/// DistributedSampler. The loader's epoch plays the part of set_epoch().
class DistributedSampler : public Sampler {
 public:
  DistributedSampler(Index n, Index num_replicas, Index rank,
                     DistributedSamplerOptions options = {});
  std::vector<Index> indices(Index epoch) const override;
  Index size() const override;

 private:
  Index n_, replicas_, rank_;
  DistributedSamplerOptions options_;
};

/// Groups a sampler's indices into batches of batch_size (the last one shorter unless
/// drop_last).
class BatchSampler {
 public:
  BatchSampler(std::shared_ptr<const Sampler> sampler, Index batch_size, bool drop_last);
  std::vector<std::vector<Index>> batches(Index epoch) const;
  Index size() const;
  Index batch_size() const { return batch_size_; }

 private:
  std::shared_ptr<const Sampler> sampler_;
  Index batch_size_;
  bool drop_last_;
};

}  // namespace lockstep
