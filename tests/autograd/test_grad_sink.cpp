// GradSink: a backward pass given a sink sends flat leaves' gradients to its buffer, added
// (default) or written over the slice (overwrite mode, first gradient only; a leaf used twice
// gets the sum); a backward pass without one never touches it.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "lockstep/autograd/functions.hpp"
#include "lockstep/autograd/grad_sink.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/tensor/random.hpp"

namespace lockstep {
namespace {

// x [4, 3] @ w [3, 2]; w is flat at offset 16, v (unused by some losses) at offset 0.
struct Leaves {
  Generator gen{5};
  Tensor x = randn({4, 3}, gen);
  Var w{randn({3, 2}, gen), true};
  Var v{randn({2, 2}, gen), true};
  Leaves() {
    v.set_flat_offset(0);
    w.set_flat_offset(16);
  }
};

// backward() of a scalar loss into `sink`.
void backward_into(const Var& loss, GradSink& sink) {
  loss.backward(Tensor::ones(loss.shape()), sink);
}

// d/dw of sum(x @ w + x @ w) computed plainly, without a sink.
std::vector<float> plain_grad_twice(const Leaves& s) {
  Var w(s.w.value().clone(), true);
  sum(matmul(Var(s.x), w) + matmul(Var(s.x), w)).backward();
  return w.grad().to_vector();
}

TEST(GradSink, AddModeAddsToWhatTheBufferHolds) {
  Leaves s;
  std::vector<float> buffer(32, 1.0f);
  {
    GradSink sink(buffer.data());
    backward_into(sum(matmul(Var(s.x), s.w)), sink);
  }
  Var w(s.w.value().clone(), true);
  sum(matmul(Var(s.x), w)).backward();
  const auto g = w.grad().to_vector();
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_FLOAT_EQ(buffer[16 + i], 1.0f + g[i]);
  EXPECT_FALSE(s.w.grad().defined()) << "the leaf's own grad() must not receive the gradient";
}

TEST(GradSink, OverwriteModeWritesOverGarbageAndSumsALeafUsedTwice) {
  Leaves s;
  std::vector<float> buffer(32, std::nanf(""));
  GradSink sink(buffer.data(), GradSink::Mode::overwrite);
  EXPECT_FALSE(sink.written(16));
  backward_into(sum(matmul(Var(s.x), s.w) + matmul(Var(s.x), s.w)), sink);
  EXPECT_TRUE(sink.written(16));
  EXPECT_FALSE(sink.written(0)) << "v was not used";
  const auto g = plain_grad_twice(s);
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_FLOAT_EQ(buffer[16 + i], g[i]) << i;
  EXPECT_TRUE(std::isnan(buffer[0])) << "an unreached slice is left as it was";
}

TEST(GradSink, OverwriteModeWithTheSameLeafTwiceInOneNode) {
  Leaves s;
  Var sq(s.v.value().clone(), true);
  sum(sq * sq).backward();  // d/dv sum(v * v) = 2 v
  std::vector<float> buffer(32, 7.0f);
  {
    GradSink sink(buffer.data(), GradSink::Mode::overwrite);
    backward_into(sum(s.v * s.v), sink);
  }
  const auto g = sq.grad().to_vector();
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_FLOAT_EQ(buffer[i], g[i]) << i;
}

TEST(GradSink, SecondBackwardThroughTheSameOverwritingSinkAdds) {
  Leaves s;
  std::vector<float> buffer(32, -3.0f);
  GradSink sink(buffer.data(), GradSink::Mode::overwrite);
  backward_into(sum(matmul(Var(s.x), s.w)), sink);
  backward_into(sum(matmul(Var(s.x), s.w)), sink);
  Var w(s.w.value().clone(), true);
  sum(matmul(Var(s.x), w)).backward();
  const auto g = w.grad().to_vector();
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_FLOAT_EQ(buffer[16 + i], 2.0f * g[i]) << i;
}

TEST(GradSink, BackwardFromAFlatLeafItselfOverwrites) {
  Leaves s;
  std::vector<float> buffer(32, 9.0f);
  GradSink sink(buffer.data(), GradSink::Mode::overwrite);
  s.v.backward(Tensor::full({2, 2}, 0.5f), sink);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(buffer[std::size_t(i)], 0.5f);
  EXPECT_TRUE(sink.written(0));
}

TEST(GradSink, ClearMakesTheNextBackwardOverwriteAgain) {
  Leaves s;
  std::vector<float> buffer(32, 0.0f);
  GradSink sink(buffer.data(), GradSink::Mode::overwrite);
  sink.reserve(2);
  backward_into(sum(matmul(Var(s.x), s.w)), sink);
  sink.clear();
  EXPECT_FALSE(sink.written(16));
  backward_into(sum(matmul(Var(s.x), s.w)), sink);
  Var w(s.w.value().clone(), true);
  sum(matmul(Var(s.x), w)).backward();
  const auto g = w.grad().to_vector();
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_FLOAT_EQ(buffer[16 + i], g[i]) << i;
}

TEST(GradSink, TwoSinksKeepTheirOwnMarksAndABackwardWithoutASinkUsesGrad) {
  Leaves s;
  std::vector<float> first(32, 0.0f), second(32, 0.0f);
  GradSink a(first.data(), GradSink::Mode::overwrite);
  GradSink b(second.data(), GradSink::Mode::overwrite);
  backward_into(sum(matmul(Var(s.x), s.w)), a);
  EXPECT_TRUE(a.written(16));
  EXPECT_FALSE(b.written(16)) << "marks belong to the sink that received the gradient";
  EXPECT_EQ(second[16], 0.0f);
  sum(matmul(Var(s.x), s.w)).backward();  // no sink: the leaf's own grad()
  ASSERT_TRUE(s.w.grad().defined());
  EXPECT_EQ(s.w.grad().to_vector()[0], first[16]);
  EXPECT_EQ(second[16], 0.0f);
}

}  // namespace
}  // namespace lockstep
