#include "lockstep/data/dataloader.hpp"

#include <numeric>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"

namespace lockstep {

void DataLoaderOptions::validate() const {
  LOCKSTEP_CHECK(batch_size > 0, "DataLoader: batch_size must be positive, got ", batch_size);
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  LOCKSTEP_CHECK(dataset_ != nullptr, "DataLoader: null dataset");
  options_.validate();
  seed_ = options_.seed ? *options_.seed : default_generator().next_u64();
}

Index DataLoader::size() const {
  const Index n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void DataLoader::set_epoch(Index epoch) {
  LOCKSTEP_CHECK(epoch >= 0, "DataLoader::set_epoch: epoch must be >= 0, got ", epoch);
  epoch_ = epoch;
}

std::vector<Index> DataLoader::epoch_order(Index epoch) const {
  if (options_.shuffle) {
    return Generator::derive(seed_, {static_cast<std::uint64_t>(epoch)})
        .permutation(dataset_->size());
  }
  std::vector<Index> order(static_cast<std::size_t>(dataset_->size()));
  std::iota(order.begin(), order.end(), Index{0});
  return order;
}

DataLoader::Iterator DataLoader::begin() {
  Iterator it(this, epoch_order(epoch_), 0);
  ++epoch_;
  return it;
}

DataLoader::Iterator DataLoader::end() const {
  Iterator it;
  it.position_ = size();
  return it;
}

DataLoader::Iterator::Iterator(const DataLoader* loader, std::vector<Index> order, Index position)
    : loader_(loader), order_(std::move(order)), position_(position) {
  if (position_ < loader_->size()) load();
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++position_;
  if (position_ < loader_->size()) load();
  return *this;
}

void DataLoader::Iterator::load() {
  const Dataset& ds = *loader_->dataset_;
  const Index b = loader_->options_.batch_size;
  const Index first = position_ * b;
  const Index count = std::min<Index>(b, static_cast<Index>(order_.size()) - first);
  const Index fd = ds.feature_dim(), td = ds.target_dim();
  batch_.x = Tensor(Shape{count, fd});
  batch_.y = Tensor(Shape{count, td});
  batch_.indices.assign(order_.begin() + first, order_.begin() + first + count);
  for (Index i = 0; i < count; ++i) {
    ds.get(batch_.indices[std::size_t(i)],
           std::span<float>(batch_.x.data() + i * fd, std::size_t(fd)),
           std::span<float>(batch_.y.data() + i * td, std::size_t(td)));
  }
}

}  // namespace lockstep
