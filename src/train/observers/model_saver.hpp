// src/train/observers/model_saver.hpp (internal) — writes the trained model (with its
// standardization, class names and architecture: lockstep/train/model_file.hpp) to --save when
// the run ends normally; an interrupted run writes no model, only its checkpoint.
//
//   observers.push_back(std::make_shared<ModelSaver>(session));   // no --save: inert
#pragma once

#include "lockstep/train/observer.hpp"
#include "train/session.hpp"

namespace lockstep {

class ModelSaver : public TrainObserver {
 public:
  explicit ModelSaver(const TrainSession& session) : session_(session) {}
  void on_end(const TrainState& state) override;

 private:
  const TrainSession& session_;
};

}  // namespace lockstep
