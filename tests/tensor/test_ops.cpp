// Forward kernels against hand-computed values and shape checks; backward kernels are proven
// by finite differences in tests/autograd/test_gradcheck.cpp.
#include <gtest/gtest.h>

#include <cmath>

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

// Ops write every element of their outputs (autograd hands them uninitialized tensors): a NaN
// left in the output would show. Small products go through Eigen, large ones through oneDNN.
TEST(Ops, MatrixProductsOverwriteGarbageInTheirOutputs) {
  for (Index n : {3, 96}) {
    SCOPED_TRACE(n);
    Tensor a = Tensor::full({n, n}, 0.5f), b = Tensor::full({n, n}, 0.25f);
    Tensor out = Tensor::full({n, n}, std::nanf(""));
    ops::matmul_forward(out, a, b);
    for (float v : out.span()) ASSERT_FLOAT_EQ(v, 0.125f * float(n));
    Tensor da = Tensor::full({n, n}, std::nanf("")), db = Tensor::full({n, n}, std::nanf(""));
    ops::matmul_backward(da, db, Tensor::ones({n, n}), a, b);
    for (float v : da.span()) ASSERT_FLOAT_EQ(v, 0.25f * float(n));
    for (float v : db.span()) ASSERT_FLOAT_EQ(v, 0.5f * float(n));
  }
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

namespace lockstep::ops {
namespace {

// Large enough for the oneDNN path (when built with it): every product against plain loops.
Tensor naive(const Tensor& a, bool ta, const Tensor& b, bool tb) {
  const Index m = ta ? a.cols() : a.rows(), k = ta ? a.rows() : a.cols();
  const Index n = tb ? b.rows() : b.cols();
  Tensor c(m, n);
  for (Index i = 0; i < m; ++i)
    for (Index j = 0; j < n; ++j) {
      double s = 0;
      for (Index p = 0; p < k; ++p)
        s += double(ta ? a(p, i) : a(i, p)) * double(tb ? b(j, p) : b(p, j));
      c(i, j) = float(s);
    }
  return c;
}

void expect_close(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.shape(), want.shape());
  for (Index i = 0; i < got.numel(); ++i)
    ASSERT_NEAR(got.data()[i], want.data()[i], 1e-4f * std::max(1.0f, std::abs(want.data()[i])))
        << "element " << i;
}

Tensor filled(Index r, Index c, float seed) {
  Tensor t(r, c);
  for (Index i = 0; i < t.numel(); ++i) t.data()[i] = std::sin(seed + 0.37f * float(i));
  return t;
}

TEST(Ops, LargeProductsMatchPlainLoopsInEveryTransposeCombination) {
  const Tensor a = filled(96, 72, 1), b = filled(72, 80, 2), dout = filled(96, 80, 3);
  Tensor out(96, 80), da(96, 72), db(72, 80);
  matmul_forward(out, a, b);
  expect_close(out, naive(a, false, b, false));
  matmul_backward(da, db, dout, a, b);
  expect_close(da, naive(dout, false, b, true));
  expect_close(db, naive(a, true, dout, false));
  // linear: x [96, 72], w [80, 72]
  const Tensor w = filled(80, 72, 4);
  Tensor y(96, 80), dx(96, 72), dw(80, 72), dbias(1, 80);
  linear_forward(y, a, w, nullptr);
  expect_close(y, naive(a, false, w, true));
  linear_backward(dx, dw, dbias, dout, a, w);
  expect_close(dx, naive(dout, false, w, false));
  expect_close(dw, naive(dout, true, a, false));
}

}  // namespace
}  // namespace lockstep::ops
