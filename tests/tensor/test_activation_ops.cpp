// Activation kernels (relu, sigmoid, tanh, exp, log): forward values against the C library,
// backward kernels against their closed forms, saturation without NaN, and shape checks.
// Finite-difference proofs are in tests/autograd/test_gradcheck_nn.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/ops/activation.hpp"

namespace lockstep::ops {
namespace {

const Tensor kX = Tensor::from_rows({{-3.0f, -0.5f, 0.0f}, {0.25f, 1.5f, 4.0f}});

TEST(ActivationOps, ReluForwardAndBackwardUseTheSign) {
  Tensor y(kX.shape());
  relu_forward(y, kX);
  EXPECT_EQ(y.to_vector(), (std::vector<float>{0, 0, 0, 0.25f, 1.5f, 4}));
  Tensor dy = Tensor::full(kX.shape(), 2.0f), dx(kX.shape());
  relu_backward(dx, dy, y);
  // Zero gradient at the kink (x = 0), as in PyTorch.
  EXPECT_EQ(dx.to_vector(), (std::vector<float>{0, 0, 0, 2, 2, 2}));
}

TEST(ActivationOps, SigmoidTanhExpLogMatchTheCLibrary) {
  Tensor s(kX.shape()), t(kX.shape()), e(kX.shape()), l(kX.shape());
  sigmoid_forward(s, kX);
  tanh_forward(t, kX);
  exp_forward(e, kX);
  Tensor pos = kX.clone();
  for (float& v : pos.span()) v = std::abs(v) + 0.5f;
  log_forward(l, pos);
  for (Index i = 0; i < kX.numel(); ++i) {
    const float x = kX.data()[i];
    EXPECT_NEAR(s.data()[i], 1.0f / (1.0f + std::exp(-x)), 1e-6f) << x;
    EXPECT_NEAR(t.data()[i], std::tanh(x), 2e-6f) << x;
    EXPECT_NEAR(e.data()[i], std::exp(x), 1e-6f * std::exp(x)) << x;
    EXPECT_NEAR(l.data()[i], std::log(pos.data()[i]), 1e-6f) << pos.data()[i];
  }
}

TEST(ActivationOps, BackwardKernelsUseTheirClosedForms) {
  Tensor dy = Tensor::from_rows({{1, -2, 3}, {0.5f, 1, -1}});
  Tensor y(kX.shape()), dx(kX.shape());
  sigmoid_forward(y, kX);
  sigmoid_backward(dx, dy, y);
  for (Index i = 0; i < 6; ++i) {
    const float s = y.data()[i];
    EXPECT_FLOAT_EQ(dx.data()[i], dy.data()[i] * s * (1 - s));
  }
  tanh_forward(y, kX);
  tanh_backward(dx, dy, y);
  for (Index i = 0; i < 6; ++i) {
    EXPECT_FLOAT_EQ(dx.data()[i], dy.data()[i] * (1 - y.data()[i] * y.data()[i]));
  }
  exp_forward(y, kX);
  exp_backward(dx, dy, y);
  for (Index i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(dx.data()[i], dy.data()[i] * y.data()[i]);
  Tensor pos = Tensor::from_rows({{0.5f, 1, 2}, {4, 8, 10}});
  log_backward(dx, dy, pos);
  for (Index i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(dx.data()[i], dy.data()[i] / pos.data()[i]);
}

TEST(ActivationOps, SigmoidAndTanhSaturateWithoutNaN) {
  Tensor x = Tensor::from_rows({{-1000.0f, -100.0f, 100.0f, 1000.0f}});
  Tensor s(x.shape()), t(x.shape());
  sigmoid_forward(s, x);
  tanh_forward(t, x);
  EXPECT_NEAR(s(0, 0), 0.0f, 1e-30f);
  EXPECT_NEAR(s(0, 1), 0.0f, 1e-30f);
  EXPECT_EQ(s(0, 2), 1.0f);
  EXPECT_EQ(s(0, 3), 1.0f);
  EXPECT_EQ(t.to_vector(), (std::vector<float>{-1, -1, 1, 1}));
}

TEST(ActivationOps, LogFollowsIEEEAtAndBelowZero) {
  Tensor x = Tensor::from_rows({{0.0f, -1.0f}});
  Tensor y(x.shape());
  log_forward(y, x);
  EXPECT_TRUE(std::isinf(y(0, 0)) && y(0, 0) < 0);
  EXPECT_TRUE(std::isnan(y(0, 1)));
}

TEST(ActivationOps, ShapeErrorsNameTheShapes) {
  Tensor wrong(3, 2);
  try {
    relu_forward(wrong, kX);
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("[3, 2]"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  }
  Tensor y(kX.shape()), dx(kX.shape());
  EXPECT_THROW(sigmoid_forward(wrong, kX), Error);
  EXPECT_THROW(tanh_backward(dx, wrong, y), Error);
  EXPECT_THROW(exp_backward(wrong, y, y), Error);
  EXPECT_THROW(log_backward(dx, y, wrong), Error);
}

}  // namespace
}  // namespace lockstep::ops
