#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <set>
#include <stdexcept>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/data/dataloader.hpp"
#include "lockstep/data/tensor_dataset.hpp"

namespace lockstep {
namespace {

// Sample i has features {i, 10 i} and target {-i}, so batches reveal where rows came from.
std::shared_ptr<TensorDataset> numbered(Index n) {
  Tensor x(n, 2), y(n, 1);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = float(i);
    x(i, 1) = 10.0f * float(i);
    y(i, 0) = -float(i);
  }
  return std::make_shared<TensorDataset>(x, y);
}

std::vector<Index> epoch_indices(DataLoader& loader, std::vector<Index>* sizes = nullptr) {
  std::vector<Index> seen;
  for (const Batch& b : loader) {
    if (sizes) sizes->push_back(b.size());
    for (Index r = 0; r < b.size(); ++r) {
      const Index i = b.indices[std::size_t(r)];
      EXPECT_EQ(b.x(r, 0), float(i));  // rows are collated from the right samples
      EXPECT_EQ(b.x(r, 1), 10.0f * float(i));
      EXPECT_EQ(b.y(r, 0), -float(i));
      seen.push_back(i);
    }
  }
  return seen;
}

TEST(DataLoader, BatchCountsWithAndWithoutDropLast) {
  DataLoader keep(numbered(10), {.batch_size = 3});
  std::vector<Index> sizes;
  epoch_indices(keep, &sizes);
  EXPECT_EQ(keep.size(), 4);
  EXPECT_EQ(sizes, (std::vector<Index>{3, 3, 3, 1}));

  DataLoader drop(numbered(10), {.batch_size = 3, .drop_last = true});
  sizes.clear();
  auto seen = epoch_indices(drop, &sizes);
  EXPECT_EQ(drop.size(), 3);
  EXPECT_EQ(sizes, (std::vector<Index>{3, 3, 3}));
  EXPECT_EQ(seen.size(), 9u);

  DataLoader exact(numbered(9), {.batch_size = 3, .drop_last = true});
  EXPECT_EQ(exact.size(), 3);
  DataLoader tiny(numbered(2), {.batch_size = 5, .drop_last = true});
  EXPECT_EQ(tiny.size(), 0);
  EXPECT_TRUE(epoch_indices(tiny).empty());
}

TEST(DataLoader, SequentialWithoutShuffle) {
  DataLoader loader(numbered(7), {.batch_size = 2});
  std::vector<Index> expected(7);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(epoch_indices(loader), expected);
  EXPECT_EQ(epoch_indices(loader), expected);
}

TEST(DataLoader, EveryShuffledEpochIsAPermutationAndANewOne) {
  DataLoader loader(numbered(50), {.batch_size = 8, .shuffle = true, .seed = 3});
  std::set<std::vector<Index>> epochs;
  std::vector<Index> iota(50);
  std::iota(iota.begin(), iota.end(), 0);
  for (int e = 0; e < 5; ++e) {
    auto order = epoch_indices(loader);
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, iota) << "epoch " << e << " is not a permutation";
    EXPECT_NE(order, iota);
    epochs.insert(order);
  }
  EXPECT_EQ(epochs.size(), 5u) << "an epoch repeated the previous order";
  EXPECT_EQ(loader.epoch(), 5);
}

TEST(DataLoader, SameSeedSameBatchesDifferentSeedDifferent) {
  DataLoader a(numbered(30), {.batch_size = 4, .shuffle = true, .seed = 11});
  DataLoader b(numbered(30), {.batch_size = 4, .shuffle = true, .seed = 11});
  DataLoader c(numbered(30), {.batch_size = 4, .shuffle = true, .seed = 12});
  for (int e = 0; e < 3; ++e) {
    auto ea = epoch_indices(a);
    EXPECT_EQ(ea, epoch_indices(b));
    EXPECT_NE(ea, epoch_indices(c));
  }
}

TEST(DataLoader, DefaultSeedFollowsManualSeed) {
  manual_seed(5);
  DataLoader a(numbered(20), {.batch_size = 4, .shuffle = true});
  manual_seed(5);
  DataLoader b(numbered(20), {.batch_size = 4, .shuffle = true});
  EXPECT_EQ(a.seed(), b.seed());
  EXPECT_EQ(epoch_indices(a), epoch_indices(b));
}

TEST(DataLoader, SetEpochReplaysAnEpoch) {
  DataLoader loader(numbered(20), {.batch_size = 4, .shuffle = true, .seed = 1});
  epoch_indices(loader);
  auto second = epoch_indices(loader);
  loader.set_epoch(1);
  EXPECT_EQ(epoch_indices(loader), second);
  std::vector<Index> flat;
  for (auto& b : loader.epoch_batches(1)) flat.insert(flat.end(), b.begin(), b.end());
  EXPECT_EQ(flat, second);
}

TEST(DataLoader, InvalidOptionsAreErrors) {
  try {
    DataLoader(numbered(3), {.batch_size = 0});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("batch_size must be positive, got 0"), std::string::npos);
  }
  EXPECT_THROW(DataLoader(std::shared_ptr<const Dataset>(), {}), Error);
}

TEST(DataLoader, ABatchSizeFarBeyondTheDataSizesBuffersByTheData) {
  // Buffers of 10^12 rows cannot be allocated: they must be sized by the 5 samples.
  DataLoader loader(numbered(5), {.batch_size = 1'000'000'000'000});
  std::vector<Index> sizes;
  EXPECT_EQ(epoch_indices(loader, &sizes), (std::vector<Index>{0, 1, 2, 3, 4}));
  EXPECT_EQ(sizes, std::vector<Index>{5});
}

// Collates only through get_batch: sample i is {i, 2 i}, target {i}; batch `fail_batch` fails.
class BulkOnly : public Dataset {
 public:
  Index size() const override { return 20; }
  Index feature_dim() const override { return 2; }
  Index target_dim() const override { return 1; }
  void get(Index, std::span<float>, std::span<float>) const override {
    throw std::logic_error("get() called; the loader should use get_batch");
  }
  void get_batch(std::span<const Index> indices, Tensor& x, Tensor& y) const override {
    if (calls.fetch_add(1) == fail_batch) throw std::runtime_error("disk on fire");
    for (std::size_t r = 0; r < indices.size(); ++r) {
      x(Index(r), 0) = float(indices[r]);
      x(Index(r), 1) = 2.0f * float(indices[r]);
      y(Index(r), 0) = float(indices[r]);
    }
  }
  mutable std::atomic<long> calls{0};
  long fail_batch = -1;
};

TEST(DataLoader, CollatesWithOneGetBatchCallPerBatch) {
  for (int workers : {0, 2}) {
    SCOPED_TRACE(workers);
    auto ds = std::make_shared<BulkOnly>();
    DataLoader loader(ds, {.batch_size = 6, .shuffle = true, .seed = 2, .num_workers = workers});
    Index samples = 0;
    for (const Batch& b : loader) {
      for (Index r = 0; r < b.size(); ++r) {
        const Index i = b.indices[std::size_t(r)];
        EXPECT_EQ(b.x(r, 0), float(i));
        EXPECT_EQ(b.x(r, 1), 2.0f * float(i));
        EXPECT_EQ(b.y(r, 0), float(i));
      }
      samples += b.size();
    }
    EXPECT_EQ(samples, 20);
    EXPECT_EQ(ds->calls.load(), 4);  // batches of 6, 6, 6, 2
  }
}

TEST(DataLoader, GetBatchErrorsNameTheBatch) {
  auto ds = std::make_shared<BulkOnly>();
  ds->fail_batch = 2;
  DataLoader loader(ds, {.batch_size = 5});
  try {
    for (const Batch& b : loader) (void)b;
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("DataLoader: dataset failed on batch 2 (epoch 0): disk on fire"),
              std::string::npos)
        << m;
    try {
      std::rethrow_if_nested(e);
      FAIL() << "the dataset's error is not nested";
    } catch (const std::runtime_error& inner) {
      EXPECT_STREQ(inner.what(), "disk on fire");
    }
  }
}

class Fixed : public Sampler {
 public:
  explicit Fixed(std::vector<Index> order) : order_(std::move(order)) {}
  std::vector<Index> indices(Index) const override { return order_; }
  Index size() const override { return Index(order_.size()); }

 private:
  std::vector<Index> order_;
};

TEST(DataLoader, OutOfRangeSampleOfATensorDatasetNamesSampleAndBatch) {
  for (int workers : {0, 1}) {
    SCOPED_TRACE(workers);
    DataLoader loader(numbered(5),
                      {.batch_size = 2,
                       .sampler = std::make_shared<Fixed>(std::vector<Index>{0, 1, 2, 9, 3}),
                       .num_workers = workers});
    Index delivered = 0;
    try {
      for (const Batch& b : loader) {
        (void)b;
        ++delivered;
      }
      FAIL() << "no error";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("DataLoader: dataset failed on sample 9 of batch 1 (epoch 0): "
                       "TensorDataset: index 9 is out of range for 5 samples"),
                std::string::npos)
          << m;
      try {
        std::rethrow_if_nested(e);
        FAIL() << "the dataset's error is not nested";
      } catch (const SampleError& inner) {
        EXPECT_EQ(inner.index(), 9);
      }
    }
    EXPECT_EQ(delivered, 1);
  }
}

}  // namespace
}  // namespace lockstep
