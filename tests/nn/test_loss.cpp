// MSELoss against values computed by PyTorch (tests/golden/make_golden.py).
#include <gtest/gtest.h>

#include "golden/golden_values.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/nn/loss.hpp"

namespace lockstep {
namespace {

constexpr Shape kShape{golden::mse_input_rows, golden::mse_input_cols};

template <std::size_t N>
void expect_close(const Tensor& t, const float (&expected)[N], float rtol = 1e-5f) {
  ASSERT_EQ(static_cast<std::size_t>(t.numel()), N);
  for (std::size_t i = 0; i < N; ++i)
    EXPECT_NEAR(t.data()[i], expected[i], rtol * std::max(1.0f, std::abs(expected[i])))
        << "element " << i;
}

struct Case {
  Reduction reduction;
  const float* value;
  std::size_t value_size;
  const float* grad;
};

TEST(MSELoss, MatchesPyTorchForEveryReduction) {
  const Tensor target = Tensor::from_vector(golden::mse_target, kShape);
  for (Reduction red : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    SCOPED_TRACE(to_string(red));
    Var input(Tensor::from_vector(golden::mse_input, kShape), true);
    Var loss = MSELoss(red)(input, Var(target));
    if (red == Reduction::None) {
      expect_close(loss.value(), golden::mse_none_value);
      loss.backward(target);  // the script's cotangent for "none"
      expect_close(input.grad(), golden::mse_none_grad);
    } else if (red == Reduction::Mean) {
      expect_close(loss.value(), golden::mse_mean_value);
      loss.backward();
      expect_close(input.grad(), golden::mse_mean_grad);
    } else {
      expect_close(loss.value(), golden::mse_sum_value);
      loss.backward();
      expect_close(input.grad(), golden::mse_sum_grad);
    }
  }
}

TEST(MSELoss, ShapeMismatchNamesBothShapes) {
  try {
    MSELoss()(Var(Tensor(3, 1)), Var(Tensor(1, 3)));
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("[3, 1]"), std::string::npos) << m;
    EXPECT_NE(m.find("[1, 3]"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace lockstep
