// The data-parallel step: equal to one-thread training on the same global batch, bitwise equal
// across replica counts, exact with uneven shards, short batches and accumulation; errors and
// stalls on replicas reach the caller.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "lockstep/autograd/functions.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/data/dataloader.hpp"
#include "lockstep/data/synthetic.hpp"
#include "lockstep/data/tensor_dataset.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/dropout.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/nn/sequential.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/sgd.hpp"
#include "lockstep/parallel/data_parallel.hpp"
#include "lockstep/tensor/random.hpp"
#include "support/error_of.hpp"

namespace lockstep {
namespace {

// A small nonlinear network built from ops lockstep has: Linear -> square -> Linear.
class Net : public Module {
 public:
  explicit Net(std::uint64_t seed) {
    Generator gen(seed);
    fc1 = register_module("fc1", std::make_shared<Linear>(5, 8, LinearOptions{true, &gen}));
    fc2 = register_module("fc2", std::make_shared<Linear>(8, 2, LinearOptions{true, &gen}));
  }
  Var forward(const Var& x) override {
    Var h = (*fc1)(x);
    return (*fc2)(pow(h, 2.0f) * 0.5f + h);
  }
  std::shared_ptr<Linear> fc1, fc2;
};

struct Data {
  Tensor x, y;
};

Data make_data(Index n, std::uint64_t seed) {
  Generator gen(seed);
  Data d{randn({n, 5}, gen), randn({n, 2}, gen)};
  return d;
}

std::vector<float> params_of(const Module& m) {
  std::vector<float> out;
  for (const auto& p : m.parameters()) {
    auto v = p.value().to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

MSELoss mse;
LossFn loss_fn = [](const Var& out, const Var& target) { return mse(out, target); };

// Trains `steps` batches of `batch` rows (cycling through the data) with R replicas.
std::vector<float> train_parallel(int threads, Index batch, int steps, int accumulate = 1,
                                  int micro_shards = 8) {
  Net net(7);
  SGD opt(net.parameters(), SGDOptions(0.05).momentum(0.9));
  DataParallel dp(net, loss_fn, opt,
                  {.threads = threads, .micro_shards = micro_shards, .accumulate = accumulate});
  Data d = make_data(64, 3);
  for (int s = 0; s < steps; ++s) {
    const Index begin = (s * batch) % (64 - batch + 1);
    dp.step(d.x.rows_view(begin, batch), d.y.rows_view(begin, batch));
  }
  return params_of(net);
}

// The same training on one thread, plainly: forward the whole batch, backward, step.
std::vector<float> train_plain(Index batch, int steps) {
  Net net(7);
  SGD opt(net.parameters(), SGDOptions(0.05).momentum(0.9));
  Data d = make_data(64, 3);
  for (int s = 0; s < steps; ++s) {
    const Index begin = (s * batch) % (64 - batch + 1);
    opt.zero_grad();
    mse(net(Var(d.x.rows_view(begin, batch))), Var(d.y.rows_view(begin, batch))).backward();
    opt.step();
  }
  return params_of(net);
}

void expect_close(const std::vector<float>& a, const std::vector<float>& b, double rtol) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], rtol * std::max(1.0, std::abs(double(b[i])))) << "parameter " << i;
}

TEST(DataParallel, EqualsOneThreadTrainingOnTheSameGlobalBatch) {
  const auto plain = train_plain(16, 20);
  for (int threads : {1, 2, 3, 4}) {
    SCOPED_TRACE(threads);
    expect_close(train_parallel(threads, 16, 20), plain, 1e-6);
  }
}

TEST(DataParallel, BitwiseIdenticalForEveryReplicaCount) {
  const auto one = train_parallel(1, 24, 30);
  for (int threads : {2, 3, 4, 8}) {
    const auto many = train_parallel(threads, 24, 30);
    ASSERT_EQ(one.size(), many.size());
    EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0)
        << threads << " replicas differ from one in the bits";
  }
}

TEST(DataParallel, BitwiseIdenticalWithLargeProducts) {
  // Shards large enough that the big matrix products take the optimized GEMM path.
  auto run = [](int threads) {
    Generator gen(11);
    Linear fc1(64, 96, {true, &gen}), fc2(96, 8, {true, &gen});
    struct Two : Module {
      Linear &a, &b;
      Two(Linear& x, Linear& y) : a(x), b(y) {
        register_module("a", std::shared_ptr<Linear>(&x, [](Linear*) {}));
        register_module("b", std::shared_ptr<Linear>(&y, [](Linear*) {}));
      }
      Var forward(const Var& x) override { return b(pow(a(x), 2.0f)); }
    } net(fc1, fc2);
    SGD opt(net.parameters(), SGDOptions(0.01).momentum(0.9));
    DataParallel dp(net, loss_fn, opt, {.threads = threads});
    Tensor x = randn({512, 64}, gen), y = randn({512, 8}, gen);
    for (int s = 0; s < 4; ++s) dp.step(x, y);
    return params_of(net);
  };
  const auto one = run(1);
  for (int threads : {2, 3}) {
    const auto many = run(threads);
    EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0) << threads;
  }
}

// Real training runs, fed by the DataLoader for several epochs: the bytes of the parameters
// after training must be the same for every replica count.
std::vector<float> train_real(bool classifier, int threads) {
  manual_seed(21);
  std::shared_ptr<const Dataset> data;
  std::shared_ptr<Module> model;
  LossFn loss;
  if (classifier) {
    data = std::make_shared<SyntheticClassification>(300, 12, 4, 5);
    model = std::make_shared<Sequential>(std::make_shared<Linear>(12, 32), std::make_shared<ReLU>(),
                                         std::make_shared<Linear>(32, 4));
    auto ce = std::make_shared<CrossEntropyLoss>();
    loss = [ce](const Var& o, const Var& t) { return (*ce)(o, t); };
  } else {
    data = std::make_shared<SyntheticRegression>(300, 8, 6);
    model = std::make_shared<Linear>(8, 1);
    loss = loss_fn;
  }
  Adam opt(model->parameters(), AdamOptions(0.01));
  DataParallel dp(*model, loss, opt, {.threads = threads});
  DataLoader loader(data, {.batch_size = 37, .shuffle = true, .seed = 3, .num_workers = 1});
  for (int epoch = 0; epoch < 4; ++epoch)
    for (const Batch& b : loader) dp.step(b.x, b.y, {b.epoch, b.index});
  return params_of(*model);
}

TEST(DataParallel, RealNetworksTrainToTheSameBytesForEveryReplicaCount) {
  for (bool classifier : {false, true}) {
    SCOPED_TRACE(classifier ? "MLP classifier" : "linear regression");
    const auto one = train_real(classifier, 1);
    for (int threads : {2, 3, 4, 8}) {
      const auto many = train_real(classifier, threads);
      ASSERT_EQ(one.size(), many.size());
      EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0)
          << threads << " replicas";
    }
  }
}

TEST(DataParallel, AnyMicroShardCountIsBitwiseIdenticalAcrossReplicaCounts) {
  // M need not be a power of two: the tree over the M shard buffers is fixed by M alone.
  const auto one = train_parallel(1, 24, 30, 1, 6);
  for (int threads : {2, 3, 6}) {
    const auto many = train_parallel(threads, 24, 30, 1, 6);
    ASSERT_EQ(one.size(), many.size());
    EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0)
        << threads << " replicas differ from one in the bits (M = 6)";
  }
  expect_close(one, train_plain(24, 30), 1e-6);
}

// A weight used twice in one forward (its gradient is a sum of two kernels' outputs) and a
// parameter the loss never uses (its shard slices get no kernel output and must read zero).
class SharedNet : public Module {
 public:
  explicit SharedNet(std::uint64_t seed) {
    Generator gen(seed);
    fc = register_module("fc", std::make_shared<Linear>(5, 5, LinearOptions{true, &gen}));
    out = register_module("out", std::make_shared<Linear>(5, 2, LinearOptions{true, &gen}));
    unused = register_parameter("unused", randn({3, 3}, gen));
  }
  Var forward(const Var& x) override { return (*out)(tanh((*fc)(tanh((*fc)(x))))); }
  std::shared_ptr<Linear> fc, out;
  Var unused;
};

std::vector<float> train_shared(int threads, bool parallel) {
  SharedNet net(3);
  SGD opt(net.parameters(), SGDOptions(0.1).momentum(0.9));
  Data d = make_data(48, 8);
  std::unique_ptr<DataParallel> dp;
  if (parallel)
    dp = std::make_unique<DataParallel>(net, loss_fn, opt, DataParallelOptions{.threads = threads});
  for (int s = 0; s < 12; ++s) {
    const Tensor x = d.x.rows_view((s % 3) * 16, 16), y = d.y.rows_view((s % 3) * 16, 16);
    if (dp) {
      dp->step(x, y);
    } else {
      opt.zero_grad();
      mse(net(Var(x)), Var(y)).backward();
      opt.step();
    }
  }
  return params_of(net);
}

TEST(DataParallel, SharedWeightsAndUnusedParametersGetExactGradients) {
  const auto plain = train_shared(1, false);
  const auto one = train_shared(1, true);
  expect_close(one, plain, 1e-6);
  for (int threads : {2, 4}) {
    const auto many = train_shared(threads, true);
    EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0) << threads;
  }
}

// Dropout between the layers: its masks must not depend on which replica ran which shard.
class DropoutNet : public Module {
 public:
  explicit DropoutNet(std::uint64_t seed) {
    Generator gen(seed);
    fc1 = register_module("fc1", std::make_shared<Linear>(5, 16, LinearOptions{true, &gen}));
    drop = register_module("drop", std::make_shared<Dropout>(0.3f, DropoutOptions{.seed = 21}));
    fc2 = register_module("fc2", std::make_shared<Linear>(16, 2, LinearOptions{true, &gen}));
  }
  Var forward(const Var& x) override { return (*fc2)((*drop)(tanh((*fc1)(x)))); }
  std::shared_ptr<Linear> fc1, fc2;
  std::shared_ptr<Dropout> drop;
};

std::vector<float> train_dropout(int threads, bool training, int micro_shards = 8) {
  DropoutNet net(4);
  net.train(training);
  SGD opt(net.parameters(), SGDOptions(0.1).momentum(0.9));
  DataParallel dp(net, loss_fn, opt, {.threads = threads, .micro_shards = micro_shards});
  Data d = make_data(60, 12);
  for (int s = 0; s < 15; ++s)
    dp.step(d.x.rows_view((s % 3) * 20, 20), d.y.rows_view((s % 3) * 20, 20));
  EXPECT_EQ(dp.batches(), 15u);
  return params_of(net);
}

TEST(DataParallel, DropoutMasksAreTheSameForEveryReplicaCount) {
  const auto one = train_dropout(1, true);
  for (int threads : {2, 3, 4}) {
    const auto many = train_dropout(threads, true);
    EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0)
        << threads << " replicas differ from one in the bits";
  }
  EXPECT_NE(one, train_dropout(1, false)) << "dropout had no effect in training mode";
  // The masks follow the sample's row in the global batch, not its shard: other shard counts
  // give the same training up to summation order.
  for (int shards : {1, 4}) {
    SCOPED_TRACE(shards);
    expect_close(train_dropout(1, true, shards), one, 1e-5);
  }
}

TEST(DataParallel, UnevenShardsAndShortBatchesAreExact) {
  // 13 rows over 8 shards (sizes 1 and 2), and 5 rows (three empty shards).
  for (Index batch : {13, 5, 3}) {
    SCOPED_TRACE(batch);
    const auto plain = train_plain(batch, 10);
    expect_close(train_parallel(3, batch, 10), plain, 1e-6);
    EXPECT_EQ(train_parallel(1, batch, 10), train_parallel(4, batch, 10));
  }
}

TEST(DataParallel, LossIsTheMeanOverTheGlobalBatch) {
  Net net(1), ref(1);
  SGD opt(net.parameters(), SGDOptions(0.0));
  DataParallel dp(net, loss_fn, opt, {.threads = 2});
  Data d = make_data(11, 5);
  const StepStats& s = dp.step(d.x, d.y);
  EXPECT_NEAR(s.loss, mse(ref(Var(d.x)), Var(d.y)).item(), 1e-6);
  EXPECT_EQ(s.samples, 11);
  EXPECT_TRUE(s.stepped);
  EXPECT_EQ(s.forward_backward_s.size(), 2u);
  EXPECT_GE(s.forward_backward_max_s, s.forward_backward_mean_s);
}

TEST(DataParallel, AccumulationEqualsOneLargerBatch) {
  // Three accumulated batches of 8 == one step on the 24 rows they cover.
  Net a(9), b(9);
  SGD opt_a(a.parameters(), SGDOptions(0.1)), opt_b(b.parameters(), SGDOptions(0.1));
  DataParallel acc(a, loss_fn, opt_a, {.threads = 2, .accumulate = 3});
  DataParallel one(b, loss_fn, opt_b, {.threads = 2});
  Data d = make_data(24, 4);
  for (int round = 0; round < 2; ++round) {
    EXPECT_FALSE(acc.step(d.x.rows_view(0, 8), d.y.rows_view(0, 8)).stepped);
    EXPECT_FALSE(acc.step(d.x.rows_view(8, 8), d.y.rows_view(8, 8)).stepped);
    EXPECT_TRUE(acc.step(d.x.rows_view(16, 8), d.y.rows_view(16, 8)).stepped);
    one.step(d.x, d.y);
  }
  expect_close(params_of(a), params_of(b), 1e-6);
}

TEST(DataParallel, ParametersAreFlatAndSharedWithTheOptimizer) {
  Net net(2);
  SGD opt(net.parameters(), SGDOptions(0.1));
  DataParallel dp(net, loss_fn, opt, {.threads = 2});
  const float* base = dp.flat().values().data();
  Index expected = 0;
  const auto params = net.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(params[i].value().data(), base + expected);
    EXPECT_EQ(params[i].value().data(), opt.parameters()[i].value().data());
    EXPECT_EQ(params[i].grad().data(), dp.flat().grads().data() + expected);
    expected += (params[i].value().numel() + 15) / 16 * 16;
  }
  EXPECT_EQ(dp.flat().size(), expected);
}

TEST(DataParallel, ReplicaExceptionReachesTheCallerNamingReplicaAndPhase) {
  Net net(3);
  SGD opt(net.parameters(), SGDOptions(0.1));
  LossFn failing = [](const Var& out, const Var& target) {
    if (out.rows() == 2 && target.value()(0, 0) > 100.0f) throw std::runtime_error("bad shard");
    return mse(out, target);
  };
  DataParallel dp(net, failing, opt, {.threads = 4});
  Data d = make_data(16, 6);
  d.y(14, 0) = 1000.0f;  // shard 7 (rows 14-15), replica 3's
  try {
    dp.step(d.x, d.y);
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("replica 3 failed in forward/backward: shard 7 (rows 14-15 of 16): bad shard"),
              std::string::npos)
        << m;
  }
  d.y(14, 0) = 0.0f;
  EXPECT_NO_THROW(dp.step(d.x, d.y));  // the group is still usable after an ordinary error
}

TEST(DataParallel, StalledReplicaEndsTheStepWithAnErrorInsteadOfHanging) {
  Net net(4);
  SGD opt(net.parameters(), SGDOptions(0.1));
  LossFn slow = [](const Var& out, const Var& target) {
    if (target.value()(0, 0) > 100.0f) std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return mse(out, target);
  };
  DataParallel dp(net, slow, opt, {.threads = 2, .stall_timeout = std::chrono::milliseconds(50)});
  Data d = make_data(16, 6);
  d.y(14, 0) = 1000.0f;  // the last shard (rows 14-15, replica 1's) sleeps
  try {
    dp.step(d.x, d.y);
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("replica 1 did not finish forward/backward within 50 ms"), std::string::npos)
        << m;
    EXPECT_NE(m.find("replica 1 was on shard 7 (rows 14-15 of 16)"), std::string::npos) << m;
  }
  try {
    dp.step(d.x, d.y);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unusable"), std::string::npos) << e.what();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the stalled replica finish
}

TEST(DataParallel, OptionsAreValidated) {
  Net net(5);
  SGD opt(net.parameters(), SGDOptions(0.1));
  EXPECT_THROW(DataParallel(net, loss_fn, opt, {.threads = 0}), Error);
  EXPECT_THROW(DataParallel(net, loss_fn, opt, {.micro_shards = 0}), Error);
  EXPECT_THROW(DataParallel(net, loss_fn, opt, {.threads = 8, .micro_shards = 4}), Error);
  EXPECT_THROW(DataParallel(net, loss_fn, opt, {.accumulate = 0}), Error);
  Net other(5);
  SGD wrong(other.parameters(), SGDOptions(0.1));
  EXPECT_THROW(DataParallel(net, loss_fn, wrong, {}), Error);
  Data d = make_data(4, 1);
  DataParallel dp(net, loss_fn, opt, {});
  EXPECT_THROW(dp.step(d.x, d.y.rows_view(0, 3)), Error);
}

}  // namespace
}  // namespace lockstep
