// lockstep/tensor/ops/class_index.hpp — reading class-index targets and per-class weights, as
// gather, cross_entropy and nll_loss take them.
//
// Class indices travel as a float [B, 1] column holding integers (lockstep tensors are float
// only). Anything that is not an integer in [0, num_classes) is an error naming the operation,
// the row, the value and the number of classes. Per-class weights are a [1, C] row.
//
//   Index c = class_index(target, i, logits.cols(), "cross_entropy");  // throws when invalid
//   check_class_indices(target, logits.rows(), logits.cols(), "nll_loss");  // shape and values
//   check_class_weights(weight, logits.cols(), "nll_loss");
//   float w = class_weight(weight, c);  // 1 when weight is null
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

/// The class index in row `row` of `target`, checked to be an integer in [0, num_classes).
Index class_index(const Tensor& target, Index row, Index num_classes, const char* op);
/// Checks that `target` is a [rows, 1] column of valid class indices for `num_classes` classes.
void check_class_indices(const Tensor& target, Index rows, Index num_classes, const char* op);
/// Checks that `weight`, when not null, is a [1, num_classes] row.
void check_class_weights(const Tensor* weight, Index num_classes, const char* op);
/// The weight of class `c`: (*weight)(0, c), or 1 without weights (null).
inline float class_weight(const Tensor* weight, Index c) {
  return weight == nullptr ? 1.0f : (*weight)(0, c);
}

}  // namespace lockstep::ops
