// Loss kernels (cross_entropy, nll, bce_with_logits, l1) on small hand-computed cases, and
// their errors. Golden values from PyTorch for every reduction and option are in
// tests/nn/test_losses.cpp; finite-difference proofs in tests/autograd/test_gradcheck_nn.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/ops/bce_with_logits.hpp"
#include "lockstep/tensor/ops/cross_entropy.hpp"
#include "lockstep/tensor/ops/l1.hpp"
#include "lockstep/tensor/ops/nll.hpp"
#include "support/error_of.hpp"

namespace lockstep::ops {
namespace {

using testing::error_of;

// Two rows of logits over three classes, by hand: log-softmax of [0, ln 2, ln 5] is
// [-ln 8, ln 2 - ln 8, ln 5 - ln 8].
const float kLn2 = std::log(2.0f), kLn5 = std::log(5.0f), kLn8 = std::log(8.0f);
const Tensor kLogits = Tensor::from_rows({{0, kLn2, kLn5}, {kLn5, 0, kLn2}});
const Tensor kTarget = Tensor::column(std::vector<float>{1, 0});

TEST(CrossEntropyOps, ValuesForEachReduction) {
  Tensor none(cross_entropy_shape(kLogits.shape(), kTarget.shape(), Reduction::None));
  ASSERT_EQ(none.shape(), (Shape{2, 1}));
  cross_entropy_forward(none, kLogits, kTarget, nullptr, 0.0f, Reduction::None);
  EXPECT_NEAR(none(0, 0), kLn8 - kLn2, 1e-6f);
  EXPECT_NEAR(none(1, 0), kLn8 - kLn5, 1e-6f);
  Tensor mean(1, 1), sum(1, 1);
  cross_entropy_forward(mean, kLogits, kTarget, nullptr, 0.0f, Reduction::Mean);
  cross_entropy_forward(sum, kLogits, kTarget, nullptr, 0.0f, Reduction::Sum);
  EXPECT_NEAR(sum.item(), 2 * kLn8 - kLn2 - kLn5, 1e-6f);
  EXPECT_NEAR(mean.item(), sum.item() / 2, 1e-6f);
}

TEST(CrossEntropyOps, WeightedMeanDividesByTheTargetsWeights) {
  Tensor w = Tensor::from_rows({{3, 1, 10}});  // targets are classes 1 and 0: weights 1 and 3
  Tensor mean(1, 1);
  cross_entropy_forward(mean, kLogits, kTarget, &w, 0.0f, Reduction::Mean);
  EXPECT_NEAR(mean.item(), (1 * (kLn8 - kLn2) + 3 * (kLn8 - kLn5)) / 4, 1e-6f);
}

TEST(CrossEntropyOps, LabelSmoothingMixesInTheUniformTarget) {
  Tensor none(2, 1);
  const float eps = 0.3f;
  cross_entropy_forward(none, kLogits, kTarget, nullptr, eps, Reduction::None);
  const float uniform = (3 * kLn8 - kLn2 - kLn5) / 3;  // mean of -log p over the classes
  EXPECT_NEAR(none(0, 0), (1 - eps) * (kLn8 - kLn2) + eps * uniform, 1e-6f);
  // With label_smoothing = 1 only the uniform part is left.
  cross_entropy_forward(none, kLogits, kTarget, nullptr, 1.0f, Reduction::None);
  EXPECT_NEAR(none(1, 0), uniform, 1e-6f);
}

TEST(CrossEntropyOps, GradientIsSoftmaxMinusOneHot) {
  Tensor dlogits(2, 3);
  cross_entropy_backward(dlogits, Tensor::scalar(1.0f), kLogits, kTarget, nullptr, 0.0f,
                         Reduction::Sum);
  const std::vector<float> expected{1.0f / 8,     2.0f / 8 - 1, 5.0f / 8,
                                    5.0f / 8 - 1, 1.0f / 8,     2.0f / 8};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(dlogits.data()[i], expected[i], 1e-6f) << i;
  }
  // Stale values in the output are overwritten, and Reduction::None scales row by row.
  dlogits.fill_(99.0f);
  cross_entropy_backward(dlogits, Tensor::column(std::vector<float>{2, 0}), kLogits, kTarget,
                         nullptr, 0.0f, Reduction::None);
  EXPECT_NEAR(dlogits(0, 1), 2 * (2.0f / 8 - 1), 1e-6f);
  EXPECT_EQ(dlogits(1, 0), 0.0f);
}

TEST(CrossEntropyOps, HugeLogitsStayFinite) {
  Tensor logits = Tensor::from_rows({{1000, -1000, 0}, {-1000, -1000, -1000}});
  Tensor target = Tensor::column(std::vector<float>{1, 2});
  Tensor none(2, 1), d(2, 3);
  cross_entropy_forward(none, logits, target, nullptr, 0.1f, Reduction::None);
  cross_entropy_backward(d, Tensor::column(std::vector<float>{1, 1}), logits, target, nullptr, 0.1f,
                         Reduction::None);
  EXPECT_NEAR(none(0, 0), 0.9f * 2000 + 0.1f / 3 * (2000 + 1000), 1e-2f);
  EXPECT_NEAR(none(1, 0), std::log(3.0f), 1e-6f);
  for (float v : d.span()) EXPECT_TRUE(std::isfinite(v));
}

TEST(CrossEntropyOps, ErrorsNameTheProblem) {
  Tensor out(1, 1);
  std::string m = error_of([&] {
    cross_entropy_forward(out, Tensor(3, 3), Tensor::column(std::vector<float>{0, 1, 5}), nullptr,
                          0.0f, Reduction::Mean);
  });
  EXPECT_NE(m.find("cross_entropy: class index 5 in row 2 is out of range for 3 classes"),
            std::string::npos)
      << m;
  m = error_of([&] {
    cross_entropy_forward(out, Tensor(3, 3), Tensor::column(std::vector<float>{0, 0.5f, 1}),
                          nullptr, 0.0f, Reduction::Mean);
  });
  EXPECT_NE(m.find("cross_entropy: class index 0.5 in row 1 is not an integer"), std::string::npos)
      << m;
  m = error_of(
      [&] { cross_entropy_forward(out, kLogits, kTarget, nullptr, 1.5f, Reduction::Mean); });
  EXPECT_NE(m.find("label_smoothing must be in [0, 1], got 1.5"), std::string::npos) << m;
  Tensor bad_weight(1, 2);
  m = error_of(
      [&] { cross_entropy_forward(out, kLogits, kTarget, &bad_weight, 0.0f, Reduction::Mean); });
  EXPECT_NE(m.find("weight has shape [1, 2], expected [1, 3]"), std::string::npos) << m;
  m = error_of([&] { cross_entropy_shape({2, 3}, {1, 2}, Reduction::Mean); });
  EXPECT_NE(m.find("target has shape [1, 2], expected [2, 1]"), std::string::npos) << m;
  Tensor wrong_out(2, 1);
  EXPECT_THROW(cross_entropy_forward(wrong_out, kLogits, kTarget, nullptr, 0.0f, Reduction::Mean),
               Error);
}

TEST(NllOps, ValuesGradientsAndErrors) {
  Tensor logp = Tensor::from_rows({{-1, -2, -3}, {-0.5f, -4, -6}});
  Tensor target = Tensor::column(std::vector<float>{2, 1});
  Tensor w = Tensor::from_rows({{1, 2, 0.5f}});
  Tensor none(2, 1), mean(1, 1);
  nll_forward(none, logp, target, &w, Reduction::None);
  EXPECT_EQ(none.to_vector(), (std::vector<float>{1.5f, 8}));
  nll_forward(mean, logp, target, &w, Reduction::Mean);
  EXPECT_FLOAT_EQ(mean.item(), 9.5f / 2.5f);
  Tensor d = Tensor::full({2, 3}, 7.0f);
  nll_backward(d, Tensor::scalar(1.0f), logp, target, &w, Reduction::Mean);
  EXPECT_EQ(d.to_vector(), (std::vector<float>{0, 0, -0.5f / 2.5f, 0, -2 / 2.5f, 0}));
  const std::string m = error_of([&] {
    nll_forward(mean, logp, Tensor::column(std::vector<float>{0, 3}), nullptr, Reduction::Mean);
  });
  EXPECT_NE(m.find("nll_loss: class index 3 in row 1 is out of range for 3 classes"),
            std::string::npos)
      << m;
  // A mean over targets of total weight 0 is 0 / 0, as in PyTorch.
  Tensor zero_w = Tensor::from_rows({{1, 0, 0}});
  nll_forward(mean, logp, target, &zero_w, Reduction::Mean);
  EXPECT_TRUE(std::isnan(mean.item()));
}

TEST(BceWithLogitsOps, StableForHugeLogitsWithCorrectGradients) {
  Tensor x = Tensor::from_rows({{100, -100, 0, 2}});
  Tensor t = Tensor::from_rows({{1, 0, 1, 0.25f}});
  Tensor none(1, 4);
  bce_with_logits_forward(none, x, t, Reduction::None);
  EXPECT_NEAR(none(0, 0), 0.0f, 1e-30f);
  EXPECT_NEAR(none(0, 1), 0.0f, 1e-30f);
  EXPECT_NEAR(none(0, 2), std::log(2.0f), 1e-6f);
  const float s2 = 1 / (1 + std::exp(-2.0f));
  EXPECT_NEAR(none(0, 3), -(0.25f * std::log(s2) + 0.75f * std::log(1 - s2)), 1e-6f);
  Tensor mismatch(1, 4);
  Tensor flipped = Tensor::from_rows({{0, 1, 1, 0.25f}});
  bce_with_logits_forward(mismatch, x, flipped, Reduction::None);
  EXPECT_NEAR(mismatch(0, 0), 100.0f, 1e-4f);  // finite: no log(0)
  Tensor dx(1, 4), dt(1, 4);
  bce_with_logits_backward(dx, dt, Tensor::scalar(1.0f), x, t, Reduction::Mean);
  EXPECT_NEAR(dx(0, 0), 0.0f, 1e-7f);
  EXPECT_NEAR(dx(0, 2), (0.5f - 1) / 4, 1e-7f);
  EXPECT_NEAR(dx(0, 3), (s2 - 0.25f) / 4, 1e-7f);
  EXPECT_FLOAT_EQ(dt(0, 1), 100.0f / 4);
  for (float v : dx.span()) EXPECT_TRUE(std::isfinite(v));
  const std::string m = error_of([] { bce_with_logits_shape({2, 3}, {3, 2}, Reduction::Sum); });
  EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("[3, 2]"), std::string::npos) << m;
}

TEST(L1Ops, ValuesAndSignGradients) {
  Tensor x = Tensor::from_rows({{1, 2}, {3, 4}});
  Tensor t = Tensor::from_rows({{0, 2}, {5, 1}});
  Tensor sum(1, 1), none(2, 2);
  l1_forward(sum, x, t, Reduction::Sum);
  l1_forward(none, x, t, Reduction::None);
  EXPECT_EQ(sum.item(), 6.0f);
  EXPECT_EQ(none.to_vector(), (std::vector<float>{1, 0, 2, 3}));
  Tensor dx(2, 2), dt(2, 2);
  l1_backward(dx, dt, Tensor::scalar(2.0f), x, t, Reduction::Mean);
  EXPECT_EQ(dx.to_vector(), (std::vector<float>{0.5f, 0, -0.5f, 0.5f}));  // sign(0) = 0
  EXPECT_EQ(dt.to_vector(), (std::vector<float>{-0.5f, 0, 0.5f, -0.5f}));
  EXPECT_THROW(l1_shape({2, 2}, {2, 1}, Reduction::Mean), Error);
}

}  // namespace
}  // namespace lockstep::ops
