// lockstep/train/trainer.hpp — a whole training run from a TrainConfig: data, model,
// optimizer and schedule, epochs of DataParallel steps fed by a DataLoader, validation after
// every epoch, progress on the terminal, metrics (JSON Lines), a Chrome trace, checkpoints,
// the final model file. What `lockstep train` runs.
//
// The run is set-up, one short loop (src/train/training_loop.cpp: per batch, one step, then the
// observers), and a summary. Everything around the step is a TrainObserver (observer.hpp):
// checkpoints, the model file, the metrics log, the trace, the stop request, the progress line
// and the epoch lines; add_observer() adds one of your own.
//
// Resumption: with config.resume = DIR the run takes its data, model and training settings
// from DIR's checkpoint (resume_config) and continues to the end the original run was given;
// the result is bit-for-bit the uninterrupted run's, for any number of threads (the fixed
// micro-shard tree of DataParallel, and data order and dropout masks that are pure functions of
// the seed, epoch and step). A stop request (SIGINT/SIGTERM, see stop_signal.hpp) ends the run
// after the current optimizer step, with a checkpoint when a checkpoint directory is set.
//
//   lockstep::TrainConfig config;                 // digits, mlp:64, Adam, all cores
//   config.epochs = 5;
//   config.save = "digits.safetensors";
//   lockstep::TrainResult r = lockstep::Trainer(config).run();
//   std::printf("%lld steps, validation accuracy %.3f\n", (long long)r.steps, r.val_accuracy);
#pragma once

#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "lockstep/train/config.hpp"
#include "lockstep/train/observer.hpp"
#include "lockstep/train/resume.hpp"

namespace lockstep {

struct TrainOutput {
  std::FILE* out = stdout;       // epoch lines and the summary
  std::FILE* progress = stderr;  // the live progress line
  bool live = false;             // draw the live progress line (a terminal)
};

struct TrainResult {
  std::int64_t steps = 0;  // optimizer steps done (in total, resumed runs included)
  std::int64_t epochs_completed = 0;
  double train_loss = std::numeric_limits<double>::quiet_NaN();  // last epoch's mean loss
  double val_loss = std::numeric_limits<double>::quiet_NaN();
  double val_accuracy = std::numeric_limits<double>::quiet_NaN();
  int stopped_by_signal = 0;  // the signal that interrupted the run, or 0
  std::string checkpoint;     // the last checkpoint written, if any
  double seconds = 0;
  double samples_per_s = 0;
  /// Side outputs (metrics, trace, checkpoints) that failed: the run went on without them.
  std::vector<std::string> warnings;
};

class Trainer {
 public:
  explicit Trainer(TrainConfig config, TrainOutput output = {});
  /// Runs to the end (or to a stop request). Throws lockstep::Error on bad input or a
  /// non-finite loss (naming the step); outputs are then left as they were. The model file is
  /// written first; a failing side output (metrics, trace, a checkpoint: a full disk) is a
  /// warning (said once on output.progress and in TrainResult::warnings) and the run goes on.
  TrainResult run();
  /// Adds an observer of the run, called after the built-in ones (in the order added).
  void add_observer(std::shared_ptr<TrainObserver> observer);

 private:
  TrainConfig config_;
  TrainOutput output_;
  std::vector<std::shared_ptr<TrainObserver>> extra_;
};

}  // namespace lockstep
