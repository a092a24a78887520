#include "lockstep/train/train_epoch.hpp"

#include <chrono>

#include "core/clock.hpp"

namespace lockstep {

using detail::Clock;
using detail::seconds_since;

EpochStats train_epoch(DataParallel& dp, DataLoader& loader, const OnStep& on_step,
                       Index first_batch) {
  EpochStats epoch;
  double loss_sum = 0;
  const auto start = Clock::now();
  auto wait_start = Clock::now();
  for (auto it = loader.begin(); it != loader.end(); ++it, wait_start = Clock::now()) {
    const Batch& batch = *it;
    if (batch.index < first_batch) continue;  // done before the run was resumed
    const double wait = seconds_since(wait_start);
    const StepStats& s = dp.step(batch.x, batch.y, {batch.epoch, batch.index}, wait);
    loss_sum += s.loss * double(s.samples);
    epoch.samples += s.samples;
    ++epoch.steps;
    epoch.data_wait_s += wait;
    epoch.forward_backward_max_s += s.forward_backward_max_s;
    epoch.reduce_update_s += s.reduce_update_s;
    if (on_step && !on_step(s)) break;
  }
  epoch.loss = epoch.samples > 0 ? loss_sum / double(epoch.samples) : 0.0;
  epoch.total_s = seconds_since(start);
  return epoch;
}

}  // namespace lockstep
