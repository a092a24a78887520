// lockstep/train/model_spec.hpp — the model a training run builds, from the `--model` text
// and its activation and dropout, and back to JSON (stored in model files, so `lockstep eval`
// rebuilds the same network).
//
// The text is "linear", "mlp:H1,H2,..." or a list of layers, comma-separated:
//   convCkK[sS][pP]  Conv2d to C channels, K x K kernel, stride S (1), zero padding P (0)
//   poolK / maxpoolK MaxPool2d K x K (stride K);  avgpoolK: AvgPool2d K x K (stride K)
//   fcH              Linear to H features ("mlp:64,32" is "fc64,fc32")
//   bn               BatchNorm2d (after a conv) or BatchNorm1d (after an fc), before the
//                    activation: "conv32k3,bn,pool2" is Conv2d, BatchNorm2d, ReLU, MaxPool2d
// Each conv and fc is followed by the activation, each fc by Dropout when dropout > 0; Flatten
// comes before the first fc after image layers, and a Linear to the outputs ends the network,
// so "conv32k3,pool2,conv64k3,pool2,fc128" is PyTorch's
//   Sequential(Conv2d(1,32,3), ReLU(), MaxPool2d(2), Conv2d(32,64,3), ReLU(), MaxPool2d(2),
//              Flatten(), Linear(1600,128), ReLU(), Linear(128,10))
// with the same state-dict names ("0.weight" [32, 1, 3, 3], ..., "7.weight" [128, 1600]).
// Image layers need `image` (the rows' C, H, W; inputs == C*H*W). Initialization draws from
// Generator(seed) in layer order (PyTorch's rules); each Dropout gets its own seed derived
// from `seed` and its position (under DataParallel its masks are keyed on the batch number
// and the sample's row, see nn/dropout.hpp).
//
//   lockstep::ModelSpec spec{.model = "mlp:64", .activation = "relu", .inputs = 64, .outputs = 10};
//   lockstep::BuiltModel m = lockstep::build_model(spec, /*seed=*/1);
//   lockstep::Var logits = (*m.net)(x);
//   std::string json = lockstep::model_spec_to_json(spec);
//   lockstep::ModelSpec cnn{.model = "conv32k3,pool2,fc128", .inputs = 784, .outputs = 10,
//                           .image = {1, 28, 28}};
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lockstep/nn/sequential.hpp"
#include "lockstep/tensor/image_shape.hpp"

namespace lockstep {

struct ModelSpec {
  std::string model = "mlp:64";
  std::string activation = "relu";
  double dropout = 0;
  Index inputs = 0;
  Index outputs = 0;
  ImageShape image{};  // the rows' image shape, for image layers; channels 0: none
  bool has_image() const { return image.channels > 0; }
};

struct BuiltModel {
  std::shared_ptr<Sequential> net;
};

/// One layer of the --model text.
struct LayerSpec {
  enum class Kind { kConv, kMaxPool, kAvgPool, kFc, kBatchNorm };
  Kind kind = Kind::kFc;
  Index size = 0;                             // conv: output channels; fc: width; pools: unused
  Index kernel = 0, stride = 0, padding = 0;  // conv and pools
  std::string text;                           // as written: "conv32k3"
  bool spatial() const {
    return kind == Kind::kConv || kind == Kind::kMaxPool || kind == Kind::kAvgPool;
  }
};
/// The layers of `model` ("linear": none); errors name --model and the bad item.
std::vector<LayerSpec> parse_layers(const std::string& model);
/// "C,H,W" (or "H,W" for one channel) as an ImageShape; errors name `what` and the value.
ImageShape parse_image_shape(const std::string& text, const std::string& what = "--image");
BuiltModel build_model(const ModelSpec& spec, std::uint64_t seed);
/// A tensor of the network build_model(spec) makes (a parameter or a buffer): its state-dict
/// name and shape.
struct ParameterShape {
  std::string name;          // "0.weight", "0.bias", "1.running_mean", ...
  std::vector<Index> shape;  // {out, in} (Linear) or {out, in, kh, kw} (Conv2d); {out} a bias
  bool count = false;        // an int64 buffer (num_batches_tracked, shape {})
};
/// The parameters and buffers build_model(spec) would create, in order (each module's
/// parameters, then its buffers), computed without allocating them:
/// a file's declared architecture is checked against its tensors with this before it is built.
std::vector<ParameterShape> parameter_shapes(const ModelSpec& spec);
/// "linear 64 -> 10", "mlp 64 -> 64 -> 10 (relu, dropout 0.1)" or, with image layers,
/// "cnn [1, 28, 28] -> conv32k3 [32, 26, 26] -> pool2 [32, 13, 13] -> fc128 -> 10 (relu)".
std::string describe(const ModelSpec& spec);
/// The spec of a network of the shape build_model makes — Linear, then (activation [Dropout]
/// Linear)* with one activation of activations() — so that a model built by hand can be saved
/// as a model file; any other network is an error naming the layer.
ModelSpec model_spec_of(const Sequential& net);

std::string model_spec_to_json(const ModelSpec& spec);
ModelSpec model_spec_from_json(const std::string& json);

}  // namespace lockstep
