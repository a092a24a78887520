// Forward kernels against hand-computed values and shape checks; backward kernels are proven
// by finite differences in tests/autograd/test_gradcheck.cpp.
#include <gtest/gtest.h>

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/ops/elementwise.hpp"
#include "lockstep/tensor/ops/matmul.hpp"
#include "lockstep/tensor/ops/mse.hpp"
#include "lockstep/tensor/ops/reduce.hpp"

namespace lockstep::ops {

TEST(Ops, MatmulForward) {
  Tensor a = Tensor::from_rows({{1, 2}, {3, 4}});
  Tensor b = Tensor::from_rows({{5}, {6}});
  Tensor out(matmul_shape(a.shape(), b.shape()));
  matmul_forward(out, a, b);
  EXPECT_EQ(out.to_vector(), (std::vector<float>{17, 39}));
}

TEST(Ops, MatmulShapeErrorNamesBothShapes) {
  try {
    matmul_shape({2, 3}, {2, 3});
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("[2, 3] and [2, 3]"), std::string::npos) << m;
  }
  Tensor a(2, 2), b(2, 2), wrong(3, 3);
  EXPECT_THROW(matmul_forward(wrong, a, b), Error);
}

TEST(Ops, LinearForwardAddsBiasToEveryRow) {
  Tensor x = Tensor::from_rows({{1, 2}, {3, 4}});
  Tensor w = Tensor::from_rows({{1, 0}, {0, 1}, {1, 1}});  // [3, 2]
  Tensor bias = Tensor::from_rows({{10, 20, 30}});
  Tensor out(linear_shape(x.shape(), w.shape(), &bias));
  linear_forward(out, x, w, &bias);
  EXPECT_EQ(out.to_vector(), (std::vector<float>{11, 22, 33, 13, 24, 37}));
  Tensor bad_bias(1, 2);
  EXPECT_THROW(linear_shape(x.shape(), w.shape(), &bad_bias), Error);
  EXPECT_THROW(linear_shape({2, 3}, w.shape(), nullptr), Error);
}

TEST(Ops, BroadcastShapes) {
  EXPECT_EQ(broadcast_shape({4, 3}, {1, 3}), (Shape{4, 3}));
  EXPECT_EQ(broadcast_shape({1, 3}, {4, 3}), (Shape{4, 3}));
  EXPECT_EQ(broadcast_shape({4, 1}, {1, 3}), (Shape{4, 3}));
  EXPECT_EQ(broadcast_shape({1, 1}, {4, 3}), (Shape{4, 3}));
  EXPECT_THROW(broadcast_shape({4, 3}, {2, 3}), Error);
}

TEST(Ops, AddSubMulBroadcastRows) {
  Tensor a = Tensor::from_rows({{1, 2}, {3, 4}});
  Tensor r = Tensor::from_rows({{10, 100}});
  Tensor out(2, 2);
  add_forward(out, a, r);
  EXPECT_EQ(out.to_vector(), (std::vector<float>{11, 102, 13, 104}));
  sub_forward(out, a, r);
  EXPECT_EQ(out.to_vector(), (std::vector<float>{-9, -98, -7, -96}));
  mul_forward(out, r, a);
  EXPECT_EQ(out.to_vector(), (std::vector<float>{10, 200, 30, 400}));
}

TEST(Ops, ReduceToSumsBroadcastDimensions) {
  Tensor g = Tensor::from_rows({{1, 2}, {3, 4}});
  Tensor row(1, 2), col(2, 1), one(1, 1);
  reduce_to(row, g);
  reduce_to(col, g);
  reduce_to(one, g);
  EXPECT_EQ(row.to_vector(), (std::vector<float>{4, 6}));
  EXPECT_EQ(col.to_vector(), (std::vector<float>{3, 7}));
  EXPECT_EQ(one.item(), 10.0f);
}

TEST(Ops, PowSumMean) {
  Tensor a = Tensor::from_rows({{1, -2}, {3, 4}});
  Tensor sq(2, 2), cube(2, 2), s(1, 1), m(1, 1);
  pow_forward(sq, a, 2);
  pow_forward(cube, a, 3);
  EXPECT_EQ(sq.to_vector(), (std::vector<float>{1, 4, 9, 16}));
  EXPECT_EQ(cube.to_vector(), (std::vector<float>{1, -8, 27, 64}));
  sum_forward(s, a);
  mean_forward(m, a);
  EXPECT_EQ(s.item(), 6.0f);
  EXPECT_EQ(m.item(), 1.5f);
}

TEST(Ops, MseShapesMustMatch) {
  EXPECT_THROW(mse_shape({2, 1}, {1, 2}, Reduction::Mean), Error);
  EXPECT_EQ(mse_shape({2, 3}, {2, 3}, Reduction::None), (Shape{2, 3}));
  EXPECT_EQ(mse_shape({2, 3}, {2, 3}, Reduction::Sum), (Shape{1, 1}));
}

}  // namespace lockstep::ops
