#include "lockstep/optim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {

constexpr const char* kStepName = "last_epoch";

void check_gamma(const char* schedule, double gamma) {
  LOCKSTEP_CHECK(std::isfinite(gamma) && gamma >= 0, schedule, ": invalid gamma: ", gamma);
}

const LRScheduler& checked(const std::unique_ptr<LRScheduler>& after) {
  LOCKSTEP_CHECK(after != nullptr, "LinearWarmup: the wrapped schedule is null");
  return *after;
}

}  // namespace

// --- LRScheduler ---------------------------------------------------------------------------

LRScheduler::LRScheduler(Optimizer& optimizer, double base_lr)
    : optimizer_(&optimizer), base_lr_(base_lr), last_lr_(base_lr) {}

void LRScheduler::apply() {
  const double lr = lr_at(last_epoch_);
  optimizer_->set_lr(lr);
  last_lr_ = lr;
}

void LRScheduler::step() {
  ++last_epoch_;
  apply();
}

LRScheduler::StateDict LRScheduler::state_dict() const { return {{kStepName, last_epoch_}}; }

void LRScheduler::load_state_dict(const StateDict& state) {
  const StateValue* value = nullptr;
  for (const auto& [name, t] : state) {
    LOCKSTEP_CHECK(name == kStepName, "load_state_dict: unexpected entry '", name,
                   "' (a schedule's state is '", kStepName, "')");
    LOCKSTEP_CHECK(value == nullptr, "load_state_dict: duplicate entry '", name, "'");
    value = &t;
  }
  LOCKSTEP_CHECK(value != nullptr, "load_state_dict: missing entry '", kStepName, "'");
  const std::int64_t count = state_count(kStepName, *value);
  const std::int64_t previous = last_epoch_;
  last_epoch_ = count;
  try {
    apply();
  } catch (...) {  // an lr the optimizer rejects: leave the schedule as it was
    last_epoch_ = previous;
    throw;
  }
}

// --- StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR --------------------------------

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler(optimizer, optimizer.lr()), step_size_(step_size), gamma_(gamma) {
  LOCKSTEP_CHECK(step_size > 0, "StepLR: invalid step_size: ", step_size);
  check_gamma("StepLR", gamma);
  apply();
}

double StepLR::lr_at(std::int64_t t) const {
  return base_lr() * std::pow(gamma_, static_cast<double>(t / step_size_));
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma)
    : LRScheduler(optimizer, optimizer.lr()), milestones_(std::move(milestones)), gamma_(gamma) {
  for (std::size_t i = 0; i < milestones_.size(); ++i) {
    LOCKSTEP_CHECK(milestones_[i] >= 0, "MultiStepLR: invalid milestone at index ", i, ": ",
                   milestones_[i]);
  }
  check_gamma("MultiStepLR", gamma);
  std::sort(milestones_.begin(), milestones_.end());
  apply();
}

double MultiStepLR::lr_at(std::int64_t t) const {
  const auto passed =
      std::upper_bound(milestones_.begin(), milestones_.end(), t) - milestones_.begin();
  return base_lr() * std::pow(gamma_, static_cast<double>(passed));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer, optimizer.lr()), gamma_(gamma) {
  check_gamma("ExponentialLR", gamma);
  apply();
}

double ExponentialLR::lr_at(std::int64_t t) const {
  return base_lr() * std::pow(gamma_, static_cast<double>(t));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t t_max, double eta_min)
    : LRScheduler(optimizer, optimizer.lr()), t_max_(t_max), eta_min_(eta_min) {
  LOCKSTEP_CHECK(t_max > 0, "CosineAnnealingLR: invalid T_max: ", t_max);
  LOCKSTEP_CHECK(std::isfinite(eta_min) && eta_min >= 0,
                 "CosineAnnealingLR: invalid eta_min: ", eta_min);
  apply();
}

double CosineAnnealingLR::lr_at(std::int64_t t) const {
  const double phase = std::numbers::pi * static_cast<double>(t) / static_cast<double>(t_max_);
  return eta_min_ + (base_lr() - eta_min_) * (1 + std::cos(phase)) / 2;
}

// --- LinearWarmup --------------------------------------------------------------------------

namespace {
void validate_warmup(std::int64_t warmup_steps, double start_factor) {
  LOCKSTEP_CHECK(warmup_steps > 0, "LinearWarmup: invalid warmup_steps: ", warmup_steps);
  LOCKSTEP_CHECK(
      start_factor >= 0 && start_factor <= 1,
      "LinearWarmup: invalid start_factor (expected 0 <= start_factor <= 1): ", start_factor);
}
}  // namespace

LinearWarmup::LinearWarmup(std::unique_ptr<LRScheduler> after, std::int64_t warmup_steps,
                           double start_factor)
    : LRScheduler(checked(after).optimizer(), checked(after).base_lr()),
      after_(std::move(after)),
      warmup_steps_(warmup_steps),
      start_factor_(start_factor) {
  validate_warmup(warmup_steps, start_factor);
  apply();
}

LinearWarmup::LinearWarmup(Optimizer& optimizer, std::int64_t warmup_steps, double start_factor)
    : LRScheduler(optimizer, optimizer.lr()),
      warmup_steps_(warmup_steps),
      start_factor_(start_factor) {
  validate_warmup(warmup_steps, start_factor);
  apply();
}

double LinearWarmup::lr_at(std::int64_t t) const {
  if (t < warmup_steps_) {
    const double progress = static_cast<double>(t) / static_cast<double>(warmup_steps_);
    return base_lr() * (start_factor_ + (1 - start_factor_) * progress);
  }
  return after_ ? after_->lr_at(t - warmup_steps_) : base_lr();
}

}  // namespace lockstep
