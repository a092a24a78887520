// lockstep/train/output_paths.hpp — checks a run's output files before any work is done, so a
// run never trains for an hour and then fails to write its model, and never overwrites one of
// its own inputs.
//
// Each output (--save, --metrics, --trace, the checkpoint in --checkpoint-dir) must not be a
// directory, its directory must exist and take a new file (tried for real: a temporary file is
// created and removed, so read-only mounts and permissions are caught), and no output may be
// the same file as an input (--data, --labels, --val, --val-labels, --init, the checkpoint a
// run resumes from) or as another output. Errors name the flag and the path.
//
//   lockstep::check_outputs(config);   // throws lockstep::Error: "--save data.csv is also --data
//   ..." lockstep::check_not_input("--out", out_path, {{"--model", model_path}});
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "lockstep/train/config.hpp"

namespace lockstep {

/// A flag and the file it names.
using FlagPath = std::pair<std::string, std::string>;

/// The checks above for a training run's outputs (creating --checkpoint-dir if needed).
void check_outputs(const TrainConfig& config);

/// `path` (the output of `flag`) can be written, and is none of the existing `inputs` and none
/// of the other `outputs`.
void check_output(const std::string& flag, const std::string& path,
                  const std::vector<FlagPath>& inputs, const std::vector<FlagPath>& outputs = {});

}  // namespace lockstep
