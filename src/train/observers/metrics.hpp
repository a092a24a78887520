// src/train/observers/metrics.hpp (internal) — the --metrics JSON Lines log as an observer: a
// "step" line every --log-every optimizer steps (loss, learning rate, throughput and the time
// per phase over the steps since the last line, load imbalance, gradient norm) and an "epoch"
// line after each epoch's validation (grad_norm: the global L2 norm of the step's averaged
// gradient, before any clipping); committed (renamed over the target) when the run ends. A
// write that fails (a full disk) is a warning, and the run goes on without metrics.
//
//   observers.push_back(std::make_shared<MetricsObserver>(config, warnings));
#pragma once

#include <chrono>

#include "lockstep/parallel/flat_parameters.hpp"
#include "lockstep/train/config.hpp"
#include "lockstep/train/metrics_log.hpp"
#include "lockstep/train/observer.hpp"
#include "train/observers/side_output.hpp"

namespace lockstep {

class MetricsObserver : public TrainObserver {
 public:
  /// Opens config.metrics (an empty path records nothing).
  /// `resumed_at` >= 0: a resumed run, which continues the log of the run up to that step.
  /// `gradients` (the step's reduced gradient, DataParallel's flat buffer) gives grad_norm when
  /// the step did not clip (and so did not measure it).
  MetricsObserver(const TrainConfig& config, Warnings& warnings, std::int64_t resumed_at = -1,
                  const FlatParameters* gradients = nullptr);
  void on_start(const TrainState& state) override;
  bool on_batch(const TrainState& state, const StepStats& stats) override;
  void on_epoch_end(const TrainState& state, const EpochSummary& epoch) override;
  void on_end(const TrainState& state) override;

 private:
  MetricsLog log_;
  SideOutput output_;
  const FlatParameters* gradients_;
  std::int64_t log_every_;
  PhaseTimes window_;  // since the last step line
  std::chrono::steady_clock::time_point window_start_;
};

}  // namespace lockstep
