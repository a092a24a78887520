#include "lockstep/nn/init.hpp"

#include <cmath>

#include "lockstep/core/error.hpp"

namespace lockstep::init {

void uniform_(Tensor& t, float lo, float hi, Generator& gen) {
  for (float& v : t.span()) v = gen.uniform(lo, hi);
}

void normal_(Tensor& t, float mean, float stddev, Generator& gen) {
  for (float& v : t.span()) v = gen.normal(mean, stddev);
}

void zeros_(Tensor& t) { t.zero_(); }

void constant_(Tensor& t, float value) { t.fill_(value); }

void linear_default_(Tensor& weight, Tensor& bias, Generator& gen) {
  const Index fan_in = weight.cols();
  LOCKSTEP_CHECK(fan_in > 0, "linear_default_: weight of shape ", weight.shape(),
                 " has no input features");
  const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
  uniform_(weight, -bound, bound, gen);
  if (bias.defined()) uniform_(bias, -bound, bound, gen);
}

const char* to_string(Nonlinearity n) {
  switch (n) {
    case Nonlinearity::Linear:
      return "linear";
    case Nonlinearity::Sigmoid:
      return "sigmoid";
    case Nonlinearity::Tanh:
      return "tanh";
    case Nonlinearity::Relu:
      return "relu";
    case Nonlinearity::LeakyRelu:
      return "leaky_relu";
  }
  return "?";
}

float calculate_gain(Nonlinearity nonlinearity, float param) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Sigmoid:
      return 1.0f;
    case Nonlinearity::Tanh:
      return 5.0f / 3.0f;
    case Nonlinearity::Relu:
      return std::sqrt(2.0f);
    case Nonlinearity::LeakyRelu:
      LOCKSTEP_CHECK(std::isfinite(param), "calculate_gain: negative_slope ", param,
                     " is not a valid number");
      return std::sqrt(2.0f / (1.0f + param * param));
  }
  return 1.0f;
}

namespace {

// The standard deviation Kaiming initialization aims for: gain / sqrt(fan).
float kaiming_std(const Tensor& t, float a, FanMode mode, Nonlinearity nonlinearity,
                  const char* op) {
  const Index fan = mode == FanMode::FanIn ? t.cols() : t.rows();
  LOCKSTEP_CHECK(fan > 0, op, ": cannot compute the fan of a tensor of shape ", t.shape());
  return calculate_gain(nonlinearity, a) / std::sqrt(static_cast<float>(fan));
}

float xavier_std(const Tensor& t, float gain, const char* op) {
  const Index fans = t.rows() + t.cols();
  LOCKSTEP_CHECK(fans > 0, op, ": cannot compute the fans of a tensor of shape ", t.shape());
  return gain * std::sqrt(2.0f / static_cast<float>(fans));
}

}  // namespace

void kaiming_uniform_(Tensor& t, float a, FanMode mode, Nonlinearity nonlinearity, Generator& gen) {
  if (t.numel() == 0) return;
  // A uniform on [-b, b] has standard deviation b / sqrt(3).
  const float bound = std::sqrt(3.0f) * kaiming_std(t, a, mode, nonlinearity, "kaiming_uniform_");
  uniform_(t, -bound, bound, gen);
}

void kaiming_normal_(Tensor& t, float a, FanMode mode, Nonlinearity nonlinearity, Generator& gen) {
  if (t.numel() == 0) return;
  normal_(t, 0.0f, kaiming_std(t, a, mode, nonlinearity, "kaiming_normal_"), gen);
}

void xavier_uniform_(Tensor& t, float gain, Generator& gen) {
  if (t.numel() == 0) return;
  const float bound = std::sqrt(3.0f) * xavier_std(t, gain, "xavier_uniform_");
  uniform_(t, -bound, bound, gen);
}

void xavier_normal_(Tensor& t, float gain, Generator& gen) {
  if (t.numel() == 0) return;
  normal_(t, 0.0f, xavier_std(t, gain, "xavier_normal_"), gen);
}

}  // namespace lockstep::init
