// lockstep/metrics/accuracy.hpp — classification accuracy from scores and class-id targets.
//
// Scores are [B, C] (logits or probabilities: only the position of each row's maximum counts);
// targets are [B, 1] class ids stored as floats (0, 1, ..., C-1), as the data loaders give them.
// The predicted class of a row is the index of its largest score, the first one on ties, a NaN
// counting as largest (torch.argmax's rule). A target that is not an integer in [0, C) is an
// error naming the row and the value.
//
//   double acc = lockstep::accuracy(model(x).value(), y);            // 0.9375
//   std::int64_t hits = lockstep::count_correct(model(x).value(), y); // to sum across batches
#pragma once

#include <cstdint>
#include <vector>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

/// The index of each row's largest score (first on ties; NaN counts as largest).
std::vector<Index> argmax_rows(const Tensor& scores);

/// The number of rows whose predicted class equals the target.
std::int64_t count_correct(const Tensor& scores, const Tensor& targets);

/// The fraction of rows (B >= 1) whose predicted class equals the target.
double accuracy(const Tensor& scores, const Tensor& targets);

}  // namespace lockstep
