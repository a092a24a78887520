// src/train/observers/trace.hpp (internal) — the --trace Chrome trace as an observer: per step
// a "data wait" and an "all-reduce+update" span on the main thread and a "forward/backward"
// span on each replica's row, "load batch" spans on the loader workers (through load_batch(),
// the loader's collate function), "validation" after each epoch and "training" over the run;
// written when the run ends (see lockstep/train/trace.hpp); a failed write is a warning.
//
//   auto trace = std::make_shared<TraceObserver>(config.trace, threads, warnings);   // "": inert
//   loader_options.collate_fn = trace->load_batch();
#pragma once

#include <string>

#include "lockstep/data/dataloader.hpp"
#include "lockstep/train/observer.hpp"
#include "lockstep/train/trace.hpp"
#include "train/observers/side_output.hpp"

namespace lockstep {

class TraceObserver : public TrainObserver {
 public:
  /// `loader_workers` 0: batches load on the main thread, and their spans go on its row.
  TraceObserver(std::string path, int replicas, int loader_workers, Warnings& warnings);
  /// The loader's collate function, timing each batch on the worker that loads it (null when
  /// tracing is off: the loader then collates as it would anyway).
  CollateFn load_batch();
  bool on_batch(const TrainState& state, const StepStats& stats) override;
  void on_epoch_end(const TrainState& state, const EpochSummary& epoch) override;
  void on_end(const TrainState& state) override;

 private:
  std::string path_;
  int replicas_;
  int loader_workers_;
  TraceRecorder trace_;
  SideOutput output_;
};

}  // namespace lockstep
