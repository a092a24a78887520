// Finite-difference gradient checks for every differentiable operation, including broadcast
// variants, and for the Linear and MSELoss modules as wholes.
#include <gtest/gtest.h>

#include "lockstep/autograd/functions.hpp"
#include "lockstep/autograd/gradcheck.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/tensor/random.hpp"

namespace lockstep {
namespace {

using Fn = std::function<Var(const std::vector<Var>&)>;

Tensor r(Shape s, std::uint64_t seed) {
  Generator g(seed);
  return randn(s, g);
}

void expect_gradcheck(const Fn& f, const std::vector<Tensor>& inputs) {
  auto result = gradcheck(f, inputs);
  EXPECT_TRUE(result.ok) << result.message;
}

TEST(Gradcheck, Matmul) {
  expect_gradcheck([](auto& v) { return matmul(v[0], v[1]); }, {r({3, 4}, 1), r({4, 2}, 2)});
}

TEST(Gradcheck, LinearFusedWithAndWithoutBias) {
  expect_gradcheck([](auto& v) { return linear(v[0], v[1], v[2]); },
                   {r({5, 3}, 1), r({2, 3}, 2), r({1, 2}, 3)});
  expect_gradcheck([](auto& v) { return linear(v[0], v[1]); }, {r({5, 3}, 4), r({2, 3}, 5)});
}

TEST(Gradcheck, AddSubMulSameShape) {
  std::vector<Tensor> in{r({3, 2}, 1), r({3, 2}, 2)};
  expect_gradcheck([](auto& v) { return add(v[0], v[1]); }, in);
  expect_gradcheck([](auto& v) { return sub(v[0], v[1]); }, in);
  expect_gradcheck([](auto& v) { return mul(v[0], v[1]); }, in);
}

TEST(Gradcheck, AddSubMulBroadcastRowColumnScalar) {
  for (Shape small : {Shape{1, 4}, Shape{3, 1}, Shape{1, 1}}) {
    SCOPED_TRACE(::testing::Message() << "broadcast " << small.rows << "x" << small.cols);
    std::vector<Tensor> big_small{r({3, 4}, 7), r(small, 8)};
    std::vector<Tensor> small_big{r(small, 9), r({3, 4}, 10)};
    expect_gradcheck([](auto& v) { return add(v[0], v[1]); }, big_small);
    expect_gradcheck([](auto& v) { return sub(v[0], v[1]); }, small_big);
    expect_gradcheck([](auto& v) { return mul(v[0], v[1]); }, big_small);
    expect_gradcheck([](auto& v) { return mul(v[0], v[1]); }, small_big);
  }
}

TEST(Gradcheck, ScalarMulNegPow) {
  expect_gradcheck([](auto& v) { return mul(v[0], 2.5f); }, {r({2, 3}, 1)});
  expect_gradcheck([](auto& v) { return neg(v[0]); }, {r({2, 3}, 2)});
  expect_gradcheck([](auto& v) { return pow(v[0], 2.0f); }, {r({2, 3}, 3)});
  expect_gradcheck([](auto& v) { return pow(v[0], 3.0f); }, {r({2, 3}, 4)});
  // A fractional power on positive inputs.
  Tensor pos = r({2, 3}, 5);
  for (float& x : pos.span()) x = 1.0f + std::abs(x);
  expect_gradcheck([](auto& v) { return pow(v[0], 1.5f); }, {pos});
}

TEST(Gradcheck, SumMean) {
  expect_gradcheck([](auto& v) { return sum(v[0]); }, {r({4, 3}, 1)});
  expect_gradcheck([](auto& v) { return mean(v[0]); }, {r({4, 3}, 2)});
}

TEST(Gradcheck, MseLossEveryReductionBothArguments) {
  for (Reduction red : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    SCOPED_TRACE(to_string(red));
    expect_gradcheck([red](auto& v) { return mse_loss(v[0], v[1], red); },
                     {r({4, 2}, 1), r({4, 2}, 2)});
  }
}

TEST(Gradcheck, ComposedExpressionReusingAnInput) {
  // x is used twice: its gradients from both uses must add up.
  expect_gradcheck([](auto& v) { return mean(pow(matmul(v[0], v[1]) + v[2] - v[0], 2.0f)); },
                   {r({3, 3}, 1), r({3, 3}, 2), r({1, 3}, 3)});
}

TEST(Gradcheck, LinearModuleAsAWhole) {
  Generator gen(1);
  Linear fc(3, 2, {.bias = true, .generator = &gen});
  // Check d out / d (input, weight, bias) through the module's forward.
  Tensor x = r({4, 3}, 2);
  auto f = [&fc](const std::vector<Var>& v) {
    fc.weight().value().copy_(v[1].value());
    fc.bias().value().copy_(v[2].value());
    return linear(v[0], v[1], v[2]);
  };
  expect_gradcheck(f, {x, fc.weight().value().clone(), fc.bias().value().clone()});
  // And the module's own parameters receive what the functional form computes.
  Var xin(x, true);
  Var out = sum(fc(xin));
  out.backward();
  Var w2(fc.weight().value().clone(), true), b2(fc.bias().value().clone(), true), x2(x, true);
  sum(linear(x2, w2, b2)).backward();
  EXPECT_EQ(fc.weight().grad().to_vector(), w2.grad().to_vector());
  EXPECT_EQ(fc.bias().grad().to_vector(), b2.grad().to_vector());
  EXPECT_EQ(xin.grad().to_vector(), x2.grad().to_vector());
}

TEST(Gradcheck, MSELossModuleAsAWhole) {
  MSELoss loss_fn;
  expect_gradcheck([&](auto& v) { return loss_fn(v[0], v[1]); }, {r({5, 1}, 1), r({5, 1}, 2)});
}

TEST(Gradcheck, DetectsAWrongGradient) {
  // A deliberately wrong "gradient": the function uses the value in a way autograd cannot see.
  auto f = [](const std::vector<Var>& v) {
    Var detached = v[0].detach();
    return mul(v[0], detached);  // true d/dx = 2x, autograd sees only x
  };
  auto result = gradcheck(f, {r({2, 2}, 3)});
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.message.find("input 0"), std::string::npos);
}

}  // namespace
}  // namespace lockstep
