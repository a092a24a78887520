// lockstep/train/model_file.hpp — a trained model as one .safetensors file: the parameters
// under their PyTorch names, and in "__metadata__" (each value JSON) everything needed to use
// it on new data: "architecture" (ModelSpec), "task", "loss", "standardize_mean" and
// "standardize_std" (training-split statistics; absent when not standardized),
// "class_names", "feature_names", "target", "lockstep_version", "scale_pixels" (false when
// trained on unscaled 8-bit IDX pixels; absent: scaled), and for a model trained on a
// synthetic set "synthetic_data" ({"samples", "seed"}: what generated it, so `lockstep eval`
// regenerates the same set).
//
//   lockstep::save_model_file("model.safetensors", *built.net, info);
//   lockstep::LoadedModel m = lockstep::load_model_file("model.safetensors");
//   lockstep::Tensor x_std = m.info.standardize(x);     // the file's own statistics
//   lockstep::Var out = (*m.model.net)(lockstep::Var(x_std));
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "lockstep/io/safetensors.hpp"
#include "lockstep/train/model_spec.hpp"

namespace lockstep {

/// The version of the library that wrote a file.
const char* lockstep_version();

struct ModelInfo {
  ModelSpec spec;
  bool classification = false;
  std::string loss;                 // mse | l1 | cross-entropy
  std::vector<float> mean, stddev;  // empty: no standardization
  std::vector<std::string> class_names;
  std::vector<std::string> feature_names;
  std::string target;
  std::string version;
  // A synthetic training set's size and seed (0 samples: not trained on a synthetic set).
  Index synthetic_samples = 0;
  std::uint64_t synthetic_seed = 0;
  // Whether 8-bit IDX images were scaled to [0, 1] (metadata "scale_pixels", written when not).
  bool scale_pixels = true;

  /// x standardized with the stored statistics (x itself when there are none).
  Tensor standardize(const Tensor& x) const;
};

SafetensorsMetadata model_metadata(const ModelInfo& info);
ModelInfo model_info_from_metadata(const SafetensorsMetadata& meta, const std::string& source);

/// Writes the parameters and metadata atomically.
void save_model_file(const std::filesystem::path& path, const Module& model, const ModelInfo& info);
/// The same for a network built by hand (of the shape build_model makes): info.spec is taken
/// from the network (model_spec_of) unless set, and an empty info.loss is cross-entropy for a
/// classifier and mse otherwise, so `lockstep eval` and `predict` read the file.
///   lockstep::save_model_file("iris.safetensors", model,
///                             {.classification = true, .class_names = {"setosa", ...}});
void save_model_file(const std::filesystem::path& path, const Sequential& net, ModelInfo info);

struct LoadedModel {
  BuiltModel model;
  ModelInfo info;
};
/// Rebuilds the architecture from the metadata and loads the parameters (in eval mode).
LoadedModel load_model_file(const std::filesystem::path& path);

}  // namespace lockstep
