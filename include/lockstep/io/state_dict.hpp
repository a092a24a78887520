// lockstep/io/state_dict.hpp — saving and loading a Module's parameters as a safetensors file.
//
// The file holds each parameter under its PyTorch name (named_parameters(), e.g. "0.weight")
// and with its PyTorch shape (parameter_shapes(), e.g. [16] for a Linear bias), and each buffer
// (named_buffers(): BatchNorm's running_mean and running_var as F32, num_batches_tracked as an
// I64 of shape []), so
// PyTorch loads it with
//   model.load_state_dict(safetensors.torch.load_file(path), strict=True)
// and a file that PyTorch saved from the same architecture loads here. Loading checks the
// names and shapes against the module before touching it, then copies the values into the
// parameters' existing storage (views, optimizers and flat buffers stay valid).
//
// The metadata map is stored as the file's "__metadata__"; lockstep's training program fills
// "lockstep_version", "architecture", "standardize_mean", "standardize_std" and "class_names"
// (each value a JSON-encoded string).
//
//   lockstep::save_module("iris.safetensors", model, {{"class_names", R"(["setosa"])"}});
//   lockstep::SafetensorsMetadata meta = lockstep::load_module("iris.safetensors", model);
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "lockstep/io/safetensors.hpp"
#include "lockstep/nn/module.hpp"

namespace lockstep {

/// The module's parameters, then its buffers, as entries named and shaped as in PyTorch's
/// state_dict(); each float entry's tensor shares the parameter's (or buffer's) storage.
std::vector<SafetensorsEntry> state_dict(const Module& module);

/// Copies `entries` into the module's parameters and buffers. Every check comes first, so on error
/// the module is unchanged: the error lists the missing and the unexpected names, and each shape
/// mismatch (name, expected shape, shape found). `source` names where the entries come from
/// in the messages.
void load_state_dict(Module& module, const std::vector<SafetensorsEntry>& entries,
                     const std::string& source = "state dict");

/// Writes the module's parameters and `metadata` to `path` (atomically, see write_safetensors).
void save_module(const std::filesystem::path& path, const Module& module,
                 const SafetensorsMetadata& metadata = {});

/// Reads `path` and loads it into `module` (strictly, see load_state_dict); returns the file's
/// metadata.
SafetensorsMetadata load_module(const std::filesystem::path& path, Module& module);

}  // namespace lockstep
