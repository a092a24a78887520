// A convolutional network under DataParallel: the parameters after training are the same bits
// for 1, 2 and 3 replicas (and for 4 and 8), fed by the DataLoader, with uneven and empty
// micro-shards; and they equal plain single-threaded training on the same batches up to the
// order of the sums over shards. With batch normalization too: each micro-shard is normalized
// with its own statistics and the shard holding the batch's first row updates the running
// statistics, so parameters and buffers are the same bits for every replica count.
#include <gtest/gtest.h>

#include <cstring>

#include "lockstep/data/dataloader.hpp"
#include "lockstep/data/tensor_dataset.hpp"
#include "lockstep/io/state_dict.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/batch_norm.hpp"
#include "lockstep/nn/conv.hpp"
#include "lockstep/nn/flatten.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/nn/pooling.hpp"
#include "lockstep/nn/sequential.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/sgd.hpp"
#include "lockstep/parallel/data_parallel.hpp"
#include "lockstep/tensor/random.hpp"
#include "support/small_cnn.hpp"

namespace lockstep {
namespace {

// conv 3x3 pad 1 (16) -> relu -> max pool 2 -> conv 3x3 (32) -> relu -> avg pool 2 -> flatten
// -> linear: both pools, and products large enough for the optimized GEMM (oneDNN's, when built
// with it: more than 32^3 multiply-adds).
std::shared_ptr<Sequential> make_cnn(std::uint64_t seed) {
  Generator gen(seed);
  auto conv1 = std::make_shared<Conv2d>(ImageShape{3, 10, 10}, 16, 3,
                                        Conv2dOptions{.padding = 1, .generator = &gen});
  auto pool1 = std::make_shared<MaxPool2d>(conv1->output_shape(), 2);
  auto conv2 =
      std::make_shared<Conv2d>(pool1->output_shape(), 32, 3, Conv2dOptions{.generator = &gen});
  auto pool2 = std::make_shared<AvgPool2d>(conv2->output_shape(), 2, AvgPool2dOptions{.stride = 1});
  return std::make_shared<Sequential>(
      conv1, std::make_shared<ReLU>(), pool1, conv2, std::make_shared<ReLU>(), pool2,
      std::make_shared<Flatten>(),
      std::make_shared<Linear>(pool2->output_shape().numel(), 3, LinearOptions{.generator = &gen}));
}

std::shared_ptr<TensorDataset> images(Index n, std::uint64_t seed) {
  Generator gen(seed);
  Tensor x = randn({n, 300}, gen), y(n, 1);
  for (Index i = 0; i < n; ++i) y(i, 0) = static_cast<float>(gen.below(3));
  return std::make_shared<TensorDataset>(x, y);
}

std::vector<float> params_of(const Module& m) {
  std::vector<float> out;
  for (const auto& p : m.parameters()) {
    auto v = p.value().to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// Two epochs of 90 images in batches of 21 (the last one 6: shards of 2 and 3 rows, and empty
// ones), SGD with momentum then Adam.
std::vector<float> train(int threads, bool adam) {
  auto net = make_cnn(5);
  CrossEntropyLoss ce;
  std::unique_ptr<Optimizer> opt;
  if (adam) {
    opt = std::make_unique<Adam>(net->parameters(), AdamOptions(0.01));
  } else {
    opt = std::make_unique<SGD>(net->parameters(), SGDOptions(0.05).momentum(0.9));
  }
  DataParallel dp(*net, [&](const Var& o, const Var& t) { return ce(o, t); }, *opt,
                  {.threads = threads});
  DataLoader loader(images(90, 9), {.batch_size = 21, .shuffle = true, .seed = 4});
  for (int epoch = 0; epoch < 2; ++epoch)
    for (const Batch& b : loader) dp.step(b.x, b.y, {b.epoch, b.index});
  return params_of(*net);
}

TEST(DataParallelCnn, BitwiseIdenticalForOneTwoAndThreeReplicas) {
  for (bool adam : {false, true}) {
    SCOPED_TRACE(adam ? "Adam" : "SGD momentum");
    const auto one = train(1, adam);
    for (int threads : {2, 3, 4, 8}) {
      const auto many = train(threads, adam);
      ASSERT_EQ(one.size(), many.size());
      EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0)
          << threads << " replicas differ from one in the bits";
    }
  }
}

TEST(DataParallelCnn, EqualsPlainTrainingOnTheSameBatches) {
  auto plain = make_cnn(5), parallel = make_cnn(5);
  CrossEntropyLoss ce;
  SGD opt_plain(plain->parameters(), SGDOptions(0.05).momentum(0.9));
  SGD opt_parallel(parallel->parameters(), SGDOptions(0.05).momentum(0.9));
  DataParallel dp(*parallel, [&](const Var& o, const Var& t) { return ce(o, t); }, opt_parallel,
                  {.threads = 2});
  auto data = images(64, 10);
  for (int s = 0; s < 6; ++s) {
    const Tensor x = data->features().rows_view((s % 4) * 16, 16);
    const Tensor y = data->targets().rows_view((s % 4) * 16, 16);
    dp.step(x, y);
    opt_plain.zero_grad();
    ce((*plain)(Var(x)), Var(y)).backward();
    opt_plain.step();
  }
  const auto a = params_of(*plain), b = params_of(*parallel);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], 1e-5 * std::max(1.0f, std::abs(a[i]))) << "parameter " << i;
  EXPECT_NE(a, params_of(*make_cnn(5))) << "training changed nothing";
}

// Parameters, then every float buffer, then the counts (as floats: they are small).
std::vector<float> state_of(const Module& m) {
  std::vector<float> out = params_of(m);
  for (const auto& b : m.named_buffers()) {
    if (b.tensor) {
      auto v = b.tensor->to_vector();
      out.insert(out.end(), v.begin(), v.end());
    } else {
      out.push_back(static_cast<float>(*b.integer));
    }
  }
  return out;
}

// Two epochs of 96 images (1 x 8 x 8) in batches of 24: 8 shards of 3 rows.
std::vector<float> train_bn(int threads) {
  Generator gen(6);
  auto net = testing::bn_cnn(&gen);
  CrossEntropyLoss ce;
  SGD opt(net->parameters(), SGDOptions(0.05).momentum(0.9));
  DataParallel dp(*net, [&](const Var& o, const Var& t) { return ce(o, t); }, opt,
                  {.threads = threads});
  Tensor x = randn({96, 64}, gen), y(96, 1);
  for (Index i = 0; i < 96; ++i) y(i, 0) = static_cast<float>(gen.below(3));
  DataLoader loader(std::make_shared<TensorDataset>(x, y),
                    {.batch_size = 24, .shuffle = true, .seed = 2});
  for (int epoch = 0; epoch < 2; ++epoch)
    for (const Batch& b : loader) dp.step(b.x, b.y, {b.epoch, b.index});
  const auto& bn = dynamic_cast<const BatchNorm2d&>(*(*net)[1]);
  EXPECT_EQ(bn.num_batches_tracked(), 8) << "one update per batch";
  return state_of(*net);
}

TEST(DataParallelCnn, BatchNormTrainsToTheSameBitsForEveryReplicaCount) {
  const auto one = train_bn(1);
  for (int threads : {2, 3, 4}) {
    const auto many = train_bn(threads);
    ASSERT_EQ(one.size(), many.size());
    EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0)
        << threads << " replicas differ from one in the bits";
  }
}

TEST(DataParallelCnn, BatchNormRunningStatisticsComeFromTheShardHoldingTheFirstRow) {
  Generator gen(7);
  Tensor x = randn({16, 64}, gen), y(16, 1);
  auto net = testing::bn_cnn(), ref = testing::bn_cnn();
  load_state_dict(*ref, state_dict(*net));
  CrossEntropyLoss ce;
  SGD opt(net->parameters(), SGDOptions(0.0));
  DataParallel dp(*net, [&](const Var& o, const Var& t) { return ce(o, t); }, opt,
                  {.threads = 2, .micro_shards = 4});
  dp.step(x, y);
  (*ref)(Var(x.rows_view(0, 4)));  // shard 0: rows 0-3
  const auto& got = dynamic_cast<const BatchNorm2d&>(*(*net)[1]);
  const auto& want = dynamic_cast<const BatchNorm2d&>(*(*ref)[1]);
  EXPECT_EQ(got.running_mean().to_vector(), want.running_mean().to_vector());
  EXPECT_EQ(got.running_var().to_vector(), want.running_var().to_vector());
  EXPECT_EQ(got.num_batches_tracked(), 1);
}

}  // namespace
}  // namespace lockstep
