#include <gtest/gtest.h>

#include "lockstep/autograd/functions.hpp"
#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {
namespace {

Var leaf(std::initializer_list<std::initializer_list<float>> rows) {
  return Var(Tensor::from_rows(rows), true);
}

TEST(Autograd, SimpleChainRule) {
  Var x = leaf({{3}});
  Var y = pow(x, 2) * 2.0f + x;  // dy/dx = 4x + 1 = 13
  y.backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 13.0f);
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE(y.is_leaf());
  EXPECT_EQ(y.grad_fn_name(), "AddBackward");
}

TEST(Autograd, GradientsAccumulateUntilZeroGrad) {
  Var w = leaf({{2}});
  Var x(Tensor::from_rows({{5}}));
  for (int i = 0; i < 3; ++i) (w * x).backward();
  EXPECT_FLOAT_EQ(w.grad().item(), 15.0f);
  w.zero_grad();
  EXPECT_FLOAT_EQ(w.grad().item(), 0.0f);
  (w * x).backward();
  EXPECT_FLOAT_EQ(w.grad().item(), 5.0f);
}

TEST(Autograd, InputsWithoutRequiresGradGetNoGradient) {
  Var w = leaf({{2}});
  Var x(Tensor::from_rows({{5}}));
  (w * x).backward();
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(x.requires_grad());
}

TEST(Autograd, NoGradGuardRecordsNothingAndRestores) {
  Var w = leaf({{2}});
  EXPECT_TRUE(is_grad_enabled());
  {
    NoGradGuard guard;
    EXPECT_FALSE(is_grad_enabled());
    Var y = w * 3.0f;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
    { NoGradGuard nested; }
    EXPECT_FALSE(is_grad_enabled());
    EXPECT_THROW(y.backward(), Error);
  }
  EXPECT_TRUE(is_grad_enabled());
  EXPECT_TRUE((w * 3.0f).requires_grad());
}

TEST(Autograd, DetachCutsTheGraphButSharesData) {
  Var w = leaf({{2}});
  Var y = w * 3.0f;
  Var d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.value().shares_storage_with(y.value()));
  Var z = d * w;  // only the w path is differentiable
  z.backward();
  EXPECT_FLOAT_EQ(w.grad().item(), 6.0f);
}

TEST(Autograd, BackwardOnNonScalarNeedsAGradient) {
  Var x = leaf({{1, 2}});
  Var y = x * 2.0f;
  try {
    y.backward();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("scalar outputs"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[1, 2]"), std::string::npos) << e.what();
  }
  y.backward(Tensor::from_rows({{1, 10}}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2, 20}));
  EXPECT_THROW(y.backward(Tensor::from_rows({{1}})), Error);
}

TEST(Autograd, BackwardOnTensorWithoutGradIsAnError) {
  Var x(Tensor::from_rows({{1}}));
  try {
    (x * 2.0f).backward();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not require grad"), std::string::npos);
  }
}

TEST(Autograd, SecondBackwardThroughFreedGraphIsAnError) {
  Var x = leaf({{2}});
  Var y = pow(x, 2);
  y.backward();
  try {
    y.backward();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("second time"), std::string::npos) << e.what();
  }
  // With retain_graph the second call works and accumulates.
  Var a = leaf({{2}});
  Var b = pow(a, 2);
  b.backward(/*retain_graph=*/true);
  b.backward();
  EXPECT_FLOAT_EQ(a.grad().item(), 8.0f);
}

TEST(Autograd, RequiresGradOnlyOnLeaves) {
  Var x = leaf({{1}});
  Var y = x * 2.0f;
  EXPECT_THROW(y.requires_grad_(false), Error);
  Var z(Tensor::from_rows({{1}}));
  z.requires_grad_();
  EXPECT_TRUE(z.requires_grad());
}

TEST(Autograd, UndefinedVarIsAnErrorNotACrash) {
  Var u;
  Var x = leaf({{1}});
  EXPECT_THROW(u.value(), Error);
  EXPECT_THROW(add(u, x), Error);
  EXPECT_THROW(u.backward(), Error);
}

TEST(Autograd, SetGradBindsExternalStorage) {
  auto buffer = allocate_floats(4);
  Var w = leaf({{1, 2}});
  w.set_grad(Tensor::view(buffer, buffer.get() + 2, {1, 2}));
  (sum(w * 3.0f)).backward();
  EXPECT_EQ(buffer.get()[2], 3.0f);
  EXPECT_EQ(buffer.get()[3], 3.0f);
  EXPECT_THROW(w.set_grad(Tensor(2, 1)), Error);
}

TEST(Autograd, DiamondGraphVisitsEachNodeOnce) {
  // y = (x*2) used by two branches; x's gradient must be 2*(3 + 4) = 14, not more.
  Var x = leaf({{1}});
  Var y = x * 2.0f;
  Var z = y * 3.0f + y * 4.0f;
  z.backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 14.0f);
}

}  // namespace
}  // namespace lockstep
