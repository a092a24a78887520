// src/train/session.hpp (internal) — the set-up of a training run: everything the loop needs,
// built from a TrainConfig (and the checkpoint of a resumed run) before the first batch.
//
// Config (resumed: the saved run settings), data (loaded, split, standardized), the model (or
// its --init parameters), the loss, the optimizer and schedule (restored from the checkpoint),
// the DataParallel step and the DataLoader that feeds it. Bad input is an error here, before
// any work is done or any output is touched.
//
//   TrainSession s = open_session(config, {});      // throws lockstep::Error on bad input
//   s.loader->set_epoch(s.start.epoch);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "lockstep/data/dataloader.hpp"
#include "lockstep/optim/optimizer.hpp"
#include "lockstep/optim/schedule.hpp"
#include "lockstep/parallel/data_parallel.hpp"
#include "lockstep/train/checkpoint.hpp"
#include "lockstep/train/config.hpp"
#include "lockstep/train/model_spec.hpp"
#include "lockstep/train/prepared_data.hpp"

namespace lockstep {

struct TrainSession {
  TrainConfig config;  // as run: a resumed run's saved settings, validated
  std::optional<Checkpoint> checkpoint;
  std::string
      starting_in;  // resume DIR held no checkpoint yet: the run starts, checkpointing there
  int threads = 1;
  PreparedData data;
  std::string loss_name;  // "auto" resolved
  ModelSpec spec;
  BuiltModel model;
  LossFn loss;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<LRScheduler> schedule;  // may be null
  std::unique_ptr<DataParallel> dp;
  std::unique_ptr<DataLoader> loader;
  std::int64_t batches_per_epoch = 0, total_steps = 0;
  TrainProgress start;  // where the run begins (a resumed run's checkpoint)

  Sequential& net() { return *model.net; }
};

/// The run settings of `given` (or, with given.resume, of its checkpoint), validated.
TrainSession open_config(const TrainConfig& given);
/// Sets up everything else in `s` (after open_config); `load_batch`, when set, collates the
/// loader's batches (the trace times it).
void open_session(TrainSession& s, CollateFn load_batch);

}  // namespace lockstep
