// step() allocates nothing: Adam's and AdamW's state is allocated when they are built, SGD's
// momentum buffer on a parameter's first step, and the updates run in place. Global operator
// new is replaced in this test binary (tests/support/counting_new.cpp) to count allocations.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/sgd.hpp"
#include "support/counting_new.hpp"

namespace {
long allocations() { return lockstep::testing::allocations(); }
}  // namespace

namespace lockstep {
namespace {

struct Model {
  Var w{Tensor::full({16, 8}, 0.5f), true};
  Var b{Tensor::full({1, 8}, -0.25f), true};
  Model() {
    w.set_grad(Tensor::full({16, 8}, 0.1f));
    b.set_grad(Tensor::full({1, 8}, -0.2f));
  }
  std::vector<Var> params() const { return {w, b}; }
};

// Allocations made by `steps` calls of opt.step().
long allocations_in_steps(Optimizer& opt, int steps) {
  const long before = allocations();
  for (int i = 0; i < steps; ++i) opt.step();
  return allocations() - before;
}

TEST(StepAllocations, TheCounterSeesHeapAllocations) {
  // (Tensors come from lockstep's pool, which may already hold a block of the size asked for.)
  const long before = allocations();
  auto* v = new std::vector<int>(100);
  EXPECT_GT(allocations(), before);
  delete v;
}

TEST(StepAllocations, AdamAndAdamWAllocateNothing) {
  Model m;
  Adam adam(m.params(), AdamOptions(1e-3).weight_decay(0.1).amsgrad(true));
  EXPECT_EQ(allocations_in_steps(adam, 5), 0);
  AdamW adamw(m.params(), AdamWOptions(1e-3).amsgrad(true));
  EXPECT_EQ(allocations_in_steps(adamw, 5), 0);
}

TEST(StepAllocations, SgdAllocatesOnlyTheMomentumBufferOnce) {
  Model m;
  SGD plain(m.params(), SGDOptions(0.1).weight_decay(0.01));
  EXPECT_EQ(allocations_in_steps(plain, 5), 0);
  SGD momentum(m.params(), SGDOptions(0.1).momentum(0.9).nesterov(true));
  EXPECT_TRUE(momentum.state_dict().empty());
  allocations_in_steps(momentum, 1);  // makes the buffers (from lockstep's pool, maybe cached)
  EXPECT_EQ(momentum.state_dict().size(), 2u);
  EXPECT_EQ(allocations_in_steps(momentum, 5), 0);
}

}  // namespace
}  // namespace lockstep
