// src/train/observers/stop_request.hpp (internal) — SIGINT/SIGTERM (see
// lockstep/train/stop_signal.hpp) and --stop-after-steps as an observer: after an optimizer
// step it asks the loop to stop when a stop was requested; the run then ends with a checkpoint.
//
//   observers.push_back(std::make_shared<StopRequestObserver>(config.stop_after_steps));
#pragma once

#include <cstdint>

#include "lockstep/train/observer.hpp"

namespace lockstep {

class StopRequestObserver : public TrainObserver {
 public:
  /// `stop_after_steps` > 0 acts as if SIGINT arrived after that optimizer step (for tests).
  explicit StopRequestObserver(std::int64_t stop_after_steps) : stop_after_(stop_after_steps) {}
  bool on_batch(const TrainState& state, const StepStats& stats) override;

 private:
  std::int64_t stop_after_;
};

}  // namespace lockstep
