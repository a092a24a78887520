// ModelSpec: parse_hidden_layers (and its errors naming --model and the bad part),
// build_model (layers, PyTorch names and shapes, seeded initialization), describe() and the
// JSON form.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "io/io_test_util.hpp"
#include "lockstep/train/model_spec.hpp"

namespace lockstep {
namespace {

using testing::error_of;

TEST(ParseHiddenLayers, LinearAndMlp) {
  EXPECT_EQ(parse_hidden_layers("linear"), std::vector<Index>{});
  EXPECT_EQ(parse_hidden_layers("mlp:64"), (std::vector<Index>{64}));
  EXPECT_EQ(parse_hidden_layers("mlp:64,32,1"), (std::vector<Index>{64, 32, 1}));
  EXPECT_EQ(parse_hidden_layers("mlp:1048576"), (std::vector<Index>{1048576}));
}

TEST(ParseHiddenLayers, ErrorsNameTheFlagAndTheBadPart) {
  for (const char* model : {"cnn", "MLP:64", "mlp", "mlp64", "", "linear:3"})
    EXPECT_MESSAGE_HAS(error_of([&] { parse_hidden_layers(model); }), "--model",
                       "'" + std::string(model) + "'");
  const std::vector<std::pair<std::string, std::string>> bad_widths = {
      {"mlp:", "''"},
      {"mlp:0", "'0'"},
      {"mlp:-4", "'-4'"},
      {"mlp:1048577", "'1048577'"},
      {"mlp:64,", "''"},
      {"mlp:,64", "''"},
      {"mlp:64,,32", "''"},
      {"mlp:6x", "'6x'"},
      {"mlp:64, 32", "' 32'"},
      {"mlp:1.5", "'1.5'"},
      {"mlp:99999999999999999999", "'99999999999999999999'"},
  };
  for (const auto& [model, part] : bad_widths)
    EXPECT_MESSAGE_HAS(error_of([&] { parse_hidden_layers(model); }), "--model", part,
                       "'" + model + "'", "layer width");
}

std::vector<std::pair<std::string, Shape>> names_and_shapes(const Module& m) {
  std::vector<std::pair<std::string, Shape>> out;
  for (const auto& [name, var] : m.named_parameters()) out.emplace_back(name, var.value().shape());
  return out;
}

TEST(BuildModel, LayersAndPyTorchNames) {
  const BuiltModel mlp = build_model({.model = "mlp:6,5", .inputs = 4, .outputs = 3}, 1);
  EXPECT_EQ(mlp.net->size(), 5u);  // Linear ReLU Linear ReLU Linear
  EXPECT_EQ(names_and_shapes(*mlp.net), (std::vector<std::pair<std::string, Shape>>{
                                            {"0.weight", {6, 4}},
                                            {"0.bias", {1, 6}},
                                            {"2.weight", {5, 6}},
                                            {"2.bias", {1, 5}},
                                            {"4.weight", {3, 5}},
                                            {"4.bias", {1, 3}},
                                        }));
  EXPECT_EQ(mlp.net->num_parameters(), 6 * 4 + 6 + 5 * 6 + 5 + 3 * 5 + 3);
  const BuiltModel with_dropout =
      build_model({.model = "mlp:6,5", .dropout = 0.5, .inputs = 4, .outputs = 3}, 1);
  EXPECT_EQ(with_dropout.net->size(), 7u);  // a Dropout after each activation
  EXPECT_EQ(with_dropout.net->named_parameters()[4].first, "6.weight");
  const BuiltModel linear = build_model({.model = "linear", .inputs = 4, .outputs = 2}, 1);
  EXPECT_EQ(names_and_shapes(*linear.net),
            (std::vector<std::pair<std::string, Shape>>{{"0.weight", {2, 4}}, {"0.bias", {1, 2}}}));
}

TEST(BuildModel, InitializationIsSeeded) {
  const ModelSpec spec{.model = "mlp:8", .inputs = 3, .outputs = 2};
  auto values = [](const BuiltModel& m) {
    std::vector<float> out;
    for (const Var& p : m.net->parameters())
      for (float v : p.value().span()) out.push_back(v);
    return out;
  };
  EXPECT_EQ(values(build_model(spec, 5)), values(build_model(spec, 5)));
  EXPECT_NE(values(build_model(spec, 5)), values(build_model(spec, 6)));
  // The activation and dropout do not change the initial parameters.
  ModelSpec tanh = spec;
  tanh.activation = "tanh";
  tanh.dropout = 0.2;
  EXPECT_EQ(values(build_model(tanh, 5)), values(build_model(spec, 5)));
}

TEST(BuildModel, Errors) {
  EXPECT_MESSAGE_HAS(
      error_of([] { build_model({.model = "mlp:4", .inputs = 0, .outputs = 2}, 1); }), "inputs",
      "got 0");
  EXPECT_MESSAGE_HAS(
      error_of([] { build_model({.model = "mlp:4", .inputs = 3, .outputs = 0}, 1); }), "outputs");
  EXPECT_MESSAGE_HAS(error_of([] {
                       build_model(
                           {.model = "mlp:4", .activation = "gelu", .inputs = 3, .outputs = 2}, 1);
                     }),
                     "unknown activation 'gelu'", "relu, sigmoid, tanh");
  EXPECT_MESSAGE_HAS(
      error_of([] { build_model({.model = "mlp:x", .inputs = 3, .outputs = 2}, 1); }), "--model");
}

TEST(ModelSpec, Describe) {
  EXPECT_EQ(describe({.model = "linear", .inputs = 64, .outputs = 10}), "linear 64 -> 10");
  EXPECT_EQ(describe({.model = "mlp:64", .inputs = 64, .outputs = 10}),
            "mlp 64 -> 64 -> 10 (relu)");
  EXPECT_EQ(
      describe(
          {.model = "mlp:32,16", .activation = "tanh", .dropout = 0.25, .inputs = 4, .outputs = 3}),
      "mlp 4 -> 32 -> 16 -> 3 (tanh, dropout 0.25)");
}

TEST(ModelSpec, JsonRoundTripAndErrors) {
  const ModelSpec spec{
      .model = "mlp:7,3", .activation = "sigmoid", .dropout = 0.1 / 3, .inputs = 9, .outputs = 4};
  const ModelSpec back = model_spec_from_json(model_spec_to_json(spec));
  EXPECT_EQ(back.model, spec.model);
  EXPECT_EQ(back.activation, spec.activation);
  EXPECT_EQ(back.dropout, spec.dropout);
  EXPECT_EQ(back.inputs, spec.inputs);
  EXPECT_EQ(back.outputs, spec.outputs);
  for (const char* text : {"", "{", R"({"model": "linear"})", R"([1])",
                           R"({"model": 1, "activation": "relu", "dropout": 0, "inputs": 1,
                               "outputs": 1})"})
    EXPECT_MESSAGE_HAS(error_of([&] { model_spec_from_json(text); }), "architecture metadata",
                       "invalid");
}

}  // namespace
}  // namespace lockstep
