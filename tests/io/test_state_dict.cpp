// save_module / load_module: PyTorch names and shapes, strict checks that leave the module
// untouched on error, values copied into the existing storage, and interoperability with
// PyTorch in both directions (tests/golden/make_golden_safetensors.py, tests/io/load_in_torch.py).
#include <gtest/gtest.h>

#include <cmath>

#include "golden/golden_safetensors.hpp"
#include "io/io_test_util.hpp"
#include "io/python_command.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/io/state_dict.hpp"
#include "lockstep/nn/linear.hpp"

namespace lockstep {
namespace {

using io_test::Command;
using io_test::error_of;
using io_test::quoted;
using io_test::rows_text;
using io_test::run;
using io_test::TempDir;

const std::filesystem::path kTestsDir = LOCKSTEP_TESTS_DIR;
const std::filesystem::path kTorchFile = kTestsDir / "golden" / "iris_mlp_torch.safetensors";

// torch.nn.Sequential(Linear(4, 16), Sigmoid(), Linear(16, 3)): the Linear layers are children
// "0" and "2" (the Sigmoid, "1", has no parameters). Forward runs without autograd.
class IrisMlp : public Module {
 public:
  explicit IrisMlp(Generator* gen = nullptr) {
    fc0 = register_module("0", std::make_shared<Linear>(4, 16, LinearOptions{.generator = gen}));
    fc2 = register_module("2", std::make_shared<Linear>(16, 3, LinearOptions{.generator = gen}));
  }
  Var forward(const Var& x) override {
    Tensor h = (*fc0)(x).value().clone();
    h.map() = h.map().unaryExpr([](float v) { return 1.0f / (1.0f + std::exp(-v)); });
    return (*fc2)(Var(h));
  }
  std::shared_ptr<Linear> fc0, fc2;
};

void expect_values(const Tensor& t, const float* expected, Index count, float tol,
                   const std::string& what) {
  ASSERT_EQ(t.numel(), count) << what;
  for (Index i = 0; i < count; ++i) EXPECT_NEAR(t.data()[i], expected[i], tol) << what << " " << i;
}

TEST(StateDict, EntriesHavePyTorchNamesAndShapesAndShareStorage) {
  IrisMlp model;
  const auto entries = state_dict(model);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].name, "0.weight");
  EXPECT_EQ(entries[0].shape, (std::vector<Index>{16, 4}));
  EXPECT_EQ(entries[1].name, "0.bias");
  EXPECT_EQ(entries[1].shape, (std::vector<Index>{16}));
  EXPECT_EQ(entries[2].name, "2.weight");
  EXPECT_EQ(entries[2].shape, (std::vector<Index>{3, 16}));
  EXPECT_EQ(entries[3].name, "2.bias");
  EXPECT_EQ(entries[3].shape, (std::vector<Index>{3}));
  EXPECT_TRUE(entries[1].tensor.shares_storage_with(model.fc0->bias().value()));
}

TEST(StateDict, LoadsTheFileThatPyTorchSaved) {
  const SafetensorsFile file = read_safetensors(kTorchFile);
  ASSERT_EQ(file.entries.size(), 4u);
  EXPECT_EQ(file.find("0.weight")->shape, (std::vector<Index>{16, 4}));
  EXPECT_EQ(file.find("0.bias")->shape, (std::vector<Index>{16}));
  EXPECT_EQ(file.find("2.weight")->shape, (std::vector<Index>{3, 16}));
  EXPECT_EQ(file.find("2.bias")->shape, (std::vector<Index>{3}));

  IrisMlp model;
  const SafetensorsMetadata meta = load_module(kTorchFile, model);
  EXPECT_EQ(meta.at("format"), "pt");
  EXPECT_EQ(meta.at("architecture"), "\"4-16-3 sigmoid\"");
  namespace g = golden_safetensors;
  expect_values(model.fc0->weight().value(), g::param_0_weight, 64, 0.0f, "0.weight");
  expect_values(model.fc0->bias().value(), g::param_0_bias, 16, 0.0f, "0.bias");
  expect_values(model.fc2->weight().value(), g::param_2_weight, 48, 0.0f, "2.weight");
  expect_values(model.fc2->bias().value(), g::param_2_bias, 3, 0.0f, "2.bias");
  const Tensor y = model(Tensor::from_data(g::input, {g::input_rows, g::input_cols})).value();
  EXPECT_EQ(y.shape(), (Shape{g::input_rows, 3}));
  expect_values(y, g::output, g::input_rows * 3, 1e-5f, "output");
}

TEST(StateDict, SaveThenLoadCopiesIntoTheExistingStorage) {
  TempDir dir;
  Generator gen_a(1), gen_b(2);
  IrisMlp a(&gen_a), b(&gen_b);
  save_module(dir / "m.safetensors", a, {{"architecture", "\"iris_mlp\""}});

  const float* storage = b.fc0->weight().value().data();
  const Tensor first_row = b.fc0->weight().value().rows_view(0, 1);
  const SafetensorsMetadata meta = load_module(dir / "m.safetensors", b);
  EXPECT_EQ(meta, (SafetensorsMetadata{{"architecture", "\"iris_mlp\""}}));
  EXPECT_EQ(b.fc0->weight().value().data(), storage);
  EXPECT_EQ(first_row.to_vector(), a.fc0->weight().value().rows_view(0, 1).to_vector());
  const auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i)
    EXPECT_EQ(pa[i].value().to_vector(), pb[i].value().to_vector()) << i;
  EXPECT_EQ(b.fc0->bias().value().shape(), (Shape{1, 16}));
}

// A file with the given entries, each filled with `value`.
void write_entries(const std::filesystem::path& path,
                   const std::vector<std::pair<std::string, std::vector<Index>>>& specs,
                   float value = 0.5f) {
  std::vector<SafetensorsEntry> entries;
  for (const auto& [name, shape] : specs) {
    Index n = 1;
    for (Index d : shape) n *= d;
    entries.push_back({name, shape, Tensor::full({1, n}, value)});
  }
  write_safetensors(path, entries);
}

TEST(StateDict, MissingAndUnexpectedTensorsAreListedAndTheModuleIsUntouched) {
  TempDir dir;
  const auto path = dir / "m.safetensors";
  write_entries(path,
                {{"0.weight", {16, 4}}, {"2.weight", {3, 16}}, {"extra", {1}}, {"0.bias.x", {16}}});
  IrisMlp model;
  const auto before = model.fc0->weight().value().to_vector();
  const std::string message = error_of([&] { load_module(path, model); });
  EXPECT_MESSAGE_HAS(message, path.string(), "missing tensors: '0.bias', '2.bias'",
                     "unexpected tensors: '0.bias.x', 'extra'");
  EXPECT_EQ(model.fc0->weight().value().to_vector(), before);
}

TEST(StateDict, ShapeMismatchesNameExpectedAndFound) {
  TempDir dir;
  const auto path = dir / "m.safetensors";
  write_entries(
      path, {{"0.weight", {4, 16}}, {"0.bias", {1, 16}}, {"2.weight", {3, 16}}, {"2.bias", {3}}});
  IrisMlp model;
  const auto before = model.fc2->weight().value().to_vector();
  const std::string message = error_of([&] { load_module(path, model); });
  EXPECT_MESSAGE_HAS(message, path.string(), "'0.weight': expected [16, 4], got [4, 16]",
                     "'0.bias': expected [16], got [1, 16]");
  EXPECT_EQ(message.find("2.weight"), std::string::npos) << message;
  EXPECT_EQ(model.fc2->weight().value().to_vector(), before);
}

// A parameter stored as integers (I64, which checkpoints use for step counts) is refused by
// name, not loaded as an undefined tensor.
TEST(StateDict, IntegerTensorsAreRefusedByName) {
  Generator gen(3);
  IrisMlp model(&gen);
  auto entries = state_dict(model);
  const auto before = model.fc0->bias().value().to_vector();
  for (auto& e : entries)
    if (e.name == "0.bias")
      e = SafetensorsEntry::int64(e.name, e.shape, std::vector<std::int64_t>(16, 1));
  EXPECT_MESSAGE_HAS(error_of([&] { load_state_dict(model, entries, "mine"); }), "mine",
                     "integer (I64) tensors, not floating-point: '0.bias'");
  EXPECT_EQ(model.fc0->bias().value().to_vector(), before);
}

TEST(StateDict, LoadStateDictFromEntriesInMemory) {
  Generator gen_a(3), gen_b(4);
  IrisMlp a(&gen_a), b(&gen_b);
  auto entries = state_dict(a);
  load_state_dict(b, entries);
  EXPECT_EQ(a.fc2->bias().value().to_vector(), b.fc2->bias().value().to_vector());
  entries.push_back(entries[0]);
  EXPECT_MESSAGE_HAS(error_of([&] { load_state_dict(b, entries, "mine"); }), "mine", "'0.weight'",
                     "more than once");
}

// --- PyTorch reads what lockstep writes ----------------------------------------------------------

TEST(StateDict, PyTorchLoadsTheFileLockstepWrote) {
  const Command probe = run("/usr/bin/python3 -c 'import torch'");
  ASSERT_EQ(probe.status, 0) << "/usr/bin/python3 cannot import torch; run scripts/install-deps.sh "
                                "(it installs python3-torch).\n"
                             << probe.output;

  TempDir dir;
  const auto path = dir / "lockstep model.safetensors";
  Generator gen(7);
  IrisMlp model(&gen);
  save_module(path, model, {{"class_names", R"(["setosa","versicolor","virginica"])"}});

  const Tensor x = Tensor::from_rows({{5.1f, 3.5f, 1.4f, 0.2f}, {-1, 0.5f, 2, 0}});
  const Tensor y = model(x).value();
  // "--flag=value", since a value may start with '-'.
  auto arg = [](const std::string& flag, const std::string& value) {
    return " " + flag + "=" + quoted(value);
  };
  const std::string command =
      "/usr/bin/python3 " + quoted((kTestsDir / "io" / "load_in_torch.py").string()) + " " +
      quoted(path.string()) + arg("--input", rows_text(x)) + arg("--output", rows_text(y)) +
      arg("--param", "2.bias=" + rows_text(model.fc2->bias().value())) +
      arg("--param", "0.weight=" + rows_text(model.fc0->weight().value().reshape({1, 64}))) +
      arg("--metadata", R"(class_names=["setosa","versicolor","virginica"])");
  const Command result = run(command);
  EXPECT_EQ(result.status, 0) << command << "\n" << result.output;
  EXPECT_NE(result.output.find("OK"), std::string::npos) << result.output;

  // And the check is real: wrong expectations fail.
  const Command wrong =
      run("/usr/bin/python3 " + quoted((kTestsDir / "io" / "load_in_torch.py").string()) + " " +
          quoted(path.string()) + " --param=2.bias=1,2,3");
  EXPECT_NE(wrong.status, 0) << wrong.output;
}

}  // namespace
}  // namespace lockstep
