// lockstep/train/evaluate.hpp — loss (and for classifiers accuracy and a confusion matrix) of a
// model over a whole data set, in evaluation mode, without recording gradients.
//
//   lockstep::LossFn loss_fn = lockstep::make_loss("cross-entropy");   // nn/loss.hpp
//   lockstep::EvalResult r = lockstep::evaluate(model, loss_fn, x, y, /*num_classes=*/10);
//   std::printf("loss: %.4f accuracy: %.4f\n", r.loss, r.accuracy);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lockstep/data/dataset.hpp"
#include "lockstep/metrics/confusion_matrix.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/nn/module.hpp"

namespace lockstep {

struct EvalResult {
  double loss = 0;
  double accuracy = 0;                       // classification only
  std::optional<ConfusionMatrix> confusion;  // classification only
};

/// The sample-weighted mean loss over x/y in batches of `batch_size`; num_classes > 0 adds
/// accuracy and the confusion matrix. The model's training mode is restored afterwards.
EvalResult evaluate(Module& model, const LossFn& loss, const Tensor& x, const Tensor& y,
                    Index num_classes, const std::vector<std::string>& class_names = {},
                    Index batch_size = 1024);
/// The same over every sample of `data`, read in batches of `batch_size` into buffers
/// allocated once (a mapped .npy validation set is never loaded whole).
EvalResult evaluate(Module& model, const LossFn& loss, const Dataset& data, Index num_classes,
                    const std::vector<std::string>& class_names = {}, Index batch_size = 1024);

}  // namespace lockstep
