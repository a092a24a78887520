// model_info_from_metadata / load_model_file on damaged metadata: every problem is a
// lockstep::Error naming the file.
#include <gtest/gtest.h>

#include <string>

#include "lockstep/io/safetensors.hpp"
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

}  // namespace
}  // namespace lockstep
