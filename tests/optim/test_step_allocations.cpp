// step() allocates nothing: Adam's and AdamW's state is allocated when they are built, SGD's
// momentum buffer on a parameter's first step, and the updates run in place. Global operator
// new is replaced in this file (for the whole test binary) to count allocations.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/sgd.hpp"

namespace {
std::atomic<long> g_allocations{0};

void* counted_alloc(std::size_t size, std::size_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t n = (std::max<std::size_t>(size, 1) + align - 1) / align * align;
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, n) : std::malloc(n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t size) { return counted_alloc(size, alignof(std::max_align_t)); }
void* operator new(std::size_t size, std::align_val_t align) {
  return counted_alloc(size, static_cast<std::size_t>(align));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

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
  const long before = g_allocations.load();
  for (int i = 0; i < steps; ++i) opt.step();
  return g_allocations.load() - before;
}

TEST(StepAllocations, TheCounterSeesHeapAllocations) {
  // (Tensors come from lockstep's pool, which may already hold a block of the size asked for.)
  const long before = g_allocations.load();
  auto* v = new std::vector<int>(100);
  EXPECT_GT(g_allocations.load(), before);
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
  EXPECT_GT(allocations_in_steps(momentum, 1), 0);  // the buffers
  EXPECT_EQ(allocations_in_steps(momentum, 5), 0);
}

}  // namespace
}  // namespace lockstep
