// Conv2d, MaxPool2d, AvgPool2d and Flatten as modules: geometry, PyTorch parameter shapes,
// initialization, errors that name the bad value, and a Sequential CNN that learns.
#include <gtest/gtest.h>

#include <cmath>

#include "lockstep/core/error.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/conv.hpp"
#include "lockstep/nn/flatten.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/nn/pooling.hpp"
#include "lockstep/nn/sequential.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/tensor/random.hpp"
#include "support/error_of.hpp"

namespace lockstep {
namespace {

using testing::error_of;

TEST(Conv2d, ParametersHavePyTorchShapesAndTheGeometryIsKnown) {
  Generator gen(1);
  Conv2d conv({3, 28, 28}, 32, 5, {.stride = 2, .padding = 1, .generator = &gen});
  EXPECT_EQ(conv.weight().shape(), (Shape{32, 75}));
  EXPECT_EQ(conv.bias().shape(), (Shape{1, 32}));
  const auto shapes = conv.parameter_shapes();
  ASSERT_EQ(shapes.size(), 2u);
  EXPECT_EQ(shapes[0], (std::vector<Index>{32, 3, 5, 5}));
  EXPECT_EQ(shapes[1], (std::vector<Index>{32}));
  // (28 + 2 - 5) / 2 + 1 = 13
  EXPECT_EQ(conv.output_shape(), (ImageShape{32, 13, 13}));
  EXPECT_EQ(conv.input_shape(), (ImageShape{3, 28, 28}));
  EXPECT_EQ(conv.in_channels(), 3);
  EXPECT_EQ(conv(Var(Tensor(Shape{4, 3 * 28 * 28}))).shape(), (Shape{4, 32 * 13 * 13}));

  Conv2d no_bias({1, 8, 8}, 4, Size2d(3, 2), {.bias = false, .generator = &gen});
  EXPECT_FALSE(no_bias.bias().defined());
  EXPECT_EQ(no_bias.parameter_shapes(), (std::vector<std::vector<Index>>{{4, 1, 3, 2}}));
  EXPECT_EQ(no_bias.output_shape(), (ImageShape{4, 6, 7}));
}

TEST(Conv2d, GroupsShapeTheWeightAndAreChecked) {
  Conv2d conv({6, 5, 5}, 4, 3, {.groups = 2});
  EXPECT_EQ(conv.weight().shape(), (Shape{4, 27}));
  EXPECT_EQ(conv.parameter_shapes()[0], (std::vector<Index>{4, 3, 3, 3}));
  const float bound = 1.0f / std::sqrt(27.0f);  // fan_in = in / groups * kh * kw
  for (float v : conv.weight().value().span()) EXPECT_LE(std::abs(v), bound);
  const std::string bad = error_of([] { Conv2d({6, 5, 5}, 4, 3, {.groups = 4}); });
  EXPECT_NE(bad.find("groups 4 must be positive and divide both in_channels 6 and out_channels 4"),
            std::string::npos)
      << bad;
}

TEST(Conv2d, InitializationIsPyTorchsUniformOverTheFanIn) {
  // U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias, fan_in = in * kh * kw: the draws of
  // a Linear with fan_in inputs from the same generator state.
  Generator a(5), b(5);
  Conv2d conv({2, 6, 6}, 8, 3, {.generator = &a});
  Linear fc(18, 8, {.generator = &b});
  EXPECT_EQ(conv.weight().value().to_vector(), fc.weight().value().to_vector());
  EXPECT_EQ(conv.bias().value().to_vector(), fc.bias().value().to_vector());
  const float bound = 1.0f / std::sqrt(18.0f);
  float largest = 0;
  for (float v : conv.weight().value().span()) {
    EXPECT_LE(std::abs(v), bound);
    largest = std::max(largest, std::abs(v));
  }
  EXPECT_GT(largest, 0.8f * bound);
}

TEST(Conv2d, BadGeometryAndInputsAreErrorsNamingTheValues) {
  EXPECT_NE(error_of([] {
              Conv2d({1, 5, 5}, 0, 3);
            }).find("out_channels must be positive, got 0"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Conv2d({1, 5, 5}, 2, 3, {.stride = 0});
            }).find("stride (0, 0)"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Conv2d({1, 5, 5}, 2, 3, {.padding = -1});
            }).find("padding (-1, -1)"),
            std::string::npos);
  const std::string big = error_of([] { Conv2d({1, 4, 4}, 2, 5); });
  EXPECT_NE(big.find("kernel size (5, 5)"), std::string::npos) << big;
  EXPECT_NE(big.find("[1, 4, 4]"), std::string::npos) << big;
  Conv2d conv({2, 5, 5}, 3, 3);
  const std::string wrong = error_of([&] { conv(Var(Tensor(Shape{2, 49}))); });
  EXPECT_NE(wrong.find("input of shape [2, 49]"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("expected C*H*W = 50"), std::string::npos) << wrong;
}

TEST(Pool2d, GeometryDefaultsAndErrors) {
  MaxPool2d pool({32, 26, 26}, 2);
  EXPECT_EQ(pool.output_shape(), (ImageShape{32, 13, 13}));
  EXPECT_EQ(pool.geometry().effective_stride(), Size2d(2));
  EXPECT_TRUE(pool.parameters().empty());
  AvgPool2d avg({3, 7, 7}, 3, {.stride = 2, .padding = 1});
  EXPECT_EQ(avg.output_shape(), (ImageShape{3, 4, 4}));
  EXPECT_TRUE(avg.geometry().count_include_pad);
  const std::string pad = error_of([] { MaxPool2d({1, 6, 6}, 2, {.padding = 2}); });
  EXPECT_NE(pad.find("padding (2, 2) must be between 0 and half the kernel size (2, 2)"),
            std::string::npos)
      << pad;
  const std::string wrong = error_of([&] { pool(Var(Tensor(Shape{1, 10}))); });
  EXPECT_NE(wrong.find("MaxPool2d"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("expected C*H*W = 21632"), std::string::npos) << wrong;
  EXPECT_NE(error_of([] {
              AvgPool2d({1, 2, 2}, 3);
            }).find("larger than the padded input"),
            std::string::npos);
}

TEST(Flatten, ReturnsItsInputAndKeepsTheGraph) {
  Flatten flatten;
  Var x(Tensor::from_rows({{1, 2, 3}}), true);
  Var y = flatten(x);
  EXPECT_EQ(y.value().to_vector(), x.value().to_vector());
  sum(y * y).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2, 4, 6}));
  EXPECT_TRUE(flatten.parameters().empty());
}

// Images of 1 x 8 x 8 with a bright 3 x 3 square in one of the four quadrants; the class is
// the quadrant.
struct Quadrants {
  Tensor x, y;
};
Quadrants quadrants(Index n, std::uint64_t seed) {
  Generator gen(seed);
  Quadrants d{randn({n, 64}, gen), Tensor(n, 1)};
  d.x.mul_(0.3f);
  for (Index i = 0; i < n; ++i) {
    const auto q = static_cast<Index>(gen.below(4));
    const Index top = (q / 2) * 4 + static_cast<Index>(gen.below(2));
    const Index left = (q % 2) * 4 + static_cast<Index>(gen.below(2));
    for (Index r = top; r < top + 3; ++r)
      for (Index c = left; c < left + 3; ++c) d.x(i, r * 8 + c) += 2.0f;
    d.y(i, 0) = static_cast<float>(q);
  }
  return d;
}

TEST(Sequential, AConvolutionalNetworkLearnsWhereTheSquareIs) {
  Generator gen(3);
  auto conv1 = std::make_shared<Conv2d>(ImageShape{1, 8, 8}, 4, 3,
                                        Conv2dOptions{.padding = 1, .generator = &gen});
  auto pool1 = std::make_shared<MaxPool2d>(conv1->output_shape(), 2);
  auto conv2 = std::make_shared<Conv2d>(pool1->output_shape(), 8, 3,
                                        Conv2dOptions{.padding = 1, .generator = &gen});
  auto pool2 = std::make_shared<AvgPool2d>(conv2->output_shape(), 2);
  Sequential net{
      conv1,
      std::make_shared<ReLU>(),
      pool1,
      conv2,
      std::make_shared<ReLU>(),
      pool2,
      std::make_shared<Flatten>(),
      std::make_shared<Linear>(pool2->output_shape().numel(), 4, LinearOptions{.generator = &gen})};
  EXPECT_EQ(net.named_parameters()[4].first, "7.weight");
  CrossEntropyLoss loss_fn;
  Adam opt(net.parameters(), AdamOptions(0.01));
  const Quadrants train = quadrants(256, 1), test = quadrants(128, 2);
  float first = 0, last = 0;
  for (int epoch = 0; epoch < 8; ++epoch) {
    for (Index b = 0; b < 256; b += 32) {
      Var loss = loss_fn(net(Var(train.x.rows_view(b, 32))), Var(train.y.rows_view(b, 32)));
      opt.zero_grad();
      loss.backward();
      opt.step();
      if (epoch == 0 && b == 0) first = loss.item();
      last = loss.item();
    }
  }
  EXPECT_LT(last, 0.2f * first);
  const Tensor logits = net(Var(test.x)).value();
  Index correct = 0;
  for (Index i = 0; i < 128; ++i) {
    Index best = 0;
    for (Index c = 1; c < 4; ++c)
      if (logits(i, c) > logits(i, best)) best = c;
    correct += best == static_cast<Index>(test.y(i, 0));
  }
  EXPECT_GE(correct, 120) << "test accuracy " << correct << "/128";
}

}  // namespace
}  // namespace lockstep
