// Adam and AdamW against torch.optim.Adam / AdamW (tests/golden/make_golden_optim.py): two
// parameters, eight steps with fixed gradients (the second parameter gets none at two of them),
// each parameter's value after every step, for each option set.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "golden/golden_optim.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/optim/adam.hpp"

namespace lockstep {
namespace {

constexpr Shape kP{2, 3};
constexpr Shape kQ{1, 4};

void expect_close(const Tensor& got, const float* want, const std::string& what) {
  for (Index i = 0; i < got.numel(); ++i) {
    EXPECT_NEAR(got.data()[i], want[i], 1e-5f * std::max(1.0f, std::abs(want[i])))
        << what << " element " << i;
  }
}

template <class Opt, class Options>
void run_and_compare(Options options, const float* want_p, const float* want_q) {
  Var p(Tensor::from_data(golden::adam_p0, kP), true);
  Var q(Tensor::from_data(golden::adam_q0, kQ), true);
  Opt opt({p, q}, options);
  std::int64_t q_steps = 0;
  for (int s = 0; s < golden::adam_steps; ++s) {
    p.set_grad(Tensor::from_data(golden::adam_p_grads + s * kP.numel(), kP));
    q.set_grad(golden::adam_q_has_grad[s]
                   ? Tensor::from_data(golden::adam_q_grads + s * kQ.numel(), kQ)
                   : Tensor());
    q_steps += golden::adam_q_has_grad[s] ? 1 : 0;
    opt.step();
    expect_close(p.value(), want_p + s * kP.numel(), "p, step " + std::to_string(s));
    expect_close(q.value(), want_q + s * kQ.numel(), "q, step " + std::to_string(s));
  }
  EXPECT_EQ(opt.step_count(0), golden::adam_steps);
  EXPECT_EQ(opt.step_count(1), q_steps);
}

TEST(Adam, PlainMatchesPyTorch) {
  run_and_compare<Adam>(AdamOptions(0.1), golden::adam_plain_p, golden::adam_plain_q);
}
TEST(Adam, WeightDecayMatchesPyTorch) {
  run_and_compare<Adam>(AdamOptions(0.05).betas({0.8, 0.99}).weight_decay(0.3),
                        golden::adam_weight_decay_p, golden::adam_weight_decay_q);
}
TEST(Adam, AmsgradMatchesPyTorch) {
  run_and_compare<Adam>(AdamOptions(0.1).betas({0.9, 0.95}).eps(1e-3).amsgrad(true),
                        golden::adam_amsgrad_p, golden::adam_amsgrad_q);
}
TEST(Adam, AmsgradWithWeightDecayMatchesPyTorch) {
  run_and_compare<Adam>(AdamOptions(0.02).weight_decay(0.1).amsgrad(true),
                        golden::adam_amsgrad_weight_decay_p, golden::adam_amsgrad_weight_decay_q);
}
TEST(AdamW, PlainMatchesPyTorch) {
  run_and_compare<AdamW>(AdamWOptions(0.1).weight_decay(0.2), golden::adamw_plain_p,
                         golden::adamw_plain_q);
}
TEST(AdamW, AmsgradMatchesPyTorch) {
  run_and_compare<AdamW>(
      AdamWOptions(0.05).betas({0.85, 0.9}).eps(1e-4).weight_decay(0.5).amsgrad(true),
      golden::adamw_amsgrad_p, golden::adamw_amsgrad_q);
}
TEST(AdamW, DefaultWeightDecayIsPyTorchs) {
  EXPECT_EQ(AdamWOptions().weight_decay(), 1e-2);
  EXPECT_EQ(AdamOptions().weight_decay(), 0.0);
  run_and_compare<AdamW>(AdamWOptions(0.1), golden::adamw_default_decay_p,
                         golden::adamw_default_decay_q);
}

TEST(Adam, AdamAndAdamWDifferWithWeightDecay) {
  // The same options through both: the L2 term and the decoupled decay give other values.
  Var a(Tensor::from_data(golden::adam_p0, kP), true);
  Var b(Tensor::from_data(golden::adam_p0, kP), true);
  Adam adam({a}, AdamOptions(0.1).weight_decay(0.5));
  AdamW adamw({b}, AdamWOptions(0.1).weight_decay(0.5));
  a.set_grad(Tensor::from_data(golden::adam_p_grads, kP));
  b.set_grad(Tensor::from_data(golden::adam_p_grads, kP));
  adam.step();
  adamw.step();
  EXPECT_NE(a.value().to_vector(), b.value().to_vector());
}

TEST(Adam, DefaultsAndBuilderAreLibtorchStyle) {
  const AdamOptions o = AdamOptions(1e-3).betas({0.5, 0.6}).eps(1e-6).amsgrad(true);
  EXPECT_EQ(o.lr(), 1e-3);
  EXPECT_EQ(o.betas(), (std::pair<double, double>{0.5, 0.6}));
  EXPECT_EQ(o.eps(), 1e-6);
  EXPECT_TRUE(o.amsgrad());
  const AdamOptions d;
  EXPECT_EQ(d.lr(), 1e-3);
  EXPECT_EQ(d.betas(), (std::pair<double, double>{0.9, 0.999}));
  EXPECT_EQ(d.eps(), 1e-8);
  EXPECT_FALSE(d.amsgrad());

  Var p(Tensor::ones({1, 1}), true);
  AdamW opt({p}, AdamWOptions(0.01).betas({0.8, 0.9}).amsgrad(true));
  opt.set_lr(0.5);
  EXPECT_EQ(opt.lr(), 0.5);
  EXPECT_EQ(opt.options().lr(), 0.5);
  EXPECT_EQ(opt.options().betas().first, 0.8);
  EXPECT_TRUE(opt.options().amsgrad());
  EXPECT_EQ(opt.options().weight_decay(), 1e-2);
}

// The message building the optimizer throws, or "" when it builds.
template <class Opt, class Options>
std::string build_error(Options options) {
  Var p(Tensor::ones({1, 1}), true);
  try {
    Opt opt({p}, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Adam, InvalidOptionsAreRejectedWithTheValue) {
  EXPECT_EQ(build_error<Adam>(AdamOptions(-0.1)), "Invalid learning rate: -0.1");
  EXPECT_EQ(build_error<Adam>(AdamOptions().eps(-1)), "Invalid epsilon value: -1");
  EXPECT_EQ(build_error<Adam>(AdamOptions().betas({1.5, 0.9})),
            "Invalid beta parameter at index 0: 1.5");
  EXPECT_EQ(build_error<AdamW>(AdamWOptions().betas({0.9, 1.0})),
            "Invalid beta parameter at index 1: 1");
  EXPECT_EQ(build_error<AdamW>(AdamWOptions().betas({-0.1, 0.9})),
            "Invalid beta parameter at index 0: -0.1");
  EXPECT_EQ(build_error<AdamW>(AdamWOptions().weight_decay(-0.5)),
            "Invalid weight_decay value: -0.5");
  EXPECT_EQ(build_error<Adam>(AdamOptions(std::nan(""))), "Invalid learning rate: nan");
  EXPECT_EQ(build_error<AdamW>(AdamWOptions().betas({0.9, 0.999}).amsgrad(true)), "");
  EXPECT_THROW(Adam({}, AdamOptions()), Error);
  Var p(Tensor::ones({1, 1}), true);
  Adam ok({p}, AdamOptions());
  try {
    ok.set_lr(-1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Invalid learning rate: -1");
  }
  EXPECT_EQ(ok.lr(), 1e-3);
}

TEST(Adam, StepUpdatesStateInPlaceAndCountsSteps) {
  Var p(Tensor::from_data(golden::adam_p0, kP), true);
  Adam opt({p}, AdamOptions(0.1).amsgrad(true));
  p.set_grad(Tensor::from_data(golden::adam_p_grads, kP));
  const float* value = p.value().data();
  opt.step();
  const Optimizer::StateDict before = opt.state_dict();
  opt.step();
  EXPECT_EQ(p.value().data(), value);
  // Second step: the moments moved (state is live, not re-created) and step counts went up.
  const Optimizer::StateDict after = opt.state_dict();
  ASSERT_EQ(before.size(), after.size());
  EXPECT_EQ(std::get<std::int64_t>(before[0].second), 1);
  EXPECT_EQ(std::get<std::int64_t>(after[0].second), 2);
  EXPECT_NE(std::get<Tensor>(before[1].second).to_vector(),
            std::get<Tensor>(after[1].second).to_vector());
}

}  // namespace
}  // namespace lockstep
