// Convolution and pooling against values computed by PyTorch (tests/golden/make_golden_conv.py):
// forward outputs and the gradients of sum(cotangent * output) with respect to the input, the
// weight and the bias, for strided, padded, dilated, grouped and 1 x 1 convolutions and for max and
// average pooling with and without padding (and count_include_pad both ways), through the
// modules and the autograd functions.
#include <gtest/gtest.h>

#include <cmath>
#include <span>

#include "golden/golden_conv.hpp"
#include "lockstep/autograd/conv_functions.hpp"
#include "lockstep/nn/conv.hpp"
#include "lockstep/nn/pooling.hpp"

namespace lockstep {
namespace {

// |actual - expected| <= rtol * max(1, |expected|), element by element.
void expect_close(const Tensor& t, std::span<const float> expected, float rtol = 2e-5f) {
  ASSERT_EQ(static_cast<std::size_t>(t.numel()), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(t.data()[i], expected[i], rtol * std::max(1.0f, std::abs(expected[i])))
        << "element " << i;
  }
}

struct ConvCase {
  std::span<const long> geometry;  // N, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, bias, groups
  std::span<const float> x, weight, bias, cotangent, output, dx, dweight, dbias;
};

#define CONV_CASE(p)                                                                               \
  ConvCase {                                                                                       \
    golden_conv::p##_geometry, golden_conv::p##_x, golden_conv::p##_weight, golden_conv::p##_bias, \
        golden_conv::p##_cotangent, golden_conv::p##_output, golden_conv::p##_dx,                  \
        golden_conv::p##_dweight, golden_conv::p##_dbias                                           \
  }

void check_conv(const ConvCase& c) {
  const auto& g = c.geometry;
  const Index n = g[0];
  const ImageShape image{g[1], g[2], g[3]};
  const bool has_bias = g[13] != 0;
  Generator gen(0);
  Conv2d conv(image, g[4], Size2d(g[5], g[6]),
              {.stride = Size2d(g[7], g[8]),
               .padding = Size2d(g[9], g[10]),
               .dilation = Size2d(g[11], g[12]),
               .groups = g[14],
               .bias = has_bias,
               .generator = &gen});
  conv.weight().value().copy_(Tensor::from_vector(c.weight, conv.weight().shape()));
  if (has_bias) conv.bias().value().copy_(Tensor::row(c.bias));
  Var x(Tensor::from_vector(c.x, {n, image.numel()}), true);
  Var y = conv(x);
  ASSERT_EQ(y.shape(), (Shape{n, conv.output_shape().numel()}));
  expect_close(y.value(), c.output);
  y.backward(Tensor::from_vector(c.cotangent, y.shape()));
  expect_close(x.grad(), c.dx);
  expect_close(conv.weight().grad(), c.dweight);
  if (has_bias) expect_close(conv.bias().grad(), c.dbias);
}

TEST(Conv2dGolden, StridedPaddedNonSquareKernel) { check_conv(CONV_CASE(conv_strided)); }
TEST(Conv2dGolden, DilatedWithWidePadding) { check_conv(CONV_CASE(conv_dilated)); }
TEST(Conv2dGolden, PointwiseWithoutBias) { check_conv(CONV_CASE(conv_pointwise)); }
TEST(Conv2dGolden, PointwiseStridedPadded) { check_conv(CONV_CASE(conv_pointwise_strided)); }
TEST(Conv2dGolden, TwoGroupsStridedPadded) { check_conv(CONV_CASE(conv_grouped)); }
TEST(Conv2dGolden, DepthwisePointwise) { check_conv(CONV_CASE(conv_depthwise_pointwise)); }

struct PoolCase {
  std::span<const long> geometry;  // N, C, H, W, KH, KW, SH, SW, PH, PW, count_include_pad
  std::span<const float> x, cotangent, output, dx;
};

#define POOL_CASE(p)                                                           \
  PoolCase {                                                                   \
    golden_conv::p##_geometry, golden_conv::p##_x, golden_conv::p##_cotangent, \
        golden_conv::p##_output, golden_conv::p##_dx                           \
  }

template <class Layer>
void check_pool(const PoolCase& c, Layer& layer) {
  const Index n = c.geometry[0];
  Var x(Tensor::from_vector(c.x, {n, layer.input_shape().numel()}), true);
  Var y = layer(x);
  ASSERT_EQ(y.shape(), (Shape{n, layer.output_shape().numel()}));
  expect_close(y.value(), c.output);
  y.backward(Tensor::from_vector(c.cotangent, y.shape()));
  expect_close(x.grad(), c.dx);
}

void check_max_pool(const PoolCase& c, bool default_stride = false) {
  const auto& g = c.geometry;
  MaxPool2d pool(
      {g[1], g[2], g[3]}, Size2d(g[4], g[5]),
      {.stride = default_stride ? Size2d(0) : Size2d(g[6], g[7]), .padding = Size2d(g[8], g[9])});
  check_pool(c, pool);
}

void check_avg_pool(const PoolCase& c, bool default_stride = false) {
  const auto& g = c.geometry;
  AvgPool2d pool({g[1], g[2], g[3]}, Size2d(g[4], g[5]),
                 {.stride = default_stride ? Size2d(0) : Size2d(g[6], g[7]),
                  .padding = Size2d(g[8], g[9]),
                  .count_include_pad = g[10] != 0});
  check_pool(c, pool);
}

TEST(MaxPool2dGolden, PaddedStrided) { check_max_pool(POOL_CASE(maxpool_padded)); }
TEST(MaxPool2dGolden, StrideDefaultsToTheKernel) {
  check_max_pool(POOL_CASE(maxpool_default_stride), true);
}
TEST(MaxPool2dGolden, OverlappingWindowsSumTheirGradients) {
  check_max_pool(POOL_CASE(maxpool_overlapping));
}
TEST(AvgPool2dGolden, PaddingCountedInTheDivisor) { check_avg_pool(POOL_CASE(avgpool_padded)); }
TEST(AvgPool2dGolden, PaddingExcludedFromTheDivisor) {
  check_avg_pool(POOL_CASE(avgpool_padded_exclude));
}
TEST(AvgPool2dGolden, StrideDefaultsToTheKernel) {
  check_avg_pool(POOL_CASE(avgpool_default_stride), true);
}

TEST(Conv2dGolden, TheFunctionalFormMatchesTheModule) {
  const ConvCase c = CONV_CASE(conv_strided);
  const auto& g = c.geometry;
  const ops::Conv2dGeometry geometry{.input = {g[1], g[2], g[3]},
                                     .out_channels = g[4],
                                     .kernel = Size2d(g[5], g[6]),
                                     .stride = Size2d(g[7], g[8]),
                                     .padding = Size2d(g[9], g[10])};
  Var x(Tensor::from_vector(c.x, {g[0], geometry.input.numel()}));
  Var w(Tensor::from_vector(c.weight, {geometry.out_channels, geometry.weight_cols()}), true);
  Var b(Tensor::row(c.bias), true);
  Var y = conv2d(x, w, b, geometry);
  expect_close(y.value(), c.output);
  EXPECT_EQ(y.grad_fn_name(), "ConvolutionBackward");
  y.backward(Tensor::from_vector(c.cotangent, y.shape()));
  expect_close(w.grad(), c.dweight);
  expect_close(b.grad(), c.dbias);
}

}  // namespace
}  // namespace lockstep
