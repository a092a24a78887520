#include "lockstep/tensor/ops/matmul.hpp"

#include "lockstep/core/error.hpp"
#include "tensor/ops/check.hpp"
#include "tensor/ops/gemm.hpp"

namespace lockstep::ops {

Shape matmul_shape(Shape a, Shape b) {
  LOCKSTEP_CHECK(a.cols == b.rows, "matmul: shapes ", a, " and ", b, " cannot be multiplied (",
                 a.cols, " != ", b.rows, ")");
  return Shape{a.rows, b.cols};
}

void matmul_forward(Tensor& out, const Tensor& a, const Tensor& b) {
  detail::check_shape(out, matmul_shape(a.shape(), b.shape()), "matmul_forward");
  detail::gemm(false, false, a.rows(), b.cols(), a.cols(), a.data(), a.cols(), b.data(), b.cols(),
               0.0f, out.data(), out.cols());
}

void matmul_backward(Tensor& da, Tensor& db, const Tensor& dout, const Tensor& a, const Tensor& b) {
  detail::check_shape(dout, matmul_shape(a.shape(), b.shape()), "matmul_backward (dout)");
  if (da.defined()) {
    detail::check_shape(da, a.shape(), "matmul_backward (da)");
    // da = dout @ b^T
    detail::gemm(false, true, a.rows(), a.cols(), b.cols(), dout.data(), dout.cols(), b.data(),
                 b.cols(), 0.0f, da.data(), da.cols());
  }
  if (db.defined()) {
    detail::check_shape(db, b.shape(), "matmul_backward (db)");
    // db = a^T @ dout
    detail::gemm(true, false, b.rows(), b.cols(), a.rows(), a.data(), a.cols(), dout.data(),
                 dout.cols(), 0.0f, db.data(), db.cols());
  }
}

Shape linear_shape(Shape x, Shape w, const Tensor* bias) {
  LOCKSTEP_CHECK(x.cols == w.cols, "linear: input of shape ", x, " does not fit a weight of shape ",
                 w, " (expected ", w.cols, " input features, got ", x.cols, ")");
  if (bias != nullptr) {
    LOCKSTEP_CHECK(bias->shape() == (Shape{1, w.rows}), "linear: bias has shape ", bias->shape(),
                   ", expected ", Shape{1, w.rows});
  }
  return Shape{x.rows, w.rows};
}

void linear_forward(Tensor& out, const Tensor& x, const Tensor& w, const Tensor* bias) {
  detail::check_shape(out, linear_shape(x.shape(), w.shape(), bias), "linear_forward");
  // out = x @ w^T
  detail::gemm(false, true, x.rows(), w.rows(), x.cols(), x.data(), x.cols(), w.data(), w.cols(),
               0.0f, out.data(), out.cols());
  if (bias != nullptr) out.map().rowwise() += bias->map().row(0);
}

void linear_backward(Tensor& dx, Tensor& dw, Tensor& dbias, const Tensor& dout, const Tensor& x,
                     const Tensor& w) {
  detail::check_shape(dout, Shape{x.rows(), w.rows()}, "linear_backward (dout)");
  if (dx.defined()) {
    detail::check_shape(dx, x.shape(), "linear_backward (dx)");
    // dx = dout @ w
    detail::gemm(false, false, x.rows(), w.cols(), w.rows(), dout.data(), dout.cols(), w.data(),
                 w.cols(), 0.0f, dx.data(), dx.cols());
  }
  if (dw.defined()) {
    detail::check_shape(dw, w.shape(), "linear_backward (dw)");
    // dw = dout^T @ x
    detail::gemm(true, false, w.rows(), w.cols(), x.rows(), dout.data(), dout.cols(), x.data(),
                 x.cols(), 0.0f, dw.data(), dw.cols());
  }
  if (dbias.defined()) {
    detail::check_shape(dbias, Shape{1, w.rows()}, "linear_backward (dbias)");
    dbias.map() = dout.map().colwise().sum();
  }
}

}  // namespace lockstep::ops
