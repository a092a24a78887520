// lockstep/train/checkpoint.hpp — everything a run needs to continue exactly where it stopped,
// in one file DIR/checkpoint.safetensors, written atomically (temporary file, fsync, rename:
// the previous checkpoint stays whole until the new one is complete).
//
// Tensors: "model/<parameter>", "optimizer/<state.i.field>", "schedule/last_epoch"; step counts
// ("optimizer/state.i.step", "schedule/last_epoch") are I64 scalars, exact however long a run
// is (checkpoints that hold them as 1x1 F32 tensors, up to 2^24, still restore). Metadata:
// "config" (config_to_json: the run's data, model and training settings, its seed included),
// "progress" (epoch, next batch within the epoch, optimizer steps, the epoch's running loss).
// Random numbers need no saved generator state: the loader's order, the split, the
// initialization and the dropout masks are pure functions of (seed, epoch, step, sample).
//
//   lockstep::save_checkpoint(dir, model, optimizer, schedule, progress, config_json);
//   lockstep::Checkpoint ck = lockstep::read_checkpoint(dir);
//   ck.restore(model, optimizer, schedule);     // then continue at ck.progress
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "lockstep/io/safetensors.hpp"
#include "lockstep/nn/module.hpp"
#include "lockstep/optim/schedule.hpp"
#include "lockstep/train/observer.hpp"

namespace lockstep {

/// DIR/checkpoint.safetensors.
std::filesystem::path checkpoint_file(const std::filesystem::path& dir);

/// Writes the checkpoint (creating `dir` if needed). `schedule` may be null.
void save_checkpoint(const std::filesystem::path& dir, const Module& model,
                     const Optimizer& optimizer, const LRScheduler* schedule,
                     const TrainProgress& progress, const std::string& config_json);

struct Checkpoint {
  std::string path;
  std::string config_json;
  TrainProgress progress;
  SafetensorsFile file;
  /// Loads parameters, optimizer state and schedule (checked first: errors name the file).
  void restore(Module& model, Optimizer& optimizer, LRScheduler* schedule) const;
};

/// Reads DIR/checkpoint.safetensors; errors name the file.
Checkpoint read_checkpoint(const std::filesystem::path& dir);

}  // namespace lockstep
