// Division, transpose, reductions along an axis and gather: forward values, backward kernels
// on small hand-computed cases, and the errors (shapes, axes, class indices).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/ops/class_index.hpp"
#include "lockstep/tensor/ops/elementwise.hpp"
#include "lockstep/tensor/ops/gather.hpp"
#include "lockstep/tensor/ops/reduce.hpp"
#include "lockstep/tensor/ops/transpose.hpp"
#include "support/error_of.hpp"

namespace lockstep::ops {
namespace {

using testing::error_of;

TEST(DivOps, SameShapeAndBroadcastForward) {
  Tensor a = Tensor::from_rows({{2, 4, 6}, {1, 3, 5}});
  Tensor b = Tensor::from_rows({{1, 2, 4}, {4, 2, 1}});
  Tensor out(2, 3);
  div_forward(out, a, b);
  EXPECT_EQ(out.to_vector(), (std::vector<float>{2, 2, 1.5f, 0.25f, 1.5f, 5}));
  Tensor row = Tensor::from_rows({{2, 4, 8}});
  div_forward(out, a, row);
  EXPECT_EQ(out.to_vector(), (std::vector<float>{1, 1, 0.75f, 0.5f, 0.75f, 0.625f}));
  Tensor col = Tensor::from_rows({{2}, {4}});
  Tensor out2(2, 3);
  div_forward(out2, col, a);  // [2, 1] / [2, 3]
  EXPECT_EQ(out2.to_vector(), (std::vector<float>{1, 0.5f, 2.0f / 6, 4, 4.0f / 3, 0.8f}));
  Tensor zero = Tensor::scalar(0.0f), inf(2, 3);
  div_forward(inf, a, zero);
  for (float v : inf.span()) EXPECT_TRUE(std::isinf(v));
}

TEST(DivOps, BackwardSumsOverBroadcastDimensions) {
  Tensor a = Tensor::from_rows({{2, 4}, {6, 8}});
  Tensor b = Tensor::from_rows({{2, 4}});
  Tensor dout = Tensor::ones({2, 2});
  Tensor da(2, 2), db(1, 2);
  div_backward(da, db, dout, a, b);
  EXPECT_EQ(da.to_vector(), (std::vector<float>{0.5f, 0.25f, 0.5f, 0.25f}));
  // db_j = -sum_i a_ij / b_j^2
  EXPECT_FLOAT_EQ(db(0, 0), -(2.0f + 6.0f) / 4.0f);
  EXPECT_FLOAT_EQ(db(0, 1), -(4.0f + 8.0f) / 16.0f);
  Tensor none;
  EXPECT_NO_THROW(div_backward(da, none, dout, a, b));  // an undefined gradient is skipped
  Tensor wrong(1, 1);
  EXPECT_THROW(div_backward(wrong, db, dout, a, b), Error);
  const std::string m = error_of([] { broadcast_shape({2, 3}, {3, 2}, "div"); });
  EXPECT_NE(m.find("div: shapes [2, 3] and [3, 2]"), std::string::npos) << m;
}

TEST(TransposeOps, ForwardBackwardAndShapes) {
  Tensor a = Tensor::from_rows({{1, 2, 3}, {4, 5, 6}});
  Tensor t(transpose_shape(a.shape()));
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  transpose_forward(t, a);
  EXPECT_EQ(t.to_vector(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  Tensor da(2, 3);
  transpose_backward(da, t);
  EXPECT_EQ(da.to_vector(), a.to_vector());
  Tensor wrong(2, 3);
  const std::string m = error_of([&] { transpose_forward(wrong, a); });
  EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("[3, 2]"), std::string::npos) << m;
  EXPECT_THROW(transpose_backward(wrong, a), Error);
}

TEST(AxisReduceOps, SumAndMeanAlongEachAxis) {
  Tensor a = Tensor::from_rows({{1, 2, 3}, {4, 5, 6}});
  Tensor cols(axis_reduce_shape(a.shape(), 0)), rows(axis_reduce_shape(a.shape(), 1));
  EXPECT_EQ(cols.shape(), (Shape{1, 3}));
  EXPECT_EQ(rows.shape(), (Shape{2, 1}));
  sum_forward(cols, a, 0);
  sum_forward(rows, a, 1);
  EXPECT_EQ(cols.to_vector(), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(rows.to_vector(), (std::vector<float>{6, 15}));
  mean_forward(cols, a, 0);
  mean_forward(rows, a, 1);
  EXPECT_EQ(cols.to_vector(), (std::vector<float>{2.5f, 3.5f, 4.5f}));
  EXPECT_EQ(rows.to_vector(), (std::vector<float>{2, 5}));

  Tensor da(2, 3);
  sum_backward(da, Tensor::from_rows({{1, 2, 3}}), 0);
  EXPECT_EQ(da.to_vector(), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  sum_backward(da, Tensor::from_rows({{1}, {2}}), 1);
  EXPECT_EQ(da.to_vector(), (std::vector<float>{1, 1, 1, 2, 2, 2}));
  mean_backward(da, Tensor::from_rows({{2, 4, 6}}), 0);
  EXPECT_EQ(da.to_vector(), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  mean_backward(da, Tensor::from_rows({{3}, {6}}), 1);
  EXPECT_EQ(da.to_vector(), (std::vector<float>{1, 1, 1, 2, 2, 2}));
}

TEST(AxisReduceOps, MeanOverNothingIsNaNAndBadAxesAreNamed) {
  Tensor empty(0, 2), out(1, 2);
  mean_forward(out, empty, 0);
  EXPECT_TRUE(std::isnan(out(0, 0)) && std::isnan(out(0, 1)));
  sum_forward(out, empty, 0);
  EXPECT_EQ(out.to_vector(), (std::vector<float>{0, 0}));
  const std::string m = error_of([] { axis_reduce_shape({2, 3}, 2, "sum"); });
  EXPECT_NE(m.find("axis"), std::string::npos) << m;
  EXPECT_NE(m.find("2"), std::string::npos) << m;
  Tensor a(2, 3), wrong(2, 3);
  EXPECT_THROW(sum_forward(wrong, a, 0), Error);
  EXPECT_THROW(mean_backward(a, wrong, 1), Error);
}

TEST(GatherOps, PicksOneElementPerRowAndScattersBack) {
  Tensor a = Tensor::from_rows({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
  Tensor index = Tensor::column(std::vector<float>{2, 0, 1});
  Tensor out(gather_shape(a.shape(), index.shape()));
  gather_forward(out, a, index);
  EXPECT_EQ(out.to_vector(), (std::vector<float>{3, 4, 8}));
  Tensor da = Tensor::full({3, 3}, 42.0f);  // stale values must be overwritten
  gather_backward(da, Tensor::column(std::vector<float>{1, 2, 3}), index);
  EXPECT_EQ(da.to_vector(), (std::vector<float>{0, 0, 1, 2, 0, 0, 0, 3, 0}));
}

TEST(GatherOps, BadIndicesNameRowIndexAndClassCount) {
  Tensor a(3, 3), out(3, 1);
  std::string m = error_of([&] {
    gather_forward(out, a, Tensor::column(std::vector<float>{0, 1, 5}));
  });
  EXPECT_NE(m.find("class index 5 in row 2 is out of range for 3 classes"), std::string::npos) << m;
  m = error_of([&] { gather_forward(out, a, Tensor::column(std::vector<float>{-1, 1, 0})); });
  EXPECT_NE(m.find("class index -1 in row 0 is out of range for 3 classes"), std::string::npos)
      << m;
  m = error_of([&] { gather_forward(out, a, Tensor::column(std::vector<float>{0, 1.5f, 0})); });
  EXPECT_NE(m.find("class index 1.5 in row 1 is not an integer (expected one of 3 classes)"),
            std::string::npos)
      << m;
  m = error_of([&] { gather_forward(out, a, Tensor::column(std::vector<float>{0, NAN, 0})); });
  EXPECT_NE(m.find("in row 1 is not an integer"), std::string::npos) << m;
  m = error_of([&] { gather_shape({3, 3}, {2, 1}); });
  EXPECT_NE(m.find("[2, 1]"), std::string::npos) << m;
  EXPECT_NE(m.find("[3, 1]"), std::string::npos) << m;
}

TEST(ClassIndex, WeightsMustBeOneRowPerClass) {
  Tensor ok(1, 4), wrong(4, 1);
  EXPECT_NO_THROW(check_class_weights(&ok, 4, "nll_loss"));
  EXPECT_NO_THROW(check_class_weights(nullptr, 4, "nll_loss"));
  const std::string m = error_of([&] { check_class_weights(&wrong, 4, "nll_loss"); });
  EXPECT_NE(m.find("nll_loss: weight has shape [4, 1], expected [1, 4]"), std::string::npos) << m;
}

}  // namespace
}  // namespace lockstep::ops
