// model_info_from_metadata / load_model_file on damaged metadata: every problem is a
// lockstep::Error naming the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "lockstep/io/safetensors.hpp"
#include "lockstep/io/state_dict.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/dropout.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/sequential.hpp"
#include "lockstep/tensor/random.hpp"
#include "lockstep/train/model_file.hpp"
#include "support/error_of.hpp"

namespace lockstep {
namespace {

using testing::error_of;

SafetensorsMetadata valid_metadata() {
  ModelInfo info;
  info.spec = {.model = "mlp:4", .activation = "relu", .inputs = 3, .outputs = 2};
  info.classification = true;
  info.loss = "cross-entropy";
  info.class_names = {"a", "b"};
  return model_metadata(info);
}

TEST(ModelFileMetadata, ValidMetadataRoundTrips) {
  const ModelInfo info = model_info_from_metadata(valid_metadata(), "m.safetensors");
  EXPECT_EQ(info.spec.inputs, 3);
  EXPECT_EQ(info.class_names.size(), 2u);
}

// The defect fuzz_json_config found in --config, here in a model file's metadata: a value
// nested a million levels deep parsed, then overflowed the stack while being dumped back to
// text (a crash, not an error).
TEST(ModelFileMetadata, DeeplyNestedValueIsAnErrorNamingTheFile) {
  constexpr int kDepth = 1'000'000;
  for (const char* key : {"architecture", "task", "standardize_mean", "synthetic_data"}) {
    SafetensorsMetadata meta = valid_metadata();
    meta[key] = std::string(kDepth, '[') + std::string(kDepth, ']');
    const std::string message = error_of([&] { model_info_from_metadata(meta, "m.safetensors"); });
    EXPECT_NE(message.find("m.safetensors"), std::string::npos) << key << ": " << message;
    EXPECT_NE(message.find("nested deeper than"), std::string::npos) << key << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << key << ": " << message;
  }
}

// Seen through fuzz_model_file (a hand-made input; -malloc_limit_mb): the architecture was built
// before the file's tensors were compared with it, so "mlp:1048576,1048576" asked for 4 TiB.
TEST(ModelFileMetadata, ArchitectureLargerThanTheFileIsRefusedBeforeBuilding) {
  const ModelSpec spec{.model = "mlp:4", .activation = "relu", .inputs = 3, .outputs = 2};
  ModelInfo info;
  info.spec = spec;
  info.loss = "mse";
  const auto path = std::filesystem::temp_directory_path() /
                    ("lockstep_model_file_" + std::to_string(::getpid()) + ".safetensors");
  for (const char* model : {"mlp:1048576,1048576", "mlp:5"}) {
    ModelInfo wrong = info;
    wrong.spec.model = model;
    save_module(path, *build_model(spec, 1).net, model_metadata(wrong));
    const std::string message = error_of([&] { load_model_file(path); });
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("the architecture metadata (mlp 3 -> "), std::string::npos) << message;
  }
  std::filesystem::remove(path);
}

// A network built by hand saves as a model file the CLI reads: the architecture comes from the
// network, and the loaded model computes the same outputs.
TEST(ModelFileOfAHandBuiltNet, SavesAFileThatLoadsToTheSameNetwork) {
  Sequential net{std::make_shared<Linear>(4, 8),   std::make_shared<Tanh>(),
                 std::make_shared<Dropout>(0.25f), std::make_shared<Linear>(8, 6),
                 std::make_shared<Tanh>(),         std::make_shared<Dropout>(0.25f),
                 std::make_shared<Linear>(6, 3)};
  net.eval();
  const auto path = std::filesystem::temp_directory_path() /
                    ("lockstep_hand_built_" + std::to_string(::getpid()) + ".safetensors");
  ModelInfo info;
  info.classification = true;
  info.class_names = {"setosa", "versicolor", "virginica"};
  save_model_file(path, net, info);
  const LoadedModel m = load_model_file(path);
  EXPECT_EQ(m.info.spec.model, "mlp:8,6");
  EXPECT_EQ(m.info.spec.activation, "tanh");
  EXPECT_FLOAT_EQ(float(m.info.spec.dropout), 0.25f);
  EXPECT_EQ(m.info.spec.inputs, 4);
  EXPECT_EQ(m.info.spec.outputs, 3);
  EXPECT_EQ(m.info.loss, "cross-entropy");
  Generator gen(3);
  const Tensor x = randn({5, 4}, gen);
  EXPECT_EQ(net(Var(x)).value().to_vector(), (*m.model.net)(Var(x)).value().to_vector());
  std::filesystem::remove(path);
}

TEST(ModelFileOfAHandBuiltNet, OtherShapesAreRefusedNamingTheLayer) {
  Sequential mixed{std::make_shared<Linear>(4, 8), std::make_shared<ReLU>(),
                   std::make_shared<Linear>(8, 8), std::make_shared<Tanh>(),
                   std::make_shared<Linear>(8, 2)};
  EXPECT_NE(error_of([&] { model_spec_of(mixed); }).find("layer 3 is tanh"), std::string::npos);
  Sequential ends{std::make_shared<Linear>(4, 8), std::make_shared<ReLU>()};
  EXPECT_NE(error_of([&] { model_spec_of(ends); }).find("not a Linear"), std::string::npos);
  Sequential softmax{std::make_shared<Linear>(4, 2), std::make_shared<Softmax>()};
  EXPECT_NE(error_of([&] { model_spec_of(softmax); }).find("layer 1 is not an activation"),
            std::string::npos);
  Sequential linear{std::make_shared<Linear>(4, 2)};
  EXPECT_EQ(model_spec_of(linear).model, "linear");
}

TEST(ModelFileMetadata, AParameterStoredAsIntegersIsRefusedNamingItsDtype) {
  const ModelSpec spec{.model = "linear", .inputs = 3, .outputs = 1};
  ModelInfo info;
  info.spec = spec;
  info.loss = "mse";
  const auto path = std::filesystem::temp_directory_path() /
                    ("lockstep_i64_param_" + std::to_string(::getpid()) + ".safetensors");
  std::vector<SafetensorsEntry> entries = state_dict(*build_model(spec, 1).net);
  for (SafetensorsEntry& e : entries)
    if (e.name == "0.bias") e = SafetensorsEntry::int64("0.bias", {1}, {7});
  write_safetensors(path, entries, model_metadata(info));
  const std::string message = error_of([&] { load_model_file(path); });
  EXPECT_NE(message.find("'0.bias' is stored as I64"), std::string::npos) << message;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace lockstep
