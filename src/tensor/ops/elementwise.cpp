#include "lockstep/tensor/ops/elementwise.hpp"

#include <cmath>

#include "lockstep/core/error.hpp"
#include "tensor/ops/check.hpp"

namespace lockstep::ops {

namespace {

// `t` repeated up to `s` (t's dimensions are each 1 or equal to s's).
auto broadcast(const Tensor& t, Shape s) {
  return t.map().replicate(s.rows / t.rows(), s.cols / t.cols());
}

}  // namespace

Shape broadcast_shape(Shape a, Shape b, const char* op) {
  auto dim = [&](Index x, Index y) {
    LOCKSTEP_CHECK(x == y || x == 1 || y == 1, op, ": shapes ", a, " and ", b,
                   " cannot be broadcast together");
    return x == 1 ? y : x;
  };
  const Index rows = dim(a.rows, b.rows);
  const Index cols = dim(a.cols, b.cols);
  return Shape{rows, cols};
}

namespace {
// Sums `grad`, an expression of shape g, down to out's shape (each dimension 1 or g's): the
// gradient of a broadcast operand, without materializing the broadcast product.
template <class Expr>
void reduce_expr_to(Tensor& out, const Expr& grad, Shape g) {
  const Shape s = out.shape();
  LOCKSTEP_CHECK((s.rows == g.rows || s.rows == 1) && (s.cols == g.cols || s.cols == 1),
                 "reduce_to: cannot reduce shape ", g, " to ", s);
  if (s == g) {
    out.map() = grad;
  } else if (s.rows == 1 && s.cols == 1) {
    out(0, 0) = grad.sum();
  } else if (s.rows == 1) {
    out.map() = grad.colwise().sum();
  } else {
    out.map() = grad.rowwise().sum();
  }
}
}  // namespace

void reduce_to(Tensor& out, const Tensor& grad) { reduce_expr_to(out, grad.map(), grad.shape()); }

void add_forward(Tensor& out, const Tensor& a, const Tensor& b) {
  const Shape s = broadcast_shape(a.shape(), b.shape(), "add");
  detail::check_shape(out, s, "add_forward (out)");
  if (a.shape() == s && b.shape() == s) {
    out.map() = a.map() + b.map();
  } else {
    out.map() = broadcast(a, s) + broadcast(b, s);
  }
}

void add_backward(Tensor& da, Tensor& db, const Tensor& dout) {
  if (da.defined()) reduce_to(da, dout);
  if (db.defined()) reduce_to(db, dout);
}

void sub_forward(Tensor& out, const Tensor& a, const Tensor& b) {
  const Shape s = broadcast_shape(a.shape(), b.shape(), "sub");
  detail::check_shape(out, s, "sub_forward (out)");
  if (a.shape() == s && b.shape() == s) {
    out.map() = a.map() - b.map();
  } else {
    out.map() = broadcast(a, s) - broadcast(b, s);
  }
}

void sub_backward(Tensor& da, Tensor& db, const Tensor& dout) {
  if (da.defined()) reduce_to(da, dout);
  if (db.defined()) {
    reduce_to(db, dout);
    db.mul_(-1.0f);
  }
}

void mul_forward(Tensor& out, const Tensor& a, const Tensor& b) {
  const Shape s = broadcast_shape(a.shape(), b.shape(), "mul");
  detail::check_shape(out, s, "mul_forward (out)");
  if (a.shape() == s && b.shape() == s) {
    out.map() = a.map().cwiseProduct(b.map());
  } else {
    out.map() = broadcast(a, s).cwiseProduct(broadcast(b, s));
  }
}

void mul_backward(Tensor& da, Tensor& db, const Tensor& dout, const Tensor& a, const Tensor& b) {
  const Shape s = dout.shape();
  if (da.defined()) {
    if (b.shape() == s && a.shape() == s) {
      da.map() = dout.map().cwiseProduct(b.map());
    } else {
      reduce_expr_to(da, dout.map().cwiseProduct(broadcast(b, s)), s);
    }
  }
  if (db.defined()) {
    if (b.shape() == s && a.shape() == s) {
      db.map() = dout.map().cwiseProduct(a.map());
    } else {
      reduce_expr_to(db, dout.map().cwiseProduct(broadcast(a, s)), s);
    }
  }
}

void div_forward(Tensor& out, const Tensor& a, const Tensor& b) {
  const Shape s = broadcast_shape(a.shape(), b.shape(), "div");
  detail::check_shape(out, s, "div_forward (out)");
  if (a.shape() == s && b.shape() == s) {
    out.map() = a.map().cwiseQuotient(b.map());
  } else {
    out.map() = broadcast(a, s).cwiseQuotient(broadcast(b, s));
  }
}

void div_backward(Tensor& da, Tensor& db, const Tensor& dout, const Tensor& a, const Tensor& b) {
  const Shape s = broadcast_shape(a.shape(), b.shape(), "div");
  detail::check_shape(dout, s, "div_backward (dout)");
  const bool same = a.shape() == s && b.shape() == s;
  if (da.defined()) {
    detail::check_shape(da, a.shape(), "div_backward (da)");
    if (same) {
      da.map() = dout.map().cwiseQuotient(b.map());
    } else {
      reduce_expr_to(da, dout.map().cwiseQuotient(broadcast(b, s)), s);
    }
  }
  if (db.defined()) {
    detail::check_shape(db, b.shape(), "div_backward (db)");
    // d(a / b)/db = -a / b^2, written as -(a / b) / b to stay finite where b^2 would overflow.
    if (same) {
      db.map().array() =
          -dout.map().array() * (a.map().array() / b.map().array()) / b.map().array();
    } else {
      reduce_expr_to(db,
                     (-dout.map().array() * (broadcast(a, s).array() / broadcast(b, s).array()) /
                      broadcast(b, s).array())
                         .matrix(),
                     s);
    }
  }
}

void scale_forward(Tensor& out, const Tensor& a, float factor) {
  detail::check_shape(out, a.shape(), "scale_forward (out)");
  out.map() = a.map() * factor;
}

void scale_backward(Tensor& da, const Tensor& dout, float factor) {
  detail::check_shape(da, dout.shape(), "scale_backward (da)");
  da.map() = dout.map() * factor;
}

void pow_forward(Tensor& out, const Tensor& a, float exponent) {
  detail::check_shape(out, a.shape(), "pow_forward (out)");
  if (exponent == 2.0f) {
    out.map() = a.map().cwiseAbs2();
  } else {
    out.map() = a.map().array().pow(exponent).matrix();
  }
}

void pow_backward(Tensor& da, const Tensor& dout, const Tensor& a, float exponent) {
  detail::check_shape(da, a.shape(), "pow_backward (da)");
  detail::check_shape(dout, a.shape(), "pow_backward (dout)");
  if (exponent == 0.0f) {
    da.zero_();
  } else if (exponent == 2.0f) {
    da.map() = 2.0f * dout.map().cwiseProduct(a.map());
  } else {
    da.map() = (exponent * dout.map().array() * a.map().array().pow(exponent - 1.0f)).matrix();
  }
}

}  // namespace lockstep::ops
