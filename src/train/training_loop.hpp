// src/train/training_loop.hpp (internal) — the loop of a training run: for every epoch, for
// every batch, one data-parallel step, then the observers; after every epoch, validation, then
// the observers again. Everything else a run does is an observer (lockstep/train/observer.hpp).
//
//   TrainingLoop loop(session, observers);
//   loop.run();                    // to the end, or to a stop request
//   loop.state().progress.step;    // optimizer steps done
#pragma once

#include <memory>
#include <vector>

#include "lockstep/train/observer.hpp"
#include "train/session.hpp"

namespace lockstep {

class TrainingLoop {
 public:
  TrainingLoop(TrainSession& session, std::vector<std::shared_ptr<TrainObserver>> observers);
  /// Runs to the run's last step or to a stop request (state().interrupted). Throws on a
  /// non-finite loss (naming the step) and passes on the step's and the loader's errors.
  void run();
  const TrainState& state() const { return state_; }
  /// The last epoch that ended (validation included).
  const EpochSummary& last_epoch() const { return last_epoch_; }
  /// Seconds from the first batch to the last step's end.
  double seconds() const { return seconds_; }

 private:
  bool after_batch(const StepStats& stats);
  void record(const StepStats& stats);
  void check_finite(const StepStats& stats) const;
  EpochSummary end_epoch();
  void next_epoch();
  bool notify_batch(const StepStats& stats);

  TrainSession& s_;
  std::vector<std::shared_ptr<TrainObserver>> observers_;
  TrainState state_;
  EpochSummary last_epoch_;
  bool stop_requested_ = false;
  double seconds_ = 0;
};

}  // namespace lockstep
