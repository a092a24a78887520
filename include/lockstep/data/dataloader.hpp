// lockstep/data/dataloader.hpp — batches of a dataset, shuffled each epoch, prepared ahead of
// time by a pool of worker threads (torch.utils.data.DataLoader).
//
// Each range-for over the loader is one epoch. With num_workers > 0, up to
// prefetch_factor * num_workers batches are prepared concurrently by oneTBB worker threads in
// the loader's own task_arena, and delivered in sampler order whatever order they finish in.
// Batch buffers are recycled: a steady-state epoch allocates nothing per batch (a buffer is
// only replaced when the caller still holds a handle to its tensors).
//
// Determinism: the batches — content and order — are a pure function of the seed, the epoch
// and the options, bitwise identical for every num_workers and prefetch_factor. Random
// transforms draw from Generator::derive(seed, {epoch, sample_index}) (per sample) or
// derive(seed, {epoch, batch_index, kBatchStream}) (per batch), never from a shared generator.
//
// Errors: an exception in a dataset, transform or collate function reaches the consumer when it
// asks for that batch, as a lockstep::Error naming the batch (and the sample, where it is known:
// get(), transforms, and get_batch overrides that throw SampleError) and keeping the original
// message (the original is nested: std::rethrow_if_nested). Batches are collated with one
// Dataset::get_batch call each (TensorDataset and Subset copy in bulk). A batch not ready within
// `timeout` is an error naming the batch and the timeout. Leaving an epoch early (break, exception,
// destroying the loader) cancels the work in flight and waits for it: nothing keeps running.
//
// pin_memory has no meaning for a CPU-only library and does not exist here.
//
//   auto ds = std::make_shared<lockstep::TensorDataset>(X, y);
//   lockstep::DataLoader loader(ds, {.batch_size = 64, .shuffle = true, .seed = 1,
//                                    .num_workers = 2});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (const lockstep::Batch& batch : loader) {   // batch.x: [<=64, features]
//       ...
//     }
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "lockstep/core/rng.hpp"
#include "lockstep/data/dataset.hpp"
#include "lockstep/data/iterable_dataset.hpp"
#include "lockstep/data/sampler.hpp"

namespace lockstep {

/// A collated batch: rows of features and targets, and where they came from.
struct Batch {
  Tensor x;
  Tensor y;
  std::vector<Index> indices;  // dataset indices (for streams: the sample's position)
  Index epoch = 0;
  Index index = 0;  // batch number within the epoch
  Index size() const { return x.rows(); }
};

/// Writes the samples `indices` of `dataset` into batch.x / batch.y, which arrive shaped
/// [indices.size(), feature_dim] and [indices.size(), target_dim].
using CollateFn =
    std::function<void(const Dataset& dataset, std::span<const Index> indices, Batch& batch)>;
/// Changes one sample in place; `rng` is the sample's own stream for this epoch.
using SampleTransform = std::function<void(std::span<float> x, std::span<float> y, Generator& rng)>;
/// Changes a collated batch in place; `rng` is the batch's own stream for this epoch.
using BatchTransform = std::function<void(Batch& batch, Generator& rng)>;

struct DataLoaderOptions {
  Index batch_size = 1;
  bool shuffle = false;
  /// Custom order; mutually exclusive with shuffle.
  std::shared_ptr<const Sampler> sampler{};
  /// Custom batches; mutually exclusive with batch_size, shuffle, sampler and drop_last.
  std::shared_ptr<const BatchSampler> batch_sampler{};
  /// Drop the last batch of an epoch when it has fewer than batch_size samples.
  bool drop_last = false;
  /// Seed of the shuffling and transform streams; default: drawn from the default generator.
  std::optional<std::uint64_t> seed{};
  /// Worker threads (0: load in the calling thread, when the batch is asked for).
  int num_workers = 0;
  /// Batches prepared ahead per worker.
  int prefetch_factor = 2;
  /// How long the consumer waits for one batch; zero waits forever.
  std::chrono::milliseconds timeout{0};
  /// Keep the worker pool between epochs instead of making a new one per epoch.
  bool persistent_workers = false;
  /// Called once per worker (with its id 0..num_workers-1) on the thread that first takes
  /// that worker's place, before it prepares a batch.
  std::function<void(int worker_id)> worker_init_fn{};
  CollateFn collate_fn{};
  SampleTransform transform{};
  BatchTransform batch_transform{};
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  DataLoader(std::shared_ptr<IterableDataset> dataset, DataLoaderOptions options = {});
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  struct Epoch;      // an epoch in progress (internal)
  class WorkerPool;  // the task arena and its workers (internal)

  class Iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(Iterator&&) noexcept = default;
    Iterator& operator=(Iterator&&) noexcept;
    ~Iterator();
    const Batch& operator*() const { return *batch_; }
    const Batch* operator->() const { return batch_; }
    Iterator& operator++();
    bool operator==(const Iterator& other) const;

   private:
    friend class DataLoader;
    Iterator(std::shared_ptr<Epoch> epoch, std::shared_ptr<WorkerPool> pool);
    std::shared_ptr<Epoch> epoch_;
    std::shared_ptr<WorkerPool> pool_;  // a per-epoch pool (non-persistent workers)
    const Batch* batch_ = nullptr;
  };

  /// Starts the next epoch (ending one still in progress).
  Iterator begin();
  Iterator end() const { return Iterator(); }

  /// Batches per epoch (for a stream: unknown, -1).
  Index size() const;
  /// The epoch the next begin() starts (0 for a new loader).
  Index epoch() const { return epoch_; }
  void set_epoch(Index epoch);
  std::uint64_t seed() const { return seed_; }
  const DataLoaderOptions& options() const { return options_; }
  /// The batches (dataset indices) of `epoch` for a map-style dataset.
  std::vector<std::vector<Index>> epoch_batches(Index epoch) const;

  /// The stream id of per-batch transforms: derive(seed, {epoch, batch, kBatchStream}).
  static constexpr std::uint64_t kBatchStream = 0xBA7C4ULL;

 private:
  void validate_common();
  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<IterableDataset> stream_;
  DataLoaderOptions options_;
  std::shared_ptr<const BatchSampler> batch_sampler_;
  std::uint64_t seed_ = 0;
  Index epoch_ = 0;
  std::shared_ptr<WorkerPool> pool_;  // when persistent_workers
  std::weak_ptr<Epoch> active_;
};

}  // namespace lockstep
