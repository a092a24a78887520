// Shared by the metrics: checking scores [B, C] against class-id targets [B, 1].
#pragma once

#include <vector>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::detail {

/// Checks that `scores` is [B, C] with B, C >= 1 and `targets` is [B, 1] holding integers in
/// [0, C); returns the targets as indices. Errors start with `who` and name the row and value.
std::vector<Index> checked_class_ids(const Tensor& scores, const Tensor& targets, const char* who);

}  // namespace lockstep::detail
