#include "lockstep/tensor/ops/class_index.hpp"

#include <cmath>

#include "lockstep/core/error.hpp"

namespace lockstep::ops {

Index class_index(const Tensor& target, Index row, Index num_classes, const char* op) {
  const float value = target(row, 0);
  LOCKSTEP_CHECK(std::isfinite(value) && std::floor(value) == value, op, ": class index ", value,
                 " in row ", row, " is not an integer (expected one of ", num_classes, " classes)");
  LOCKSTEP_CHECK(value >= 0.0f && value < static_cast<float>(num_classes), op, ": class index ",
                 value, " in row ", row, " is out of range for ", num_classes, " classes");
  return static_cast<Index>(value);
}

void check_class_indices(const Tensor& target, Index rows, Index num_classes, const char* op) {
  LOCKSTEP_CHECK(target.shape() == (Shape{rows, 1}), op, ": target has shape ", target.shape(),
                 ", expected ", Shape{rows, 1}, " (one class index per row of the input)");
  for (Index i = 0; i < rows; ++i) class_index(target, i, num_classes, op);
}

void check_class_weights(const Tensor* weight, Index num_classes, const char* op) {
  if (weight == nullptr) return;
  LOCKSTEP_CHECK(weight->shape() == (Shape{1, num_classes}), op, ": weight has shape ",
                 weight->shape(), ", expected ", Shape{1, num_classes}, " (one weight per class)");
}

}  // namespace lockstep::ops
