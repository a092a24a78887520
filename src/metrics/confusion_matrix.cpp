#include "lockstep/metrics/confusion_matrix.hpp"

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "lockstep/core/error.hpp"
#include "lockstep/core/printable.hpp"
#include "lockstep/metrics/accuracy.hpp"
#include "metrics/class_ids.hpp"

namespace lockstep {

namespace {

double ratio(std::int64_t num, std::int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

ConfusionMatrix::ConfusionMatrix(Index num_classes, std::vector<std::string> class_names)
    : num_classes_(num_classes), names_(std::move(class_names)) {
  LOCKSTEP_CHECK(num_classes > 0, "ConfusionMatrix: invalid num_classes: ", num_classes);
  LOCKSTEP_CHECK(names_.empty() || static_cast<Index>(names_.size()) == num_classes,
                 "ConfusionMatrix: got ", names_.size(), " class names for ", num_classes,
                 " classes");
  counts_.assign(static_cast<std::size_t>(num_classes * num_classes), 0);
}

void ConfusionMatrix::check_class(Index cls, const char* what) const {
  LOCKSTEP_CHECK(cls >= 0 && cls < num_classes_, "ConfusionMatrix: ", what, " class ", cls,
                 " is outside [0, ", num_classes_, ")");
}

void ConfusionMatrix::update(const Tensor& scores, const Tensor& targets) {
  LOCKSTEP_CHECK(scores.defined() && scores.cols() == num_classes_,
                 "ConfusionMatrix::update: ", "scores must have ", num_classes_,
                 " columns (one per class), got ", scores.shape());
  const std::vector<Index> ids =
      detail::checked_class_ids(scores, targets, "ConfusionMatrix::update");
  const std::vector<Index> predicted = argmax_rows(scores);
  for (std::size_t r = 0; r < ids.size(); ++r) {
    ++counts_[static_cast<std::size_t>(ids[r] * num_classes_ + predicted[r])];
  }
  total_ += static_cast<std::int64_t>(ids.size());
}

void ConfusionMatrix::add(Index target, Index predicted) {
  check_class(target, "target");
  check_class(predicted, "predicted");
  ++counts_[static_cast<std::size_t>(target * num_classes_ + predicted)];
  ++total_;
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) {
  LOCKSTEP_CHECK(other.num_classes_ == num_classes_, "ConfusionMatrix::merge: ", other.num_classes_,
                 " classes into ", num_classes_);
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
}

void ConfusionMatrix::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
}

std::int64_t ConfusionMatrix::count(Index target, Index predicted) const {
  check_class(target, "target");
  check_class(predicted, "predicted");
  return counts_[static_cast<std::size_t>(target * num_classes_ + predicted)];
}

double ConfusionMatrix::accuracy() const {
  std::int64_t diagonal = 0;
  for (Index c = 0; c < num_classes_; ++c) diagonal += count(c, c);
  return ratio(diagonal, total_);
}

double ConfusionMatrix::precision(Index cls) const {
  check_class(cls, "precision of");
  std::int64_t predicted = 0;
  for (Index t = 0; t < num_classes_; ++t) predicted += count(t, cls);
  return ratio(count(cls, cls), predicted);
}

double ConfusionMatrix::recall(Index cls) const {
  check_class(cls, "recall of");
  std::int64_t actual = 0;
  for (Index p = 0; p < num_classes_; ++p) actual += count(cls, p);
  return ratio(count(cls, cls), actual);
}

std::string ConfusionMatrix::to_string() const {
  const std::string corner = "target \\ predicted";
  const std::string last_row = "precision";
  const std::string last_col = "recall";
  std::vector<std::string> labels(static_cast<std::size_t>(num_classes_));
  for (Index c = 0; c < num_classes_; ++c) {
    labels[static_cast<std::size_t>(c)] =
        names_.empty() ? std::to_string(c) : printable(names_[static_cast<std::size_t>(c)]);
  }
  std::size_t label_width = std::max(corner.size(), last_row.size());
  std::size_t cell_width = 6;  // "0.9375"
  for (const std::string& l : labels) {
    label_width = std::max(label_width, l.size());
    cell_width = std::max(cell_width, l.size());
  }
  for (std::int64_t n : counts_) cell_width = std::max(cell_width, std::to_string(n).size());
  const auto label_w = static_cast<int>(label_width);
  const auto cell_w = static_cast<int>(cell_width);

  std::ostringstream out;
  out << std::fixed << std::setprecision(4) << std::left << std::setw(label_w) << corner
      << std::right;
  for (const std::string& l : labels) out << "  " << std::setw(cell_w) << l;
  out << "  " << std::setw(cell_w) << last_col << '\n';
  for (Index t = 0; t < num_classes_; ++t) {
    out << std::left << std::setw(label_w) << labels[static_cast<std::size_t>(t)] << std::right;
    for (Index p = 0; p < num_classes_; ++p) out << "  " << std::setw(cell_w) << count(t, p);
    out << "  " << std::setw(cell_w) << recall(t) << '\n';
  }
  out << std::left << std::setw(label_w) << last_row << std::right;
  for (Index p = 0; p < num_classes_; ++p) out << "  " << std::setw(cell_w) << precision(p);
  out << '\n';
  std::int64_t diagonal = 0;
  for (Index c = 0; c < num_classes_; ++c) diagonal += count(c, c);
  out << "accuracy " << accuracy() << " (" << diagonal << " of " << total_ << ")\n";
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const ConfusionMatrix& cm) {
  return out << cm.to_string();
}

}  // namespace lockstep
