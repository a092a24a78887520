// lockstep/train/components.hpp — the optimizers and learning-rate schedules a training run
// can name (--optimizer, --schedule): one table each, read by `lockstep train --help`,
// TrainConfig::validate() and the factories below. The losses (nn/loss.hpp, losses()) and the
// hidden activations (nn/activation.hpp, activations()) are tables of the same kind; names_of,
// or_list and help_list turn any of the four into the lists --help and the errors show.
//
//   std::unique_ptr<lockstep::Optimizer> opt =
//       lockstep::make_optimizer(config, model.parameters());   // config.optimizer: "adam"
//   std::unique_ptr<lockstep::LRScheduler> sched =
//       lockstep::make_schedule(config, *opt, total_steps);      // nullptr: a constant lr
//   lockstep::help_list(lockstep::optimizers());
//   // "sgd (with --momentum and --nesterov), adam, adamw (Adam with decoupled weight decay)"
//   lockstep::or_list(lockstep::names_of(lockstep::schedules()));   // "none, step or cosine"
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lockstep/optim/optimizer.hpp"
#include "lockstep/optim/schedule.hpp"
#include "lockstep/train/config.hpp"

namespace lockstep {

struct OptimizerInfo {
  std::string_view name;         // "adam"
  std::string_view description;  // a few words for --help (may be empty)
  /// The optimizer over `params` with config's lr, weight decay (and for sgd momentum, nesterov).
  std::unique_ptr<Optimizer> (*make)(const TrainConfig& config, std::vector<Var> params);
};

struct ScheduleInfo {
  std::string_view name;         // "cosine"
  std::string_view description;  // a few words for --help
  /// The schedule over the `steps` optimizer steps after any warm-up; nullptr: a constant lr.
  std::unique_ptr<LRScheduler> (*make)(const TrainConfig& config, Optimizer& optimizer,
                                       std::int64_t steps);
};

/// The named optimizers, in a fixed order: sgd, adam, adamw.
std::span<const OptimizerInfo> optimizers();
/// The named learning-rate schedules, in a fixed order: none, step, cosine.
std::span<const ScheduleInfo> schedules();

/// The optimizer config.optimizer names over `params`; an unknown name is an error listing the
/// names.
std::unique_ptr<Optimizer> make_optimizer(const TrainConfig& config, std::vector<Var> params);
/// The schedule config.schedule names for a run of `total_steps` optimizer steps, behind a
/// linear warm-up from 0.1 x lr when config.warmup_steps > 0; nullptr when the lr stays
/// constant. An unknown name is an error listing the names.
std::unique_ptr<LRScheduler> make_schedule(const TrainConfig& config, Optimizer& optimizer,
                                           std::int64_t total_steps);

/// The names of a table (optimizers(), schedules(), losses(), activations()), in its order.
template <class Info>
std::vector<std::string> names_of(std::span<const Info> table) {
  std::vector<std::string> names;
  for (const Info& info : table) names.emplace_back(info.name);
  return names;
}

/// "a, b or c" (what validate() lists after "must be").
std::string or_list(const std::vector<std::string>& names);

/// A table for --help: "name (description), name, ..."; an entry without a description (or a
/// table without descriptions) shows its name only.
template <class Info>
std::string help_list(std::span<const Info> table) {
  std::string out;
  for (const Info& info : table) {
    if (!out.empty()) out += ", ";
    out += info.name;
    if constexpr (requires { info.description; }) {
      if (!info.description.empty()) {
        out += " (";
        out += info.description;
        out += ")";
      }
    }
  }
  return out;
}

}  // namespace lockstep
