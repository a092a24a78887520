// Softmax and log-softmax kernels: normalization, stability on huge logits, the backward
// kernels' closed forms, and shape checks. Golden values from PyTorch are in
// tests/nn/test_losses.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/ops/softmax.hpp"

namespace lockstep::ops {
namespace {

TEST(SoftmaxOps, RowsSumToOneAndMatchTheDefinition) {
  Tensor x = Tensor::from_rows({{1, 2, 3}, {-1, 0, 0.5f}});
  Tensor p(x.shape()), lp(x.shape());
  softmax_forward(p, x);
  log_softmax_forward(lp, x);
  for (Index i = 0; i < 2; ++i) {
    double z = 0;
    for (Index j = 0; j < 3; ++j) z += std::exp(double(x(i, j)));
    float total = 0;
    for (Index j = 0; j < 3; ++j) {
      EXPECT_NEAR(p(i, j), std::exp(double(x(i, j))) / z, 1e-7);
      EXPECT_NEAR(lp(i, j), double(x(i, j)) - std::log(z), 1e-6);
      total += p(i, j);
    }
    EXPECT_NEAR(total, 1.0f, 1e-6f);
  }
}

TEST(SoftmaxOps, HugeLogitsStayFinite) {
  Tensor x = Tensor::from_rows({{1000, 1000, 1000}, {-1000, 0, 1000}, {-5000, -5001, -5002}});
  Tensor p(x.shape()), lp(x.shape());
  softmax_forward(p, x);
  log_softmax_forward(lp, x);
  for (float v : p.span()) EXPECT_TRUE(std::isfinite(v));
  for (float v : lp.span()) EXPECT_TRUE(std::isfinite(v));
  EXPECT_NEAR(p(0, 1), 1.0f / 3.0f, 1e-7f);
  EXPECT_EQ(p(1, 2), 1.0f);
  EXPECT_NEAR(lp(1, 0), -2000.0f, 1e-3f);
  EXPECT_NEAR(lp(2, 0), -std::log(1 + std::exp(-1.0f) + std::exp(-2.0f)), 1e-6f);
}

TEST(SoftmaxOps, BackwardKernelsUseTheirClosedForms) {
  Tensor x = Tensor::from_rows({{0.5f, -1, 2}, {3, 0, -2}});
  Tensor dy = Tensor::from_rows({{1, -2, 0.5f}, {0.25f, 1, -1}});
  Tensor p(x.shape()), lp(x.shape()), dx(x.shape());
  softmax_forward(p, x);
  softmax_backward(dx, dy, p);
  for (Index i = 0; i < 2; ++i) {
    float dot = 0;
    for (Index j = 0; j < 3; ++j) dot += dy(i, j) * p(i, j);
    for (Index j = 0; j < 3; ++j) EXPECT_NEAR(dx(i, j), p(i, j) * (dy(i, j) - dot), 1e-6f);
  }
  log_softmax_forward(lp, x);
  log_softmax_backward(dx, dy, lp);
  for (Index i = 0; i < 2; ++i) {
    const float total = dy(i, 0) + dy(i, 1) + dy(i, 2);
    for (Index j = 0; j < 3; ++j) EXPECT_NEAR(dx(i, j), dy(i, j) - p(i, j) * total, 1e-6f);
  }
}

TEST(SoftmaxOps, EmptyTensorsAreFineAndShapesAreChecked) {
  Tensor empty(3, 0), out(3, 0);
  EXPECT_NO_THROW(softmax_forward(out, empty));
  EXPECT_NO_THROW(log_softmax_forward(out, empty));
  Tensor x(2, 3), wrong(3, 2);
  try {
    softmax_forward(wrong, x);
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("[3, 2]"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  }
  EXPECT_THROW(log_softmax_forward(wrong, x), Error);
  EXPECT_THROW(softmax_backward(x, wrong, x), Error);
  EXPECT_THROW(log_softmax_backward(wrong, x, x), Error);
}

}  // namespace
}  // namespace lockstep::ops
