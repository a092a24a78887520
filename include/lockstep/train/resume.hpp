// lockstep/train/resume.hpp — what a checkpoint keeps of a run's settings, and how a resumed
// run's settings are made from it, so that the same job command starts a run and resumes it
// (as a preemptible cluster or torchrun restarts a job).
//
// A checkpoint stores the settings that decide the result (config_to_json) with absolute file
// paths, plus the run's outputs (--save, --metrics, --trace). A resumed run takes the saved
// result settings; a result flag given again must equal the saved value (ResumeConflict names
// the flag and both values); threads, loader and output flags may differ, and outputs not given
// again are the saved ones.
//
//   std::string json = lockstep::checkpoint_settings_json(config);    // what save_checkpoint keeps
//   lockstep::TrainConfig c = lockstep::resume_config(given, json);    // throws ResumeConflict
#pragma once

#include <string>

#include "lockstep/core/error.hpp"
#include "lockstep/train/config.hpp"

namespace lockstep {

/// A result setting given to a resumed run differs from the checkpoint's.
class ResumeConflict : public Error {
 public:
  using Error::Error;
};

/// The directory config.resume names ("auto": config.checkpoint_dir, which it then needs).
std::string resume_directory(const TrainConfig& config);
/// Whether config.resume finds a checkpoint to continue (false: the run starts there).
bool resumes_a_checkpoint(const TrainConfig& config);

/// The run's result settings with absolute paths, and its output paths, as JSON.
std::string checkpoint_settings_json(const TrainConfig& config);

/// `given`'s threads, loader and output settings on top of the run settings saved in a
/// checkpoint (checkpoint_settings_json); outputs `given` leaves empty are the saved ones, and
/// the checkpoint directory defaults to given.resume. Throws ResumeConflict when one of
/// given.given_flags differs from the saved value.
TrainConfig resume_config(const TrainConfig& given, const std::string& saved_json);

}  // namespace lockstep
