// The parallel loader: determinism across worker counts, ordering, recycling, errors from
// workers, timeouts, early exits, worker_init_fn and persistent workers.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "lockstep/core/error.hpp"
#include "lockstep/data/dataloader.hpp"
#include "lockstep/data/tensor_dataset.hpp"

namespace lockstep {
namespace {

using namespace std::chrono_literals;

// Sample i: features {i, i + 0.5, ...}, target {i}; optionally slow or failing.
class Numbered : public Dataset {
 public:
  explicit Numbered(Index n, Index dim = 4) : n_(n), dim_(dim) {}
  Index size() const override { return n_; }
  Index feature_dim() const override { return dim_; }
  Index target_dim() const override { return 1; }
  void get(Index i, std::span<float> x, std::span<float> y) const override {
    if (i == fail_at) throw std::runtime_error("bad sample " + std::to_string(i));
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    // Uneven work so workers finish out of order.
    if (i % 3 == 0) std::this_thread::yield();
    for (Index d = 0; d < dim_; ++d) x[std::size_t(d)] = float(i) + 0.5f * float(d);
    y[0] = float(i);
    calls.fetch_add(1);
  }
  Index fail_at = -1;
  std::chrono::microseconds delay{0};
  mutable std::atomic<long> calls{0};

 private:
  Index n_, dim_;
};

struct Recorded {
  std::vector<std::vector<float>> x, y;
  std::vector<std::vector<Index>> indices;
  bool operator==(const Recorded&) const = default;
};

Recorded record_epochs(DataLoader& loader, int epochs) {
  Recorded r;
  for (int e = 0; e < epochs; ++e)
    for (const Batch& b : loader) {
      r.x.push_back(b.x.to_vector());
      r.y.push_back(b.y.to_vector());
      r.indices.push_back(b.indices);
    }
  return r;
}

DataLoaderOptions noisy_options(int workers, int prefetch) {
  DataLoaderOptions o;
  o.batch_size = 7;
  o.shuffle = true;
  o.seed = 2024;
  o.num_workers = workers;
  o.prefetch_factor = prefetch;
  // A random per-sample transform (augmentation) and a per-batch one.
  o.transform = [](std::span<float> x, std::span<float>, Generator& rng) {
    for (float& v : x) v += rng.normal(0.0f, 0.1f);
  };
  o.batch_transform = [](Batch& b, Generator& rng) { b.y.map().array() += rng.uniform(); };
  return o;
}

TEST(DataLoaderWorkers, BitwiseIdenticalForEveryWorkerCountAndPrefetch) {
  auto ds = std::make_shared<Numbered>(101);
  DataLoader reference(ds, noisy_options(0, 2));
  const Recorded want = record_epochs(reference, 3);
  ASSERT_EQ(want.x.size(), 3u * 15u);
  for (int workers : {1, 2, 8}) {
    for (int prefetch : {1, 2, 4}) {
      SCOPED_TRACE(::testing::Message() << workers << " workers, prefetch " << prefetch);
      DataLoader loader(ds, noisy_options(workers, prefetch));
      EXPECT_TRUE(record_epochs(loader, 3) == want);
    }
  }
}

TEST(DataLoaderWorkers, SameSampleSameAugmentationWhateverItsBatch) {
  // The per-sample stream depends on (seed, epoch, sample), not on the batch or the worker.
  auto ds = std::make_shared<Numbered>(20, 2);
  DataLoaderOptions a = noisy_options(2, 2), b = noisy_options(2, 2);
  a.batch_transform = nullptr;
  b.batch_transform = nullptr;
  a.shuffle = false;
  b.shuffle = false;
  b.batch_size = 3;
  DataLoader la(ds, a), lb(ds, b);
  std::map<Index, std::vector<float>> seen;
  for (const Batch& batch : la)
    for (Index r = 0; r < batch.size(); ++r)
      seen[batch.indices[std::size_t(r)]] = {batch.x(r, 0), batch.x(r, 1)};
  for (const Batch& batch : lb)
    for (Index r = 0; r < batch.size(); ++r) {
      const auto& want = seen.at(batch.indices[std::size_t(r)]);
      EXPECT_EQ(batch.x(r, 0), want[0]);
      EXPECT_EQ(batch.x(r, 1), want[1]);
    }
  // And a different epoch gives a different augmentation of the same sample.
  for (const Batch& batch : la) {
    EXPECT_NE(batch.x(0, 0), seen.at(batch.indices[0])[0]);
    break;
  }
}

TEST(DataLoaderWorkers, DeliversInSamplerOrderDespiteUnevenWork) {
  auto ds = std::make_shared<Numbered>(64);
  DataLoaderOptions o;
  o.batch_size = 4;
  o.num_workers = 4;
  o.prefetch_factor = 3;
  DataLoader loader(ds, o);
  Index expect = 0;
  for (const Batch& b : loader) {
    EXPECT_EQ(b.index, expect / 4);
    for (Index r = 0; r < b.size(); ++r) EXPECT_EQ(b.y(r, 0), float(expect++));
  }
  EXPECT_EQ(expect, 64);
}

TEST(DataLoaderWorkers, RecyclesBatchBuffersButNeverUnderAHeldHandle) {
  auto ds = std::make_shared<Numbered>(40);
  DataLoaderOptions o;
  o.batch_size = 4;
  o.num_workers = 1;
  o.prefetch_factor = 1;  // two slots
  DataLoader loader(ds, o);
  std::set<const float*> buffers;
  std::vector<Tensor> kept;
  Index i = 0;
  for (const Batch& b : loader) {
    buffers.insert(b.x.data());
    if (i++ == 3) kept.push_back(b.x);  // hold one batch's features past its turn
  }
  EXPECT_LE(buffers.size(), 3u);  // two slots, plus one replacement for the held buffer
  ASSERT_EQ(kept.size(), 1u);
  for (Index r = 0; r < 4; ++r) EXPECT_EQ(kept[0](r, 0), float(12 + r)) << "held batch changed";
}

TEST(DataLoaderWorkers, WorkerExceptionReachesConsumerAtItsBatchWithContext) {
  auto ds = std::make_shared<Numbered>(50);
  ds->fail_at = 22;  // batch 4 with batch_size 5
  for (int workers : {0, 2}) {
    SCOPED_TRACE(workers);
    DataLoaderOptions o;
    o.batch_size = 5;
    o.num_workers = workers;
    DataLoader loader(ds, o);
    Index delivered = 0;
    try {
      for (const Batch& b : loader) {
        EXPECT_EQ(b.index, delivered);
        ++delivered;
      }
      FAIL() << "no exception";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("bad sample 22"), std::string::npos) << m;
      EXPECT_NE(m.find("sample 22 of batch 4"), std::string::npos) << m;
      try {
        std::rethrow_if_nested(e);
        FAIL() << "original exception not nested";
      } catch (const std::runtime_error& inner) {
        EXPECT_STREQ(inner.what(), "bad sample 22");
      }
    }
    EXPECT_EQ(delivered, 4);
  }
}

TEST(DataLoaderWorkers, TransformAndCollateErrorsNameTheBatch) {
  auto ds = std::make_shared<Numbered>(10);
  DataLoaderOptions o;
  o.batch_size = 2;
  o.num_workers = 2;
  o.batch_transform = [](Batch& b, Generator&) {
    if (b.index == 3) throw std::invalid_argument("no good");
  };
  DataLoader loader(ds, o);
  try {
    for (const Batch& b : loader) (void)b;
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("batch_transform failed on batch 3"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("no good"), std::string::npos);
  }
  DataLoaderOptions c;
  c.batch_size = 5;
  c.num_workers = 1;
  c.collate_fn = [](const Dataset&, std::span<const Index>, Batch&) {
    throw std::runtime_error("collate broke");
  };
  DataLoader l2(ds, c);
  EXPECT_THROW(l2.begin(), Error);
}

TEST(DataLoaderWorkers, CustomCollate) {
  auto ds = std::make_shared<Numbered>(6, 1);
  DataLoaderOptions o;
  o.batch_size = 3;
  o.num_workers = 2;
  o.collate_fn = [](const Dataset&, std::span<const Index> idx, Batch& b) {
    for (std::size_t r = 0; r < idx.size(); ++r) {
      b.x(Index(r), 0) = 100.0f + float(idx[r]);
      b.y(Index(r), 0) = 0;
    }
  };
  DataLoader loader(ds, o);
  std::vector<float> xs;
  for (const Batch& b : loader)
    for (float v : b.x.span()) xs.push_back(v);
  EXPECT_EQ(xs, (std::vector<float>{100, 101, 102, 103, 104, 105}));
}

TEST(DataLoaderWorkers, TimeoutNamesTheBatchAndTheTimeout) {
  auto ds = std::make_shared<Numbered>(8);
  ds->delay = 300ms;
  DataLoaderOptions o;
  o.batch_size = 2;
  o.num_workers = 1;
  o.prefetch_factor = 1;
  o.timeout = 20ms;
  DataLoader loader(ds, o);
  try {
    for (const Batch& b : loader) (void)b;
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("timed out after 20 ms waiting for batch 0"), std::string::npos) << m;
  }
}

TEST(DataLoaderWorkers, EarlyExitsStopWorkersPromptlyHundredsOfTimes) {
  auto ds = std::make_shared<Numbered>(200);
  for (int i = 0; i < 300; ++i) {
    DataLoaderOptions o;
    o.batch_size = 3;
    o.shuffle = true;
    o.seed = std::uint64_t(i);
    o.num_workers = 1 + i % 4;
    o.prefetch_factor = 1 + i % 3;
    o.persistent_workers = i % 2 == 0;
    auto loader = std::make_unique<DataLoader>(ds, o);
    int taken = 0;
    if (i % 3 == 0) {
      for (const Batch& b : *loader) {  // break out of the loop
        (void)b;
        if (++taken == i % 5) break;
      }
    } else if (i % 3 == 1) {
      try {  // an exception in the training loop
        for (const Batch& b : *loader) {
          (void)b;
          if (++taken == 2) throw std::runtime_error("training failed");
        }
      } catch (const std::runtime_error&) {
      }
    } else {
      auto it = loader->begin();  // destroy the loader mid-epoch (iterator dies with it)
      ++it;
    }
    loader.reset();
  }
  const long before = ds->calls.load();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(ds->calls.load(), before) << "work kept running after the loaders were gone";
}

TEST(DataLoaderWorkers, WorkerInitRunsOncePerWorkerAndErrorsTravel) {
  auto ds = std::make_shared<Numbered>(40);
  std::mutex m;
  std::multiset<int> ids;
  DataLoaderOptions o;
  o.batch_size = 2;
  o.num_workers = 3;
  o.persistent_workers = true;
  o.worker_init_fn = [&](int id) {
    std::lock_guard lock(m);
    ids.insert(id);
  };
  DataLoader loader(ds, o);
  for (int e = 0; e < 3; ++e)
    for (const Batch& b : loader) (void)b;
  {
    std::lock_guard lock(m);
    EXPECT_GE(ids.size(), 1u);
    for (int id : ids) {
      EXPECT_GE(id, 0);
      EXPECT_LT(id, 3);
      EXPECT_EQ(ids.count(id), 1u) << "worker " << id << " initialized twice";
    }
  }
  DataLoaderOptions bad = o;
  bad.worker_init_fn = [](int) { throw std::runtime_error("no GPU here"); };
  DataLoader failing(ds, bad);
  try {
    for (const Batch& b : failing) (void)b;
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("worker_init_fn failed on worker"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("no GPU here"), std::string::npos);
  }
}

TEST(DataLoaderWorkers, OptionValidation) {
  auto ds = std::make_shared<Numbered>(4);
  auto expect_error = [&](DataLoaderOptions o, const std::string& needle) {
    try {
      DataLoader l(ds, o);
      FAIL() << "accepted: " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error({.num_workers = -1}, "got -1");
  expect_error({.prefetch_factor = 0}, "prefetch_factor must be >= 1, got 0");
  expect_error({.timeout = std::chrono::milliseconds(-5)}, "got -5 ms");
  expect_error({.persistent_workers = true}, "persistent_workers");
  expect_error({.shuffle = true, .sampler = std::make_shared<SequentialSampler>(4)},
               "mutually exclusive with shuffle");
  expect_error({.batch_size = 2,
                .batch_sampler = std::make_shared<BatchSampler>(
                    std::make_shared<SequentialSampler>(4), 2, false)},
               "batch_sampler option is mutually exclusive");
}

TEST(DataLoaderWorkers, SamplerAndBatchSamplerOptions) {
  auto ds = std::make_shared<Numbered>(10, 1);
  DataLoader with_sampler(
      ds, {.batch_size = 3,
           .sampler = std::make_shared<SubsetRandomSampler>(std::vector<Index>{1, 3, 5, 7}, 9),
           .num_workers = 2});
  std::multiset<Index> seen;
  for (const Batch& b : with_sampler)
    for (Index i : b.indices) seen.insert(i);
  EXPECT_EQ(seen, (std::multiset<Index>{1, 3, 5, 7}));

  auto bs = std::make_shared<BatchSampler>(std::make_shared<SequentialSampler>(10), 4, true);
  DataLoader with_batches(ds, {.batch_sampler = bs, .num_workers = 1});
  EXPECT_EQ(with_batches.size(), 2);
  std::vector<Index> sizes;
  for (const Batch& b : with_batches) sizes.push_back(b.size());
  EXPECT_EQ(sizes, (std::vector<Index>{4, 4}));
}

// A stream of n samples: x = {i}, y = {2i}.
class Stream : public IterableDataset {
 public:
  explicit Stream(Index n, Index fail_at = -1) : n_(n), fail_at_(fail_at) {}
  Index feature_dim() const override { return 1; }
  Index target_dim() const override { return 1; }
  void reset(Index) override { i_ = 0; }
  bool next(std::span<float> x, std::span<float> y) override {
    if (i_ == n_) return false;
    if (i_ == fail_at_) throw std::runtime_error("stream broke");
    x[0] = float(i_);
    y[0] = float(2 * i_);
    ++i_;
    return true;
  }

 private:
  Index n_, fail_at_, i_ = 0;
};

TEST(DataLoaderWorkers, IterableDatasetReadInOrderWithParallelTransforms) {
  for (int workers : {0, 1, 3}) {
    for (bool drop_last : {false, true}) {
      SCOPED_TRACE(::testing::Message() << workers << " workers, drop_last " << drop_last);
      DataLoaderOptions o;
      o.batch_size = 4;
      o.drop_last = drop_last;
      o.num_workers = workers;
      o.seed = 5;
      o.transform = [](std::span<float> x, std::span<float>, Generator& g) {
        x[0] += g.uniform() * 0.25f;
      };
      DataLoader loader(std::make_shared<Stream>(10), o);
      EXPECT_EQ(loader.size(), -1);
      for (int epoch = 0; epoch < 2; ++epoch) {
        std::vector<float> ys;
        std::vector<Index> sizes;
        for (const Batch& b : loader) {
          sizes.push_back(b.size());
          for (Index r = 0; r < b.size(); ++r) {
            ys.push_back(b.y(r, 0));
            EXPECT_GE(b.x(r, 0), float(b.indices[std::size_t(r)]));
            EXPECT_LT(b.x(r, 0), float(b.indices[std::size_t(r)]) + 0.25f);
          }
        }
        const std::vector<Index> want_sizes =
            drop_last ? std::vector<Index>{4, 4} : std::vector<Index>{4, 4, 2};
        EXPECT_EQ(sizes, want_sizes);
        for (std::size_t k = 0; k < ys.size(); ++k) EXPECT_EQ(ys[k], float(2 * k));
      }
    }
  }
}

TEST(DataLoaderWorkers, IterableDatasetErrorsTravel) {
  DataLoader loader(std::make_shared<Stream>(20, 9), {.batch_size = 4, .num_workers = 2});
  Index batches = 0;
  try {
    for (const Batch& b : loader) {
      (void)b;
      ++batches;
    }
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stream broke"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("of batch 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(batches, 2);
}

}  // namespace
}  // namespace lockstep
