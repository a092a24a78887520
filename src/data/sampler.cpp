#include "lockstep/data/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"

namespace lockstep {

namespace {
std::vector<Index> iota(Index n) {
  std::vector<Index> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), Index{0});
  return v;
}
Generator epoch_generator(std::uint64_t seed, Index epoch) {
  return Generator::derive(seed, {static_cast<std::uint64_t>(epoch)});
}
}  // namespace

SequentialSampler::SequentialSampler(Index n) : n_(n) {
  LOCKSTEP_CHECK(n >= 0, "SequentialSampler: size must be >= 0, got ", n);
}

std::vector<Index> SequentialSampler::indices(Index) const { return iota(n_); }

RandomSampler::RandomSampler(Index n, RandomSamplerOptions options) : n_(n), options_(options) {
  LOCKSTEP_CHECK(n >= 0, "RandomSampler: size must be >= 0, got ", n);
  num_samples_ = options.num_samples.value_or(n);
  LOCKSTEP_CHECK(num_samples_ > 0 || n == 0,
                 "RandomSampler: num_samples should be a positive integer value, but got "
                 "num_samples=",
                 num_samples_);
  LOCKSTEP_CHECK(!options.replacement || n > 0 || num_samples_ == 0, "RandomSampler: cannot draw ",
                 num_samples_, " samples from an empty dataset");
}

std::vector<Index> RandomSampler::indices(Index epoch) const {
  Generator gen = epoch_generator(options_.seed, epoch);
  std::vector<Index> out;
  out.reserve(static_cast<std::size_t>(num_samples_));
  if (options_.replacement) {
    for (Index i = 0; i < num_samples_; ++i)
      out.push_back(static_cast<Index>(gen.below(static_cast<std::uint64_t>(n_))));
    return out;
  }
  while (static_cast<Index>(out.size()) < num_samples_) {
    auto perm = gen.permutation(n_);
    const auto take = std::min<std::size_t>(perm.size(), std::size_t(num_samples_) - out.size());
    out.insert(out.end(), perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(take));
  }
  return out;
}

SubsetRandomSampler::SubsetRandomSampler(std::vector<Index> subset, std::uint64_t seed)
    : subset_(std::move(subset)), seed_(seed) {
  for (std::size_t i = 0; i < subset_.size(); ++i)
    LOCKSTEP_CHECK(subset_[i] >= 0, "SubsetRandomSampler: negative index ", subset_[i],
                   " at position ", i);
}

std::vector<Index> SubsetRandomSampler::indices(Index epoch) const {
  Generator gen = epoch_generator(seed_, epoch);
  std::vector<Index> out;
  out.reserve(subset_.size());
  for (Index p : gen.permutation(static_cast<Index>(subset_.size())))
    out.push_back(subset_[static_cast<std::size_t>(p)]);
  return out;
}

WeightedRandomSampler::WeightedRandomSampler(std::vector<double> weights, Index num_samples,
                                             bool replacement, std::uint64_t seed)
    : weights_(std::move(weights)),
      num_samples_(num_samples),
      replacement_(replacement),
      seed_(seed) {
  LOCKSTEP_CHECK(num_samples > 0, "WeightedRandomSampler: num_samples should be positive, got ",
                 num_samples);
  LOCKSTEP_CHECK(!weights_.empty(), "WeightedRandomSampler: no weights");
  double total = 0;
  Index positive = 0;
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    LOCKSTEP_CHECK(std::isfinite(weights_[i]) && weights_[i] >= 0, "WeightedRandomSampler: weight ",
                   i, " is ", weights_[i], " (weights must be finite and >= 0)");
    total += weights_[i];
    positive += weights_[i] > 0;
    cumulative_.push_back(total);
  }
  LOCKSTEP_CHECK(total > 0, "WeightedRandomSampler: the weights sum to zero");
  LOCKSTEP_CHECK(replacement || num_samples <= positive, "WeightedRandomSampler: cannot draw ",
                 num_samples, " samples without replacement from ", positive,
                 " samples of positive weight");
}

std::vector<Index> WeightedRandomSampler::indices(Index epoch) const {
  Generator gen = epoch_generator(seed_, epoch);
  std::vector<Index> out;
  out.reserve(static_cast<std::size_t>(num_samples_));
  if (replacement_) {
    const double total = cumulative_.back();
    for (Index i = 0; i < num_samples_; ++i) {
      const double u = gen.uniform_double() * total;
      auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
      if (it == cumulative_.end()) --it;
      // Skip zero-weight entries that share the cumulative value.
      while (weights_[std::size_t(it - cumulative_.begin())] == 0) ++it;
      out.push_back(static_cast<Index>(it - cumulative_.begin()));
    }
    return out;
  }
  // Efraimidis–Spirakis: key = log(u) / w; the largest keys form a weighted sample.
  std::vector<std::pair<double, Index>> keys;
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    const double u = 1.0 - gen.uniform_double();  // (0, 1]
    if (weights_[i] > 0) keys.emplace_back(std::log(u) / weights_[i], static_cast<Index>(i));
  }
  std::partial_sort(keys.begin(), keys.begin() + num_samples_, keys.end(),
                    [](const auto& a, const auto& b) {
                      return a.first > b.first || (a.first == b.first && a.second < b.second);
                    });
  for (Index i = 0; i < num_samples_; ++i) out.push_back(keys[std::size_t(i)].second);
  return out;
}

DistributedSampler::DistributedSampler(Index n, Index num_replicas, Index rank,
                                       DistributedSamplerOptions options)
    : n_(n), replicas_(num_replicas), rank_(rank), options_(options) {
  LOCKSTEP_CHECK(n >= 0, "DistributedSampler: size must be >= 0, got ", n);
  LOCKSTEP_CHECK(num_replicas > 0, "DistributedSampler: num_replicas must be positive, got ",
                 num_replicas);
  LOCKSTEP_CHECK(rank >= 0 && rank < num_replicas, "DistributedSampler: Invalid rank ", rank,
                 ", rank should be in the interval [0, ", num_replicas - 1, "]");
}

Index DistributedSampler::size() const {
  if (options_.drop_last) return n_ / replicas_;
  if (options_.pad) return (n_ + replicas_ - 1) / replicas_;
  return n_ / replicas_ + (rank_ < n_ % replicas_ ? 1 : 0);
}

std::vector<Index> DistributedSampler::indices(Index epoch) const {
  std::vector<Index> all =
      options_.shuffle ? epoch_generator(options_.seed, epoch).permutation(n_) : iota(n_);
  Index total = n_;
  if (options_.drop_last) {
    total = (n_ / replicas_) * replicas_;
    all.resize(static_cast<std::size_t>(total));
  } else if (options_.pad && n_ > 0) {
    total = ((n_ + replicas_ - 1) / replicas_) * replicas_;
    for (Index i = n_; i < total; ++i) all.push_back(all[std::size_t((i - n_) % n_)]);
  }
  std::vector<Index> mine;
  for (Index i = rank_; i < total; i += replicas_) mine.push_back(all[std::size_t(i)]);
  return mine;
}

BatchSampler::BatchSampler(std::shared_ptr<const Sampler> sampler, Index batch_size, bool drop_last)
    : sampler_(std::move(sampler)), batch_size_(batch_size), drop_last_(drop_last) {
  LOCKSTEP_CHECK(sampler_ != nullptr, "BatchSampler: null sampler");
  LOCKSTEP_CHECK(batch_size > 0,
                 "BatchSampler: batch_size should be a positive integer value, but got "
                 "batch_size=",
                 batch_size);
}

Index BatchSampler::size() const {
  const Index n = sampler_->size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

std::vector<std::vector<Index>> BatchSampler::batches(Index epoch) const {
  const std::vector<Index> order = sampler_->indices(epoch);
  std::vector<std::vector<Index>> out;
  for (std::size_t i = 0; i < order.size(); i += std::size_t(batch_size_)) {
    const std::size_t end = std::min(order.size(), i + std::size_t(batch_size_));
    if (drop_last_ && end - i < std::size_t(batch_size_)) break;
    out.emplace_back(order.begin() + std::ptrdiff_t(i), order.begin() + std::ptrdiff_t(end));
  }
  return out;
}

}  // namespace lockstep
