// Kaiming and Xavier initializers: PyTorch's gains and bounds, and statistical checks on large
// tensors (bounds respected, mean near 0, standard deviation near the target).
#include <gtest/gtest.h>

#include <cmath>

#include "lockstep/core/error.hpp"
#include "lockstep/nn/init.hpp"

namespace lockstep::init {
namespace {

struct Stats {
  double mean = 0, stddev = 0, max_abs = 0;
};

Stats stats(const Tensor& t) {
  Stats s;
  for (float v : t.span()) s.mean += v;
  s.mean /= static_cast<double>(t.numel());
  for (float v : t.span()) {
    s.stddev += (v - s.mean) * (v - s.mean);
    s.max_abs = std::max(s.max_abs, std::abs(double(v)));
  }
  s.stddev = std::sqrt(s.stddev / static_cast<double>(t.numel()));
  return s;
}

// For n = 256 * 512 = 131072 draws the standard error of the mean is stddev / 362 and that of
// the standard deviation about stddev / 512; the tolerances below are about 5 of those.
constexpr Shape kShape{256, 512};  // [out, in]: fan_in 512, fan_out 256

void expect_distribution(const Tensor& t, double stddev, double bound) {
  const Stats s = stats(t);
  EXPECT_NEAR(s.mean, 0.0, 5 * stddev / 362);
  EXPECT_NEAR(s.stddev, stddev, 5 * stddev / 512);
  if (bound > 0) {
    EXPECT_LE(s.max_abs, bound);
    EXPECT_GT(s.max_abs, 0.99 * bound);  // the whole interval is used
  } else {
    EXPECT_GT(s.max_abs, 3.5 * stddev);  // normal tails, not a uniform
  }
}

TEST(Init, CalculateGainMatchesPyTorch) {
  EXPECT_FLOAT_EQ(calculate_gain(Nonlinearity::Linear), 1.0f);
  EXPECT_FLOAT_EQ(calculate_gain(Nonlinearity::Sigmoid), 1.0f);
  EXPECT_FLOAT_EQ(calculate_gain(Nonlinearity::Tanh), 5.0f / 3.0f);
  EXPECT_FLOAT_EQ(calculate_gain(Nonlinearity::Relu), std::sqrt(2.0f));
  EXPECT_FLOAT_EQ(calculate_gain(Nonlinearity::LeakyRelu), std::sqrt(2.0f / (1 + 0.01f * 0.01f)));
  EXPECT_FLOAT_EQ(calculate_gain(Nonlinearity::LeakyRelu, 0.0f), std::sqrt(2.0f));
  EXPECT_FLOAT_EQ(calculate_gain(Nonlinearity::LeakyRelu, std::sqrt(5.0f)), std::sqrt(1.0f / 3));
  EXPECT_STREQ(to_string(Nonlinearity::LeakyRelu), "leaky_relu");
}

TEST(Init, KaimingUniformFanInRelu) {
  Generator gen(1);
  Tensor w(kShape);
  kaiming_uniform_(w, 0.0f, FanMode::FanIn, Nonlinearity::Relu, gen);
  const double bound = std::sqrt(2.0) * std::sqrt(3.0 / 512);
  expect_distribution(w, bound / std::sqrt(3.0), bound);
}

TEST(Init, KaimingUniformLeakyReluSlopeAndFanOut) {
  Generator gen(2);
  Tensor w(kShape);
  kaiming_uniform_(w, 0.2f, FanMode::FanOut, Nonlinearity::LeakyRelu, gen);
  const double sd = std::sqrt(2.0 / (1 + 0.2 * 0.2)) / std::sqrt(256.0);
  expect_distribution(w, sd, sd * std::sqrt(3.0));
}

TEST(Init, KaimingUniformWithSqrt5IsLinearsDefault) {
  Generator g1(3), g2(3);
  Tensor a(Shape{16, 9}), b(Shape{16, 9}), no_bias;
  kaiming_uniform_(a, std::sqrt(5.0f), FanMode::FanIn, Nonlinearity::LeakyRelu, g1);
  linear_default_(b, no_bias, g2);
  for (Index i = 0; i < a.numel(); ++i) EXPECT_NEAR(a.data()[i], b.data()[i], 1e-6f) << i;
}

TEST(Init, KaimingNormalFanIn) {
  Generator gen(4);
  Tensor w(kShape);
  kaiming_normal_(w, 0.0f, FanMode::FanIn, Nonlinearity::Relu, gen);
  expect_distribution(w, std::sqrt(2.0 / 512), 0);
}

TEST(Init, XavierUniformAndNormal) {
  Generator gen(5);
  Tensor u(kShape), n(kShape);
  xavier_uniform_(u, 1.0f, gen);
  const double bound = std::sqrt(6.0 / (256 + 512));
  expect_distribution(u, bound / std::sqrt(3.0), bound);
  const float gain = calculate_gain(Nonlinearity::Tanh);
  xavier_normal_(n, gain, gen);
  expect_distribution(n, gain * std::sqrt(2.0 / (256 + 512)), 0);
}

TEST(Init, SameGeneratorSeedSameValuesAndEmptyTensorsAreLeftAlone) {
  Generator g1(9), g2(9);
  Tensor a(Shape{4, 5}), b(Shape{4, 5});
  xavier_normal_(a, 1.0f, g1);
  xavier_normal_(b, 1.0f, g2);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  Tensor empty(Shape{0, 5});
  EXPECT_NO_THROW(kaiming_uniform_(empty));
  EXPECT_NO_THROW(xavier_uniform_(empty));
}

}  // namespace
}  // namespace lockstep::init
