// train_epoch: the loop that feeds DataParallel from a DataLoader — the same bytes as the
// hand-written loop of keyed steps, early stops, the epoch's sums, loader errors reaching the
// caller, and a resumed epoch (first_batch) ending where the whole epoch ends, dropout included.
#include <gtest/gtest.h>

#include <cstring>

#include "lockstep/core/error.hpp"
#include "lockstep/data/synthetic.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/dropout.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/nn/sequential.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/train/train_epoch.hpp"
#include "support/error_of.hpp"

namespace lockstep {
namespace {

CrossEntropyLoss cross_entropy;
LossFn loss_fn = [](const Var& out, const Var& target) { return cross_entropy(out, target); };

std::shared_ptr<Sequential> mlp(float dropout) {
  Generator gen(11);
  return std::make_shared<Sequential>(std::make_shared<Linear>(12, 24, LinearOptions{true, &gen}),
                                      std::make_shared<ReLU>(),
                                      std::make_shared<Dropout>(dropout, DropoutOptions{.seed = 4}),
                                      std::make_shared<Linear>(24, 4, LinearOptions{true, &gen}));
}

std::vector<float> bytes_of(const Module& m) {
  std::vector<float> out;
  for (const auto& p : m.parameters()) {
    auto v = p.value().to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

bool same_bytes(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// A classifier trained for `epochs` epochs of 300 samples in batches of 37 (9 per epoch). With
// `split_at` > 0 every epoch is run as two calls, the second resuming at batch split_at, as a
// resumed run does; `use_loop` steps by hand instead.
struct Run {
  int threads = 2;
  float dropout = 0.2f;
  Index split_at = 0;
  bool use_loop = false;
};

std::vector<float> train(const Run& run, int epochs = 3) {
  auto model = mlp(run.dropout);
  Adam opt(model->parameters(), AdamOptions(0.01));
  DataParallel dp(*model, loss_fn, opt, {.threads = run.threads});
  auto data = std::make_shared<SyntheticClassification>(300, 12, 4, 5);
  DataLoader loader(data, {.batch_size = 37, .shuffle = true, .seed = 3, .num_workers = 1});
  for (int epoch = 0; epoch < epochs; ++epoch) {
    loader.set_epoch(epoch);
    if (run.use_loop) {
      for (const Batch& b : loader) dp.step(b.x, b.y, {b.epoch, b.index});
    } else if (run.split_at > 0) {
      Index seen = 0;
      EpochStats first =
          train_epoch(dp, loader, [&](const StepStats&) { return ++seen < run.split_at; });
      EXPECT_EQ(first.steps, run.split_at);
      loader.set_epoch(epoch);
      EpochStats rest = train_epoch(dp, loader, {}, run.split_at);
      EXPECT_EQ(rest.steps, 9 - run.split_at);
    } else {
      const EpochStats e = train_epoch(dp, loader);
      EXPECT_EQ(e.samples, 300);
      EXPECT_EQ(e.steps, 9);  // ceil(300 / 37)
    }
  }
  return bytes_of(*model);
}

TEST(TrainEpoch, IsTheLoopOfKeyedSteps) {
  EXPECT_TRUE(same_bytes(train({.use_loop = true}), train({})));
}

TEST(TrainEpoch, AResumedEpochEndsWhereTheWholeEpochEndsDropoutIncluded) {
  const auto whole = train({});
  for (Index split : {1, 4, 8}) EXPECT_TRUE(same_bytes(whole, train({.split_at = split}))) << split;
  // ... for any replica count, and the masks matter: without dropout the bytes differ.
  EXPECT_TRUE(same_bytes(whole, train({.threads = 3, .split_at = 5})));
  EXPECT_FALSE(same_bytes(whole, train({.dropout = 0.0f})));
}

TEST(TrainEpoch, ReportsEveryStepAndStopsWhenAsked) {
  auto model = mlp(0.0f);
  Adam opt(model->parameters(), AdamOptions(0.01));
  DataParallel dp(*model, loss_fn, opt, {.threads = 2});
  auto data = std::make_shared<SyntheticClassification>(64, 12, 4, 5);
  DataLoader loader(data, {.batch_size = 10, .num_workers = 1});
  double loss_sum = 0, wait_sum = 0;
  Index samples = 0, seen = 0;
  EpochStats e = train_epoch(dp, loader, [&](const StepStats& s) {
    EXPECT_GE(s.data_wait_s, 0.0);
    EXPECT_EQ(s.batch.index, seen);
    loss_sum += s.loss * double(s.samples);
    wait_sum += s.data_wait_s;
    samples += s.samples;
    return ++seen < 4;  // stop after the fourth batch
  });
  EXPECT_EQ(e.steps, 4);
  EXPECT_EQ(e.samples, 40);
  EXPECT_EQ(samples, 40);
  EXPECT_DOUBLE_EQ(e.loss, loss_sum / 40);
  EXPECT_DOUBLE_EQ(e.data_wait_s, wait_sum);
  EXPECT_GE(e.total_s, e.data_wait_s + e.reduce_update_s);
  EXPECT_EQ(dp.batches(), 4u);
  // The next epoch starts afresh and runs to the end: 64 samples in 7 batches.
  e = train_epoch(dp, loader);
  EXPECT_EQ(e.steps, 7);
  EXPECT_EQ(e.samples, 64);
}

// A dataset whose sample 13 cannot be read: the loader worker's error reaches train_epoch's caller.
class FailsAt13 : public Dataset {
 public:
  Index size() const override { return 40; }
  Index feature_dim() const override { return 12; }
  Index target_dim() const override { return 1; }
  void get(Index i, std::span<float> x, std::span<float> y) const override {
    if (i == 13) throw Error("sample 13 is corrupt");
    for (float& v : x) v = float(i) / 40;
    for (float& v : y) v = float(i % 4);
  }
};

TEST(TrainEpoch, PassesLoaderErrorsToTheCaller) {
  auto model = mlp(0.0f);
  Adam opt(model->parameters(), AdamOptions(0.01));
  DataParallel dp(*model, loss_fn, opt, {.threads = 2});
  DataLoader loader(std::make_shared<FailsAt13>(), {.batch_size = 8, .num_workers = 2});
  const std::string what = testing::error_of([&] { train_epoch(dp, loader); });
  EXPECT_NE(what.find("sample 13 of batch 1"), std::string::npos) << what;
}

}  // namespace
}  // namespace lockstep
