// BatchNorm1d and BatchNorm2d against PyTorch (tests/golden/make_golden_batch_norm.py): training
// outputs and gradients with the batch's statistics, the running statistics after each
// training forward (momentum, unbiased variance), evaluation outputs and gradients with the
// running statistics; and the buffers, modes and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <span>

#include "golden/golden_batch_norm.hpp"
#include "lockstep/nn/batch_norm.hpp"
#include "support/error_of.hpp"

namespace lockstep {
namespace {

using testing::error_of;

void expect_close(const Tensor& t, std::span<const float> expected, const std::string& what,
                  float rtol = 2e-5f) {
  ASSERT_EQ(static_cast<std::size_t>(t.numel()), expected.size()) << what;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(t.data()[i], expected[i], rtol * std::max(1.0f, std::abs(expected[i])))
        << what << " element " << i;
  }
}

struct Golden {
  std::span<const float> weight, bias;  // empty without affine parameters
  std::span<const float> x0, y0, cotangent0, dx0, dweight0, dbias0, running_mean0, running_var0;
  std::span<const float> x1, y1, running_mean1, running_var1;
  std::span<const float> x_eval, y_eval, cotangent_eval, dx_eval, dweight_eval, dbias_eval;
};

void check(BatchNorm& bn, const Golden& g, Index rows) {
  const Index features = static_cast<Index>(g.x0.size()) / rows;
  const bool affine = !g.weight.empty();
  if (affine) {
    bn.weight().value().copy_(Tensor::row(g.weight));
    bn.bias().value().copy_(Tensor::row(g.bias));
  }
  EXPECT_TRUE(bn.is_training());
  // First training forward, with gradients.
  Var x0(Tensor::from_vector(g.x0, {rows, features}), true);
  Var y0 = bn(x0);
  expect_close(y0.value(), g.y0, "y0");
  y0.backward(Tensor::from_vector(g.cotangent0, y0.shape()));
  expect_close(x0.grad(), g.dx0, "dx0");
  if (affine) {
    expect_close(bn.weight().grad(), g.dweight0, "dweight0");
    expect_close(bn.bias().grad(), g.dbias0, "dbias0");
  }
  expect_close(bn.running_mean(), g.running_mean0, "running_mean0");
  expect_close(bn.running_var(), g.running_var0, "running_var0");
  EXPECT_EQ(bn.num_batches_tracked(), 1);
  // Second training forward: the running statistics move again.
  Var y1 = bn(Var(Tensor::from_vector(g.x1, {rows, features})));
  expect_close(y1.value(), g.y1, "y1");
  expect_close(bn.running_mean(), g.running_mean1, "running_mean1");
  expect_close(bn.running_var(), g.running_var1, "running_var1");
  EXPECT_EQ(bn.num_batches_tracked(), 2);
  // Evaluation: the running statistics normalize and stay as they are.
  bn.eval();
  bn.zero_grad();
  Var xe(Tensor::from_vector(g.x_eval, {rows, features}), true);
  Var ye = bn(xe);
  expect_close(ye.value(), g.y_eval, "y_eval");
  ye.backward(Tensor::from_vector(g.cotangent_eval, ye.shape()));
  expect_close(xe.grad(), g.dx_eval, "dx_eval");
  if (affine) {
    expect_close(bn.weight().grad(), g.dweight_eval, "dweight_eval");
    expect_close(bn.bias().grad(), g.dbias_eval, "dbias_eval");
  }
  expect_close(bn.running_mean(), g.running_mean1, "running_mean after eval");
  EXPECT_EQ(bn.num_batches_tracked(), 2);
}

#define GOLDEN_CASE(p, w, b, dw0, db0, dwe, dbe)                                                \
  Golden {                                                                                      \
    w, b, golden_bn::p##_x0, golden_bn::p##_y0, golden_bn::p##_cotangent0, golden_bn::p##_dx0,  \
        dw0, db0, golden_bn::p##_running_mean0, golden_bn::p##_running_var0, golden_bn::p##_x1, \
        golden_bn::p##_y1, golden_bn::p##_running_mean1, golden_bn::p##_running_var1,           \
        golden_bn::p##_x_eval, golden_bn::p##_y_eval, golden_bn::p##_cotangent_eval,            \
        golden_bn::p##_dx_eval, dwe, dbe                                                        \
  }
#define AFFINE_CASE(p)                                                                \
  GOLDEN_CASE(p, golden_bn::p##_weight, golden_bn::p##_bias, golden_bn::p##_dweight0, \
              golden_bn::p##_dbias0, golden_bn::p##_dweight_eval, golden_bn::p##_dbias_eval)

TEST(BatchNormGolden, BatchNorm2dTrainingRunningStatisticsAndEvaluation) {
  BatchNorm2d bn({3, 5, 4});
  check(bn, AFFINE_CASE(bn2d), 4);
}

TEST(BatchNormGolden, BatchNorm1dWithMomentum) {
  BatchNorm1d bn(5, {.momentum = 0.3f});
  check(bn, AFFINE_CASE(bn1d), 6);
}

TEST(BatchNormGolden, BatchNorm1dWithoutAffineParameters) {
  BatchNorm1d bn(5, {.affine = false});
  EXPECT_TRUE(bn.parameters().empty());
  const std::span<const float> none;
  check(bn, GOLDEN_CASE(bn1d_plain, none, none, none, none, none, none), 6);
}

TEST(BatchNorm, ParametersAndBuffersHavePyTorchsNamesAndShapes) {
  BatchNorm2d bn({16, 7, 7});
  EXPECT_EQ(bn.parameter_shapes(), (std::vector<std::vector<Index>>{{16}, {16}}));
  EXPECT_EQ(bn.weight().value().to_vector(), std::vector<float>(16, 1.0f));
  EXPECT_EQ(bn.bias().value().to_vector(), std::vector<float>(16, 0.0f));
  const auto buffers = bn.named_buffers();
  ASSERT_EQ(buffers.size(), 3u);
  EXPECT_EQ(buffers[0].name, "running_mean");
  EXPECT_EQ(buffers[0].shape, (std::vector<Index>{16}));
  EXPECT_EQ(buffers[1].name, "running_var");
  EXPECT_EQ(buffers[1].tensor->to_vector(), std::vector<float>(16, 1.0f));
  EXPECT_EQ(buffers[2].name, "num_batches_tracked");
  EXPECT_TRUE(buffers[2].shape.empty());
  ASSERT_NE(buffers[2].integer, nullptr);
  EXPECT_EQ(*buffers[2].integer, 0);
  EXPECT_EQ(bn.output_shape(), (ImageShape{16, 7, 7}));

  BatchNorm1d untracked(4, {.track_running_stats = false});
  EXPECT_TRUE(untracked.named_buffers().empty());
  EXPECT_FALSE(untracked.running_mean().defined());
  // Without running statistics the batch's are used in evaluation too.
  untracked.eval();
  const Tensor y = untracked(Var(Tensor::from_rows({{1, 2, 3, 4}, {3, 2, 1, 0}}))).value();
  EXPECT_NEAR(y(0, 0), -1.0f, 1e-4f);
  EXPECT_NEAR(y(1, 0), 1.0f, 1e-4f);
}

TEST(BatchNorm, ErrorsNameTheBadValue) {
  EXPECT_NE(error_of([] { BatchNorm1d(0); }).find("num_features must be positive, got 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { BatchNorm1d(3, {.momentum = 1.5f}); }).find("got 1.5"),
            std::string::npos);
  EXPECT_NE(error_of([] { BatchNorm2d({2, 0, 3}); }).find("[2, 0, 3]"), std::string::npos);
  BatchNorm1d bn(3);
  const std::string one = error_of([&] { bn(Var(Tensor(Shape{1, 3}))); });
  EXPECT_NE(one.find("expected more than 1 value per channel when training"), std::string::npos)
      << one;
  const std::string wrong = error_of([&] { bn(Var(Tensor(Shape{2, 4}))); });
  EXPECT_NE(wrong.find("input of shape [2, 4] has 4 features per row"), std::string::npos) << wrong;
  bn.eval();  // one row is fine with the running statistics
  EXPECT_EQ(bn(Var(Tensor(Shape{1, 3}))).shape(), (Shape{1, 3}));
}

}  // namespace
}  // namespace lockstep
