// lockstep/train/observer.hpp — what a training run tells the code that watches it.
//
// The Trainer's loop does one thing per batch: a data-parallel step. Everything else a run
// does around it — the epoch lines, the live progress line, the metrics log, the trace,
// checkpoints, the stop request, saving the model — is a TrainObserver beside the loop. The
// loop calls every observer, in the order they were added, with the run's TrainState (where it
// is) and the step's statistics; an observer returns false from on_batch to end the run (after
// the next optimizer step, with state.interrupted set). A new behaviour (a metric, the MPI rank
// 0 logic) is a new observer: Trainer::add_observer().
//
//   class LossPrinter : public lockstep::TrainObserver {
//    public:
//     bool on_batch(const lockstep::TrainState& s, const lockstep::StepStats& st) override {
//       if (st.stepped) std::printf("step %lld loss %.4f\n", (long long)s.progress.step, st.loss);
//       return true;
//     }
//   };
//   lockstep::Trainer trainer(config);
//   trainer.add_observer(std::make_shared<LossPrinter>());
//   trainer.run();
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

#include "lockstep/parallel/data_parallel.hpp"

namespace lockstep {

/// Where a run is: what a checkpoint saves to continue it exactly.
struct TrainProgress {
  std::int64_t epoch = 0;     // the epoch in progress (0-based)
  std::int64_t batch = 0;     // the next batch of that epoch
  std::int64_t step = 0;      // optimizer steps done
  double epoch_loss_sum = 0;  // sum of loss * samples over the epoch's batches so far
  std::int64_t epoch_samples = 0;
};

/// Seconds spent per phase, summed over steps.
struct PhaseTimes {
  double data_wait = 0;
  double forward_backward = 0;       // the slowest replica's, per step
  double forward_backward_mean = 0;  // the mean replica's, per step (max / mean: imbalance)
  double reduce_update = 0;          // all-reduce + optimizer step
  double step_total = 0;             // whole steps (data wait excluded)
  double samples = 0;
  void add(const StepStats& s);
};

struct TrainState {
  // The run's shape.
  std::int64_t epochs = 0, batches_per_epoch = 0, total_steps = 0;
  // Where it is (the epoch in progress; during on_epoch_end, the epoch that ended).
  TrainProgress progress;
  std::int64_t batches_since_step = 0;  // batches accumulated towards the next optimizer step
  double lr_used = 0;                   // the learning rate of the last optimizer step
  // What this process did (a resumed run counts from where it resumed).
  std::int64_t steps_this_run = 0, samples_this_run = 0;
  std::int64_t resumed_epoch_samples = 0;  // of the epoch in progress, done before this process
  PhaseTimes phases;                       // over this process's steps
  std::chrono::steady_clock::time_point started, epoch_started;
  bool done = false;         // the run's last optimizer step is done
  bool interrupted = false;  // an observer (a stop request) ended the run early
  std::int64_t epochs_completed = 0;

  /// The mean loss of the epoch in progress so far.
  double epoch_loss() const {
    return progress.epoch_samples > 0 ? progress.epoch_loss_sum / double(progress.epoch_samples)
                                      : std::numeric_limits<double>::quiet_NaN();
  }
};

/// What an epoch came to, validation included.
struct EpochSummary {
  std::int64_t epoch = 0;  // 0-based
  bool finished = true;    // false when the run's last step came part-way through it
  double train_loss = std::numeric_limits<double>::quiet_NaN();
  bool validated = false;
  double val_loss = std::numeric_limits<double>::quiet_NaN();
  double val_accuracy = std::numeric_limits<double>::quiet_NaN();  // classification only
  double lr = 0;             // the learning rate after the epoch
  std::int64_t samples = 0;  // samples this process trained in the epoch
  double seconds = 0;        // the epoch's wall time in this process, validation included
  double val_seconds = 0;
  std::chrono::steady_clock::time_point val_started;
};

class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  /// Before the first batch (state.progress is where the run starts: a resumed run's checkpoint).
  virtual void on_start(const TrainState& state) { (void)state; }
  /// After every batch's step (stats.stepped: the optimizer stepped; state is updated). Return
  /// false to end the run: it stops after the next optimizer step.
  virtual bool on_batch(const TrainState& state, const StepStats& stats) {
    (void)state, (void)stats;
    return true;
  }
  /// After each epoch's validation (not after an interrupted one).
  virtual void on_epoch_end(const TrainState& state, const EpochSummary& epoch) {
    (void)state, (void)epoch;
  }
  /// Once, when the run ends normally or by a stop request (state.interrupted); not when it
  /// fails with an exception.
  virtual void on_end(const TrainState& state) { (void)state; }
};

}  // namespace lockstep
