#include "lockstep/tensor/ops/matmul.hpp"

#include "lockstep/core/error.hpp"

namespace lockstep::ops {

namespace {
void check_out(const Tensor& t, Shape expected, const char* what) {
  LOCKSTEP_CHECK(t.shape() == expected, what, ": output has shape ", t.shape(), ", expected ",
                 expected);
}
}  // namespace

Shape matmul_shape(Shape a, Shape b) {
  LOCKSTEP_CHECK(a.cols == b.rows, "matmul: shapes ", a, " and ", b,
                 " cannot be multiplied (", a.cols, " != ", b.rows, ")");
  return Shape{a.rows, b.cols};
}

void matmul_forward(Tensor& out, const Tensor& a, const Tensor& b) {
  check_out(out, matmul_shape(a.shape(), b.shape()), "matmul_forward");
  out.map().noalias() = a.map() * b.map();
}

void matmul_backward(Tensor& da, Tensor& db, const Tensor& dout, const Tensor& a,
                     const Tensor& b) {
  check_out(dout, matmul_shape(a.shape(), b.shape()), "matmul_backward (dout)");
  if (da.defined()) {
    check_out(da, a.shape(), "matmul_backward (da)");
    da.map().noalias() = dout.map() * b.map().transpose();
  }
  if (db.defined()) {
    check_out(db, b.shape(), "matmul_backward (db)");
    db.map().noalias() = a.map().transpose() * dout.map();
  }
}

Shape linear_shape(Shape x, Shape w, const Tensor* bias) {
  LOCKSTEP_CHECK(x.cols == w.cols, "linear: input of shape ", x,
                 " does not fit a weight of shape ", w, " (expected ", w.cols,
                 " input features, got ", x.cols, ")");
  if (bias != nullptr) {
    LOCKSTEP_CHECK(bias->shape() == (Shape{1, w.rows}), "linear: bias has shape ", bias->shape(),
                   ", expected ", Shape{1, w.rows});
  }
  return Shape{x.rows, w.rows};
}

void linear_forward(Tensor& out, const Tensor& x, const Tensor& w, const Tensor* bias) {
  check_out(out, linear_shape(x.shape(), w.shape(), bias), "linear_forward");
  out.map().noalias() = x.map() * w.map().transpose();
  if (bias != nullptr) out.map().rowwise() += bias->map().row(0);
}

void linear_backward(Tensor& dx, Tensor& dw, Tensor& dbias, const Tensor& dout, const Tensor& x,
                     const Tensor& w) {
  check_out(dout, Shape{x.rows(), w.rows()}, "linear_backward (dout)");
  if (dx.defined()) {
    check_out(dx, x.shape(), "linear_backward (dx)");
    dx.map().noalias() = dout.map() * w.map();
  }
  if (dw.defined()) {
    check_out(dw, w.shape(), "linear_backward (dw)");
    dw.map().noalias() = dout.map().transpose() * x.map();
  }
  if (dbias.defined()) {
    check_out(dbias, Shape{1, w.rows()}, "linear_backward (dbias)");
    dbias.map() = dout.map().colwise().sum();
  }
}

}  // namespace lockstep::ops
