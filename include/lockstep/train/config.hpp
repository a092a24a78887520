// lockstep/train/config.hpp — everything one training run needs to know, as plain values
// (what the `lockstep train` flags fill in), with its JSON form for checkpoints.
//
// Defaults make a useful run: an MLP with one hidden layer of 64 on the built-in "digits" set,
// 20% held out for validation, Adam, all cores. validate() checks every field and names the
// flag in its error ("--lr must be finite and > 0, got -1"); resolved_threads() turns
// threads = 0 into "every core not given to the loader, at most micro_shards".
//
//   lockstep::TrainConfig config;            // the defaults
//   config.data = "iris";
//   config.model = "mlp:16,16";
//   config.validate();
//   std::string json = lockstep::config_to_json(config);   // stored in checkpoints
//   lockstep::TrainConfig again = lockstep::config_from_json(json);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

struct TrainConfig {
  // --- data
  std::string data =
      "digits";               // a built-in name, a .csv, a .npy (with labels) or an IDX images file
  std::string labels;         // labels file for .npy / IDX data
  std::string target;         // CSV target column: name or index; empty: the last column
  std::string task = "auto";  // auto | classification | regression
  double val_split = 0.2;     // fraction held out for validation (when `val` is empty)
  std::string val;            // a separate validation file (same format as `data`)
  std::string val_labels;     // its labels file (.npy / IDX)
  bool standardize = true;    // statistics from the training split only
  bool scale_pixels = true;   // IDX ubyte images: each byte / 255, to [0, 1]
  std::string image;          // "C,H,W" of .npy/CSV rows for image layers (IDX: its own)
  std::string augment;        // per-sample image augmentation: "flip,crop4" (image_transforms)
  Index samples = 2000;       // synthetic sets: samples, features, classes
  Index features = 16;
  Index classes = 4;
  // --- model
  std::string model = "mlp:64";  // linear | mlp:H1,H2,... | layers (model_spec.hpp)
  std::string activation = "relu";
  double dropout = 0;
  std::string init;  // a .safetensors file to start from
  // --- training
  std::string loss = "auto";  // auto | mse | l1 | cross-entropy
  std::string optimizer = "adam";
  double lr = 0.01;
  double momentum = 0;
  bool nesterov = false;
  double weight_decay = 0;
  Index batch_size = 64;
  std::int64_t epochs = 10;
  int accumulate = 1;
  std::string schedule = "none";  // none | step | cosine
  std::int64_t lr_step_size = 0;  // StepLR: 0 = a third of the run
  double lr_gamma = 0.1;
  std::int64_t warmup_steps = 0;
  double clip_grad_norm = 0;  // 0: no clipping
  std::uint64_t seed = 1;
  bool shuffle = true;
  std::int64_t max_steps = 0;  // 0: no limit
  int micro_shards = 16;       // fixes the summation order: results do not depend on threads
  // --- parallelism (may change between a run and its resumption)
  int threads = 0;  // replicas; 0 = every core not given to the loader (at most micro_shards)
  int loader_workers = 0;
  int prefetch = 2;
  // --- output (may change between a run and its resumption)
  std::string save;
  std::string checkpoint_dir;
  std::int64_t checkpoint_every = 0;  // steps; 0 = at the end of every epoch
  /// Continue the run checkpointed in this directory; a directory with no checkpoint yet starts
  /// the run (checkpointing there), so the same job command starts and resumes it. "auto":
  /// the same with checkpoint_dir.
  std::string resume;
  /// With resume: the result settings the caller gave explicitly (flags: "--lr"). Each must
  /// equal the checkpoint's, or the run is refused naming the flag and both values.
  std::vector<std::string> given_flags;
  std::string metrics;
  std::string trace;
  std::int64_t log_every = 10;
  bool quiet = false;
  /// Testing aid: behave as if interrupted (SIGINT) after this many optimizer steps (0: never).
  std::int64_t stop_after_steps = 0;

  /// Throws lockstep::Error naming the flag and the bad value.
  void validate() const;

  // The largest values validate() accepts: far beyond any real run, small enough that nothing
  // sized by them (synthetic data, class names, step counts) can exhaust memory or overflow.
  static constexpr Index kMaxSamples = 100'000'000;
  static constexpr Index kMaxFeatures = 1'000'000;
  static constexpr Index kMaxSyntheticValues = Index{1} << 28;  // samples x features (1 GiB)
  static constexpr Index kMaxClasses = 1'000'000;
  static constexpr Index kMaxBatchSize = Index{1} << 31;
  static constexpr std::int64_t kMaxEpochs = 1'000'000'000;
  /// The number of replicas this run uses.
  int resolved_threads() const;
};

/// The fields that define the run's result (not threads, loader or output settings) as JSON.
std::string config_to_json(const TrainConfig& config);
/// The inverse of config_to_json; fields missing from `json` keep their defaults.
TrainConfig config_from_json(const std::string& json);
/// `base` with every field that decides the result (what a checkpoint fixes: data, model,
/// optimizer, schedule, batch, seed, ...) taken from `from`; parallelism and output stay.
TrainConfig with_result_fields(TrainConfig base, const TrainConfig& from);
/// The command-line flags of those fields ("--data", "--batch-size", ...).
const std::vector<std::string>& result_field_flags();

/// For each of `flags` (result fields), whether `given` and `saved` differ there: one line per
/// difference, "--lr 0.1 (the checkpoint has 0.01)". File paths are compared as absolute paths.
std::vector<std::string> differing_result_fields(const TrainConfig& given, const TrainConfig& saved,
                                                 const std::vector<std::string>& flags);

/// `config` with its file paths (data, labels, val, val_labels, init, save, metrics, trace,
/// checkpoint_dir) made absolute where they name existing files or are outputs, so that a run
/// saved with them can be resumed from another directory. Built-in data names stay.
TrainConfig with_absolute_paths(TrainConfig config);

}  // namespace lockstep
