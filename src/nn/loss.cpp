#include "lockstep/nn/loss.hpp"

#include <array>
#include <cmath>
#include <string>

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/ops/cross_entropy.hpp"

namespace lockstep {

Var MSELoss::operator()(const Var& input, const Var& target) const {
  return mse_loss(input, target, reduction_);
}

namespace {

// A class-weight tensor must be a non-empty [1, C] row of finite numbers.
void check_weight(const Tensor& weight, const char* module) {
  if (!weight.defined()) return;
  LOCKSTEP_CHECK(weight.rows() == 1 && weight.cols() > 0, module,
                 ": weight must be a [1, C] row with one weight per class, got shape ",
                 weight.shape());
  for (Index c = 0; c < weight.cols(); ++c) {
    LOCKSTEP_CHECK(std::isfinite(weight(0, c)), module, ": weight of class ", c, " is ",
                   weight(0, c));
  }
}

}  // namespace

Var L1Loss::operator()(const Var& input, const Var& target) const {
  return l1_loss(input, target, reduction_);
}

CrossEntropyLoss::CrossEntropyLoss(CrossEntropyOptions options) : options_(std::move(options)) {
  ops::check_label_smoothing(options_.label_smoothing, "CrossEntropyLoss");
  check_weight(options_.weight, "CrossEntropyLoss");
}

Var CrossEntropyLoss::operator()(const Var& logits, const Var& target) const {
  return cross_entropy(logits, target, options_);
}

NLLLoss::NLLLoss(NLLLossOptions options) : options_(std::move(options)) {
  check_weight(options_.weight, "NLLLoss");
}

Var NLLLoss::operator()(const Var& log_probs, const Var& target) const {
  return nll_loss(log_probs, target, options_);
}

Var BCEWithLogitsLoss::operator()(const Var& logits, const Var& target) const {
  return bce_with_logits(logits, target, reduction_);
}

namespace {

constexpr std::array<LossInfo, 3> kLosses = {{
    {"mse", "mean squared error", [](const Var& o, const Var& t) { return MSELoss()(o, t); }},
    {"l1", "mean absolute error", [](const Var& o, const Var& t) { return L1Loss()(o, t); }},
    {"cross-entropy", "softmax of the logits against class labels",
     [](const Var& o, const Var& t) { return CrossEntropyLoss()(o, t); }},
}};

}  // namespace

std::span<const LossInfo> losses() { return kLosses; }

LossFn make_loss(std::string_view name) {
  for (const LossInfo& info : kLosses) {
    if (info.name == name) return info.loss;
  }
  std::string names;
  for (const LossInfo& info : kLosses) {
    if (!names.empty()) names += ", ";
    names += info.name;
  }
  detail::throw_error(detail::str_cat("unknown loss '", name, "'; the losses are: ", names));
}

}  // namespace lockstep
