// SGD against PyTorch's torch.optim.SGD (tests/golden/make_golden.py): the parameter after each
// of five steps with fixed gradients, for each option set.
#include <gtest/gtest.h>

#include "golden/golden_values.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/optim/sgd.hpp"

namespace lockstep {
namespace {

constexpr Shape kShape{2, 3};
constexpr int kSteps = 5;

void run_and_compare(SGDOptions options, const float* expected) {
  Var p(Tensor::from_data(golden::sgd_param0, kShape), true);
  SGD opt({p}, options);
  for (int s = 0; s < kSteps; ++s) {
    p.set_grad(Tensor::from_data(golden::sgd_grads + s * kShape.numel(), kShape));
    opt.step();
    for (Index i = 0; i < kShape.numel(); ++i) {
      const float want = expected[s * kShape.numel() + i];
      EXPECT_NEAR(p.value().data()[i], want, 1e-5f * std::max(1.0f, std::abs(want)))
          << "step " << s << " element " << i;
    }
  }
}

TEST(SGD, PlainMatchesPyTorch) { run_and_compare(SGDOptions(0.1), golden::sgd_plain_params); }
TEST(SGD, MomentumMatchesPyTorch) {
  run_and_compare(SGDOptions(0.1).momentum(0.9), golden::sgd_momentum_params);
}
TEST(SGD, DampeningMatchesPyTorch) {
  run_and_compare(SGDOptions(0.05).momentum(0.8).dampening(0.3), golden::sgd_dampening_params);
}
TEST(SGD, NesterovMatchesPyTorch) {
  run_and_compare(SGDOptions(0.1).momentum(0.9).nesterov(true), golden::sgd_nesterov_params);
}
TEST(SGD, WeightDecayMatchesPyTorch) {
  run_and_compare(SGDOptions(0.1).momentum(0.5).weight_decay(0.01),
                  golden::sgd_weight_decay_params);
}

TEST(SGD, InvalidOptionsAreRejectedWithTheValue) {
  Var p(Tensor::ones({1, 1}), true);
  try {
    SGD({p}, SGDOptions(-0.1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Invalid learning rate: -0.1");
  }
  EXPECT_THROW(SGD({p}, SGDOptions(0.1).momentum(-1)), Error);
  EXPECT_THROW(SGD({p}, SGDOptions(0.1).weight_decay(-1)), Error);
  EXPECT_THROW(SGD({p}, SGDOptions(0.1).nesterov(true)), Error);
  EXPECT_THROW(SGD({}, SGDOptions(0.1)), Error);
  Var nonleaf = Var(Tensor::ones({1, 1}), true);
  SGD ok({p}, SGDOptions(0.1));
  EXPECT_THROW(ok.set_lr(-1), Error);
}

TEST(SGD, SkipsParametersWithoutGradientAndZeroGradKeepsStorage) {
  Var p(Tensor::ones({1, 2}), true), q(Tensor::ones({1, 2}), true);
  SGD opt({p, q}, SGDOptions(0.5));
  p.set_grad(Tensor::from_rows({{1, 2}}));
  const float* storage = p.grad().data();
  opt.step();
  EXPECT_EQ(p.value().to_vector(), (std::vector<float>{0.5f, 0.0f}));
  EXPECT_EQ(q.value().to_vector(), (std::vector<float>{1.0f, 1.0f}));
  opt.zero_grad();
  EXPECT_EQ(p.grad().data(), storage);
  EXPECT_EQ(p.grad().to_vector(), (std::vector<float>{0.0f, 0.0f}));
}

}  // namespace
}  // namespace lockstep
