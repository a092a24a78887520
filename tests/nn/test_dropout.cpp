// Dropout: inverted scaling, drop rate, reproducibility from the seed, masks keyed on the global
// row under a data-parallel shard context, identity in eval mode, gradient through the survivors
// only, and validation of p.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "lockstep/autograd/functions.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/nn/dropout.hpp"
#include "lockstep/nn/shard_context.hpp"

namespace lockstep {
namespace {

TEST(Dropout, ZeroesAboutPAndScalesTheRestByOneOverOneMinusP) {
  Dropout drop(0.3f, {.seed = 11});
  const Tensor x = Tensor::ones({200, 100});
  Var y = drop(Var(x));
  Index zeros = 0;
  for (float v : y.value().span()) {
    if (v == 0.0f) {
      ++zeros;
    } else {
      EXPECT_FLOAT_EQ(v, 1.0f / 0.7f);
    }
  }
  // 20000 Bernoulli(0.3) draws: standard deviation sqrt(20000 * 0.21) ~ 65; allow 5 of them.
  EXPECT_NEAR(static_cast<double>(zeros), 6000.0, 325.0);
  // The mean is preserved in expectation.
  EXPECT_NEAR(y.value().map().mean(), 1.0f, 0.02f);
}

TEST(Dropout, SameSeedSameMasksAndMasksChangeBetweenCalls) {
  const Tensor x = Tensor::ones({10, 10});
  Dropout a(0.5f, {.seed = 5}), b(0.5f, {.seed = 5}), c(0.5f, {.seed = 6});
  const auto ya = a(Var(x)).value().to_vector();
  EXPECT_EQ(ya, b(Var(x)).value().to_vector());
  EXPECT_NE(ya, c(Var(x)).value().to_vector());
  EXPECT_NE(ya, a(Var(x)).value().to_vector());  // the generator advanced
  a.generator().manual_seed(5);
  EXPECT_EQ(ya, a(Var(x)).value().to_vector());
}

// Under a data-parallel shard context, a row's mask depends on (seed, batch, draw, global row)
// only: a shard holding rows 4..7 gets exactly rows 4..7 of the whole batch's masks.
TEST(Dropout, ShardContextKeysMasksOnTheGlobalRowNotOnTheShard) {
  Dropout drop(0.4f, {.seed = 9});
  const Tensor all = Tensor::ones({8, 6});
  std::vector<float> whole, second_draw, other_batch;
  {
    ShardContext ctx{.batch = 3, .first_row = 0};
    ShardContextGuard guard(&ctx);
    whole = drop(Var(all)).value().to_vector();
    second_draw = drop(Var(all)).value().to_vector();
    EXPECT_EQ(ctx.draws, 2u);
  }
  {
    ShardContext ctx{.batch = 4, .first_row = 0};
    ShardContextGuard guard(&ctx);
    other_batch = drop(Var(all)).value().to_vector();
  }
  EXPECT_NE(whole, second_draw) << "a second draw in the same forward must differ";
  EXPECT_NE(whole, other_batch) << "another batch must differ";
  ShardContext ctx{.batch = 3, .first_row = 4};
  ShardContextGuard guard(&ctx);
  const auto tail = drop(Var(Tensor::ones({4, 6}))).value().to_vector();
  EXPECT_EQ(tail, std::vector<float>(whole.begin() + 4 * 6, whole.end()));
  EXPECT_EQ(current_shard(), &ctx);
  // The module's own generator was not touched by any of this.
  Generator fresh(9);
  EXPECT_EQ(drop.generator().uniform(), fresh.uniform());
}

TEST(Dropout, EvalModeAndZeroProbabilityAreTheIdentity) {
  const Tensor x = Tensor::from_rows({{1, 2, 3}});
  Dropout drop(0.9f);
  drop.eval();
  EXPECT_EQ(drop(Var(x)).value().to_vector(), x.to_vector());
  Dropout none(0.0f);
  EXPECT_EQ(none(Var(x)).value().to_vector(), x.to_vector());
}

TEST(Dropout, GradientFlowsThroughTheSurvivorsOnly) {
  Dropout drop(0.5f, {.seed = 3});
  Var x(Tensor::ones({8, 8}), true);
  Var y = drop(x);
  sum(y).backward();
  for (Index i = 0; i < x.value().numel(); ++i) {
    // d y_i / d x_i is the mask value: 0 where dropped, 2 where kept.
    EXPECT_EQ(x.grad().data()[i], y.value().data()[i]) << i;
  }
}

TEST(Dropout, ProbabilityMustBeInZeroToOne) {
  for (float p : {-0.1f, 1.0f, 1.5f, NAN}) {
    try {
      Dropout drop(p);
      FAIL() << p;
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("Dropout"), std::string::npos) << m;
      if (!std::isnan(p)) {
        std::ostringstream value;
        value << p;
        EXPECT_NE(m.find(value.str()), std::string::npos) << m;
      }
    }
  }
}

}  // namespace
}  // namespace lockstep
