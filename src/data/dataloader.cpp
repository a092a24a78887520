// The DataLoader's public face: the constructors and their option checks, begin() (which sets
// up one epoch, data/loader/epoch.hpp, and its worker pool, data/loader/worker_pool.hpp), and
// the Iterator.
#include "lockstep/data/dataloader.hpp"

#include "data/loader/epoch.hpp"
#include "data/loader/worker_pool.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  LOCKSTEP_CHECK(dataset_ != nullptr, "DataLoader: null dataset");
  validate_common();
  const auto& o = options_;
  if (o.batch_sampler) {
    LOCKSTEP_CHECK(o.batch_size == 1 && !o.shuffle && !o.sampler && !o.drop_last,
                   "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                   "shuffle, sampler, and drop_last");
    batch_sampler_ = o.batch_sampler;
  } else {
    LOCKSTEP_CHECK(!(o.sampler && o.shuffle),
                   "DataLoader: sampler option is mutually exclusive with shuffle");
    std::shared_ptr<const Sampler> sampler = o.sampler;
    if (!sampler && o.shuffle) {
      sampler =
          std::make_shared<RandomSampler>(dataset_->size(), RandomSamplerOptions{.seed = seed_});
    } else if (!sampler) {
      sampler = std::make_shared<SequentialSampler>(dataset_->size());
    }
    batch_sampler_ = std::make_shared<BatchSampler>(sampler, o.batch_size, o.drop_last);
  }
}

DataLoader::DataLoader(std::shared_ptr<IterableDataset> dataset, DataLoaderOptions options)
    : stream_(std::move(dataset)), options_(std::move(options)) {
  LOCKSTEP_CHECK(stream_ != nullptr, "DataLoader: null dataset");
  validate_common();
  LOCKSTEP_CHECK(!options_.shuffle && !options_.sampler && !options_.batch_sampler,
                 "DataLoader with IterableDataset: expected unspecified shuffle, sampler and "
                 "batch_sampler options (a stream has no random access)");
  LOCKSTEP_CHECK(!options_.collate_fn,
                 "DataLoader with IterableDataset: collate_fn needs a map-style dataset");
}

void DataLoader::validate_common() {
  const auto& o = options_;
  LOCKSTEP_CHECK(o.batch_size > 0, "DataLoader: batch_size must be positive, got ", o.batch_size);
  LOCKSTEP_CHECK(o.num_workers >= 0,
                 "DataLoader: num_workers option should be non-negative; use num_workers=0 to "
                 "disable multiprocessing, got ",
                 o.num_workers);
  LOCKSTEP_CHECK(o.prefetch_factor >= 1, "DataLoader: prefetch_factor must be >= 1, got ",
                 o.prefetch_factor);
  LOCKSTEP_CHECK(o.timeout.count() >= 0, "DataLoader: timeout option should be non-negative, got ",
                 o.timeout.count(), " ms");
  LOCKSTEP_CHECK(!o.persistent_workers || o.num_workers > 0,
                 "DataLoader: persistent_workers option needs num_workers > 0");
  seed_ = o.seed ? *o.seed : default_generator().next_u64();
}

DataLoader::~DataLoader() {
  auto epoch = active_.lock();
  detail::end_epoch(epoch, std::move(pool_));
}

Index DataLoader::size() const { return stream_ ? -1 : batch_sampler_->size(); }

void DataLoader::set_epoch(Index epoch) {
  LOCKSTEP_CHECK(epoch >= 0, "DataLoader::set_epoch: epoch must be >= 0, got ", epoch);
  epoch_ = epoch;
}

std::vector<std::vector<Index>> DataLoader::epoch_batches(Index epoch) const {
  LOCKSTEP_CHECK(!stream_, "DataLoader::epoch_batches: a stream's batches are not known ahead");
  return batch_sampler_->batches(epoch);
}

DataLoader::Iterator DataLoader::begin() {
  if (auto previous = active_.lock()) previous->shutdown();
  auto e = std::make_shared<Epoch>();
  e->dataset = dataset_;
  e->stream = stream_;
  e->options = options_;
  e->seed = seed_;
  e->epoch = epoch_;
  if (stream_) {
    e->fd = stream_->feature_dim();
    e->td = stream_->target_dim();
    stream_->reset(epoch_);
  } else {
    e->fd = dataset_->feature_dim();
    e->td = dataset_->target_dim();
    e->batches = batch_sampler_->batches(epoch_);
    e->total = static_cast<Index>(e->batches.size());
  }
  const int workers = options_.num_workers;
  std::shared_ptr<WorkerPool> epoch_pool;
  if (workers > 0) {
    if (options_.persistent_workers) {
      if (!pool_) pool_ = std::make_shared<WorkerPool>(workers, options_.worker_init_fn);
      e->pool = pool_.get();
    } else {
      epoch_pool = std::make_shared<WorkerPool>(workers, options_.worker_init_fn);
      e->pool = epoch_pool.get();
    }
    e->slots.resize(std::size_t(workers) * std::size_t(options_.prefetch_factor) + 1);
  } else {
    e->slots.resize(1);
  }
  ++epoch_;
  active_ = e;
  return Iterator(std::move(e), std::move(epoch_pool));
}

DataLoader::Iterator::Iterator(std::shared_ptr<Epoch> epoch, std::shared_ptr<WorkerPool> pool)
    : epoch_(std::move(epoch)), pool_(std::move(pool)) {
  try {
    batch_ = epoch_->next();
  } catch (...) {
    // This object never finishes construction, so its destructor will not run: end the epoch
    // here, handing the pool to a reaper if a job had to be left running.
    detail::end_epoch(epoch_, std::move(pool_));
    throw;
  }
  if (batch_ == nullptr) epoch_->shutdown();
}

DataLoader::Iterator& DataLoader::Iterator::operator=(Iterator&& other) noexcept {
  if (this != &other) {
    detail::end_epoch(epoch_, std::move(pool_));
    epoch_ = std::move(other.epoch_);
    pool_ = std::move(other.pool_);
    batch_ = other.batch_;
    other.batch_ = nullptr;
  }
  return *this;
}

DataLoader::Iterator::~Iterator() { detail::end_epoch(epoch_, std::move(pool_)); }

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  try {
    batch_ = epoch_->next();
  } catch (...) {
    batch_ = nullptr;
    epoch_->shutdown();
    throw;
  }
  if (batch_ == nullptr) epoch_->shutdown();
  return *this;
}

bool DataLoader::Iterator::operator==(const Iterator& other) const {
  return batch_ == other.batch_;
}

}  // namespace lockstep
