// lockstep/train/model_spec.hpp — the model a training run builds, from the `--model` text
// ("linear" or "mlp:H1,H2,...") and its activation and dropout, and back to JSON (stored in
// model files, so `lockstep eval` rebuilds the same network).
//
// mlp:64,32 on 10 inputs and 3 outputs is Linear(10,64) act [Dropout] Linear(64,32) act
// [Dropout] Linear(32,3) in a Sequential, parameters named as PyTorch names them
// ("0.weight", ...). Initialization draws from Generator(seed) (PyTorch's Linear rule); each
// Dropout layer gets its own seed derived from `seed` and its position (under DataParallel its
// masks are keyed on the batch number and the sample's row, see nn/dropout.hpp).
//
//   lockstep::ModelSpec spec{.model = "mlp:64", .activation = "relu", .inputs = 64, .outputs = 10};
//   lockstep::BuiltModel m = lockstep::build_model(spec, /*seed=*/1);
//   lockstep::Var logits = (*m.net)(x);
//   std::string json = lockstep::model_spec_to_json(spec);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lockstep/nn/sequential.hpp"

namespace lockstep {

struct ModelSpec {
  std::string model = "mlp:64";
  std::string activation = "relu";
  double dropout = 0;
  Index inputs = 0;
  Index outputs = 0;
};

struct BuiltModel {
  std::shared_ptr<Sequential> net;
};

/// The hidden widths of "linear" (none) or "mlp:H1,H2,..."; errors name --model.
std::vector<Index> parse_hidden_layers(const std::string& model);
BuiltModel build_model(const ModelSpec& spec, std::uint64_t seed);
/// A parameter of the network build_model(spec) makes: its state-dict name and shape.
struct ParameterShape {
  std::string name;          // "0.weight", "0.bias", "2.weight", ...
  std::vector<Index> shape;  // {out, in} for a weight, {out} for a bias
};
/// The parameters build_model(spec) would create, in order, computed without allocating them:
/// a file's declared architecture is checked against its tensors with this before it is built.
std::vector<ParameterShape> parameter_shapes(const ModelSpec& spec);
/// "linear 64 -> 10" or "mlp 64 -> 64 -> 10 (relu, dropout 0.1)".
std::string describe(const ModelSpec& spec);
/// The spec of a network of the shape build_model makes — Linear, then (activation [Dropout]
/// Linear)* with one activation of activations() — so that a model built by hand can be saved
/// as a model file; any other network is an error naming the layer.
ModelSpec model_spec_of(const Sequential& net);

std::string model_spec_to_json(const ModelSpec& spec);
ModelSpec model_spec_from_json(const std::string& json);

}  // namespace lockstep
