// Finite-difference gradient checks for convolution (input, weight and bias; strided, padded,
// dilated, grouped, 1 x 1, without bias) and for max and average pooling, alone and composed into a
// small convolutional classifier.
#include <gtest/gtest.h>

#include "lockstep/autograd/conv_functions.hpp"
#include "lockstep/autograd/functions.hpp"
#include "lockstep/autograd/gradcheck.hpp"
#include "lockstep/tensor/random.hpp"

namespace lockstep {
namespace {

using Fn = std::function<Var(const std::vector<Var>&)>;

Tensor r(Shape s, std::uint64_t seed) {
  Generator g(seed);
  return randn(s, g);
}

// Distinct values 0.05 apart in a random order: a finite-difference step of 0.01 never
// changes which element of a pooling window is the largest.
Tensor distinct(Shape s, std::uint64_t seed) {
  Generator g(seed);
  std::vector<std::int64_t> order = g.permutation(s.numel());
  Tensor t(s);
  for (Index i = 0; i < s.numel(); ++i)
    t.data()[i] = 0.05f * static_cast<float>(order[static_cast<std::size_t>(i)] - s.numel() / 2);
  return t;
}

void expect_gradcheck(const Fn& f, const std::vector<Tensor>& inputs) {
  auto result = gradcheck(f, inputs);
  EXPECT_TRUE(result.ok) << result.message;
}

void check_conv(const ops::Conv2dGeometry& g, bool bias, Index batch = 2) {
  const Shape x{batch, g.input.numel()}, w{g.out_channels, g.weight_cols()};
  if (bias) {
    expect_gradcheck([&](auto& v) { return conv2d(v[0], v[1], v[2], g); },
                     {r(x, 1), r(w, 2), r({1, g.out_channels}, 3)});
  } else {
    expect_gradcheck([&](auto& v) { return conv2d(v[0], v[1], Var(), g); }, {r(x, 4), r(w, 5)});
  }
}

TEST(GradcheckConv, Conv2dPlain) {
  check_conv({.input = {2, 5, 5}, .out_channels = 3, .kernel = 3}, true);
}

TEST(GradcheckConv, Conv2dStridedPaddedNonSquare) {
  check_conv({.input = {2, 6, 5},
              .out_channels = 3,
              .kernel = Size2d(3, 2),
              .stride = Size2d(2, 1),
              .padding = Size2d(1, 2)},
             true);
}

TEST(GradcheckConv, Conv2dDilatedWithoutBias) {
  check_conv(
      {.input = {2, 6, 6}, .out_channels = 2, .kernel = 2, .padding = 1, .dilation = Size2d(2, 3)},
      false);
}

TEST(GradcheckConv, Conv2dGrouped) {
  check_conv({.input = {4, 5, 4},
              .out_channels = 6,
              .kernel = 3,
              .stride = Size2d(1, 2),
              .padding = 1,
              .groups = 2},
             true);
  check_conv({.input = {3, 3, 3}, .out_channels = 3, .kernel = 1, .groups = 3}, false);
}

TEST(GradcheckConv, Conv2dPointwise) {
  check_conv({.input = {3, 3, 4}, .out_channels = 2, .kernel = 1}, true);
  check_conv({.input = {3, 3, 4}, .out_channels = 2, .kernel = 1, .stride = 2, .padding = 1}, true);
}

TEST(GradcheckConv, MaxPool2d) {
  const ops::Pool2dGeometry plain{.input = {2, 6, 6}, .kernel = 2};
  expect_gradcheck([&](auto& v) { return max_pool2d(v[0], plain); }, {distinct({2, 72}, 6)});
  const ops::Pool2dGeometry padded{.input = {2, 7, 6}, .kernel = 3, .stride = 2, .padding = 1};
  expect_gradcheck([&](auto& v) { return max_pool2d(v[0], padded); }, {distinct({2, 84}, 7)});
  // Overlapping windows (stride 1): one input is the maximum of several windows.
  const ops::Pool2dGeometry overlapping{.input = {1, 5, 5}, .kernel = 3, .stride = 1};
  expect_gradcheck([&](auto& v) { return max_pool2d(v[0], overlapping); }, {distinct({3, 25}, 8)});
}

TEST(GradcheckConv, AvgPool2dBothDivisors) {
  for (bool include_pad : {true, false}) {
    SCOPED_TRACE(include_pad ? "count_include_pad" : "padding excluded");
    const ops::Pool2dGeometry g{.input = {2, 7, 6},
                                .kernel = Size2d(3, 2),
                                .stride = Size2d(2, 1),
                                .padding = 1,
                                .count_include_pad = include_pad};
    expect_gradcheck([&](auto& v) { return avg_pool2d(v[0], g); }, {r({2, 84}, 9)});
  }
}

TEST(GradcheckConv, ASmallConvolutionalClassifierEndToEnd) {
  // max pool 2 -> conv 3x3 pad 1 -> tanh -> conv 2x2 -> avg pool 2 -> linear -> cross-entropy.
  // Max pooling comes first, on distinct values, so no finite-difference step moves a maximum.
  const ops::Pool2dGeometry p1{.input = {1, 8, 8}, .kernel = 2};
  const ops::Conv2dGeometry c1{.input = p1.output(), .out_channels = 3, .kernel = 3, .padding = 1};
  const ops::Conv2dGeometry c2{.input = c1.output(), .out_channels = 4, .kernel = 2};
  const ops::Pool2dGeometry p2{.input = c2.output(), .kernel = 2, .stride = 1};
  const Tensor target = Tensor::column(std::vector<float>{0, 2, 1});
  auto net = [&](auto& v) {
    Var h = tanh(conv2d(max_pool2d(v[0], p1), v[1], v[2], c1));
    h = avg_pool2d(conv2d(h, v[3], v[4], c2), p2);
    return cross_entropy(linear(h, v[5], v[6]), target);
  };
  expect_gradcheck(net, {distinct({3, 64}, 10), r({3, 9}, 11), r({1, 3}, 12), r({4, 12}, 13),
                         r({1, 4}, 14), r({3, p2.output().numel()}, 15), r({1, 3}, 16)});
}

}  // namespace
}  // namespace lockstep
