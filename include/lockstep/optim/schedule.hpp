// lockstep/optim/schedule.hpp — learning-rate schedules (torch.optim.lr_scheduler).
//
// A schedule drives one optimizer's learning rate. It records the optimizer's lr when it is
// built as base_lr, sets the lr for step 0 at once, and each step() advances the step count t
// (PyTorch's last_epoch) by one and sets the optimizer's lr to lr_at(t). The closed forms:
//   StepLR(step_size, gamma):        base_lr * gamma^floor(t / step_size)
//   MultiStepLR(milestones, gamma):  base_lr * gamma^(number of milestones <= t)
//   ExponentialLR(gamma):            base_lr * gamma^t
//   CosineAnnealingLR(T_max, eta_min): eta_min + (base_lr - eta_min) * (1 + cos(pi t / T_max)) / 2
// They equal PyTorch's lr sequences (computed there recursively, step by step) to rounding;
// cosine annealing keeps going past T_max (back up again) as PyTorch's does. The schedule owns
// the lr: a set_lr() between steps is overwritten by the next step().
//
// LinearWarmup wraps any schedule X (or none: the lr then stays at base_lr) with a linear
// warm-up over the first N steps (Goyal et al. 2017, "Accurate, Large Minibatch SGD"):
//   lr(t) = base_lr * (s + (1 - s) * t / N)   for t < N    (s = start_factor, 0 <= s <= 1)
//   lr(t) = X.lr_at(t - N)                     for t >= N
// so X starts from step 0 once the warm-up is over. This is exactly PyTorch's
//   SequentialLR(opt, [LinearLR(opt, start_factor=s, end_factor=1, total_iters=N), X],
//                milestones=[N])
// (at the milestone SequentialLR restarts X at its step 0, which is base_lr).
//
// state_dict() holds the step count as "last_epoch" (an exact int64; load_state_dict() also takes
// a 1x1 tensor holding an integer up to 2^24, as older checkpoints stored it); load_state_dict()
// restores it and sets the optimizer's lr for it. Build the schedule as before, then load.
//
//   lockstep::SGD opt(model.parameters(), lockstep::SGDOptions(0.1).momentum(0.9));
//   lockstep::LinearWarmup sched(std::make_unique<lockstep::CosineAnnealingLR>(opt, 95),
//                                /*warmup_steps=*/5, /*start_factor=*/0.1);
//   for (...) { ...; opt.step(); sched.step(); }   // sched.last_lr() is the lr now in force
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "lockstep/optim/optimizer.hpp"

namespace lockstep {

class LRScheduler {
 public:
  using StateDict = Optimizer::StateDict;
  using StateValue = Optimizer::StateValue;

  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances one step and sets the optimizer's lr to lr_at(last_epoch()).
  void step();
  /// The lr this schedule set last (at construction, step() or load_state_dict()).
  double last_lr() const { return last_lr_; }
  /// The number of step() calls so far (PyTorch's last_epoch).
  std::int64_t last_epoch() const { return last_epoch_; }
  /// The optimizer's lr when the schedule was built (PyTorch's base_lrs).
  double base_lr() const { return base_lr_; }
  Optimizer& optimizer() const { return *optimizer_; }
  /// The lr at step t >= 0.
  virtual double lr_at(std::int64_t t) const = 0;

  /// {"last_epoch": the step count, exactly}.
  StateDict state_dict() const;
  /// Restores the step count (checks the entry's name, shape and value first) and sets the
  /// optimizer's lr for it.
  void load_state_dict(const StateDict& state);

 protected:
  LRScheduler(Optimizer& optimizer, double base_lr);
  /// Sets the optimizer's lr for the current step; every concrete schedule's constructor ends
  /// with it.
  void apply();

 private:
  Optimizer* optimizer_;
  double base_lr_;
  std::int64_t last_epoch_ = 0;
  double last_lr_;
};

/// torch.optim.lr_scheduler.StepLR: multiplies the lr by gamma every step_size steps.
class StepLR final : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);
  double lr_at(std::int64_t t) const override;

 private:
  std::int64_t step_size_;
  double gamma_;
};

/// torch.optim.lr_scheduler.MultiStepLR: multiplies the lr by gamma at each milestone (a
/// milestone listed twice counts twice; the order does not matter).
class MultiStepLR final : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma = 0.1);
  double lr_at(std::int64_t t) const override;

 private:
  std::vector<std::int64_t> milestones_;  // sorted
  double gamma_;
};

/// torch.optim.lr_scheduler.ExponentialLR: multiplies the lr by gamma every step.
class ExponentialLR final : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  double lr_at(std::int64_t t) const override;

 private:
  double gamma_;
};

/// torch.optim.lr_scheduler.CosineAnnealingLR: half a cosine from base_lr down to eta_min over
/// t_max steps (and back up over the next t_max, and so on).
class CosineAnnealingLR final : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t t_max, double eta_min = 0);
  double lr_at(std::int64_t t) const override;

 private:
  std::int64_t t_max_;
  double eta_min_;
};

/// Linear warm-up from start_factor * base_lr to base_lr over warmup_steps steps, then `after`
/// (see the formula above). `after` must drive the same optimizer; it is owned and only asked
/// for lr_at() — its own step() is never called.
class LinearWarmup final : public LRScheduler {
 public:
  LinearWarmup(std::unique_ptr<LRScheduler> after, std::int64_t warmup_steps, double start_factor);
  /// Warm-up, then the constant base_lr (PyTorch's LinearLR with end_factor 1).
  LinearWarmup(Optimizer& optimizer, std::int64_t warmup_steps, double start_factor);
  double lr_at(std::int64_t t) const override;
  /// The wrapped schedule, or null.
  const LRScheduler* after() const { return after_.get(); }

 private:
  std::unique_ptr<LRScheduler> after_;
  std::int64_t warmup_steps_;
  double start_factor_;
};

}  // namespace lockstep
