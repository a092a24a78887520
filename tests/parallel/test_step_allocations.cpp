// A steady-state data-parallel training step (an MLP, and a CNN) takes nothing from the heap:
// tensors, Vars and Nodes come from the pool, buffers were sized at set-up. Global operator new is
// replaced in this test binary (tests/support/counting_new.cpp) to count allocations on every
// thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>

#include "lockstep/autograd/functions.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/batch_norm.hpp"
#include "lockstep/nn/conv.hpp"
#include "lockstep/nn/flatten.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/nn/pooling.hpp"
#include "lockstep/nn/sequential.hpp"
#include "lockstep/optim/sgd.hpp"
#include "lockstep/parallel/data_parallel.hpp"
#include "lockstep/tensor/random.hpp"
#include "support/counting_new.hpp"

namespace {
long allocations() { return lockstep::testing::allocations(); }
}  // namespace

namespace lockstep {
namespace {

class Mlp : public Module {
 public:
  Mlp() {
    Generator gen(3);
    fc1 = register_module("fc1", std::make_shared<Linear>(6, 16, LinearOptions{true, &gen}));
    fc2 = register_module("fc2", std::make_shared<Linear>(16, 3, LinearOptions{true, &gen}));
  }
  Var forward(const Var& x) override { return (*fc2)(pow((*fc1)(x), 2.0f)); }
  std::shared_ptr<Linear> fc1, fc2;
};

TEST(StepAllocations, CounterWorks) {
  const long before = allocations();
  auto* p = new int(3);
  EXPECT_GT(allocations(), before);
  delete p;
}

TEST(StepAllocations, SteadyStateDataParallelStepAllocatesNothing) {
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    Mlp model;
    SGD opt(model.parameters(), SGDOptions(0.01).momentum(0.9));
    MSELoss mse;
    DataParallel dp(model, [&](const Var& o, const Var& t) { return mse(o, t); }, opt,
                    {.threads = threads, .micro_shards = 4});
    Generator gen(1);
    Tensor x = randn({32, 6}, gen), y = randn({32, 3}, gen);
    for (int i = 0; i < 5; ++i) dp.step(x, y);  // warm-up: pools and buffers fill
    const long before = allocations();
    for (int i = 0; i < 20; ++i) dp.step(x, y);
    EXPECT_EQ(allocations() - before, 0);
  }
}

// conv -> batch norm -> relu -> max pool -> conv -> relu -> avg pool -> flatten -> linear,
// cross-entropy.
std::shared_ptr<Sequential> make_cnn() {
  Generator gen(4);
  auto conv1 = std::make_shared<Conv2d>(ImageShape{1, 12, 12}, 8, 3,
                                        Conv2dOptions{.padding = 1, .generator = &gen});
  auto pool1 = std::make_shared<MaxPool2d>(conv1->output_shape(), 2);
  auto conv2 =
      std::make_shared<Conv2d>(pool1->output_shape(), 16, 3, Conv2dOptions{.generator = &gen});
  auto pool2 = std::make_shared<AvgPool2d>(conv2->output_shape(), 2);
  return std::make_shared<Sequential>(
      conv1, std::make_shared<BatchNorm2d>(conv1->output_shape()), std::make_shared<ReLU>(), pool1,
      conv2, std::make_shared<ReLU>(), pool2, std::make_shared<Flatten>(),
      std::make_shared<Linear>(pool2->output_shape().numel(), 5, LinearOptions{.generator = &gen}));
}

Tensor class_column(Index n, Generator& gen) {
  Tensor y(n, 1);
  for (float& v : y.span()) v = static_cast<float>(gen.below(5));
  return y;
}

TEST(StepAllocations, SteadyStateDataParallelCnnStepAllocatesNothing) {
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    auto net = make_cnn();
    SGD opt(net->parameters(), SGDOptions(0.01).momentum(0.9));
    CrossEntropyLoss ce;
    DataParallel dp(*net, [&](const Var& o, const Var& t) { return ce(o, t); }, opt,
                    {.threads = threads, .micro_shards = 4});
    Generator gen(5);
    Tensor x = randn({32, 144}, gen), y = class_column(32, gen);
    for (int i = 0; i < 5; ++i) dp.step(x, y);  // warm-up: pools and buffers fill
    const long before = allocations();
    for (int i = 0; i < 10; ++i) dp.step(x, y);
    EXPECT_EQ(allocations() - before, 0);
  }
}

TEST(StepAllocations, SteadyStatePlainCnnTrainingStepAllocatesNothing) {
  auto net = make_cnn();
  SGD opt(net->parameters(), SGDOptions(0.01));
  CrossEntropyLoss ce;
  Generator gen(6);
  Tensor x = randn({8, 144}, gen), y = class_column(8, gen);
  auto step = [&] {
    Var loss = ce((*net)(Var(x)), Var(y));
    opt.zero_grad();
    loss.backward();
    opt.step();
  };
  for (int i = 0; i < 5; ++i) step();
  const long before = allocations();
  for (int i = 0; i < 10; ++i) step();
  EXPECT_EQ(allocations() - before, 0);
}

TEST(StepAllocations, SteadyStatePlainTrainingStepAllocatesNothing) {
  Mlp model;
  SGD opt(model.parameters(), SGDOptions(0.01));
  MSELoss mse;
  Generator gen(2);
  Tensor x = randn({8, 6}, gen), y = randn({8, 3}, gen);
  auto step = [&] {
    Var loss = mse(model(Var(x)), Var(y));
    opt.zero_grad();
    loss.backward();
    opt.step();
  };
  for (int i = 0; i < 5; ++i) step();
  const long before = allocations();
  for (int i = 0; i < 20; ++i) step();
  EXPECT_EQ(allocations() - before, 0);
}

}  // namespace
}  // namespace lockstep
