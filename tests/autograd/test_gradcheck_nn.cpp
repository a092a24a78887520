// Finite-difference gradient checks for the activations, softmax, division (with broadcasting),
// transpose, axis reductions, gather and every loss with every reduction and option.
#include <gtest/gtest.h>

#include <cmath>

#include "lockstep/autograd/functions.hpp"
#include "lockstep/autograd/gradcheck.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/tensor/random.hpp"

namespace lockstep {
namespace {

using Fn = std::function<Var(const std::vector<Var>&)>;

Tensor r(Shape s, std::uint64_t seed) {
  Generator g(seed);
  return randn(s, g);
}

// Normal values pushed at least `gap` away from zero (keeping their sign).
Tensor away_from_zero(Shape s, std::uint64_t seed, float gap) {
  Tensor t = r(s, seed);
  for (float& x : t.span()) x = x < 0 ? x - gap : x + gap;
  return t;
}

// Positive values in [lo, lo + |normal|).
Tensor positive(Shape s, std::uint64_t seed, float lo) {
  Tensor t = r(s, seed);
  for (float& x : t.span()) x = lo + std::abs(x);
  return t;
}

// A [rows, 1] column of valid class indices for `classes` classes.
Tensor labels(Index rows, Index classes, std::uint64_t seed) {
  Generator g(seed);
  Tensor t(rows, 1);
  for (float& x : t.span()) x = static_cast<float>(g.below(static_cast<std::uint64_t>(classes)));
  return t;
}

void expect_gradcheck(const Fn& f, const std::vector<Tensor>& inputs) {
  auto result = gradcheck(f, inputs);
  EXPECT_TRUE(result.ok) << result.message;
}

constexpr Reduction kReductions[] = {Reduction::Mean, Reduction::Sum, Reduction::None};

TEST(GradcheckNN, ReluAwayFromTheKink) {
  expect_gradcheck([](auto& v) { return relu(v[0]); }, {away_from_zero({4, 5}, 1, 0.1f)});
}

TEST(GradcheckNN, SigmoidTanhExp) {
  expect_gradcheck([](auto& v) { return sigmoid(v[0]); }, {r({3, 4}, 2)});
  expect_gradcheck([](auto& v) { return tanh(v[0]); }, {r({3, 4}, 3)});
  expect_gradcheck([](auto& v) { return exp(v[0]); }, {r({3, 4}, 4)});
}

TEST(GradcheckNN, LogOnPositiveInputs) {
  expect_gradcheck([](auto& v) { return log(v[0]); }, {positive({3, 4}, 5, 0.5f)});
}

TEST(GradcheckNN, SoftmaxAndLogSoftmax) {
  expect_gradcheck([](auto& v) { return softmax(v[0]); }, {r({4, 5}, 6)});
  expect_gradcheck([](auto& v) { return log_softmax(v[0]); }, {r({4, 5}, 7)});
  // Shifted far away: the kernels subtract the row maximum, so the gradient is unchanged.
  Tensor big = r({3, 4}, 8);
  for (float& x : big.span()) x += 500.0f;
  GradcheckOptions loose;
  loose.eps = 0.05;  // float32 spacing at 500 is 3e-5; a larger step keeps the quotient exact
  auto result = gradcheck([](auto& v) { return log_softmax(v[0]); }, {big}, loose);
  EXPECT_TRUE(result.ok) << result.message;
}

TEST(GradcheckNN, DivSameShape) {
  expect_gradcheck([](auto& v) { return div(v[0], v[1]); },
                   {r({3, 4}, 9), away_from_zero({3, 4}, 10, 0.5f)});
}

TEST(GradcheckNN, DivBroadcastRowColumnScalarBothSides) {
  for (Shape small : {Shape{1, 4}, Shape{3, 1}, Shape{1, 1}}) {
    SCOPED_TRACE(::testing::Message() << "broadcast " << small.rows << "x" << small.cols);
    expect_gradcheck([](auto& v) { return div(v[0], v[1]); },
                     {r({3, 4}, 11), away_from_zero(small, 12, 0.5f)});
    expect_gradcheck([](auto& v) { return div(v[0], v[1]); },
                     {r(small, 13), away_from_zero({3, 4}, 14, 0.5f)});
  }
  expect_gradcheck([](auto& v) { return v[0] / 4.0f; }, {r({2, 3}, 15)});
}

TEST(GradcheckNN, Transpose) {
  expect_gradcheck([](auto& v) { return transpose(v[0]); }, {r({3, 5}, 16)});
  // Through a product, where the layout matters.
  expect_gradcheck([](auto& v) { return matmul(transpose(v[0]), v[1]); },
                   {r({4, 3}, 17), r({4, 2}, 18)});
}

TEST(GradcheckNN, SumAndMeanAlongEachAxis) {
  for (int axis : {0, 1}) {
    SCOPED_TRACE(::testing::Message() << "axis " << axis);
    expect_gradcheck([axis](auto& v) { return sum(v[0], axis); }, {r({3, 4}, 19)});
    expect_gradcheck([axis](auto& v) { return mean(v[0], axis); }, {r({3, 4}, 20)});
  }
}

TEST(GradcheckNN, GatherByClassIndex) {
  const Tensor index = labels(5, 4, 21);
  expect_gradcheck([&](auto& v) { return gather(v[0], index); }, {r({5, 4}, 22)});
}

TEST(GradcheckNN, CrossEntropyEveryReductionAndOption) {
  const Tensor target = labels(6, 4, 23);
  const Tensor weight = positive({1, 4}, 24, 0.25f);
  for (Reduction red : kReductions) {
    for (float smoothing : {0.0f, 0.2f}) {
      for (bool weighted : {false, true}) {
        SCOPED_TRACE(::testing::Message() << to_string(red) << " smoothing " << smoothing
                                          << (weighted ? " weighted" : ""));
        CrossEntropyOptions options{weighted ? weight : Tensor(), smoothing, red};
        expect_gradcheck([&](auto& v) { return cross_entropy(v[0], target, options); },
                         {r({6, 4}, 25)});
      }
    }
  }
}

TEST(GradcheckNN, NllLossEveryReductionWithAndWithoutWeights) {
  const Tensor target = labels(5, 3, 26);
  const Tensor weight = positive({1, 3}, 27, 0.25f);
  for (Reduction red : kReductions) {
    for (bool weighted : {false, true}) {
      SCOPED_TRACE(::testing::Message() << to_string(red) << (weighted ? " weighted" : ""));
      NLLLossOptions options{weighted ? weight : Tensor(), red};
      expect_gradcheck([&](auto& v) { return nll_loss(v[0], target, options); }, {r({5, 3}, 28)});
      // The usual composition: nll_loss(log_softmax(logits)).
      expect_gradcheck([&](auto& v) { return nll_loss(log_softmax(v[0]), target, options); },
                       {r({5, 3}, 29)});
    }
  }
}

TEST(GradcheckNN, BceWithLogitsEveryReductionBothArguments) {
  Tensor logits = r({4, 3}, 30);
  logits(0, 0) = 8.0f;  // saturated, still a smooth function
  logits(1, 1) = -8.0f;
  Generator gen(31);
  const Tensor target = rand({4, 3}, gen);  // probabilities in [0, 1)
  for (Reduction red : kReductions) {
    SCOPED_TRACE(to_string(red));
    expect_gradcheck([red](auto& v) { return bce_with_logits(v[0], v[1], red); }, {logits, target});
  }
}

TEST(GradcheckNN, L1LossEveryReductionAwayFromTheKink) {
  const Tensor input = r({4, 3}, 32);
  Tensor target = away_from_zero({4, 3}, 33, 0.2f);
  target.add_(input);  // input - target stays at least 0.2 away from 0
  for (Reduction red : kReductions) {
    SCOPED_TRACE(to_string(red));
    expect_gradcheck([red](auto& v) { return l1_loss(v[0], v[1], red); }, {input, target});
  }
}

TEST(GradcheckNN, ASmallClassifierEndToEnd) {
  // logits = tanh(x W1^T + b1) W2^T + b2, then cross-entropy with smoothing and weights.
  const Tensor target = labels(5, 3, 34);
  const Tensor weight = positive({1, 3}, 35, 0.5f);
  expect_gradcheck(
      [&](auto& v) {
        Var h = tanh(linear(v[0], v[1], v[2]));
        Var logits = linear(relu(h) + sigmoid(h), v[3], v[4]);
        return cross_entropy(logits, target, {.weight = weight, .label_smoothing = 0.1f});
      },
      {r({5, 4}, 36), r({6, 4}, 37), r({1, 6}, 38), r({3, 6}, 39), r({1, 3}, 40)});
}

TEST(FunctionsNN, RecordedNodesAreNamed) {
  Var x(Tensor::from_rows({{1, 2}, {3, 4}}), true);
  const Tensor index = Tensor::column(std::vector<float>{0, 1});
  EXPECT_EQ(relu(x).grad_fn_name(), "ReluBackward");
  EXPECT_EQ(sigmoid(x).grad_fn_name(), "SigmoidBackward");
  EXPECT_EQ(tanh(x).grad_fn_name(), "TanhBackward");
  EXPECT_EQ(exp(x).grad_fn_name(), "ExpBackward");
  EXPECT_EQ(log(x).grad_fn_name(), "LogBackward");
  EXPECT_EQ(softmax(x).grad_fn_name(), "SoftmaxBackward");
  EXPECT_EQ(log_softmax(x).grad_fn_name(), "LogSoftmaxBackward");
  EXPECT_EQ((x / x).grad_fn_name(), "DivBackward");
  EXPECT_EQ(transpose(x).grad_fn_name(), "TransposeBackward");
  EXPECT_EQ(sum(x, 0).grad_fn_name(), "SumBackward");
  EXPECT_EQ(mean(x, 1).grad_fn_name(), "MeanBackward");
  EXPECT_EQ(gather(x, index).grad_fn_name(), "GatherBackward");
  EXPECT_EQ(cross_entropy(x, index).grad_fn_name(), "CrossEntropyLossBackward");
  EXPECT_EQ(nll_loss(x, index).grad_fn_name(), "NllLossBackward");
  EXPECT_EQ(bce_with_logits(x, x).grad_fn_name(), "BinaryCrossEntropyWithLogitsBackward");
  EXPECT_EQ(l1_loss(x, x).grad_fn_name(), "L1LossBackward");
  // Nothing is recorded for inputs that do not require grad.
  EXPECT_EQ(relu(Var(x.value())).grad_fn_name(), "");
}

TEST(FunctionsNN, ClassIndicesCannotRequireGrad) {
  Var x(Tensor::from_rows({{1, 2}, {3, 4}}), true);
  Var index(Tensor::column(std::vector<float>{0, 1}), true);
  EXPECT_THROW(gather(x, index), Error);
  EXPECT_THROW(cross_entropy(x, index), Error);
  EXPECT_THROW(nll_loss(x, index), Error);
}

TEST(FunctionsNN, CrossEntropyEqualsNllOfLogSoftmax) {
  const Tensor logits = r({6, 5}, 41);
  const Tensor target = labels(6, 5, 42);
  const Tensor weight = positive({1, 5}, 43, 0.5f);
  Var a(logits, true), b(logits.clone(), true);
  Var ce = cross_entropy(a, target, {.weight = weight});
  Var nll = nll_loss(log_softmax(b), target, {.weight = weight});
  EXPECT_NEAR(ce.item(), nll.item(), 1e-6f);
  ce.backward();
  nll.backward();
  for (Index i = 0; i < logits.numel(); ++i) {
    EXPECT_NEAR(a.grad().data()[i], b.grad().data()[i], 1e-6f) << i;
  }
}

}  // namespace
}  // namespace lockstep
