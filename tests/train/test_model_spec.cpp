// ModelSpec: parse_layers (and its errors naming --model and the bad part),
// build_model (layers, PyTorch names and shapes, seeded initialization), describe() and the
// JSON form.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "io/io_test_util.hpp"
#include "lockstep/io/state_dict.hpp"
#include "lockstep/nn/batch_norm.hpp"
#include "lockstep/train/model_spec.hpp"

namespace lockstep {
namespace {

using testing::error_of;

// The widths of the fully connected layers of `model`.
std::vector<Index> fc_widths(const std::string& model) {
  std::vector<Index> out;
  for (const LayerSpec& l : parse_layers(model)) {
    EXPECT_EQ(l.kind, LayerSpec::Kind::kFc) << model;
    out.push_back(l.size);
  }
  return out;
}

TEST(ParseLayers, LinearAndMlp) {
  EXPECT_EQ(fc_widths("linear"), std::vector<Index>{});
  EXPECT_EQ(fc_widths("mlp:64"), (std::vector<Index>{64}));
  EXPECT_EQ(fc_widths("mlp:64,32,1"), (std::vector<Index>{64, 32, 1}));
  EXPECT_EQ(fc_widths("mlp:1048576"), (std::vector<Index>{1048576}));
  EXPECT_EQ(fc_widths("fc64,fc32"), (std::vector<Index>{64, 32}));
}

TEST(ParseLayers, ConvolutionsAndPools) {
  const std::vector<LayerSpec> l =
      parse_layers("conv32k3,pool2,conv16k5s2p2,avgpool3,maxpool2,fc8");
  ASSERT_EQ(l.size(), 6u);
  EXPECT_EQ(l[0].kind, LayerSpec::Kind::kConv);
  EXPECT_EQ(std::vector<Index>({l[0].size, l[0].kernel, l[0].stride, l[0].padding}),
            (std::vector<Index>{32, 3, 1, 0}));
  EXPECT_EQ(l[1].kind, LayerSpec::Kind::kMaxPool);
  EXPECT_EQ(std::vector<Index>({l[1].kernel, l[1].stride}), (std::vector<Index>{2, 2}));
  EXPECT_EQ(std::vector<Index>({l[2].size, l[2].kernel, l[2].stride, l[2].padding}),
            (std::vector<Index>{16, 5, 2, 2}));
  EXPECT_EQ(l[3].kind, LayerSpec::Kind::kAvgPool);
  EXPECT_EQ(l[3].kernel, 3);
  EXPECT_EQ(l[4].kind, LayerSpec::Kind::kMaxPool);
  EXPECT_EQ(l[5].kind, LayerSpec::Kind::kFc);
  EXPECT_EQ(l[2].text, "conv16k5s2p2");
  for (const char* bad : {"conv32", "conv32k", "convk3", "conv0k3", "conv8k3s0", "conv8k3q1",
                          "pool", "pool0", "avgpool", "fc", "fc0", "dense8", "conv8k3,", "pool2x"})
    EXPECT_MESSAGE_HAS(error_of([&] { parse_layers(bad); }), "--model", "not a layer",
                       "'" + std::string(bad) + "'");
}

TEST(ParseLayers, ImageShapes) {
  EXPECT_EQ(parse_image_shape("1,28,28"), (ImageShape{1, 28, 28}));
  EXPECT_EQ(parse_image_shape("3,32,16"), (ImageShape{3, 32, 16}));
  EXPECT_EQ(parse_image_shape("28,28"), (ImageShape{1, 28, 28}));
  for (const char* bad : {"", "28", "1,28,", "0,28,28", "1,28,28,1", "a,b,c", "1, 28, 28"})
    EXPECT_MESSAGE_HAS(error_of([&] { parse_image_shape(bad); }), "--image",
                       "'" + std::string(bad) + "'");
}

TEST(ParseLayers, ErrorsNameTheFlagAndTheBadPart) {
  for (const char* model : {"cnn", "MLP:64", "mlp", "mlp64", "", "linear:3"})
    EXPECT_MESSAGE_HAS(error_of([&] { parse_layers(model); }), "--model",
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
    EXPECT_MESSAGE_HAS(error_of([&] { parse_layers(model); }), "--model", part, "'" + model + "'",
                       "not a layer");
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

// The CLI's CNN is PyTorch's Sequential: the same modules at the same indices, the same
// state-dict names and shapes, and parameter_shapes() says so without building it.
TEST(BuildModel, ACnnIsPyTorchsSequential) {
  const ModelSpec spec{.model = "conv32k3,pool2,conv64k3,pool2,fc128",
                       .inputs = 784,
                       .outputs = 10,
                       .image = {1, 28, 28}};
  const BuiltModel m = build_model(spec, 1);
  ASSERT_EQ(m.net->size(), 10u);  // conv relu pool conv relu pool flatten fc relu fc
  EXPECT_EQ(names_and_shapes(*m.net), (std::vector<std::pair<std::string, Shape>>{
                                          {"0.weight", {32, 9}},
                                          {"0.bias", {1, 32}},
                                          {"3.weight", {64, 288}},
                                          {"3.bias", {1, 64}},
                                          {"7.weight", {128, 1600}},
                                          {"7.bias", {1, 128}},
                                          {"9.weight", {10, 128}},
                                          {"9.bias", {1, 10}},
                                      }));
  const std::vector<ParameterShape> shapes = parameter_shapes(spec);
  ASSERT_EQ(shapes.size(), 8u);
  EXPECT_EQ(shapes[0].shape, (std::vector<Index>{32, 1, 3, 3}));
  EXPECT_EQ(shapes[2].shape, (std::vector<Index>{64, 32, 3, 3}));
  EXPECT_EQ(shapes[4].name, "7.weight");
  EXPECT_EQ(shapes[7].shape, (std::vector<Index>{10}));
  const auto torch = m.net->parameter_shapes();
  for (std::size_t i = 0; i < shapes.size(); ++i)
    EXPECT_EQ(shapes[i].shape, torch[i]) << shapes[i].name;
  // A forward pass gives one row of logits per image.
  Var out = (*m.net)(Var(Tensor(Shape{3, 784})));
  EXPECT_EQ(out.value().shape(), (Shape{3, 10}));
  EXPECT_EQ(describe(spec),
            "cnn [1, 28, 28] -> conv32k3 [32, 26, 26] -> pool2 [32, 13, 13] -> conv64k3 "
            "[64, 11, 11] -> pool2 [64, 5, 5] -> fc128 -> 10 (relu)");
  // An MLP on image rows is the MLP it always was.
  ModelSpec mlp = spec;
  mlp.model = "mlp:16";
  EXPECT_EQ(build_model(mlp, 1).net->size(), 3u);
}

// bn puts BatchNorm2d (after a conv) or BatchNorm1d (after an fc) before the activation, as
// PyTorch's conv-bn-relu; parameter_shapes() lists its parameters and buffers as the state
// dict holds them (num_batches_tracked an int64 count of shape []).
TEST(BuildModel, BatchNormGoesBetweenALayerAndItsActivation) {
  const ModelSpec spec{.model = "conv8k3,bn,pool2,fc16,bn",
                       .dropout = 0.1,
                       .inputs = 64,
                       .outputs = 3,
                       .image = {1, 8, 8}};
  const BuiltModel m = build_model(spec, 1);
  // conv bn relu pool flatten fc bn relu dropout fc
  ASSERT_EQ(m.net->size(), 10u);
  EXPECT_NE(dynamic_cast<const BatchNorm2d*>((*m.net)[1].get()), nullptr);
  EXPECT_NE(dynamic_cast<const BatchNorm1d*>((*m.net)[6].get()), nullptr);
  EXPECT_EQ(dynamic_cast<const BatchNorm1d*>((*m.net)[6].get())->num_features(), 16);
  const std::vector<ParameterShape> shapes = parameter_shapes(spec);
  const std::vector<SafetensorsEntry> entries = state_dict(*m.net);
  ASSERT_EQ(shapes.size(), entries.size());
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const SafetensorsEntry* e = nullptr;
    for (const SafetensorsEntry& x : entries)
      if (x.name == shapes[i].name) e = &x;
    ASSERT_NE(e, nullptr) << shapes[i].name;
    EXPECT_EQ(std::vector<Index>(e->shape.begin(), e->shape.end()), shapes[i].shape)
        << shapes[i].name;
    EXPECT_EQ(e->dtype == SafetensorsDtype::kI64, shapes[i].count) << shapes[i].name;
  }
  EXPECT_EQ(shapes[4].name, "1.running_mean");
  EXPECT_EQ(shapes[6].name, "1.num_batches_tracked");
  EXPECT_TRUE(shapes[6].shape.empty());
  EXPECT_EQ(describe(spec),
            "cnn [1, 8, 8] -> conv8k3 [8, 6, 6] -> bn -> pool2 [8, 3, 3] -> fc16 -> bn -> 3 "
            "(relu, dropout 0.1)");
  for (const char* bad : {"bn,conv8k3", "conv8k3,pool2,bn", "conv8k3,bn,bn"}) {
    ModelSpec b = spec;
    b.model = bad;
    EXPECT_MESSAGE_HAS(error_of([&] { build_model(b, 1); }), "'bn'",
                       "right after a conv or fc layer");
  }
}

TEST(BuildModel, ImageLayerErrorsNameTheLayerAndTheShape) {
  ModelSpec no_image{.model = "conv8k3,fc4", .inputs = 784, .outputs = 10};
  EXPECT_MESSAGE_HAS(error_of([&] { build_model(no_image, 1); }), "--model 'conv8k3,fc4'",
                     "--image C,H,W");
  ModelSpec wrong{.model = "conv8k3", .inputs = 700, .outputs = 10, .image = {1, 28, 28}};
  EXPECT_MESSAGE_HAS(error_of([&] { build_model(wrong, 1); }), "--image [1, 28, 28]", "784",
                     "700 features");
  ModelSpec too_big{
      .model = "conv8k3,pool2,conv8k9", .inputs = 64, .outputs = 2, .image = {1, 8, 8}};
  EXPECT_MESSAGE_HAS(error_of([&] { parameter_shapes(too_big); }), "'conv8k9'", "[8, 3, 3]");
  ModelSpec after_fc{.model = "fc8,conv8k3", .inputs = 64, .outputs = 2, .image = {1, 8, 8}};
  EXPECT_MESSAGE_HAS(error_of([&] { build_model(after_fc, 1); }), "'conv8k3'",
                     "after a fully connected layer");
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
  EXPECT_FALSE(back.has_image());
  const ModelSpec cnn{.model = "conv4k3,fc8", .inputs = 300, .outputs = 2, .image = {3, 10, 10}};
  EXPECT_EQ(model_spec_from_json(model_spec_to_json(cnn)).image, cnn.image);
  for (const char* text : {"", "{", R"({"model": "linear"})", R"([1])",
                           R"({"model": 1, "activation": "relu", "dropout": 0, "inputs": 1,
                               "outputs": 1})",
                           R"({"model": "linear", "activation": "relu", "dropout": 0, "inputs": 1,
                               "outputs": 1, "image": [1, 0, 1]})",
                           R"({"model": "linear", "activation": "relu", "dropout": 0, "inputs": 1,
                               "outputs": 1, "image": [1, 1]})"})
    EXPECT_MESSAGE_HAS(error_of([&] { model_spec_from_json(text); }), "architecture metadata",
                       "invalid");
}

}  // namespace
}  // namespace lockstep
