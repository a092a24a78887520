// Convolutional networks' state dicts: PyTorch's names and shapes ("0.weight" as
// [out, in, kh, kw]), the file PyTorch saved loads here and computes PyTorch's output, a
// lockstep file round-trips, and PyTorch loads what lockstep wrote with
// load_state_dict(strict=True) and computes the same output (tests/golden/make_golden_cnn.py,
// tests/io/load_in_torch.py --architecture small_cnn). Batch normalization's buffers too:
// running_mean and running_var as F32, num_batches_tracked as an I64 of shape [], both ways
// (tests/golden/make_golden_batch_norm.py, --architecture bn_cnn).
#include <gtest/gtest.h>

#include <cmath>

#include "golden/golden_batch_norm.hpp"
#include "golden/golden_cnn.hpp"
#include "io/io_test_util.hpp"
#include "io/python_command.hpp"
#include "lockstep/io/state_dict.hpp"
#include "lockstep/tensor/random.hpp"
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

const Tensor kBnInput = Tensor::from_data(golden_bn::bn_cnn_x, {4, 64});

TEST(StateDictCnn, BatchNormBuffersHavePyTorchsNamesShapesAndDtypes) {
  auto net = testing::bn_cnn();
  const auto entries = state_dict(*net);
  std::vector<std::string> names;
  for (const auto& e : entries) names.push_back(e.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "5.weight",
                                      "5.bias", "6.weight", "6.bias", "8.weight", "8.bias",
                                      "1.running_mean", "1.running_var", "1.num_batches_tracked",
                                      "6.running_mean", "6.running_var", "6.num_batches_tracked"}));
  const SafetensorsEntry& count = entries[12];
  EXPECT_EQ(count.dtype, SafetensorsDtype::kI64);
  EXPECT_TRUE(count.shape.empty());
  EXPECT_EQ(count.int64s, (std::vector<std::int64_t>{0}));
  EXPECT_EQ(entries[10].shape, (std::vector<Index>{4}));
}

TEST(StateDictCnn, LoadsTheBatchNormNetworkPyTorchTrainedAndComputesItsEvaluationOutput) {
  auto net = testing::bn_cnn();
  load_module(kTestsDir / "golden" / "bn_cnn_torch.safetensors", *net);
  auto& bn = dynamic_cast<BatchNorm2d&>(*(*net)[1]);
  EXPECT_EQ(bn.num_batches_tracked(), 3);
  EXPECT_NE(bn.running_var().to_vector(), std::vector<float>(4, 1.0f));
  net->eval();
  const Tensor y = (*net)(Var(kBnInput)).value();
  ASSERT_EQ(y.shape(), (Shape{4, 3}));
  for (Index i = 0; i < y.numel(); ++i)
    EXPECT_NEAR(y.data()[i], golden_bn::bn_cnn_eval_logits[i], 1e-5f) << "logit " << i;
}

TEST(StateDictCnn, BatchNormBuffersRoundTripAndACountMustBeAnInteger) {
  TempDir dir;
  auto a = testing::bn_cnn(), b = testing::bn_cnn();
  Generator gen(3);
  for (int i = 0; i < 2; ++i) (*a)(Var(randn({6, 64}, gen)));  // moves a's running statistics
  save_module(dir / "bn.safetensors", *a);
  load_module(dir / "bn.safetensors", *b);
  const auto ba = a->named_buffers(), bb = b->named_buffers();
  ASSERT_EQ(ba.size(), 6u);
  for (std::size_t i = 0; i < ba.size(); ++i) {
    if (ba[i].integer) {
      EXPECT_EQ(*bb[i].integer, 2) << bb[i].name;
    } else {
      EXPECT_EQ(ba[i].tensor->to_vector(), bb[i].tensor->to_vector()) << ba[i].name;
    }
  }
  auto entries = state_dict(*a);
  for (auto& e : entries)
    if (e.name == "6.num_batches_tracked") e = {e.name, {}, Tensor::scalar(2.0f)};
  const std::string message = testing::error_of([&] { load_state_dict(*b, entries, "f32"); });
  EXPECT_NE(message.find("floating-point tensors where an integer (I64) count belongs: "
                         "'6.num_batches_tracked'"),
            std::string::npos)
      << message;
}

TEST(StateDictCnn, PyTorchLoadsTheBatchNormNetworkLockstepTrainedStrictly) {
  TempDir dir;
  const auto path = dir / "bn.safetensors";
  Generator gen(4);
  auto net = testing::bn_cnn(&gen);
  for (int i = 0; i < 3; ++i) (*net)(Var(randn({5, 64}, gen)));
  net->eval();
  save_module(path, *net);
  const Tensor y = (*net)(Var(kBnInput)).value();
  const auto& bn = dynamic_cast<const BatchNorm1d&>(*(*net)[6]);
  const std::string command =
      "/usr/bin/python3 " + quoted((kTestsDir / "io" / "load_in_torch.py").string()) + " " +
      quoted(path.string()) + " --architecture=bn_cnn --input=" + quoted(rows_text(kBnInput)) +
      " --output=" + quoted(rows_text(y)) + " --param=6.num_batches_tracked=3 --param=" +
      quoted("6.running_var=" + rows_text(bn.running_var()));
  const Command result = run(command);
  EXPECT_EQ(result.status, 0) << command << "\n" << result.output;
  EXPECT_NE(result.output.find("OK"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace lockstep
