// Finite-difference gradient checks for batch normalization: with the batch's statistics
// (training, where the gradient flows through the mean and variance) and with fixed running
// statistics (evaluation), per feature (1d) and per image channel (2d), with and without affine
// parameters, and inside a small network.
#include <gtest/gtest.h>

#include "lockstep/autograd/conv_functions.hpp"
#include "lockstep/autograd/functions.hpp"
#include "lockstep/autograd/gradcheck.hpp"
#include "lockstep/autograd/norm_functions.hpp"
#include "lockstep/tensor/random.hpp"

namespace lockstep {
namespace {

Tensor r(Shape s, std::uint64_t seed, float scale = 1.0f, float shift = 0.0f) {
  Generator g(seed);
  Tensor t = randn(s, g);
  for (float& v : t.span()) v = v * scale + shift;
  return t;
}

void expect_gradcheck(const std::function<Var(const std::vector<Var>&)>& f,
                      const std::vector<Tensor>& inputs) {
  auto result = gradcheck(f, inputs);
  EXPECT_TRUE(result.ok) << result.message;
}

TEST(GradcheckNorm, BatchStatisticsPerFeatureAndPerChannel) {
  for (const ops::BatchNormGeometry g : {ops::BatchNormGeometry{4, 1}, {3, 6}}) {
    SCOPED_TRACE(g.spatial);
    const BatchNormArgs args{.geometry = g};  // no running statistics: nothing to update
    const Shape x{5, g.features()}, c{1, g.channels};
    expect_gradcheck([&](auto& v) { return batch_norm(v[0], v[1], v[2], args); },
                     {r(x, 1, 2.0f, 1.0f), r(c, 2, 0.5f, 1.0f), r(c, 3)});
    expect_gradcheck([&](auto& v) { return batch_norm(v[0], Var(), Var(), args); },
                     {r(x, 4, 2.0f, 1.0f)});
  }
}

TEST(GradcheckNorm, RunningStatisticsInEvaluation) {
  const ops::BatchNormGeometry g{3, 4};
  Tensor mean = r({1, 3}, 5), var = r({1, 3}, 6);
  for (float& v : var.span()) v = 0.5f + v * v;
  const BatchNormArgs args{
      .geometry = g, .training = false, .running_mean = &mean, .running_var = &var};
  expect_gradcheck([&](auto& v) { return batch_norm(v[0], v[1], v[2], args); },
                   {r({4, 12}, 7), r({1, 3}, 8), r({1, 3}, 9)});
}

TEST(GradcheckNorm, InsideAConvolutionalNetwork) {
  const ops::Conv2dGeometry conv{.input = {2, 5, 5}, .out_channels = 3, .kernel = 3, .padding = 1};
  const BatchNormArgs bn2{.geometry = {3, 25}};
  const BatchNormArgs bn1{.geometry = {4, 1}};
  const Tensor target = Tensor::column(std::vector<float>{0, 1, 3, 2});
  expect_gradcheck(
      [&](auto& v) {
        Var h = tanh(batch_norm(conv2d(v[0], v[1], Var(), conv), v[2], v[3], bn2));
        return cross_entropy(batch_norm(linear(h, v[4], Var()), Var(), Var(), bn1), target);
      },
      {r({4, 50}, 10), r({3, 18}, 11), r({1, 3}, 12, 0.5f, 1.0f), r({1, 3}, 13), r({4, 75}, 14)});
}

}  // namespace
}  // namespace lockstep
