// src/train/observers/checkpoints.hpp (internal) — the checkpoint policy of a run, as an
// observer: a checkpoint every `--checkpoint-every` optimizer steps (or, with 0, at the end of
// every epoch), one when a stop request ends the run, and one at its end; each written
// atomically to DIR/checkpoint.safetensors (see lockstep/train/checkpoint.hpp). A checkpoint
// that cannot be written (a full disk) is a warning: the previous one stays whole, the run goes
// on, and the next one is tried.
//
//   auto ck = std::make_shared<CheckpointObserver>(session, warnings);   // no --checkpoint-dir:
//   inert trainer_observers.push_back(ck);  ...  ck->last_written();
#pragma once

#include <string>

#include "lockstep/train/observer.hpp"
#include "train/observers/side_output.hpp"
#include "train/session.hpp"

namespace lockstep {

class CheckpointObserver : public TrainObserver {
 public:
  CheckpointObserver(const TrainSession& session, Warnings& warnings);
  bool on_batch(const TrainState& state, const StepStats& stats) override;
  void on_epoch_end(const TrainState& state, const EpochSummary& epoch) override;
  void on_end(const TrainState& state) override;
  /// The checkpoint file written last, or "".
  const std::string& last_written() const { return last_; }

 private:
  void write(const TrainProgress& progress);
  const TrainSession& session_;
  std::string config_json_;
  std::string last_;
  SideOutput output_;
};

}  // namespace lockstep
