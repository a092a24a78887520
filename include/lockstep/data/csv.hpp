// lockstep/data/csv.hpp — comma-separated files with a header line, read into a feature matrix
// and a target column (what pandas.read_csv followed by a column split does).
//
// The format is RFC 4180: fields may be double-quoted (then they may hold the delimiter, line
// breaks, and "" for one quote); lines end in \n, \r\n or \r; the last line may or may not end
// in one; a UTF-8 byte-order mark is skipped; empty lines are skipped. Feature values must be
// numbers (parse_float below); there are no missing values.
//
// Feature columns may be chosen by name, in any order of the file's (columns not chosen are
// never parsed); every missing column is named in one error. The target is the last column
// unless chosen by name or position, or there is none (read_target = false, for new data to
// predict on). Its values decide what it is (CsvTargetKind::kAuto): all numbers → a
// regression target, kept as numbers; no numbers → class labels, mapped to class ids 0..k-1
// in sorted order (class_names[id] is the label); a mix is an error, since that is usually a
// typo in a numeric column. kClasses forces labels (numeric labels then sort by value: "2"
// before "10"), kNumeric forces numbers.
//
// Every problem is a lockstep::Error naming the source, the line and the column:
//   "iris.csv line 7: expected 5 fields, got 4"
//   "iris.csv line 3, column 'sepal_width': 'abc' is not a number"
//
//   lockstep::CsvData iris = lockstep::read_csv("data/iris.csv");
//   // iris.features: [150, 4]; iris.targets: [150, 1] holding 0, 1, 2
//   // iris.class_names: {"setosa", "versicolor", "virginica"}
//   auto ds = iris.dataset();   // std::shared_ptr<TensorDataset>
//   lockstep::CsvData d = lockstep::read_csv("data.csv", {.target = "price", .drop = {"id"}});
//   lockstep::CsvData x = lockstep::read_csv("new.csv", {.features = {"b", "a"},
//                                                         .read_target = false});
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockstep/data/tensor_dataset.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

enum class CsvTargetKind {
  kAuto,     // numbers → regression, strings → classes, a mix → error
  kNumeric,  // every target value must be a number
  kClasses,  // every target value is a class label (even when it looks like a number)
};

struct CsvOptions {
  /// Target column by name; empty: target_index decides.
  std::string target{};
  /// Target column by position; negative counts from the end (-1: the last column).
  Index target_index = -1;
  /// Feature columns by name, in the wanted order; empty: every column except the target.
  std::vector<std::string> features{};
  /// Columns to leave out of the features (by name).
  std::vector<std::string> drop{};
  CsvTargetKind target_kind = CsvTargetKind::kAuto;
  char delimiter = ',';
  /// Accept "nan" and "inf" (any case, with sign) as values.
  bool allow_nonfinite = false;
  /// false: features only (new data to predict on): no target column is needed, targets
  /// stays undefined and target_name empty; target_index is not used, and without `features`
  /// every column is a feature but one named `target`, when the file has it.
  bool read_target = true;
};

struct CsvData {
  Tensor features;  // [rows, feature_names.size()]
  Tensor targets;   // [rows, 1]: numbers, or class ids 0..k-1 as floats; undefined without one
  std::vector<std::string> feature_names;
  std::string target_name;
  std::vector<std::string> class_names;  // class id → label; empty for a numeric target

  Index size() const { return features.rows(); }
  bool is_classification() const { return !class_names.empty(); }
  Index num_classes() const { return static_cast<Index>(class_names.size()); }
  /// The data as a TensorDataset (shares the tensors).
  std::shared_ptr<TensorDataset> dataset() const;
};

/// Reads a CSV file; errors name `path`.
CsvData read_csv(const std::filesystem::path& path, const CsvOptions& options = {});

/// Parses CSV text; errors name `source` (a file name, or "<string>").
CsvData parse_csv(std::string_view text, const CsvOptions& options = {},
                  std::string_view source = "<string>");

/// The float32 value of a decimal number, or nothing. Surrounding spaces and tabs are ignored;
/// a leading '+' is allowed; anything else after the number (trailing junk), an empty text,
/// hexadecimal, and a value beyond float32's range are rejected; "nan" and "inf"/"infinity"
/// only when allow_nonfinite. The text is read as a double and then rounded to float, as numpy
/// and pandas do (read float64, then astype(float32)).
std::optional<float> parse_float(std::string_view text, bool allow_nonfinite = false);

}  // namespace lockstep
