// Learning-rate schedules against torch.optim.lr_scheduler (tests/golden/make_golden_optim.py):
// the lr after construction and after each of 30 steps, for each schedule, and for LinearWarmup
// against SequentialLR(LinearLR, X); plus validation and the step-count state.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "golden/golden_optim.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/schedule.hpp"
#include "lockstep/optim/sgd.hpp"

namespace lockstep {
namespace {

struct Fixture {
  Var w{Tensor::zeros({1, 1}), true};
  SGD opt{{w}, SGDOptions(golden::sched_base_lr)};
};

// Steps `sched` through the golden sequence; the optimizer's lr and last_lr() must both match.
void expect_sequence(LRScheduler& sched, Optimizer& opt, const double* want) {
  for (int t = 0; t <= golden::sched_steps; ++t) {
    if (t > 0) sched.step();
    EXPECT_EQ(sched.last_epoch(), t);
    EXPECT_NEAR(opt.lr(), want[t], 1e-6 * want[t] + 1e-15) << "step " << t;
    EXPECT_EQ(sched.last_lr(), opt.lr()) << "step " << t;
  }
}

TEST(Schedule, StepLRMatchesPyTorch) {
  Fixture f;
  StepLR sched(f.opt, 7, 0.5);
  expect_sequence(sched, f.opt, golden::sched_step);
}
TEST(Schedule, MultiStepLRMatchesPyTorchWithRepeatedMilestones) {
  Fixture f;
  MultiStepLR sched(f.opt, {20, 12, 5, 12}, 0.3);  // any order; 12 twice decays twice
  expect_sequence(sched, f.opt, golden::sched_multistep);
}
TEST(Schedule, ExponentialLRMatchesPyTorch) {
  Fixture f;
  ExponentialLR sched(f.opt, 0.9);
  expect_sequence(sched, f.opt, golden::sched_exponential);
}
TEST(Schedule, CosineAnnealingLRMatchesPyTorchPastTMax) {
  Fixture f;
  CosineAnnealingLR sched(f.opt, 10, 0.001);
  expect_sequence(sched, f.opt, golden::sched_cosine);
}
TEST(Schedule, CosineAnnealingLRToZeroMatchesPyTorch) {
  Fixture f;
  CosineAnnealingLR sched(f.opt, 30);
  expect_sequence(sched, f.opt, golden::sched_cosine_to_zero);
  EXPECT_EQ(sched.last_lr(), 0.0);
}
TEST(Schedule, LinearWarmupAloneMatchesLinearLR) {
  Fixture f;
  LinearWarmup sched(f.opt, 6, 0.2);
  EXPECT_EQ(sched.after(), nullptr);
  expect_sequence(sched, f.opt, golden::sched_warmup_only);
}
TEST(Schedule, WarmupThenCosineMatchesSequentialLR) {
  Fixture f;
  LinearWarmup sched(std::make_unique<CosineAnnealingLR>(f.opt, 25), 5, 0.1);
  expect_sequence(sched, f.opt, golden::sched_warmup_cosine);
}
TEST(Schedule, WarmupThenStepMatchesSequentialLR) {
  Fixture f;
  LinearWarmup sched(std::make_unique<StepLR>(f.opt, 5, 0.5), 4, 0.25);
  expect_sequence(sched, f.opt, golden::sched_warmup_step);
}
TEST(Schedule, WarmupThenMultiStepMatchesSequentialLR) {
  Fixture f;
  LinearWarmup sched(std::make_unique<MultiStepLR>(f.opt, std::vector<std::int64_t>{4, 10}, 0.1), 3,
                     0.5);
  expect_sequence(sched, f.opt, golden::sched_warmup_multistep);
}
TEST(Schedule, WarmupThenExponentialMatchesSequentialLR) {
  Fixture f;
  LinearWarmup sched(std::make_unique<ExponentialLR>(f.opt, 0.95), 8, 0.01);
  expect_sequence(sched, f.opt, golden::sched_warmup_exponential);
}

TEST(Schedule, DrivesAnyOptimizer) {
  Var w(Tensor::zeros({1, 1}), true);
  Adam opt({w}, AdamOptions(golden::sched_base_lr));
  StepLR sched(opt, 7, 0.5);
  expect_sequence(sched, opt, golden::sched_step);
  EXPECT_EQ(opt.options().lr(), sched.last_lr());
}

TEST(Schedule, StateRoundTripRestoresTheStepAndTheLr) {
  Fixture a;
  LinearWarmup sched_a(std::make_unique<CosineAnnealingLR>(a.opt, 25), 5, 0.1);
  for (int t = 0; t < 12; ++t) sched_a.step();
  const LRScheduler::StateDict state = sched_a.state_dict();
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].first, "last_epoch");
  EXPECT_EQ(std::get<std::int64_t>(state[0].second), 12);

  Fixture b;
  LinearWarmup sched_b(std::make_unique<CosineAnnealingLR>(b.opt, 25), 5, 0.1);
  sched_b.load_state_dict(state);
  EXPECT_EQ(sched_b.last_epoch(), 12);
  EXPECT_EQ(b.opt.lr(), a.opt.lr());
  for (int t = 0; t < 5; ++t) {
    sched_a.step();
    sched_b.step();
    EXPECT_EQ(b.opt.lr(), a.opt.lr());
    EXPECT_NEAR(b.opt.lr(), golden::sched_warmup_cosine[13 + t], 1e-6 * b.opt.lr());
  }
}

// The step count is exact however large (float32, which held it before, stops at 2^24): StepLR
// halves the lr exactly at step 2^53 + 1, and the count survives state_dict/load_state_dict.
TEST(Schedule, StateHoldsCountsPastFloat32Exactly) {
  constexpr std::int64_t kBig = (std::int64_t{1} << 53) + 1;
  Fixture a;
  StepLR sched_a(a.opt, kBig, 0.5);
  const double base = sched_a.base_lr();
  sched_a.load_state_dict({{"last_epoch", kBig - 1}});
  EXPECT_EQ(sched_a.last_lr(), base);
  sched_a.step();
  EXPECT_EQ(sched_a.last_epoch(), kBig);
  EXPECT_EQ(sched_a.last_lr(), base * 0.5);
  const LRScheduler::StateDict state = sched_a.state_dict();
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(std::get<std::int64_t>(state[0].second), kBig);

  Fixture b;
  StepLR sched_b(b.opt, kBig, 0.5);
  sched_b.load_state_dict(state);
  EXPECT_EQ(sched_b.last_epoch(), kBig);
  EXPECT_EQ(b.opt.lr(), base * 0.5);
}

// Runs `f`, which must throw lockstep::Error with `message`.
void expect_error(const std::function<void()>& f, const std::string& message) {
  try {
    f();
    ADD_FAILURE() << "no error, expected: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(e.what(), message);
  }
}

// The message load_state_dict throws, or "" when it loads.
std::string load_error(LRScheduler& sched, const LRScheduler::StateDict& state) {
  try {
    sched.load_state_dict(state);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Schedule, LoadStateChecksTheEntry) {
  Fixture f;
  StepLR sched(f.opt, 3, 0.5);
  sched.step();
  EXPECT_EQ(load_error(sched, {}), "load_state_dict: missing entry 'last_epoch'");
  EXPECT_EQ(load_error(sched, {{"step", Tensor::scalar(1)}}),
            "load_state_dict: unexpected entry 'step' (a schedule's state is 'last_epoch')");
  EXPECT_EQ(load_error(sched, {{"last_epoch", Tensor(1, 2)}}),
            "load_state_dict: entry 'last_epoch' has shape [1, 2], expected [1, 1]");
  EXPECT_EQ(load_error(sched, {{"last_epoch", Tensor::scalar(-2)}}),
            "load_state_dict: entry 'last_epoch' must hold a non-negative integer count, got -2");
  EXPECT_EQ(load_error(sched, {{"last_epoch", std::int64_t{-3}}}),
            "load_state_dict: entry 'last_epoch' must hold a non-negative integer count, got -3");
  // A float32 count past 2^24 may have been rounded: refused rather than guessed.
  EXPECT_EQ(load_error(sched, {{"last_epoch", Tensor::scalar(33554432.0f)}}),
            "load_state_dict: entry 'last_epoch' holds the float32 count 3.35544e+07, which may "
            "have been rounded (float32 counts are exact up to 2^24 only)");
  EXPECT_EQ(load_error(sched, {{"last_epoch", Tensor::scalar(1)}, {"last_epoch", Tensor()}}),
            "load_state_dict: duplicate entry 'last_epoch'");
  EXPECT_EQ(sched.last_epoch(), 1);  // unchanged by the failed loads
  EXPECT_EQ(load_error(sched, {{"last_epoch", Tensor::scalar(6)}}), "");
  EXPECT_EQ(sched.last_epoch(), 6);
  EXPECT_DOUBLE_EQ(f.opt.lr(), golden::sched_base_lr * 0.25);
}

TEST(Schedule, InvalidArgumentsAreRejectedWithTheValue) {
  Fixture f;
  expect_error([&] { StepLR(f.opt, 0); }, "StepLR: invalid step_size: 0");
  expect_error([&] { StepLR(f.opt, 2, -0.5); }, "StepLR: invalid gamma: -0.5");
  const std::vector<std::int64_t> negative = {3, -1};
  expect_error([&] { MultiStepLR(f.opt, negative); },
               "MultiStepLR: invalid milestone at index 1: -1");
  expect_error([&] { ExponentialLR(f.opt, std::nan("")); }, "ExponentialLR: invalid gamma: nan");
  expect_error([&] { CosineAnnealingLR(f.opt, 0); }, "CosineAnnealingLR: invalid T_max: 0");
  expect_error([&] { CosineAnnealingLR(f.opt, 5, -1); }, "CosineAnnealingLR: invalid eta_min: -1");
  expect_error([&] { LinearWarmup(f.opt, 0, 0.1); }, "LinearWarmup: invalid warmup_steps: 0");
  expect_error([&] { LinearWarmup(f.opt, 3, 1.5); },
               "LinearWarmup: invalid start_factor (expected 0 <= start_factor <= 1): 1.5");
  expect_error([&] { LinearWarmup(nullptr, 3, 0.5); },
               "LinearWarmup: the wrapped schedule is null");
}

TEST(Schedule, TheScheduleOwnsTheLr) {
  Fixture f;
  ExponentialLR sched(f.opt, 0.5);
  sched.step();
  f.opt.set_lr(1.0);  // overwritten by the next step, which uses the closed form
  sched.step();
  EXPECT_DOUBLE_EQ(f.opt.lr(), golden::sched_base_lr * 0.25);
  EXPECT_EQ(sched.base_lr(), golden::sched_base_lr);
}

}  // namespace
}  // namespace lockstep
