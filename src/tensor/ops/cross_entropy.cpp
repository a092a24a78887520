#include "lockstep/tensor/ops/cross_entropy.hpp"

#include <algorithm>
#include <cmath>

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/ops/class_index.hpp"
#include "tensor/ops/check.hpp"
#include "tensor/ops/reduction.hpp"

namespace lockstep::ops {

namespace {

constexpr const char* kOp = "cross_entropy";

void check_inputs(const Tensor& logits, const Tensor& target, const Tensor* weight,
                  float label_smoothing) {
  check_class_indices(target, logits.rows(), logits.cols(), kOp);
  check_class_weights(weight, logits.cols(), kOp);
  check_label_smoothing(label_smoothing, kOp);
}

// log(sum_c exp(x_c - max)) for row i, and that max.
struct RowLse {
  float max;
  float lse;
};
RowLse row_lse(const Tensor& logits, Index i) {
  auto x = logits.map().row(i).array();
  const float max = x.maxCoeff();
  return {max, std::log((x - max).exp().sum())};
}

// sum_i w[y_i]: the divisor of Reduction::Mean (B without weights).
double weight_total(const Tensor& target, const Tensor* weight, Index classes) {
  if (weight == nullptr) return static_cast<double>(target.rows());
  double total = 0;
  for (Index i = 0; i < target.rows(); ++i) {
    total += (*weight)(0, class_index(target, i, classes, kOp));
  }
  return total;
}

}  // namespace

void check_label_smoothing(float label_smoothing, const char* op) {
  LOCKSTEP_CHECK(label_smoothing >= 0.0f && label_smoothing <= 1.0f, op,
                 ": label_smoothing must be in [0, 1], got ", label_smoothing);
}

Shape cross_entropy_shape(Shape logits, Shape target, Reduction reduction) {
  LOCKSTEP_CHECK(target == (Shape{logits.rows, 1}), kOp, ": target has shape ", target,
                 ", expected ", Shape{logits.rows, 1}, " (one class index per row of logits ",
                 logits, ")");
  return detail::reduced_shape(Shape{logits.rows, 1}, reduction);
}

void cross_entropy_forward(Tensor& out, const Tensor& logits, const Tensor& target,
                           const Tensor* weight, float label_smoothing, Reduction reduction) {
  const Shape s = cross_entropy_shape(logits.shape(), target.shape(), reduction);
  detail::check_shape(out, s, "cross_entropy_forward", "output");
  check_inputs(logits, target, weight, label_smoothing);
  const Index classes = logits.cols();
  const float eps = label_smoothing;
  double total = 0;
  for (Index i = 0; i < logits.rows(); ++i) {
    const auto [max, lse] = row_lse(logits, i);
    const Index y = class_index(target, i, classes, kOp);
    // lp[i, c] = (logits(i, c) - max) - lse: the subtraction of max is exact, so lp keeps full
    // precision even where max + lse would round (|logits| ~ 1000).
    float loss = (1.0f - eps) * class_weight(weight, y) * (lse - (logits(i, y) - max));
    if (eps > 0.0f) {
      auto lp = (logits.map().row(i).array() - max) - lse;
      const float smooth =
          weight == nullptr ? -lp.sum() : -(weight->map().row(0).array() * lp).sum();
      loss += eps / static_cast<float>(classes) * smooth;
    }
    if (reduction == Reduction::None) {
      out(i, 0) = loss;
    } else {
      total += loss;
    }
  }
  if (reduction != Reduction::None) {
    const double denominator =
        reduction == Reduction::Mean ? weight_total(target, weight, classes) : 1.0;
    out(0, 0) = detail::reduce_total(total, denominator, reduction);
  }
}

void cross_entropy_backward(Tensor& dlogits, const Tensor& dout, const Tensor& logits,
                            const Tensor& target, const Tensor* weight, float label_smoothing,
                            Reduction reduction) {
  const Shape s = cross_entropy_shape(logits.shape(), target.shape(), reduction);
  detail::check_shape(dout, s, "cross_entropy_backward", "dout");
  detail::check_shape(dlogits, logits.shape(), "cross_entropy_backward", "dlogits");
  check_inputs(logits, target, weight, label_smoothing);
  const Index classes = logits.cols();
  const float eps = label_smoothing;
  const float smooth = eps / static_cast<float>(std::max<Index>(classes, 1));
  // Row i's loss is -sum_c a_c lp_c with a_c = (1 - eps) w[y] [c == y] + (eps / C) w[c], whose
  // gradient is softmax_c * sum(a) - a_c.
  const float weight_sum = weight == nullptr ? static_cast<float>(classes) : weight->map().sum();
  float scale = 1.0f;
  if (reduction == Reduction::Sum) scale = dout(0, 0);
  if (reduction == Reduction::Mean) {
    scale = static_cast<float>(dout(0, 0) / weight_total(target, weight, classes));
  }
  for (Index i = 0; i < logits.rows(); ++i) {
    const auto [max, lse] = row_lse(logits, i);
    const Index y = class_index(target, i, classes, kOp);
    const float wy = (1.0f - eps) * class_weight(weight, y);
    auto d = dlogits.map().row(i).array();
    d = ((logits.map().row(i).array() - max) - lse).exp() * (wy + smooth * weight_sum);
    if (eps > 0.0f) {
      if (weight == nullptr) {
        d -= smooth;
      } else {
        d -= smooth * weight->map().row(0).array();
      }
    }
    d(y) -= wy;
    d *= reduction == Reduction::None ? dout(i, 0) : scale;
  }
}

}  // namespace lockstep::ops
