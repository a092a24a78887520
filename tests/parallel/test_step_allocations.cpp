// A steady-state data-parallel training step takes nothing from the heap: tensors, Vars and
// Nodes come from the pool, buffers were sized at set-up. Global operator new is replaced in
// this test binary (tests/support/counting_new.cpp) to count allocations on every thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>

#include "lockstep/autograd/functions.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/loss.hpp"
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
