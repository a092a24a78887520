#include "lockstep/train/components.hpp"

#include <algorithm>
#include <array>

#include "lockstep/core/error.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/sgd.hpp"

namespace lockstep {
namespace {

constexpr std::array<OptimizerInfo, 3> kOptimizers = {{
    {"sgd", "with --momentum and --nesterov",
     [](const TrainConfig& c, std::vector<Var> params) -> std::unique_ptr<Optimizer> {
       return std::make_unique<SGD>(
           std::move(params),
           SGDOptions(c.lr).momentum(c.momentum).nesterov(c.nesterov).weight_decay(c.weight_decay));
     }},
    {"adam", "",
     [](const TrainConfig& c, std::vector<Var> params) -> std::unique_ptr<Optimizer> {
       return std::make_unique<Adam>(std::move(params),
                                     AdamOptions(c.lr).weight_decay(c.weight_decay));
     }},
    {"adamw", "Adam with decoupled weight decay",
     [](const TrainConfig& c, std::vector<Var> params) -> std::unique_ptr<Optimizer> {
       return std::make_unique<AdamW>(std::move(params),
                                      AdamWOptions(c.lr).weight_decay(c.weight_decay));
     }},
}};

constexpr std::array<ScheduleInfo, 3> kSchedules = {{
    {"none", "a constant lr",
     [](const TrainConfig&, Optimizer&, std::int64_t) -> std::unique_ptr<LRScheduler> {
       return nullptr;
     }},
    {"step", "lr x --lr-gamma every --lr-step-size steps",
     [](const TrainConfig& c, Optimizer& opt, std::int64_t steps) -> std::unique_ptr<LRScheduler> {
       return std::make_unique<StepLR>(
           opt, c.lr_step_size > 0 ? c.lr_step_size : std::max<std::int64_t>(1, steps / 3),
           c.lr_gamma);
     }},
    {"cosine", "cosine decay to 0 by the last step",
     [](const TrainConfig&, Optimizer& opt, std::int64_t steps) -> std::unique_ptr<LRScheduler> {
       return std::make_unique<CosineAnnealingLR>(opt, steps);
     }},
}};

// The entry of `table` named `name`; an unknown name is an error listing the names.
template <class Info>
const Info& find(std::span<const Info> table, std::string_view name, const char* what,
                 const char* plural) {
  for (const Info& info : table) {
    if (info.name == name) return info;
  }
  std::string names;
  for (const Info& info : table) {
    if (!names.empty()) names += ", ";
    names += info.name;
  }
  detail::throw_error(
      detail::str_cat("unknown ", what, " '", name, "'; the ", plural, " are: ", names));
}

}  // namespace

std::span<const OptimizerInfo> optimizers() { return kOptimizers; }
std::span<const ScheduleInfo> schedules() { return kSchedules; }

std::unique_ptr<Optimizer> make_optimizer(const TrainConfig& c, std::vector<Var> params) {
  return find(optimizers(), c.optimizer, "optimizer", "optimizers").make(c, std::move(params));
}

std::unique_ptr<LRScheduler> make_schedule(const TrainConfig& c, Optimizer& opt,
                                           std::int64_t total_steps) {
  const ScheduleInfo& info = find(schedules(), c.schedule, "schedule", "schedules");
  const std::int64_t after_warmup = std::max<std::int64_t>(1, total_steps - c.warmup_steps);
  std::unique_ptr<LRScheduler> s = info.make(c, opt, after_warmup);
  if (c.warmup_steps > 0) {
    if (s) return std::make_unique<LinearWarmup>(std::move(s), c.warmup_steps, 0.1);
    return std::make_unique<LinearWarmup>(opt, c.warmup_steps, 0.1);
  }
  return s;
}

std::string or_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace lockstep
