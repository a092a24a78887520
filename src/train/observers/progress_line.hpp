// src/train/observers/progress_line.hpp (internal) — the live progress line on a terminal, as
// an observer: "Epoch 2/10  batch 17/23  loss 0.1234  51234 samples/s  run ETA 3s" (the time
// to the run's end, not the epoch's), redrawn in place at most ten times a second and cleared at
// the end of each epoch and of the run.
//
//   observers.push_back(std::make_shared<ProgressLine>(stderr));
#pragma once

#include <chrono>
#include <cstdio>

#include "lockstep/train/observer.hpp"

namespace lockstep {

class ProgressLine : public TrainObserver {
 public:
  explicit ProgressLine(std::FILE* out) : out_(out) {}
  bool on_batch(const TrainState& state, const StepStats& stats) override;
  void on_epoch_end(const TrainState& state, const EpochSummary& epoch) override;
  void on_end(const TrainState& state) override;

 private:
  void clear();
  std::FILE* out_;
  std::chrono::steady_clock::time_point last_draw_{};
};

/// "12s", "3m05s", "2h07m": a duration for people.
std::string format_seconds(double seconds);

}  // namespace lockstep
