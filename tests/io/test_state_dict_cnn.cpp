// Convolutional networks' state dicts: PyTorch's names and shapes ("0.weight" as
// [out, in, kh, kw]), the file PyTorch saved loads here and computes PyTorch's output, a
// lockstep file round-trips, and PyTorch loads what lockstep wrote with
// load_state_dict(strict=True) and computes the same output (tests/golden/make_golden_cnn.py,
// tests/io/load_in_torch.py --architecture small_cnn).
#include <gtest/gtest.h>

#include <cmath>

#include "golden/golden_cnn.hpp"
#include "io/io_test_util.hpp"
#include "io/python_command.hpp"
#include "lockstep/io/state_dict.hpp"
#include "support/small_cnn.hpp"

namespace lockstep {
namespace {

using io_test::Command;
using io_test::quoted;
using io_test::rows_text;
using io_test::run;
using io_test::TempDir;

const std::filesystem::path kTestsDir = LOCKSTEP_TESTS_DIR;

TEST(StateDictCnn, TheFashionMnistNetworkHasPyTorchsNamesAndShapes) {
  // conv 32 3x3, relu, pool 2, conv 64 3x3, relu, pool 2, flatten, fc 128, relu, fc 10.
  auto conv0 = std::make_shared<Conv2d>(ImageShape{1, 28, 28}, 32, 3);
  auto pool2 = std::make_shared<MaxPool2d>(conv0->output_shape(), 2);
  auto conv3 = std::make_shared<Conv2d>(pool2->output_shape(), 64, 3);
  auto pool5 = std::make_shared<MaxPool2d>(conv3->output_shape(), 2);
  Sequential net{conv0,
                 std::make_shared<ReLU>(),
                 pool2,
                 conv3,
                 std::make_shared<ReLU>(),
                 pool5,
                 std::make_shared<Flatten>(),
                 std::make_shared<Linear>(pool5->output_shape().numel(), 128),
                 std::make_shared<ReLU>(),
                 std::make_shared<Linear>(128, 10)};
  const std::vector<std::pair<std::string, std::vector<Index>>> expected = {
      {"0.weight", {32, 1, 3, 3}},  {"0.bias", {32}},
      {"3.weight", {64, 32, 3, 3}}, {"3.bias", {64}},
      {"7.weight", {128, 1600}},    {"7.bias", {128}},
      {"9.weight", {10, 128}},      {"9.bias", {10}}};
  const auto entries = state_dict(net);
  ASSERT_EQ(entries.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(entries[i].name, expected[i].first);
    EXPECT_EQ(entries[i].shape, expected[i].second) << entries[i].name;
  }
  EXPECT_TRUE(entries[2].tensor.shares_storage_with(conv3->weight().value()));
}

const Tensor kInput = Tensor::from_data(golden_cnn::cnn_x, {6, golden_cnn::features});

TEST(StateDictCnn, LoadsTheNetworkPyTorchSavedAndComputesItsOutput) {
  auto net = testing::small_cnn();
  const SafetensorsMetadata meta = load_module(kTestsDir / "golden" / "cnn_init.safetensors", *net);
  EXPECT_EQ(meta.at("format"), "pt");
  const Tensor y = (*net)(Var(kInput)).value();
  ASSERT_EQ(y.shape(), (Shape{6, 3}));
  for (Index i = 0; i < y.numel(); ++i)
    EXPECT_NEAR(y.data()[i], golden_cnn::cnn_logits[i], 1e-5f) << "logit " << i;
}

TEST(StateDictCnn, SaveThenLoadRoundTrips) {
  TempDir dir;
  Generator gen_a(1), gen_b(2);
  auto a = testing::small_cnn(&gen_a), b = testing::small_cnn(&gen_b);
  ASSERT_NE(a->parameters()[0].value().to_vector(), b->parameters()[0].value().to_vector());
  save_module(dir / "cnn.safetensors", *a);
  const SafetensorsFile file = read_safetensors(dir / "cnn.safetensors");
  EXPECT_EQ(file.find("3.weight")->shape, (std::vector<Index>{8, 4, 3, 3}));
  EXPECT_EQ(file.find("7.weight")->shape, (std::vector<Index>{3, 32}));
  load_module(dir / "cnn.safetensors", *b);
  const auto pa = a->parameters(), pb = b->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i)
    EXPECT_EQ(pa[i].value().to_vector(), pb[i].value().to_vector()) << i;
  EXPECT_EQ((*a)(Var(kInput)).value().to_vector(), (*b)(Var(kInput)).value().to_vector());
}

TEST(StateDictCnn, PyTorchLoadsTheNetworkLockstepWroteStrictly) {
  const Command probe = run("/usr/bin/python3 -c 'import torch'");
  ASSERT_EQ(probe.status, 0) << "/usr/bin/python3 cannot import torch; run scripts/install-deps.sh "
                                "(it installs python3-torch).\n"
                             << probe.output;
  TempDir dir;
  const auto path = dir / "cnn.safetensors";
  Generator gen(9);
  auto net = testing::small_cnn(&gen);
  save_module(path, *net);
  const Tensor y = (*net)(Var(kInput)).value();
  const std::string script = "/usr/bin/python3 " +
                             quoted((kTestsDir / "io" / "load_in_torch.py").string()) + " " +
                             quoted(path.string()) + " --architecture=small_cnn";
  const std::string w0 = rows_text(net->parameters()[0].value().reshape({1, 36}));
  const std::string command = script + " --input=" + quoted(rows_text(kInput)) +
                              " --output=" + quoted(rows_text(y)) +
                              " --param=" + quoted("0.weight=" + w0);
  const Command result = run(command);
  EXPECT_EQ(result.status, 0) << command << "\n" << result.output;
  EXPECT_NE(result.output.find("OK"), std::string::npos) << result.output;
  // The check is real: another output fails.
  const Tensor other = Tensor::full(y.shape(), 0.5f);
  const Command wrong = run(script + " --input=" + quoted(rows_text(kInput)) +
                            " --output=" + quoted(rows_text(other)));
  EXPECT_NE(wrong.status, 0) << wrong.output;
}

}  // namespace
}  // namespace lockstep
