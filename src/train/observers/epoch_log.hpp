// src/train/observers/epoch_log.hpp (internal) — the line a run prints after every epoch, as
// an observer: "Epoch 3 Loss 0.1234  val_loss 0.2345  val_accuracy 0.9610" (validation fields
// when there is a validation set, accuracy for classifiers; "(stopped at --max-steps)" when
// the run's last step came part-way through the epoch).
//
//   observers.push_back(std::make_shared<EpochLog>(stdout));
#pragma once

#include <cstdio>

#include "lockstep/train/observer.hpp"

namespace lockstep {

class EpochLog : public TrainObserver {
 public:
  explicit EpochLog(std::FILE* out) : out_(out) {}
  void on_epoch_end(const TrainState& state, const EpochSummary& epoch) override;

 private:
  std::FILE* out_;
};

}  // namespace lockstep
