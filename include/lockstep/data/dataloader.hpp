// lockstep/data/dataloader.hpp — batches of a dataset, shuffled each epoch
// (torch.utils.data.DataLoader).
//
// Each range-for over the loader is one epoch. With shuffle, epoch e visits the samples in the
// order Generator::derive(seed, {e}).permutation(n): a pure function of the seed and the epoch,
// so the batches do not depend on the machine, the standard library or (later) the number of
// loader workers. Without an explicit seed, the seed is drawn from the default generator when
// the loader is built, so lockstep::manual_seed() makes runs repeatable, as torch.manual_seed.
//
//   auto ds = std::make_shared<lockstep::TensorDataset>(X, y);
//   lockstep::DataLoader loader(ds, {.batch_size = 32, .shuffle = true, .seed = 1});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (const lockstep::Batch& batch : loader) {   // batch.x: [<=32, features]
//       ...
//     }
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "lockstep/data/dataset.hpp"

namespace lockstep {

struct DataLoaderOptions {
  Index batch_size = 1;
  bool shuffle = false;
  /// Drop the last batch of an epoch when it has fewer than batch_size samples.
  bool drop_last = false;
  /// Seed of the shuffling stream; default: drawn from the default generator.
  std::optional<std::uint64_t> seed{};
  /// Throws lockstep::Error naming the first invalid option and its value.
  void validate() const;
};

/// A collated batch: rows of features and targets, and the dataset indices they came from.
struct Batch {
  Tensor x;
  Tensor y;
  std::vector<Index> indices;
  Index size() const { return x.rows(); }
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});

  class Iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    const Batch& operator*() const { return batch_; }
    const Batch* operator->() const { return &batch_; }
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return position_ == other.position_; }

   private:
    friend class DataLoader;
    Iterator(const DataLoader* loader, std::vector<Index> order, Index position);
    void load();
    const DataLoader* loader_ = nullptr;
    std::vector<Index> order_;
    Index position_ = 0;  // batch number within the epoch
    Batch batch_;
  };

  /// Starts the next epoch (reshuffling when shuffle is on).
  Iterator begin();
  Iterator end() const;

  /// Batches per epoch.
  Index size() const;
  /// The epoch the next begin() starts (0 for a new loader).
  Index epoch() const { return epoch_; }
  void set_epoch(Index epoch);
  std::uint64_t seed() const { return seed_; }
  const DataLoaderOptions& options() const { return options_; }
  const Dataset& dataset() const { return *dataset_; }
  /// The sample order of `epoch`.
  std::vector<Index> epoch_order(Index epoch) const;

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::uint64_t seed_;
  Index epoch_ = 0;
};

}  // namespace lockstep
