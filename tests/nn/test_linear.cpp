#include <gtest/gtest.h>

#include <cmath>

#include "lockstep/core/error.hpp"
#include "lockstep/nn/linear.hpp"

namespace lockstep {
namespace {

TEST(Linear, ShapesAndPyTorchLayout) {
  Linear fc(4, 3);
  EXPECT_EQ(fc.weight().shape(), (Shape{3, 4}));  // [out, in] as torch.nn.Linear
  EXPECT_EQ(fc.bias().shape(), (Shape{1, 3}));
  EXPECT_EQ(fc.parameter_shapes(), (std::vector<std::vector<Index>>{{3, 4}, {3}}));
  Var y = fc(Var(Tensor::ones({5, 4})));
  EXPECT_EQ(y.shape(), (Shape{5, 3}));
}

TEST(Linear, DefaultInitIsUniformWithinInverseSqrtFanIn) {
  Generator gen(3);
  Linear fc(100, 50, {.bias = true, .generator = &gen});
  const float bound = 1.0f / std::sqrt(100.0f);
  float lo = 1, hi = -1;
  double s = 0;
  for (float v : fc.weight().value().span()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    s += v;
  }
  EXPECT_GE(lo, -bound);
  EXPECT_LT(hi, bound);
  EXPECT_LT(lo, -0.9f * bound);  // it really fills the range
  EXPECT_GT(hi, 0.9f * bound);
  EXPECT_NEAR(s / 5000.0, 0.0, 0.01);
  for (float v : fc.bias().value().span()) {
    EXPECT_GE(v, -bound);
    EXPECT_LT(v, bound);
  }
}

TEST(Linear, SeededConstructionIsReproducible) {
  Generator a(9), b(9);
  Linear f1(3, 2, {.bias = true, .generator = &a}), f2(3, 2, {.bias = true, .generator = &b});
  EXPECT_EQ(f1.weight().value().to_vector(), f2.weight().value().to_vector());
}

TEST(Linear, ComputesXWTransposePlusBias) {
  Linear fc(2, 1);
  fc.weight().value().copy_(Tensor::from_rows({{2, 3}}));
  fc.bias().value().copy_(Tensor::from_rows({{1}}));
  Var y = fc(Var(Tensor::from_rows({{1, 1}, {2, 0}})));
  EXPECT_EQ(y.value().to_vector(), (std::vector<float>{6, 5}));
}

TEST(Linear, NoBiasOption) {
  Linear fc(2, 2, {.bias = false});
  EXPECT_FALSE(fc.bias().defined());
  EXPECT_EQ(fc.parameters().size(), 1u);
}

TEST(Linear, BadSizesAndInputsAreErrors) {
  EXPECT_THROW(Linear(0, 3), Error);
  EXPECT_THROW(Linear(3, -1), Error);
  Linear fc(3, 2);
  try {
    fc(Var(Tensor::ones({4, 5})));
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("[4, 5]"), std::string::npos) << m;
    EXPECT_NE(m.find("expected 3"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace lockstep
