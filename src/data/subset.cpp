#include "lockstep/data/subset.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"

namespace lockstep {
namespace {

template <class T>
std::string list_text(std::span<const T> values) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  out << "]";
  return out.str();
}

}  // namespace

Subset::Subset(std::shared_ptr<const Dataset> dataset, std::vector<Index> indices)
    : dataset_(std::move(dataset)), indices_(std::move(indices)) {
  LOCKSTEP_CHECK(dataset_ != nullptr, "Subset: the dataset is null");
  const Index n = dataset_->size();
  for (std::size_t i = 0; i < indices_.size(); ++i) {
    LOCKSTEP_CHECK(indices_[i] >= 0 && indices_[i] < n, "Subset: indices[", i, "] = ", indices_[i],
                   " is out of range for a dataset of ", n, " samples");
  }
}

void Subset::get(Index index, std::span<float> x, std::span<float> y) const {
  LOCKSTEP_CHECK(index >= 0 && index < size(), "Subset: index ", index,
                 " is out of range for a subset of ", size(), " samples");
  dataset_->get(indices_[static_cast<std::size_t>(index)], x, y);
}

void Subset::get_batch(std::span<const Index> indices, Tensor& x, Tensor& y) const {
  // The mapped indices, per thread and reused: loader workers call this for every batch.
  thread_local std::vector<Index> mapped;
  mapped.clear();
  for (const Index i : indices) {
    if (i < 0 || i >= size()) [[unlikely]] {
      throw SampleError(i, detail::str_cat("Subset: index ", i, " is out of range for a subset of ",
                                           size(), " samples"));
    }
    mapped.push_back(indices_[static_cast<std::size_t>(i)]);
  }
  try {
    dataset_->get_batch(mapped, x, y);
  } catch (const SampleError& e) {
    // Name the sample as the caller knows it: the subset index of the first row it fills.
    const auto row = std::find(mapped.begin(), mapped.end(), e.index()) - mapped.begin();
    const Index i = row < std::ptrdiff_t(indices.size()) ? indices[std::size_t(row)] : e.index();
    std::throw_with_nested(
        SampleError(i, detail::str_cat("Subset: sample ", i, " (sample ", e.index(),
                                       " of the underlying "
                                       "dataset) failed: ",
                                       e.what())));
  }
}

std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  std::span<const Index> lengths,
                                                  std::uint64_t seed) {
  LOCKSTEP_CHECK(dataset != nullptr, "random_split: the dataset is null");
  const Index n = dataset->size();
  Index total = 0;
  for (const Index len : lengths) {
    LOCKSTEP_CHECK(len >= 0, "random_split: lengths ", list_text(lengths),
                   " contain a negative length");
    total += len;
  }
  LOCKSTEP_CHECK(total == n, "random_split: lengths ", list_text(lengths), " sum to ", total,
                 ", but the dataset has ", n, " samples");
  Generator gen(seed);
  const std::vector<Index> order = gen.permutation(n);
  std::vector<std::shared_ptr<Subset>> out;
  out.reserve(lengths.size());
  auto begin = order.begin();
  for (const Index len : lengths) {
    out.push_back(std::make_shared<Subset>(dataset, std::vector<Index>(begin, begin + len)));
    begin += len;
  }
  return out;
}

std::vector<Index> split_lengths(Index n, std::span<const double> fractions) {
  LOCKSTEP_CHECK(n >= 0, "split_lengths: n must be >= 0, got ", n);
  double sum = 0;
  for (const double f : fractions) {
    LOCKSTEP_CHECK(f >= 0 && f <= 1, "random_split: fractions ", list_text(fractions),
                   " must each lie in [0, 1]");
    sum += f;
  }
  LOCKSTEP_CHECK(std::fabs(sum - 1.0) <= 1e-9, "random_split: fractions ", list_text(fractions),
                 " sum to ", sum, ", not 1 (the dataset has ", n, " samples)");
  std::vector<Index> lengths;
  Index assigned = 0;
  for (const double f : fractions) {
    lengths.push_back(static_cast<Index>(std::floor(f * static_cast<double>(n))));
    assigned += lengths.back();
  }
  for (std::size_t i = 0; assigned < n && !lengths.empty(); i = (i + 1) % lengths.size()) {
    ++lengths[i];
    ++assigned;
  }
  return lengths;
}

std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  std::span<const double> fractions,
                                                  std::uint64_t seed) {
  LOCKSTEP_CHECK(dataset != nullptr, "random_split: the dataset is null");
  const std::vector<Index> lengths = split_lengths(dataset->size(), fractions);
  return random_split(std::move(dataset), std::span<const Index>(lengths), seed);
}

}  // namespace lockstep
