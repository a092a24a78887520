#include "lockstep/metrics/accuracy.hpp"

#include <cmath>

#include "lockstep/core/error.hpp"
#include "metrics/class_ids.hpp"

namespace lockstep {

namespace detail {

std::vector<Index> checked_class_ids(const Tensor& scores, const Tensor& targets, const char* who) {
  LOCKSTEP_CHECK(scores.defined() && scores.rows() > 0 && scores.cols() > 0, who,
                 ": scores must be [batch, classes] with both >= 1, got ", scores.shape());
  LOCKSTEP_CHECK(targets.defined() && targets.rows() == scores.rows() && targets.cols() == 1, who,
                 ": targets must be [", scores.rows(), ", 1] (one class id per row of the ",
                 scores.shape(), " scores), got ", targets.shape());
  const Index num_classes = scores.cols();
  std::vector<Index> ids(static_cast<std::size_t>(targets.rows()));
  for (Index r = 0; r < targets.rows(); ++r) {
    const float v = targets(r, 0);
    LOCKSTEP_CHECK(std::isfinite(v) && v == std::floor(v), who, ": target at row ", r, " is ", v,
                   ", not an integer class id");
    LOCKSTEP_CHECK(v >= 0 && v < static_cast<float>(num_classes), who, ": target at row ", r,
                   " is ", v, ", outside the class range [0, ", num_classes, ")");
    ids[static_cast<std::size_t>(r)] = static_cast<Index>(v);
  }
  return ids;
}

}  // namespace detail

std::vector<Index> argmax_rows(const Tensor& scores) {
  LOCKSTEP_CHECK(scores.defined() && scores.cols() > 0,
                 "argmax_rows: scores must have at least one column, got ", scores.shape());
  std::vector<Index> out(static_cast<std::size_t>(scores.rows()));
  for (Index r = 0; r < scores.rows(); ++r) {
    Index best = 0;
    float best_value = scores(r, 0);
    for (Index c = 1; c < scores.cols() && !std::isnan(best_value); ++c) {
      const float v = scores(r, c);
      if (std::isnan(v) || v > best_value) {
        best = c;
        best_value = v;
      }
    }
    out[static_cast<std::size_t>(r)] = best;
  }
  return out;
}

namespace {

std::int64_t hits(const Tensor& scores, const Tensor& targets, const char* who) {
  const std::vector<Index> ids = detail::checked_class_ids(scores, targets, who);
  const std::vector<Index> predicted = argmax_rows(scores);
  std::int64_t n = 0;
  for (std::size_t r = 0; r < ids.size(); ++r) n += predicted[r] == ids[r] ? 1 : 0;
  return n;
}

}  // namespace

std::int64_t count_correct(const Tensor& scores, const Tensor& targets) {
  return hits(scores, targets, "count_correct");
}

double accuracy(const Tensor& scores, const Tensor& targets) {
  return static_cast<double>(hits(scores, targets, "accuracy")) /
         static_cast<double>(scores.rows());
}

}  // namespace lockstep
