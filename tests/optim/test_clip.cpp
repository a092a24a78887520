// clip_grad_norm_ against torch.nn.utils.clip_grad_norm_ (tests/golden/make_golden_optim.py):
// three gradients and a parameter without one, clipped to a small, a large and a zero max_norm;
// and the non-finite case, which is reported and left unscaled.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "golden/golden_optim.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/optim/clip.hpp"

namespace lockstep {
namespace {

const std::vector<Shape> kShapes = {{2, 3}, {1, 4}, {3, 1}};

// Parameters with the golden gradients, plus one [2, 2] parameter without a gradient.
std::vector<Var> params_with_grads() {
  std::vector<Var> params;
  const float* g = golden::clip_grads;
  for (const Shape& s : kShapes) {
    Var p(Tensor::zeros(s), true);
    p.set_grad(Tensor::from_data(g, s));
    g += s.numel();
    params.push_back(p);
  }
  params.emplace_back(Tensor::zeros({2, 2}), true);
  return params;
}

void run_and_compare(double max_norm, float want_norm, const float* want_grads) {
  std::vector<Var> params = params_with_grads();
  const double norm = clip_grad_norm_(params, max_norm);
  EXPECT_NEAR(norm, want_norm, 1e-5 * want_norm);
  const float* want = want_grads;
  for (std::size_t i = 0; i < kShapes.size(); ++i) {
    for (float got : params[i].grad().span()) {
      EXPECT_NEAR(got, *want, 1e-5f * std::max(1.0f, std::abs(*want))) << "parameter " << i;
      ++want;
    }
  }
  EXPECT_FALSE(params.back().grad().defined());
}

TEST(ClipGradNorm, ClipsToMaxNormAsPyTorch) {
  run_and_compare(1.0, golden::clip_small_norm[0], golden::clip_small_grads);
}
TEST(ClipGradNorm, LeavesSmallGradientsAsPyTorch) {
  run_and_compare(100.0, golden::clip_large_norm[0], golden::clip_large_grads);
}
TEST(ClipGradNorm, ZeroMaxNormZeroesAsPyTorch) {
  run_and_compare(0.0, golden::clip_zero_norm[0], golden::clip_zero_grads);
}

TEST(ClipGradNorm, ClippedNormIsMaxNorm) {
  std::vector<Var> params = params_with_grads();
  clip_grad_norm_(params, 2.0);
  EXPECT_NEAR(clip_grad_norm_(params, 1e9), 2.0, 1e-5);
}

TEST(ClipGradNorm, NonFiniteNormIsReportedAndNothingIsScaled) {
  for (float bad : {std::numeric_limits<float>::infinity(), std::nanf("")}) {
    std::vector<Var> params = params_with_grads();
    Tensor g = params[1].grad();
    g(0, 2) = bad;
    const std::vector<float> before = params[0].grad().to_vector();
    const double norm = clip_grad_norm_(params, 1.0);
    EXPECT_FALSE(std::isfinite(norm));
    EXPECT_EQ(std::isnan(norm), std::isnan(bad));
    EXPECT_EQ(params[0].grad().to_vector(), before);
  }
}

TEST(ClipGradNorm, NoGradientsGiveZeroAndBadMaxNormThrows) {
  std::vector<Var> params = {Var(Tensor::ones({2, 2}), true)};
  EXPECT_EQ(clip_grad_norm_(params, 1.0), 0.0);
  EXPECT_THROW(clip_grad_norm_(params, -1.0), Error);
  EXPECT_THROW(clip_grad_norm_(params, std::nan("")), Error);
}

}  // namespace
}  // namespace lockstep
