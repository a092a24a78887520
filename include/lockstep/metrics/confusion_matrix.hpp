// lockstep/metrics/confusion_matrix.hpp — a confusion matrix accumulated over batches.
//
// count(target, predicted) is the number of samples of class `target` predicted as `predicted`
// (rows: true class, columns: prediction, as in scikit-learn and torchmetrics). update() takes a
// batch of scores [B, C] and class-id targets [B, 1] (see accuracy.hpp for the rules; every
// target is checked before anything is counted). precision(c) = count(c, c) / (samples
// predicted as c), recall(c) = count(c, c) / (samples of class c); each is 0 when its
// denominator is (scikit-learn's zero_division=0), and accuracy() is 0 before any sample.
// Matrices from several workers combine with merge().
//
//   lockstep::ConfusionMatrix cm(3, {"setosa", "versicolor", "virginica"});
//   for (auto& batch : loader) cm.update(model(batch.x).value(), batch.y);
//   std::cout << cm;            // the table, with recall per row and precision per column
//   double r = cm.recall(2);
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

class ConfusionMatrix {
 public:
  /// An empty num_classes x num_classes matrix; `class_names` (one per class, or none) label
  /// the printed table.
  explicit ConfusionMatrix(Index num_classes, std::vector<std::string> class_names = {});

  /// Counts each row of a batch: scores [B, num_classes], targets [B, 1].
  void update(const Tensor& scores, const Tensor& targets);
  /// Counts one sample.
  void add(Index target, Index predicted);
  /// Adds another matrix's counts (same number of classes).
  void merge(const ConfusionMatrix& other);
  /// Sets every count to zero.
  void reset();

  Index num_classes() const { return num_classes_; }
  const std::vector<std::string>& class_names() const { return names_; }
  std::int64_t count(Index target, Index predicted) const;
  /// All counts, row-major (target-major), num_classes^2 of them.
  const std::vector<std::int64_t>& counts() const { return counts_; }
  std::int64_t total() const { return total_; }

  /// The fraction of samples on the diagonal.
  double accuracy() const;
  double precision(Index cls) const;
  double recall(Index cls) const;

  /// The table: one row per true class with its recall, a last row of precisions, and the
  /// accuracy.
  std::string to_string() const;

 private:
  void check_class(Index cls, const char* what) const;

  Index num_classes_;
  std::vector<std::string> names_;
  std::vector<std::int64_t> counts_;
  std::int64_t total_ = 0;
};

std::ostream& operator<<(std::ostream& out, const ConfusionMatrix& cm);

}  // namespace lockstep
