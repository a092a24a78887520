// lockstep/nn/loss.hpp — loss modules (torch.nn.*Loss).
//
//   lockstep::MSELoss loss_fn;                     // reduction mean
//   lockstep::Var loss = loss_fn(pred, target);    // [1, 1]
//   lockstep::MSELoss per_element(lockstep::Reduction::None);
//   lockstep::CrossEntropyLoss ce({.weight = class_weights, .label_smoothing = 0.1f});
//   lockstep::Var ce_loss = ce(logits, labels);    // logits [B, C], labels [B, 1] class indices
//   lockstep::BCEWithLogitsLoss bce;               // logits and 0/1 targets of the same shape
//
// Options are validated when the module is built; errors carry the bad value.
//
// The losses a training run names (`lockstep train --loss`, the "loss" of a model file) are one
// table, losses(), that --help, TrainConfig::validate() and make_loss() read:
//   lockstep::LossFn loss_fn = lockstep::make_loss("cross-entropy");  // mean reduction
//   for (const lockstep::LossInfo& info : lockstep::losses()) std::cout << info.name << "\n";
#pragma once

#include <functional>
#include <span>
#include <string_view>

#include "lockstep/autograd/functions.hpp"

namespace lockstep {

class MSELoss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  Var operator()(const Var& input, const Var& target) const;
  Reduction reduction() const { return reduction_; }

 private:
  Reduction reduction_;
};

class L1Loss {
 public:
  explicit L1Loss(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  Var operator()(const Var& input, const Var& target) const;
  Reduction reduction() const { return reduction_; }

 private:
  Reduction reduction_;
};

/// Cross-entropy from logits [B, C] and class indices [B, 1] (torch.nn.CrossEntropyLoss).
class CrossEntropyLoss {
 public:
  /// Throws unless label_smoothing is in [0, 1] and weight, when given, is a [1, C] row.
  explicit CrossEntropyLoss(CrossEntropyOptions options = {});
  Var operator()(const Var& logits, const Var& target) const;
  const CrossEntropyOptions& options() const { return options_; }

 private:
  CrossEntropyOptions options_;
};

/// Negative log-likelihood of log-probabilities [B, C] and class indices [B, 1]
/// (torch.nn.NLLLoss; follow a LogSoftmax).
class NLLLoss {
 public:
  /// Throws unless weight, when given, is a [1, C] row.
  explicit NLLLoss(NLLLossOptions options = {});
  Var operator()(const Var& log_probs, const Var& target) const;
  const NLLLossOptions& options() const { return options_; }

 private:
  NLLLossOptions options_;
};

/// Binary cross-entropy on logits, numerically stable (torch.nn.BCEWithLogitsLoss).
class BCEWithLogitsLoss {
 public:
  explicit BCEWithLogitsLoss(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  Var operator()(const Var& logits, const Var& target) const;
  Reduction reduction() const { return reduction_; }

 private:
  Reduction reduction_;
};

/// A batch's loss: the model's output against its targets, a [1, 1] Var (what DataParallel
/// differentiates and evaluate() averages).
using LossFn = std::function<Var(const Var& output, const Var& target)>;

struct LossInfo {
  std::string_view name;                              // "mse"
  std::string_view description;                       // a few words for --help
  Var (*loss)(const Var& output, const Var& target);  // with the mean reduction
};

/// The named losses, in a fixed order: mse, l1, cross-entropy.
std::span<const LossInfo> losses();
/// The loss named `name` (mean reduction); an unknown name is an error listing the names.
LossFn make_loss(std::string_view name);

}  // namespace lockstep
